"""Rendering: what each audience's brief selects, and what the fit ladder may drop."""

from __future__ import annotations

import datetime as dt

from briefgen.audience import load_audience
from briefgen.render_html import Fit, brief_selection, droppable_items, for_audience
from briefgen.schema import ArgumentPoint, Briefing, KeyFact, Source, SourceRef
from tests.conftest import TEMPLATES


def fact(figure: str, **tailoring: object) -> KeyFact:
    return KeyFact(figure=figure, label=f"{figure} label", source=SourceRef(), **tailoring)


def briefing_with(facts: list[KeyFact]) -> Briefing:
    return Briefing(
        title="T",
        date=dt.date(2026, 1, 1),
        summary="S",
        key_facts=facts,
        argument=[ArgumentPoint(claim="C")],
        sources=[Source(id="a", title="A")],
    )


def test_dropped_ids_count_within_the_audience_view() -> None:
    """A hidden earlier item must not shift which item the ladder drops."""
    general = load_audience(TEMPLATES, "general")
    briefing = briefing_with(
        [
            fact("HIDDEN", hide_for=["general"]),
            fact("LOW", priority="low"),
            fact("HIGH", priority="high"),
        ]
    )
    droppable = droppable_items(briefing, general)
    assert droppable == ["key_facts.0"]
    shown = brief_selection(
        for_audience(briefing, "general"), general, Fit(10, dropped=frozenset(droppable))
    )
    assert [f.figure for f in shown.key_facts] == ["HIGH"]


def test_max_facts_keeps_the_highest_priority_in_original_order() -> None:
    ministers = load_audience(TEMPLATES, "ministers")  # max_facts: 4
    figures = ["a", "b", "c", "d", "e", "f"]
    priorities = ["low", "high", "normal", "high", "low", "normal"]
    briefing = briefing_with(
        [fact(f, priority=p) for f, p in zip(figures, priorities, strict=True)]
    )
    shown = brief_selection(for_audience(briefing, "ministers"), ministers, Fit(10))
    assert [f.figure for f in shown.key_facts] == ["b", "c", "d", "f"]
