"""The adapter over WeasyPrint's box tree: geometry and visibility of a known page."""

from __future__ import annotations

from typing import Any

import pytest

from briefgen.page_boxes import Ink, PageView, page_views, root_element

PX_PER_MM = 96 / 25.4

PAGE = """<!DOCTYPE html>
<html><head><style>
@page { size: 100mm 100mm; margin: 10mm; }
body { margin: 0; font: 10pt sans-serif; }
#box { height: 20mm; margin-bottom: 5mm; padding-bottom: 2mm; background: #eeeeee; }
#clip { height: 5mm; overflow: hidden; }
#clip p { margin: 0; }
#hidden { visibility: hidden; }
#pale { color: #eeeeee; }
#tag::before { content: "GENERATED"; }
</style></head><body>
<div id="box"><p id="short" style="margin:0">One line</p></div>
<div id="clip"><p>A</p><p>B</p><p id="cut">C</p></div>
<p id="hidden">Hidden</p>
<div style="background:#eeeeee"><p id="pale">Pale</p></div>
<p id="tag">Own</p>
</body></html>"""


@pytest.fixture(scope="module")
def view() -> tuple[PageView, Any]:
    from weasyprint import HTML

    document = HTML(string=PAGE).render()
    views = page_views(document)
    assert len(views) == 1
    return views[0], root_element(document)


def by_id(root: Any, name: str) -> Any:
    return next(e for e in root.iter() if e.get("id") == name)


def inks_of(view: PageView, element: Any) -> list[Ink]:
    return [ink for ink in view.inks if ink.element is element]


def test_page_and_fragment_geometry(view: tuple[PageView, Any]) -> None:
    page, root = view
    assert root.tag == "html"
    assert page.sheet.width == pytest.approx(100 * PX_PER_MM)
    assert page.content.y == pytest.approx(10 * PX_PER_MM)
    assert page.content.height == pytest.approx(80 * PX_PER_MM)
    box = next(f for f in page.fragments if f.element is by_id(root, "box"))
    assert box.border.height == pytest.approx(22 * PX_PER_MM)  # height + padding
    assert box.margin_bottom == pytest.approx(5 * PX_PER_MM)
    assert box.inset_bottom == pytest.approx(2 * PX_PER_MM)
    # Content ends with the one line of text, not at the 20 mm the box is tall.
    assert box.content_height < 8 * PX_PER_MM
    assert box.natural_height == pytest.approx(box.content_height + 2 * PX_PER_MM)
    # The page's content ends with the last paragraph, well above the bottom margin.
    assert page.content.y < page.content_bottom < page.content.bottom


def test_ink_records_what_decides_visibility(view: tuple[PageView, Any]) -> None:
    page, root = view
    (short,) = inks_of(page, by_id(root, "short"))
    assert short.text == "One line" and short.visible and not short.generated
    assert short.background[:3] == pytest.approx((0xEE / 255,) * 3)
    (hidden,) = inks_of(page, by_id(root, "hidden"))
    assert not hidden.visible
    (pale,) = inks_of(page, by_id(root, "pale"))
    assert pale.colour[:3] == pytest.approx(pale.background[:3])
    (cut,) = inks_of(page, by_id(root, "cut"))
    clip, clipping = cut.clips[-1]
    assert clipping is by_id(root, "clip")
    assert not clip.contains(cut.rect)
    tagged = inks_of(page, by_id(root, "tag"))
    assert [i.text for i in tagged if i.generated] == ["GENERATED"]
    assert [i.text for i in tagged if not i.generated] == ["Own"]


def test_a_ragged_line_knows_the_width_it_could_take() -> None:
    """A line of ragged text is only as wide as its words; the fit needs the width it is
    set in to tell how its text rewraps at another size."""
    from weasyprint import HTML

    html = (
        "<style>@page { size: 120mm 60mm; margin: 10mm; } body { margin: 0; }"
        "#set { width: 80mm; padding: 0 5mm; font: 10pt sans-serif; }</style>"
        '<div id="set"><p>Short line.</p></div>'
    )
    page = page_views(HTML(string=html).render())[0]
    (line,) = page.lines
    assert line.available == pytest.approx(80 * PX_PER_MM)
    assert line.rect.width == pytest.approx(line.used)
    assert line.used < line.available / 2
