"""The fit's height model: how lines rewrap, how columns stack, and how a layout that
fitted rules out the rung before it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from briefgen.audience import load_audience
from briefgen.fit import (
    TIGHT_GAP_SAVING,
    ItemId,
    ItemKind,
    Measure,
    Paragraph,
    Piece,
    Plan,
    Rung,
    Search,
    _stacking,
)
from briefgen.page_boxes import page_views
from briefgen.paths import audience_names
from briefgen.render_html import TemplateRenderer
from briefgen.typeset import lay_out
from briefgen.validate import load_briefing
from tests.conftest import ROOT, TEMPLATES

WIDTH = 200.0


def paragraph(*line_widths: float) -> Paragraph:
    """A paragraph set in WIDTH px whose lines take `line_widths` px (ten words each)."""
    return Paragraph(
        lines=len(line_widths),
        line_height=12.0,
        text_width=sum(line_widths),
        width=WIDTH,
        last_line=line_widths[-1],
        line_widths=line_widths,
        word_widths=tuple(w / 10 for w in line_widths),
    )


def test_a_short_first_line_is_not_taken_for_a_full_one() -> None:
    # 150 + 54 px: at 97% the whole text (198 px) fits on one line of 200.
    assert paragraph(150.0, 54.0).lines_at(0.97) == 1
    # Full lines stay about as full as they were: 190 + 190 + 60 px still needs 3 lines.
    assert paragraph(190.0, 190.0, 60.0).lines_at(0.95) == 3
    assert paragraph(190.0, 190.0, 20.0).lines_at(0.95) == 2


def test_larger_type_pushes_words_down_only_from_lines_that_overflow() -> None:
    assert paragraph(195.0).lines_at(1.05) == 2
    assert paragraph(120.0).lines_at(1.05) == 1
    # Lines with room absorb the growth: the last line gets nothing more.
    assert paragraph(170.0, 170.0, 150.0).lines_at(1.05) == 3
    # A full line passes a word on, and the full last line cannot take it.
    assert paragraph(198.0, 196.0).lines_at(1.05) == 3


def test_items_side_by_side_count_once() -> None:
    assert _stacking([(0.0, 10.0), (10.0, 30.0)]) == 1.0
    assert _stacking([(0.0, 20.0), (0.0, 20.0)]) == 0.5
    assert _stacking([(0.0, 20.0), (0.0, 20.0), (20.0, 30.0)]) == pytest.approx(30 / 50)
    assert _stacking([]) == 1.0


def fact(index: int) -> ItemId:
    return ItemId(ItemKind.FACT, index)


def band_measure(**changes: Any) -> Measure:
    base = Measure(
        available=500.0,
        regions={},
        band_cards={fact(0): 40.0, fact(1): 40.0},
        band_overhead=10.0,
        band_gap=5.0,
        band_columns=1,
        items={},
    )
    return replace(base, **changes)


def test_tighter_spacing_closes_the_gaps_of_the_band_not_its_cards() -> None:
    facts = [fact(0), fact(1)]
    loose = band_measure().band_height(facts, Rung(10.0, 1.0), 10.0)
    tight = band_measure().band_height(facts, Rung(10.0, 0.8), 10.0)
    assert loose == pytest.approx(80 + 10 + 5)
    assert loose - tight == pytest.approx((10 + 5) * TIGHT_GAP_SAVING)


def test_a_measure_of_a_tight_layout_predicts_the_loose_one() -> None:
    measured_tight = band_measure(size=9.0, spacing=0.8)
    facts = [fact(0), fact(1)]
    assert measured_tight.band_height(facts, Rung(9.0, 1.0), 9.0) == pytest.approx(
        80 + 15 / (1 - TIGHT_GAP_SAVING)
    )


# --- a fitted layout rules out the rung just before it ----------------------------------


@dataclass
class FakeView:
    content_height: float


@dataclass
class FakeAttempt:
    rung: Rung
    fits: bool
    views: list[FakeView] = field(default_factory=list)


PLAN = Plan(10.0, 9.0, 0, (0,), (), ())
LADDER = [Rung(10.0, 0.8), Rung(9.75, 0.8), Rung(9.5, 0.8)]


def local_measure(height: float) -> Measure:
    """A one-region brief `height` px tall at 9.75 pt, all of it one paragraph's lines."""
    lines = int(height // 12)
    text = paragraph(*([198.0] * lines))
    return Measure(
        available=500.0,
        regions={"main": (Piece(None, None, height - 12 * lines, (text,)),)},
        band_cards={},
        band_overhead=0.0,
        band_gap=0.0,
        band_columns=1,
        items={},
        size=9.75,
        spacing=0.8,
    )


def search(local: Measure | None) -> tuple[Search, list[Rung]]:
    """The model puts rung 0 at 1% over the page, so close that it is laid out, unless
    the measure of rung 1 (which fits) shows it overflowing."""
    laid_out: list[Rung] = []

    def attempt(rung: Rung) -> FakeAttempt:
        laid_out.append(rung)
        fits = rung != LADDER[0]
        return FakeAttempt(rung, fits, [FakeView(480.0 if fits else 500.0)])

    found = Search(
        LADDER,
        [505.0, 480.0, 468.0],
        500.0,
        attempt,  # type: ignore[arg-type]
        plan=PLAN,
        remeasure=None if local is None else (lambda _: local),
    )
    return found, laid_out


def test_the_fitted_layout_rules_out_the_rung_before_it() -> None:
    found, laid_out = search(local_measure(492.0))
    assert found.run(1) == 1
    assert laid_out == [LADDER[1]]


def test_without_it_the_rung_before_is_laid_out() -> None:
    found, laid_out = search(None)
    assert found.run(1) == 1
    assert laid_out == [LADDER[1], LADDER[0]]
    # A fitted layout with room to spare proves nothing about the rung before.
    found, laid_out = search(local_measure(400.0))
    assert found.run(1) == 1
    assert laid_out == [LADDER[1], LADDER[0]]


# --- the brief's columns ------------------------------------------------------------------


def test_a_chart_follows_its_caption_beside_a_long_sidebar() -> None:
    """The sidebar floats; a chart (a block image) in the main column was pushed below
    it, leaving a hole under the chart's caption as tall as the sidebar is longer."""
    folder = ROOT / "content" / "us-wind-solar-2013-2023"
    briefing, _ = load_briefing(folder, audience_names(TEMPLATES))
    audience = load_audience(TEMPLATES, "ministers")
    html = TemplateRenderer(audience).render(
        "brief", briefing, Rung(10.5, 1.0, 4, tall=True, facts_twice=True)
    )
    view = page_views(lay_out(html, folder, [TEMPLATES, folder]).document)[0]
    caption = next(f for f in view.fragments if f.element.get("class") == "data-caption")
    chart = next(ink for ink in view.inks if ink.element.get("class") == "chart-image")
    side = next(f for f in view.fragments if f.element.get("data-region") == "side")
    assert side.border.bottom > caption.border.bottom + 50  # the sidebar runs on beside it
    assert chart.rect.y - caption.border.bottom < 10
