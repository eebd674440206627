"""The shipped fonts: every font file in `templates/base/fonts` is declared and used.

Adding a `.ttf` or `.otf` file there is all it takes. Its family, weight and style are
read from the file, an `@font-face` rule is generated for it, and its family joins every
font-family list, after the list's own family. So a character that the body font lacks
(`≈`, `→`) comes from a shipped symbol font, never from a font the machine happens to
have, and the glyph check (`briefgen/glyphs.py`) and the PDF agree on what prints.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from briefgen.errors import BriefgenError
from briefgen.output import write_atomically
from briefgen.paths import BASE_FOLDER, user_cache_folder

FONTS_FOLDER = "fonts"
FONT_CACHE = "fonts"
"""The user cache's folder for what was read from the shipped fonts."""
FONT_SUFFIXES = {".ttf": "truetype", ".otf": "opentype"}
ITALIC_BIT = 0x01
"""OS/2 fsSelection bit 0: the face is italic."""


@dataclass(frozen=True)
class FontFile:
    path: Path
    family: str
    weight: int
    italic: bool
    codepoints: frozenset[int]


def fonts_folder(templates: Path) -> Path:
    return templates / BASE_FOLDER / FONTS_FOLDER


def shipped_fonts(templates: Path) -> tuple[FontFile, ...]:
    """Every font file in the folder, read once per version of the folder's files."""
    folder = fonts_folder(templates).resolve()
    files = sorted(p for p in folder.glob("*") if p.suffix.lower() in FONT_SUFFIXES)
    if not files:
        raise BriefgenError(
            "no .ttf or .otf fonts here; the templates must ship their fonts", folder
        )
    signature = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    return _read(folder, signature)


@lru_cache(maxsize=8)
def _read(folder: Path, signature: tuple[tuple[str, int, int], ...]) -> tuple[FontFile, ...]:
    """The fonts, from the user's cache when these very files were read before."""
    cache = user_cache_folder(FONT_CACHE)
    key = hashlib.sha256(json.dumps([str(folder), signature]).encode()).hexdigest()[:32]
    remembered = cache / f"{key}.json" if cache is not None else None
    if remembered is not None:
        fonts = _from_json(folder, remembered)
        if fonts is not None:
            return fonts
    fonts = tuple(read_font(folder / name) for name, _, _ in signature)
    if remembered is not None:
        with contextlib.suppress(OSError):  # a cache: the build goes on without it
            write_atomically(remembered, json.dumps([_to_json(f) for f in fonts]).encode())
    return fonts


def _to_json(font: FontFile) -> dict[str, Any]:
    points = sorted(font.codepoints)
    # Runs of consecutive code points: a font's few thousand make a few hundred ranges.
    starts = [p for i, p in enumerate(points) if i == 0 or points[i - 1] != p - 1]
    ends = [p for i, p in enumerate(points) if i + 1 == len(points) or points[i + 1] != p + 1]
    return {
        "file": font.path.name,
        "family": font.family,
        "weight": font.weight,
        "italic": font.italic,
        "ranges": list(zip(starts, ends, strict=True)),
    }


def _from_json(folder: Path, path: Path) -> tuple[FontFile, ...] | None:
    """The cached fonts, or None if the file is missing or not what `_to_json` wrote."""
    try:
        data = json.loads(path.read_text("utf-8"))
        return tuple(
            FontFile(
                folder / str(entry["file"]),
                str(entry["family"]),
                int(entry["weight"]),
                bool(entry["italic"]),
                _code_points(entry["ranges"]),
            )
            for entry in data
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _code_points(ranges: list[list[int]]) -> frozenset[int]:
    points: set[int] = set()
    for start, end in ranges:
        if not 0 <= int(start) <= int(end) <= sys.maxunicode:
            raise ValueError("not a range of code points")
        points.update(range(int(start), int(end) + 1))
    return frozenset(points)


def read_font(path: Path) -> FontFile:
    """Family (the typographic family, so `SemiBold` is a weight), weight, style, cmap."""
    from fontTools.ttLib import TTFont

    try:
        with TTFont(path, lazy=True) as font:
            names = font["name"]
            family = names.getDebugName(16) or names.getDebugName(1)
            os2 = font["OS/2"]
            weight = int(os2.usWeightClass)
            italic = bool(os2.fsSelection & ITALIC_BIT)
            codepoints = frozenset(font.getBestCmap() or {})
    except Exception as exc:  # fontTools raises many kinds for a damaged file
        raise BriefgenError(f"cannot read font: {exc}", path) from None
    if not family:
        raise BriefgenError("the font has no family name (name ID 1 or 16)", path)
    return FontFile(path, family, weight, italic, codepoints)


def families(templates: Path) -> list[str]:
    """Shipped families, each once, in file order."""
    return list(dict.fromkeys(font.family for font in shipped_fonts(templates)))


def fallback_families(primary: str, templates: Path) -> list[str]:
    """`primary`, then its companions (`Noto Serif Armenian`), then every other family.

    Only shipped families, and no generic `serif`/`sans-serif` at the end: a character
    none of them has is stopped by the glyph check before it could reach a machine font.
    """
    others = sorted(f for f in families(templates) if f != primary)
    companions = [f for f in others if f.startswith(f"{primary} ")]
    return [primary, *companions, *(f for f in others if f not in companions)]


def css_family(name: str) -> str:
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def font_stack(primary: str, templates: Path) -> str:
    """A CSS `font-family` value: `primary` and the shipped fallbacks."""
    return ", ".join(css_family(f) for f in fallback_families(primary, templates))


def svg_font_family(primary: str, templates: Path) -> str:
    """The same list for an SVG `font-family` attribute: WeasyPrint's SVG renderer splits
    it at commas and strips quotes, but not the spaces before them, so no quotes here."""
    return ",".join(fallback_families(primary, templates))


def font_face_css(templates: Path) -> str:
    """One `@font-face` rule per shipped font file, with absolute file URLs."""
    rules = []
    for font in shipped_fonts(templates):
        rules.append(
            "@font-face {\n"
            f"  font-family: {css_family(font.family)};\n"
            f'  src: url("{font.path.as_uri()}") '
            f'format("{FONT_SUFFIXES[font.path.suffix.lower()]}");\n'
            f"  font-weight: {font.weight};\n"
            f"  font-style: {'italic' if font.italic else 'normal'};\n"
            "}\n"
        )
    return "".join(rules)
