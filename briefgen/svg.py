"""SVG images that authors provide: their text is checked and set in the shipped fonts.

WeasyPrint draws an SVG's `<text>` with the font-family the SVG names; a family the
templates do not ship ("DejaVu Sans", "Arial", "sans-serif") falls back to whatever
the machine has. So every font-family in the SVG is replaced by the shipped families
before WeasyPrint sees it, and the glyph check reads the same text the SVG prints.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
TEXT_ELEMENTS = {"text", "tspan", "textPath"}
_FONT_FAMILY = re.compile(r"font-family\s*:[^;}]*;?", re.I)
_FONT_SHORTHAND = re.compile(r"\bfont\s*:\s*([^;}]*)", re.I)
_SIZE = re.compile(r"[\d.]+(?:px|pt|em|rem|%)?(?:/[\d.]+\w*)?")


class SvgProblem(ValueError):
    """The file is not an SVG that can be read."""


def _parse(data: bytes) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise SvgProblem(f"not readable as SVG: {exc}") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def printed_text(data: bytes) -> str:
    """The text an SVG prints: everything inside its text elements."""
    root = _parse(data)
    parts = [
        "".join(element.itertext())
        for element in root.iter()
        if isinstance(element.tag, str) and _local(element.tag) == "text"
    ]
    return "\n".join(parts)


def with_font_family(data: bytes, family: str) -> bytes:
    """The SVG with every font choice replaced by `family` (a comma-separated list).

    Attributes and `style` declarations are dropped and the family is set on the root,
    where every text element inherits it; the `font` shorthand keeps only its size,
    and `<style>` sheets lose their font-family declarations.
    """
    ET.register_namespace("", SVG_NAMESPACE)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = _parse(data)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        element.attrib.pop("font-family", None)
        if "font" in element.attrib:
            element.set("font-size", _font_size(element.attrib.pop("font")))
        style = element.get("style")
        if style:
            element.set("style", _restyle(style))
        if _local(element.tag) == "style" and element.text:
            element.text = _restyle(element.text)
    root.set("font-family", family)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _font_size(shorthand: str) -> str:
    """The size in a `font:` shorthand, e.g. `bold 10px 'DejaVu Sans'` → `10px`."""
    found = next((m[0] for m in _SIZE.finditer(shorthand) if m[0][0].isdigit()), "")
    return found.split("/")[0] or "medium"


def _restyle(css: str) -> str:
    css = _FONT_FAMILY.sub("", css)
    return _FONT_SHORTHAND.sub(lambda m: f"font-size: {_font_size(m[1])}", css)
