"""Stage 2: the four classic mistakes, each reported with its message and its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.errors import BriefgenError
from briefgen.validate import ContentErrors, load_briefing

GOOD = """title: A minimal briefing
date: 2026-01-02
source:
  title: The article
summary: A short summary.
key_facts:
  - figure: "42"
    label: The answer
    source: {paragraph: 1}
argument:
  - claim: Something is true.
"""


def errors_for(tmp_path: Path, text: str) -> list[BriefgenError]:
    (tmp_path / "briefing.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(BriefgenError) as info:
        load_briefing(tmp_path)
    error = info.value
    return error.errors if isinstance(error, ContentErrors) else [error]


def test_good_briefing_passes(tmp_path: Path) -> None:
    (tmp_path / "briefing.yaml").write_text(GOOD, encoding="utf-8")
    briefing, _ = load_briefing(tmp_path)
    assert briefing.key_facts[0].figure == "42"


def test_missing_field(tmp_path: Path) -> None:
    [error] = errors_for(tmp_path, GOOD.replace("    label: The answer\n", ""))
    assert error.message == '"label" is required here; add it'
    assert (error.line, error.column) == (7, 5)


def test_wrong_type(tmp_path: Path) -> None:
    [error] = errors_for(tmp_path, GOOD.replace("{paragraph: 1}", "{paragraph: [1, 2]}"))
    assert error.message == '"paragraph" must be a whole number, but it is a list'
    assert error.line == 9


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    [error] = errors_for(tmp_path, GOOD.replace("summary:", "sumary:"))
    assert error.message == 'unknown key "sumary". Did you mean "summary"?'
    assert (error.line, error.column) == (5, 1)


def test_yaml_syntax_error(tmp_path: Path) -> None:
    [error] = errors_for(tmp_path, GOOD.replace("summary: A short", "summary: A: short"))
    assert error.message.startswith("YAML syntax error: mapping values are not allowed")
    assert "quotes" in error.message and error.line == 5


def test_several_errors_are_all_reported_in_order(tmp_path: Path) -> None:
    text = GOOD.replace("date: 2026-01-02", "date: soon")
    text = text.replace("  - claim: Something is true.", "  - claim: [a]")
    errors = errors_for(tmp_path, text)
    assert [e.line for e in errors] == [2, 11]


def test_misspelt_key_through_a_merge_key_points_at_where_it_was_written(tmp_path: Path) -> None:
    text = GOOD.replace(
        'key_facts:\n  - figure: "42"\n    label: The answer\n    source: {paragraph: 1}\n',
        'defaults: &d {figure: "1", labell: x, source: {paragraph: 1}}\nkey_facts:\n  - <<: *d\n',
    )
    errors = errors_for(tmp_path, text)
    assert [(e.line, e.column) for e in errors] == [(6, 1), (6, 28)]
    assert 'unknown key "labell". Did you mean "label"?' in errors[1].message
