"""The one place that reads WeasyPrint's laid-out box tree.

WeasyPrint exposes pages, not boxes: `Page._page_box` and the box classes are private
API (checked against WeasyPrint 70). Everything else in briefgen sees the plain records
below: where each element's boxes landed (`Fragment`) and every run of text or replaced
content with what decides whether a reader can see it (`Ink`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

TRANSPARENT = (0.0, 0.0, 0.0, 0.0)
WHITE = (1.0, 1.0, 1.0, 1.0)
RGBA = tuple[float, float, float, float]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    def contains(self, other: Rect, tolerance: float = 0.5, vertical: float | None = None) -> bool:
        """Whether `other` lies inside, give or take `tolerance` (`vertical` up and down)."""
        slack = tolerance if vertical is None else vertical
        return (
            other.x >= self.x - tolerance
            and other.y >= self.y - slack
            and other.right <= self.right + tolerance
            and other.bottom <= self.bottom + slack
        )


@dataclass(frozen=True)
class Fragment:
    """One box of an element on one page (an element split over pages has several)."""

    element: Any
    """The element (a tinyhtml5/ElementTree element) the box was made for."""
    page: int
    border: Rect
    margin_top: float
    margin_bottom: float
    content_bottom: float
    """The lowest border-box bottom of anything inside, so blank space below doesn't count."""
    inset_bottom: float
    """Bottom padding and border: what the box adds below its content."""

    @property
    def content_height(self) -> float:
        return max(0.0, self.content_bottom - self.border.y)

    @property
    def natural_height(self) -> float:
        """The height the box would have if nothing stretched it (e.g. a flex or grid item)."""
        return self.content_height + self.inset_bottom


@dataclass(frozen=True)
class Ink:
    """A run of laid-out text, or a replaced element such as an inline SVG (`text` None)."""

    text: str | None
    element: Any
    page: int
    rect: Rect
    visible: bool
    """`visibility: visible`."""
    font_size: float
    opacity: float
    """The product of this box's and its ancestors' opacity."""
    colour: RGBA
    background: RGBA
    """The colour behind it: the nearest opaque background, or the page's."""
    clips: tuple[tuple[Rect, Any], ...]
    """Padding boxes of ancestors whose overflow hides what leaves them, with their element."""
    container: Rect
    """The padding box of the block it is set in; text reaching past it overflows."""
    generated: bool
    """Inside `::before`, `::after` or `::marker`: not text of the document."""


@dataclass(frozen=True)
class Line:
    """A line box: the fit predicts how text rewraps at other sizes from these."""

    element: Any
    """The block the line belongs to."""
    rect: Rect
    used: float
    """The width its content takes (text and inline boxes)."""
    font_size: float = 0.0
    """The block's font size."""
    hyphenated: bool = False
    """It ends in a word broken with a hyphen (inserted by hyphenation, or the word's own)."""
    text: str = ""
    available: float = 0.0
    """The width the line could take: its block's content width (a line box of ragged
    text is only as wide as its content)."""


@dataclass
class PageView:
    index: int
    sheet: Rect
    content: Rect
    """The page area inside the margins."""
    fragments: list[Fragment] = field(default_factory=list)
    inks: list[Ink] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    """Line boxes of the page area (not the margin boxes)."""
    content_bottom: float = 0.0
    """The lowest content of the flow (margin boxes and footnote area not counted)."""
    footnotes: float = 0.0
    """The height the footnote area takes at the foot of the page area."""

    @property
    def content_height(self) -> float:
        return max(0.0, self.content_bottom - self.content.y)


def _root_box(document: Any) -> Any:
    from weasyprint.formatting_structure import boxes

    page_box = document.pages[0]._page_box
    for child in page_box.children:
        if not isinstance(child, boxes.MarginBox):
            return child
    raise ValueError("a page without a root box")


def root_element(document: Any) -> Any:
    """The `<html>` element WeasyPrint laid out (its own parse of the HTML)."""
    return _root_box(document).element


def root_font_size(document: Any) -> float:
    """The root element's computed font size in CSS pixels: what `rem` is."""
    return float(_root_box(document).style["font_size"])


def page_views(document: Any) -> list[PageView]:
    """Every page of a rendered `weasyprint.Document` as plain records."""
    return [_page_view(index, page._page_box) for index, page in enumerate(document.pages)]


def _rgba(colour: Any) -> RGBA:
    """A CSS colour (tinycss2) as sRGB components; `currentColor` etc. count as black."""
    try:
        # Nearly every colour is sRGB already: converting makes a new colour each time.
        srgb = colour if colour.space == "srgb" else colour.to("srgb")
        red, green, blue = (float(c or 0.0) for c in srgb.coordinates)
        return (red, green, blue, float(colour.alpha))
    except (AttributeError, TypeError, ValueError):
        return (0.0, 0.0, 0.0, 1.0)


def _border_rect(box: Any) -> Rect:
    return Rect(box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height())


def _padding_rect(box: Any) -> Rect:
    return Rect(box.padding_box_x(), box.padding_box_y(), box.padding_width(), box.padding_height())


@dataclass(frozen=True)
class _Context:
    opacity: float
    background: RGBA
    clips: tuple[tuple[Rect, Any], ...]
    container: Rect
    generated: bool
    measure: float
    """The content width of the block that lines here are set in."""


def _page_view(index: int, page_box: Any) -> PageView:
    from weasyprint.formatting_structure import boxes

    sheet = Rect(0.0, 0.0, page_box.margin_width(), page_box.margin_height())
    content = Rect(
        page_box.content_box_x(), page_box.content_box_y(), page_box.width, page_box.height
    )
    view = PageView(index, sheet, content, content_bottom=content.y)
    page_colour = _rgba(page_box.style["background_color"])
    start = _Context(
        1.0, page_colour if page_colour[3] > 0.5 else WHITE, (), sheet, False, sheet.width
    )
    for child in page_box.children:
        outside_flow = isinstance(child, boxes.MarginBox | boxes.FootnoteAreaBox)
        lines = len(view.lines)
        bottom = _walk(child, start, view, boxes)
        if outside_flow:
            del view.lines[lines:]
        else:
            view.content_bottom = max(view.content_bottom, bottom)
        if isinstance(child, boxes.FootnoteAreaBox) and child.children:
            view.footnotes += child.margin_height()
    return view


def _used_width(line: Any, boxes: Any) -> float:
    """The width a line's text and inline boxes take, without the space left over."""
    used = 0.0
    for child in line.children:
        if isinstance(child, boxes.TextBox):
            used += child.width
        elif isinstance(child, boxes.AtomicInlineLevelBox):
            used += child.margin_width()
        elif isinstance(child, boxes.InlineBox):
            used += _used_width(child, boxes)
    return used


def _texts(box: Any, boxes: Any) -> Iterator[str]:
    if isinstance(box, boxes.TextBox):
        yield box.text
    for child in getattr(box, "children", ()):
        yield from _texts(child, boxes)


LINE_END_HYPHENS = ("-", "\u2010", "\u00ad")
"""Hyphen-minus, the hyphen WeasyPrint's hyphenation inserts, and the soft hyphen."""


def _ends_hyphenated(line: Any, boxes: Any) -> bool:
    """Whether the line's last text ends with a hyphen after a letter (not a dash or 1960-)."""
    last = line
    while not isinstance(last, boxes.TextBox):
        children = getattr(last, "children", None)
        if not children:
            return False
        last = children[-1]
    text = last.text.rstrip()
    hyphens = (*LINE_END_HYPHENS, last.style["hyphenate_character"])
    return len(text) > 1 and text.endswith(hyphens) and text[-2].isalpha()


def _paints(box: Any) -> bool:
    """Whether the box draws a background or a bottom border, which count as content."""
    style = box.style
    return _rgba(style["background_color"])[3] > 0 or bool(box.border_bottom_width)


def _walk(box: Any, outer: _Context, view: PageView, boxes: Any, parent: Any = None) -> float:
    """Record `box` and its descendants; returns the lowest content bottom inside it."""
    style = box.style
    generated = outer.generated or "::" in (box.element_tag or "")
    background = _rgba(style["background_color"])
    context = _Context(
        outer.opacity * float(style["opacity"]),
        background if background[3] > 0.5 else outer.background,
        outer.clips,
        outer.container,
        generated,
        outer.measure,
    )
    if isinstance(box, boxes.TextBox | boxes.ReplacedBox):
        is_text = isinstance(box, boxes.TextBox)
        rect = (
            Rect(box.position_x, box.position_y, box.width, box.height)
            if is_text
            else Rect(box.content_box_x(), box.content_box_y(), box.width, box.height)
        )
        view.inks.append(
            Ink(
                box.text if is_text else None,
                box.element,
                view.index,
                rect,
                style["visibility"] == "visible",
                float(style["font_size"]),
                context.opacity,
                _rgba(style["color"]),
                context.background,
                context.clips,
                context.container,
                generated,
            )
        )
        return rect.bottom if is_text else _border_rect(box).bottom
    inner = context
    if isinstance(box, boxes.BlockContainerBox | boxes.FlexContainerBox | boxes.GridContainerBox):
        padding = _padding_rect(box)
        clips = context.clips
        if style["overflow"] != "visible":
            clips = (*clips, (padding, box.element))
        inner = _Context(
            context.opacity, context.background, clips, padding, generated, float(box.width)
        )
    border = _border_rect(box)
    if isinstance(box, boxes.LineBox) and not generated:
        view.lines.append(
            Line(
                box.element,
                Rect(box.position_x, box.position_y, box.width, box.height),
                _used_width(box, boxes),
                float(style["font_size"]),
                _ends_hyphenated(box, boxes),
                "".join(_texts(box, boxes)),
                context.measure,
            )
        )
    # An empty box that draws nothing (a clearing ::after) is not content.
    inside = -math.inf
    for child in box.children:
        inside = max(inside, _walk(child, inner, view, boxes, box.element))
    if box.element is not None and box.element is not parent and not generated:
        inset = box.padding_bottom + box.border_bottom_width
        bottom = max(inside, border.y)
        view.fragments.append(
            Fragment(
                box.element, view.index, border, box.margin_top, box.margin_bottom, bottom, inset
            )
        )
    if isinstance(box, boxes.LineBox):
        # Pagination goes by line boxes; glyphs may reach a little past them.
        return border.bottom
    return max(inside, border.bottom) if _paints(box) else inside


def fragments_of(views: list[PageView], element: Any) -> Iterator[Fragment]:
    for view in views:
        for fragment in view.fragments:
            if fragment.element is element:
                yield fragment
