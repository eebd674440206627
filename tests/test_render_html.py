"""Selection: what each audience's documents print, and what the fit ladder may drop."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from briefgen.audience import load_audience
from briefgen.fit import ItemId, ItemKind, Rung, make_plan, select
from briefgen.render_html import TemplateRenderer
from briefgen.schema import Briefing, KeyFact
from tests.conftest import TEMPLATES


def fact(figure: str, **tailoring: Any) -> KeyFact:
    return KeyFact.model_validate(
        {"figure": figure, "label": f"{figure} label", "source": {}, **tailoring}
    )


def briefing_with(facts: list[KeyFact], **more: Any) -> Briefing:
    return Briefing.model_validate(
        {
            "title": "T",
            "date": dt.date(2026, 1, 1),
            "summary": "S",
            "key_facts": [f.model_dump(by_alias=True) for f in facts],
            "argument": [{"claim": "C"}],
            "sources": [{"id": "a", "title": "A"}],
            **more,
        }
    )


def test_dropped_ids_name_the_briefing_items_not_the_audience_view() -> None:
    """A hidden earlier item must not shift which item the ladder drops."""
    general = load_audience(TEMPLATES, "general")
    briefing = briefing_with(
        [
            fact("HIDDEN", hide_for=["general"]),
            fact("LOW", priority="low"),
            fact("HIGH", priority="high"),
        ]
    )
    droppable = make_plan(briefing, general).droppable
    assert droppable == (ItemId(ItemKind.FACT, 1),)
    shown = select(briefing, general, "brief", Rung(10, dropped=frozenset(droppable))).briefing
    assert [f.figure for f in shown.key_facts] == ["HIGH"]


def test_max_facts_keeps_the_highest_priority_in_original_order() -> None:
    ministers = load_audience(TEMPLATES, "ministers")  # max_facts: 4
    figures = ["a", "b", "c", "d", "e", "f"]
    priorities = ["low", "high", "normal", "high", "low", "normal"]
    briefing = briefing_with(
        [fact(f, priority=p) for f, p in zip(figures, priorities, strict=True)]
    )
    shown = select(briefing, ministers, "brief").briefing
    assert [f.figure for f in shown.key_facts] == ["b", "c", "d", "f"]


def test_every_list_takes_priority_tailoring_and_documents() -> None:
    """what_to_watch and questions take a plain string or a mapping; every list item can
    be kept off one document (`in`), hidden from an audience, or marked low."""
    students = load_audience(TEMPLATES, "students")  # timeline, glossary on the brief
    briefing = briefing_with(
        [fact("F")],
        what_to_watch=["plain", {"text": "tailored", "hide_for": ["students"]}],
        questions=[{"text": "handout only", "in": ["handout"]}, "asked"],
        glossary=[
            {"term": "kept", "definition": "d"},
            {"term": "low", "definition": "d", "priority": "low"},
        ],
        timeline=[
            {"when": "1992", "event": "low", "priority": "low"},
            {"when": "2012", "event": "brief only", "in": ["brief"]},
        ],
    )
    brief = select(briefing, students, "brief").briefing
    handout = select(briefing, students, "handout").briefing
    assert [w.text for w in brief.what_to_watch] == ["plain"]
    assert [q.text for q in brief.questions] == ["asked"]
    assert [q.text for q in handout.questions] == ["handout only", "asked"]
    assert [e.event for e in handout.timeline] == ["low"]
    droppable = make_plan(briefing, students).droppable
    assert ItemId(ItemKind.TERM, 1) in droppable and ItemId(ItemKind.EVENT, 0) in droppable
    dropped = select(briefing, students, "brief", Rung(10, dropped=frozenset(droppable))).briefing
    assert [g.term for g in dropped.glossary] == ["kept"]
    assert [e.event for e in dropped.timeline] == ["brief only"]


def test_item_kept_for_the_handout_is_not_on_the_brief() -> None:
    general = load_audience(TEMPLATES, "general")
    briefing = briefing_with([fact("ON BOTH"), fact("HANDOUT ONLY", **{"in": ["handout"]})])
    renderer = TemplateRenderer(general)
    brief, handout = renderer.render("brief", briefing), renderer.render("handout", briefing)
    assert "ON BOTH" in brief and "HANDOUT ONLY" not in brief
    assert "HANDOUT ONLY" in handout
    assert 'data-item="fact-0"' in brief


def test_each_template_file_is_compiled_once_per_audience() -> None:
    """By its search-path name; as `base/…` only where the audience overrides it."""

    def compiled(name: str) -> set[str]:
        renderer = TemplateRenderer(load_audience(TEMPLATES, name))
        renderer.compile()
        return {key[1] for key in renderer.env.cache}  # type: ignore[union-attr]

    assert not {name for name in compiled("general") if name.startswith("base/")}
    assert {name for name in compiled("press") if name.startswith("base/")} == {
        "base/brief.html.j2"
    }


def test_compiled_templates_are_kept_for_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh process (a fresh in-memory cache) loads the templates compiled by the
    last one from the user's cache; an edited template compiles again."""
    import jinja2

    from briefgen.render_html import _SharedBytecode

    monkeypatch.setenv("BRIEFGEN_CACHE", str(tmp_path / "cache"))
    (tmp_path / "page.j2").write_text("Hello {{ name }}")

    def environment() -> jinja2.Environment:
        return jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(tmp_path)), bytecode_cache=_SharedBytecode()
        )

    assert environment().get_template("page.j2").render(name="A") == "Hello A"
    parsed: list[str] = []
    original = jinja2.Environment._parse

    def counting(
        self: jinja2.Environment, source: str, name: str | None, filename: str | None
    ) -> Any:
        parsed.append(source)
        return original(self, source, name, filename)

    monkeypatch.setattr(jinja2.Environment, "_parse", counting)
    assert environment().get_template("page.j2").render(name="B") == "Hello B"
    assert parsed == []
    (tmp_path / "page.j2").write_text("Bye {{ name }}")
    assert environment().get_template("page.j2").render(name="C") == "Bye C"
    assert parsed == ["Bye {{ name }}"]


def test_a_cache_folder_others_can_write_to_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefgen.paths import user_cache_folder

    monkeypatch.setenv("BRIEFGEN_CACHE", str(tmp_path / "cache"))
    folder = user_cache_folder("templates")
    assert folder == tmp_path / "cache" / "templates"
    folder.chmod(0o777)
    assert user_cache_folder("templates") is None
