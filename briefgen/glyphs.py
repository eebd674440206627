"""Every character must print: check text against the shipped fonts before rendering.

WeasyPrint never fails on a missing glyph: it falls back to whatever fonts the machine
has, or prints tofu. So the output would depend on the machine. Instead, every string
that can reach the page is checked against the cmaps of the fonts in
`templates/base/fonts` (the same files `briefgen/fonts.py` declares to WeasyPrint),
and a character none of them covers is an error that names the character and the field.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from briefgen.audience import Audience
from briefgen.errors import BriefgenError
from briefgen.fonts import FontFile, shipped_fonts
from briefgen.load import LoadedYaml, Location, strings_in
from briefgen.validate import ContentErrors

NOT_PRINTED_KEYS = frozenset({"only_for", "hide_for", "priority", "language"})
"""Briefing keys whose values steer the build but never appear on the page."""

PRINTED_AUDIENCE_KEYS = ("marking", "organisation", "date_format", "months", "labels")
"""Audience config that the templates print; description, palette, fonts etc. do not."""
NOT_PRINTED_AUDIENCE_PATHS: frozenset[Location] = frozenset({("organisation", "logo")})

MAX_LISTED = 3
"""Missing characters named per field; one is usually enough to find the rest."""


def covered_codepoints(templates: Path) -> frozenset[int]:
    """Code points that at least one shipped font maps to a glyph; read once per process."""
    return _covered(shipped_fonts(templates))


@lru_cache(maxsize=8)
def _covered(fonts: tuple[FontFile, ...]) -> frozenset[int]:
    return frozenset().union(*(font.codepoints for font in fonts))


def needs_glyph(char: str) -> bool:
    """Line breaks, tabs and invisible format characters (soft hyphen, ZWJ) draw nothing."""
    return unicodedata.category(char) not in {"Cc", "Cf", "Zl", "Zp"}


def missing_characters(text: str, covered: frozenset[int]) -> list[str]:
    """Characters of `text` that no shipped font covers, each once, in order of appearance."""
    missing: dict[str, None] = {}
    for char in text:
        if ord(char) not in covered and needs_glyph(char):
            missing[char] = None
    return list(missing)


def describe_character(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    return f'"{char}" (U+{ord(char):04X} {name})'


def field_errors(
    loaded: LoadedYaml,
    strings: Iterator[tuple[Location, str]],
    covered: frozenset[int],
    skip_paths: frozenset[Location] = frozenset(),
) -> list[BriefgenError]:
    errors = []
    for location, text in strings:
        if location in skip_paths:
            continue
        missing = missing_characters(text, covered)
        if not missing:
            continue
        listed = ", ".join(describe_character(c) for c in missing[:MAX_LISTED])
        more = f" and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else ""
        field = ".".join(str(part) for part in location)
        errors.append(
            loaded.error(
                location,
                f"{field}: no shipped font has a glyph for {listed}{more}; replace or remove "
                "it, or add a font covering it to templates/base/fonts",
            )
        )
    return errors


def source_file_names(data: object) -> frozenset[Location]:
    """`sources[i].text` names a file; it is read, never printed."""
    sources = data.get("sources") if isinstance(data, dict) else None
    count = len(sources) if isinstance(sources, list) else 0
    return frozenset(("sources", i, "text") for i in range(count))


def check_briefing_glyphs(loaded: LoadedYaml, templates: Path) -> None:
    """Raise one error per briefing field holding a character the shipped fonts lack."""
    covered = covered_codepoints(templates)
    strings = strings_in(loaded.data, skip_keys=NOT_PRINTED_KEYS)
    errors = field_errors(loaded, strings, covered, source_file_names(loaded.data))
    if errors:
        raise ContentErrors(errors)


def check_audience_glyphs(audience: Audience, templates: Path) -> None:
    """The same for the words the templates print from the audience config.

    Both files are checked, each reporting its own lines: the base config's labels are
    printed for every audience that does not override them.
    """
    covered = covered_codepoints(templates)
    errors: list[BriefgenError] = []
    for loaded in audience.config_files:
        strings = (
            found
            for key in PRINTED_AUDIENCE_KEYS
            if key in loaded.data
            for found in strings_in(loaded.data[key], (key,))
        )
        errors += field_errors(loaded, strings, covered, NOT_PRINTED_AUDIENCE_PATHS)
    if errors:
        raise ContentErrors(errors)
