"""The page budget: the brief must come out as exactly one page, or not at all.

The ladder is fixed and deterministic: normal layout → tighter spacing → body size
stepped down to the audience's minimum → low-priority items dropped, last first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from briefgen.errors import BriefgenError
from briefgen.render_html import Fit
from briefgen.typeset import LaidOut

TIGHT_SPACING = 0.8
TIGHT_SPACING_GAIN_PT = 0.25
"""Roughly what tighter spacing is worth in type size, measured on the seed brief."""
SIZE_STEP_PT = 0.25
PX_TO_MM = 25.4 / 96


@dataclass
class Fitted:
    laid_out: LaidOut
    html: str
    fit: Fit
    steps: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return ", ".join(self.steps)


class DoesNotFit(BriefgenError):
    """The brief overflows one page even at the last rung of the ladder."""


def fit_to_one_page(
    render: Callable[[Fit], str],
    lay_out: Callable[[str], LaidOut],
    body_size_pt: float,
    min_body_size_pt: float,
    droppable: list[str],
    describe_item: Callable[[str], str],
    expected_text: Callable[[Fit], list[str]] | None = None,
) -> Fitted:
    """The first rung of the fit ladder that gives one page; `DoesNotFit` if none does.

    The result is the same as trying every rung in order (layout height only shrinks
    down the ladder), but after the first overflow we bisect, starting from an estimate
    of the rung that fits: three or four layouts instead of one per rung.
    """
    rungs = ladder(body_size_pt, min_body_size_pt, droppable)
    results: dict[int, tuple[LaidOut, str]] = {}

    def fits(index: int) -> bool:
        if index not in results:
            html = render(rungs[index])
            results[index] = (lay_out(html), html)
        return results[index][0].pages == 1

    found: int | None = 0 if fits(0) else None
    if found is None:
        # Bisect rungs 1..n-1 around an estimate: `failing` never fits, `fitting`
        # always does, and they close in on the first rung that fits.
        failing, fitting = 0, len(rungs)
        guess = predicted_rung(rungs, results[0][0], body_size_pt)
        # Confirm the estimate and its upper neighbour first: usually two layouts.
        if fits(guess):
            fitting = guess
            if not fits(guess - 1):
                failing = guess - 1
        else:
            failing = guess
            if guess + 1 < len(rungs) and fits(guess + 1):
                fitting = guess + 1
        while fitting - failing > 1:
            probe = (failing + fitting) // 2
            if fits(probe):
                fitting = probe
            else:
                failing = probe
        found = fitting if fitting < len(rungs) else None
    if found is None:
        raise DoesNotFit(overflow_message(results[max(results)][0]))

    laid_out, html = results[found]
    fit = rungs[found]
    lost = missing_text(laid_out, expected_text(fit)) if expected_text else []
    if lost:
        raise DoesNotFit(
            f"the brief fits one page but does not show all its text, e.g. "
            f'"{lost[0][:60]}"; check the audience\'s CSS for hidden or clipped content'
        )
    steps = describe_fit(fit, body_size_pt, describe_item)
    return Fitted(laid_out, html, fit, steps)


def predicted_rung(rungs: list[Fit], overflowing: LaidOut, body_size_pt: float) -> int:
    """The first rung whose type size should fit, assuming height grows with size squared.

    Smaller type both shortens lines and fits more words on each, so the height of
    running text scales roughly with the square of the font size.
    """
    pages = overflowing.document.pages
    available = pages[0]._page_box.height
    needed = sum(content_height_px(page) for page in pages)
    target = body_size_pt * (available / needed) ** 0.5 if needed > 0 else body_size_pt
    target += TIGHT_SPACING_GAIN_PT
    for index, rung in enumerate(rungs[1:], start=1):
        if rung.body_size_pt <= target + 1e-9:
            return index
    return len(rungs) - 1


def ladder(body: float, minimum: float, droppable: list[str]) -> list[Fit]:
    rungs = [Fit(body), Fit(body, TIGHT_SPACING)]
    size = body
    while size - SIZE_STEP_PT >= minimum - 1e-9:
        size = round(size - SIZE_STEP_PT, 2)
        rungs.append(Fit(size, TIGHT_SPACING))
    dropped: list[str] = []
    for item in droppable:
        dropped.append(item)
        rungs.append(Fit(size, TIGHT_SPACING, frozenset(dropped)))
    return rungs


def describe_fit(fit: Fit, body: float, describe_item: Callable[[str], str]) -> list[str]:
    steps = []
    if fit.spacing != 1.0:
        steps.append("tightened spacing")
    if fit.body_size_pt != body:
        steps.append(f"body {body:g}pt → {fit.body_size_pt:g}pt")
    if fit.dropped:
        names = sorted(describe_item(item) for item in fit.dropped)
        steps.append(f"dropped {len(names)} low-priority item(s): {'; '.join(names)}")
    return steps


def overflow_message(laid_out: LaidOut) -> str:
    """How much spills over, which sections are longest, and what to do."""
    overflow_mm = sum(content_height_px(page) for page in laid_out.document.pages[1:]) * PX_TO_MM
    sections = section_heights(laid_out)
    longest = sorted(sections.items(), key=lambda kv: -kv[1])[:3]
    listing = ", ".join(
        f"{name.replace('_', ' ')} {height * PX_TO_MM:.0f} mm" for name, height in longest
    )
    return (
        f"the brief does not fit on one page even at the smallest allowed size: about "
        f"{overflow_mm:.0f} mm overflows onto page 2. Longest sections: {listing}. Shorten "
        "those, mark facts or sub-points `priority: low`, or lower the audience's "
        "brief.max_facts / brief.min_body_size_pt"
    )


def printed_text(laid_out: LaidOut) -> str:
    """All text WeasyPrint laid out, squashed for comparison (see `squash`)."""
    parts = []
    for page in laid_out.document.pages:
        for root in _root_boxes(page):
            parts += [box.text for box in root.descendants() if type(box).__name__ == "TextBox"]
    return squash("".join(parts))


def squash(text: str) -> str:
    """Text without white space, hyphens, quotes and invisible characters (the zero-width
    space of a <wbr>, word joiners, bidi isolates), so line breaks and typography don't
    matter."""
    dropped = "-\u00ad\u2010\u2011\u200b\u2060\u2066\u2067\u2068\u2069'\"\u2018\u2019\u201c\u201d"
    return "".join(ch for ch in text if not ch.isspace() and ch not in dropped)


def missing_text(laid_out: LaidOut, expected: list[str]) -> list[str]:
    """The expected snippets that did not make it onto the pages."""
    printed = printed_text(laid_out)
    return [snippet for snippet in expected if squash(snippet) not in printed]


def _root_boxes(page: Any) -> list[Any]:
    return [child for child in page._page_box.children if type(child).__name__ != "MarginBox"]


def content_height_px(page: Any) -> float:
    """The height the page's content needs: its flow, plus the footnote area (the brief's
    source line), which sits at the foot of the page whatever the flow's length."""
    top = page._page_box.content_box_y()
    bottom = top
    footnotes = 0.0
    for root in _root_boxes(page):
        if type(root).__name__ == "FootnoteAreaBox":
            footnotes += root.margin_height() if root.children else 0.0
            continue
        for box in root.descendants():
            if hasattr(box, "margin_height") and box.position_y is not None:
                bottom = max(bottom, box.position_y + box.margin_height())
    return float(bottom - top + footnotes)


def section_heights(laid_out: LaidOut) -> dict[str, float]:
    heights: dict[str, float] = defaultdict(float)
    for page in laid_out.document.pages:
        for root in _root_boxes(page):
            for box in root.descendants():
                element = getattr(box, "element", None)
                tag = getattr(box, "element_tag", "")
                if element is not None and "::" not in tag and element.get("data-section"):
                    heights[element.get("data-section")] += box.margin_height()
    return dict(heights)
