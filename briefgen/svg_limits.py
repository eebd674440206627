"""How much an SVG may ask WeasyPrint to draw, judged before it is drawn.

A 1.8 KB SVG of nine nested groups of ten `<use>` references to the group before draws
10⁹ elements and held a build for minutes; an SVG that refers to other files or the
network is refused while rendering, far from the line that included it. Both are caught
from the file alone, by `briefgen check` and again by the PDF stage's URL fetcher.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

MAX_SVG_ELEMENTS = 5_000
"""Elements written in the file. WeasyPrint draws about 3,000 a second."""
MAX_SVG_DRAWN = 5_000
"""Elements drawn once every `<use>` is expanded to what it refers to."""
MAX_PATH_CHARS = 250_000
"""Characters of coordinates in `d` and `points` attributes: drawing 100,000 path
segments (680 KB) took 4 s."""
MAX_USE_DEPTH = 8
"""`<use>` of an element that itself holds a `<use>` …, this many deep."""

_HREFS = ("href", "{http://www.w3.org/1999/xlink}href")
_URL = re.compile(r"url\(\s*['\"]?\s*([^)'\"\s]*)", re.I)
_IMPORT = re.compile(r"@import", re.I)


def looks_like_svg(data: bytes) -> bool:
    """XML, which is how WeasyPrint tries a file that Pillow cannot read."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def svg_problem(data: bytes) -> str | None:
    """Why this SVG must not be drawn, or None (also for data that is not XML at all)."""
    import defusedxml.ElementTree
    from defusedxml import DefusedXmlException

    if not looks_like_svg(data):
        return None
    try:
        root = defusedxml.ElementTree.fromstring(data)
    except DefusedXmlException:
        return "SVG declares XML entities or a DTD; remove its <!DOCTYPE …> part"
    except Exception:  # not well-formed: WeasyPrint cannot draw it either, and says so
        return None
    elements = list(root.iter())
    if len(elements) > MAX_SVG_ELEMENTS:
        return (
            f"SVG has {len(elements):,} elements, over the limit of {MAX_SVG_ELEMENTS:,}; "
            "simplify it or save it as PNG"
        )
    coordinates = sum(len(e.get("d") or "") + len(e.get("points") or "") for e in elements)
    if coordinates > MAX_PATH_CHARS:
        return (
            f"SVG paths hold {coordinates:,} characters of coordinates, over the limit of "
            f"{MAX_PATH_CHARS:,}; simplify the paths or save it as PNG"
        )
    for element in elements:
        outside = _outside_reference(element)
        if outside is not None:
            shown = outside if len(outside) <= 60 else outside[:59] + "…"
            return (
                f'SVG refers to "{shown}"; an image in a briefing may use only what is inside '
                "it, so embed that part or remove the reference"
            )
    return _use_problem(root, elements)


def _outside_reference(element: Element) -> str | None:
    """A reference to anything but this file's own elements or inline data."""
    targets = [element.get(name) or "" for name in _HREFS]
    text = " ".join(element.attrib.values())
    if element.tag.rsplit("}", 1)[-1] == "style":
        text += " " + (element.text or "")
        if _IMPORT.search(element.text or ""):
            return "@import"
    targets += _URL.findall(text)
    for target in targets:
        target = target.strip()
        if target and not target.startswith(("#", "data:")):
            return target
    return None


def _use_problem(root: Element, elements: list[Element]) -> str | None:
    """Count what drawing costs once every `<use>` is replaced by what it refers to."""
    by_id = {e.get("id"): e for e in elements if e.get("id")}
    measured: dict[int, tuple[int, int]] = {}
    """Per element: (elements drawn, deepest chain of `<use>` below it)."""
    open_elements: set[int] = set()

    class TooMuch(Exception):
        pass

    def cost(element: Element) -> tuple[int, int]:
        key = id(element)
        if key in measured:
            return measured[key]
        if key in open_elements:  # a <use> of itself or of an element holding it
            raise TooMuch
        open_elements.add(key)
        drawn, chain = 1, 0
        for child in element:
            child_drawn, child_chain = cost(child)
            drawn, chain = drawn + child_drawn, max(chain, child_chain)
        target = next((element.get(n) or "" for n in _HREFS if element.get(n)), "")
        referenced = by_id.get(target[1:]) if target.startswith("#") else None
        if element.tag.rsplit("}", 1)[-1] == "use" and referenced is not None:
            used_drawn, used_chain = cost(referenced)
            drawn, chain = drawn + used_drawn, max(chain, used_chain + 1)
        open_elements.discard(key)
        if drawn > MAX_SVG_DRAWN or chain > MAX_USE_DEPTH:
            raise TooMuch
        measured[key] = drawn, chain
        return drawn, chain

    try:
        cost(root)
    except (TooMuch, RecursionError):
        return (
            f"SVG draws too much through <use> references (over {MAX_SVG_DRAWN:,} elements, "
            f"or <use> nested over {MAX_USE_DEPTH} deep, or a <use> of itself); "
            "simplify it or save it as PNG"
        )
    return None
