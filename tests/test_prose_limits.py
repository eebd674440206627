"""What one Markdown field may cost: each bound refuses with its own message, at the
field's line, and real briefings stay far inside every bound."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefgen import prose_limits
from briefgen.errors import BriefgenError
from briefgen.prose_limits import markdown_fields, prose_problem
from briefgen.validate import ContentErrors, load_briefing
from tests.conftest import SEED
from tests.test_validate import GOOD

SUMMARY = "summary: A short summary."


@pytest.mark.parametrize(
    ("markdown", "message"),
    [
        ("**a" * 6000, "emphasis marks"),  # 77 s in WeasyPrint before
        ("*a*b" * 450, "inline elements"),
        ("[a](https://example.com) " * 61, "61 footnote references and links"),
        (">" * 200 + " x", "nests lists or quotes about 200 deep"),
        ("".join("  " * i + "- x\n" for i in range(98)), "nests lists or quotes"),
        ("1. " * 6000 + "x", "nests lists or quotes"),  # RecursionError in Markdown before
        ("<span>" * 40 + "x", "nests elements"),
        ("x[^a] " * 61 + "\n\n[^a]: the note", "61 footnote references"),
        ('[a]("b) ' * 2500, "unclosed or far-reaching brackets"),  # 14 s in Markdown before
        ("<a " * 6000, "unclosed or far-reaching brackets"),
        ("| a |\n|---|\n" + "| x |\n" * 501, "tables of"),
        # The sanitizer deleted these with their words, and the page silently lost them.
        ("Up <svg><text>12%</text></svg> a year", "raw HTML <svg>"),
        ("Area <math><mi>x</mi></math> km²", "raw HTML <math>"),
        ("a <SCRIPT>alert(1)</SCRIPT> b", "raw HTML <script>"),
        ("a\n\n<style>p { color: red }</style>\n\nb", "raw HTML <style>"),
    ],
)
def test_each_bound_refuses_with_its_own_message(markdown: str, message: str) -> None:
    problem = prose_problem(markdown)
    assert problem is not None and message in problem, problem
    assert "\n" not in problem


@pytest.mark.parametrize(
    "markdown",
    [
        "Plain prose. " * 1500,
        "Some *emphasis*, a [link](https://example.com/a_b_c) and `code`. " * 30,
        "A long paragraph with a [link](https://example.com) now and then. " * 50,
        "- a\n  - b\n    - c\n      - d\n\n> quoted\n> > twice",
        "x[^a] and y[^b]\n\n[^a]: first note\n[^b]: second, with a [link](https://x.org)",
        "[sic] and (an aside, unclosed, and a < b > c",
        "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 100,
        "Charts are `<svg>` elements; a <b>bold</b> word; an svg file; <Svgard> is a name",
    ],
)
def test_ordinary_prose_is_within_every_bound(markdown: str) -> None:
    assert prose_problem(markdown) is None


def test_the_seed_has_headroom_under_every_bound() -> None:
    briefing, _ = load_briefing(SEED)
    fields = list(markdown_fields(briefing))
    assert len(fields) > 20
    assert sum(len(text) for _, text in fields) * 20 < prose_limits.MAX_TOTAL_PROSE_CHARS
    for _, text in fields:
        # Every field stays within a quarter of the inline and note bounds.
        html = str(__import__("briefgen.markup", fromlist=["x"]).render_markdown(text))
        assert len(re.findall(r"<(?!/)", html)) * 4 < prose_limits.MAX_INLINE_ELEMENTS


def test_markdown_fields_are_exactly_the_prose_fields() -> None:
    briefing, _ = load_briefing(SEED)
    found = {location for location, _ in markdown_fields(briefing)}
    assert ("summary",) in found and ("background",) in found
    assert ("what_to_watch", 0, "text") in found and ("glossary", 0, "definition") in found
    assert ("title",) not in found and ("key_facts", 0, "label") not in found


def errors_in(tmp_path: Path, text: str) -> list[BriefgenError]:
    (tmp_path / "briefing.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentErrors) as info:
        load_briefing(tmp_path)
    return info.value.errors


def test_a_problem_is_reported_at_its_field(tmp_path: Path) -> None:
    text = GOOD.replace(SUMMARY, 'summary: "' + ">" * 30 + ' x"') + "background: fine\n"
    [error] = errors_in(tmp_path, text)
    assert (error.line, error.column) == (GOOD.splitlines().index(SUMMARY) + 1, 1)
    assert error.message.startswith("summary nests lists or quotes")


def test_prose_is_bounded_in_total_aliases_counted_each_time(tmp_path: Path) -> None:
    prose = " ".join(["word"] * 3_900)
    uses = prose_limits.MAX_TOTAL_PROSE_CHARS // len(prose)
    text = GOOD.replace(SUMMARY, f'summary: &s "{prose}"')
    (tmp_path / "briefing.yaml").write_text(
        text + f"what_to_watch: [{', '.join(['*s'] * uses)}]\n", encoding="utf-8"
    )
    with pytest.raises(BriefgenError) as info:
        load_briefing(tmp_path)
    assert "characters of prose, over the limit of 300,000" in info.value.message
