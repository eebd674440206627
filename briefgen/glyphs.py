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
from urllib.parse import unquote

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
        field = ".".join(str(part) for part in location)
        errors.append(
            loaded.error(
                location,
                f"{field}: {missing_message(missing)}; replace or remove it, or add a font "
                "covering it to templates/base/fonts",
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
    errors += data_file_errors(loaded, covered) + svg_image_errors(loaded, covered)
    if errors:
        raise ContentErrors(errors)


def missing_message(missing: list[str]) -> str:
    listed = ", ".join(describe_character(c) for c in missing[:MAX_LISTED])
    more = f" and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else ""
    return f"no shipped font has a glyph for {listed}{more}"


def data_file_errors(loaded: LoadedYaml, covered: frozenset[int]) -> list[BriefgenError]:
    """The CSV cells behind tables and charts print too: each uncovered one at its line."""
    from briefgen.data import printed_cells, read_data

    folder = loaded.path.parent
    errors: list[BriefgenError] = []
    for key in ("figures", "tables"):
        blocks = loaded.data.get(key)
        for block in blocks if isinstance(blocks, list) else []:
            name = block.get("data") if isinstance(block, dict) else None
            path = (
                (folder / name).resolve() if isinstance(name, str) and "\x00" not in name else None
            )
            if path is None or not path.is_relative_to(folder.resolve()) or not path.is_file():
                continue  # validation reports it
            try:
                data = read_data(path)
            except BriefgenError:
                continue  # validation reports it
            for line, cell in printed_cells(data):
                missing = missing_characters(cell, covered)
                if missing:
                    message = f"{missing_message(missing)}; replace it in the data file"
                    errors.append(BriefgenError(message, path, line))
                    break
    return errors


def svg_image_errors(loaded: LoadedYaml, covered: frozenset[int]) -> list[BriefgenError]:
    """An SVG image's text prints in the shipped fonts: a character they lack is an error."""
    from briefgen.markup import images_in
    from briefgen.svg import SvgProblem, printed_text

    folder = loaded.path.parent.resolve()
    errors: list[BriefgenError] = []
    for location, text in strings_in(loaded.data):
        if "![" not in text and "<img" not in text.lower():
            continue
        for image in images_in(text):
            path = (folder / unquote(image.src.split("#")[0])).resolve()
            if path.suffix.lower() != ".svg" or not path.is_relative_to(folder):
                continue
            try:
                missing = missing_characters(printed_text(path.read_bytes()), covered)
            except (OSError, SvgProblem):
                continue  # the image check and the renderer report an unreadable file
            if missing:
                field = ".".join(map(str, location))
                errors.append(
                    loaded.error(
                        location,
                        f'in {field}: the text of image "{image.src}": {missing_message(missing)}; '
                        "change the SVG's text, or add a font covering it to templates/base/fonts",
                    )
                )
    return errors


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
