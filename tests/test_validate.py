"""Stage 2: the four classic mistakes, each reported with its message and its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefgen.errors import BriefgenError
from briefgen.validate import MAX_REPORTED_ERRORS, ContentErrors, load_briefing

GOOD = """title: A minimal briefing
date: 2026-01-02
sources:
  - id: article
    title: The article
summary: A short summary.
key_facts:
  - figure: "42"
    label: The answer
    source: {locator: {paragraph: 1}}
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
    assert (error.line, error.column) == (8, 5)


def test_wrong_type(tmp_path: Path) -> None:
    [error] = errors_for(tmp_path, GOOD.replace("{paragraph: 1}", "{paragraph: [1, 2]}"))
    assert error.message == '"paragraph" must be a whole number, but it is a list'
    assert error.line == 10


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    [error] = errors_for(tmp_path, GOOD.replace("summary:", "sumary:"))
    assert error.message == 'unknown key "sumary". Did you mean "summary"?'
    assert (error.line, error.column) == (6, 1)


def test_yaml_syntax_error(tmp_path: Path) -> None:
    [error] = errors_for(tmp_path, GOOD.replace("summary: A short", "summary: A: short"))
    assert error.message.startswith("YAML syntax error: mapping values are not allowed")
    assert "quotes" in error.message and error.line == 6


def test_several_errors_are_all_reported_in_order(tmp_path: Path) -> None:
    text = GOOD.replace("date: 2026-01-02", "date: soon")
    text = text.replace("  - claim: Something is true.", "  - claim: [a]")
    errors = errors_for(tmp_path, text)
    assert [e.line for e in errors] == [2, 12]


def test_every_error_is_reported_or_counted(tmp_path: Path) -> None:
    facts = "".join(f'  - figure: "{i}"\n    label: [x]\n    source: {{}}\n' for i in range(150))
    text = GOOD.replace(
        '  - figure: "42"\n    label: The answer\n',
        facts + '  - figure: "42"\n    label: The answer\n',
    )
    (tmp_path / "briefing.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentErrors) as info:
        load_briefing(tmp_path)
    lines = str(info.value).splitlines()
    assert len(info.value.errors) == 150
    assert len(lines) == MAX_REPORTED_ERRORS + 1
    assert lines[-1].endswith(
        "and 50 more errors after this point; fix those above and run `briefgen check` again"
    )
    reported = [int(line.split(":")[1]) for line in lines]
    assert reported == sorted(reported)


THREE_SOURCES = """title: Three sources
date: 2026-01-02
sources:
  - id: one
    title: First
    text: one.txt
  - id: two
    title: Second
    text: two.txt
  - id: three
    title: Third
summary: A short summary.
key_facts:
  - figure: "1"
    label: From one
    source: {id: one, quote: the first text}
  - figure: "2"
    label: From two
    source: {id: two, quote: the second text}
  - figure: "3"
    label: From three
    source: {id: three, locator: {page: "12"}}
argument:
  - claim: Something is true.
quotes:
  - text: the second text says so
    source: {id: two}
"""


def test_quotes_are_located_in_their_own_source(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text("Title\n\nIntro line\n\nHere the first text speaks.\n")
    (tmp_path / "two.txt").write_text("Opening sentence.\n\nThen the second text says so.\n")
    (tmp_path / "briefing.yaml").write_text(THREE_SOURCES, encoding="utf-8")
    briefing, _ = load_briefing(tmp_path)
    located = [(f.source.id, f.source.locator) for f in briefing.key_facts]
    assert [(i, loc.kind, loc.value) for i, loc in located if loc] == [
        ("one", "paragraph", "1"),
        ("two", "paragraph", "2"),
        ("three", "page", "12"),
    ]
    assert briefing.quotes[0].source.locator is not None
    assert briefing.quotes[0].source.locator.value == "2"


def test_a_quote_from_the_wrong_source_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text("Here the first text speaks.\n")
    (tmp_path / "two.txt").write_text("Then the second text says so.\n")
    text = THREE_SOURCES.replace(
        "{id: two, quote: the second text}", "{id: one, quote: the second text}"
    )
    [error] = errors_for(tmp_path, text)
    assert error.line == 19
    assert error.message.startswith('quote not found in source "one" (one.txt)')


def test_misspelt_key_through_a_merge_key_points_at_where_it_was_written(tmp_path: Path) -> None:
    text = GOOD.replace(
        'key_facts:\n  - figure: "42"\n    label: The answer\n'
        "    source: {locator: {paragraph: 1}}\n",
        'defaults: &d {figure: "1", labell: x, source: {}}\nkey_facts:\n  - <<: *d\n',
    )
    errors = errors_for(tmp_path, text)
    assert [(e.line, e.column) for e in errors] == [(7, 1), (7, 28)]
    assert 'unknown key "labell". Did you mean "label"?' in errors[1].message


# --- Alt text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prose",
    [
        "A map ![](map.png) here.",
        "A map ![ ](map.png) here.",
        'A map <img src="map.png"> here.',
        "A map ![][m] here.\n\n[m]: map.png",
    ],
)
def test_image_without_alt_text_is_a_located_error(tmp_path: Path, prose: str) -> None:
    from PIL import Image

    Image.new("RGB", (4, 4)).save(tmp_path / "map.png")
    errors = errors_for(tmp_path, with_summary(prose))
    assert len(errors) == 1, errors
    assert (errors[0].line, errors[0].column) == (6, 1)
    assert 'in summary: image "map.png" has no alt text' in errors[0].message
    assert '![](map.png "decorative")' in errors[0].message


@pytest.mark.parametrize(
    "prose", ['A rule ![](map.png "decorative") here.', "A map ![Map of the corridor](map.png)."]
)
def test_described_or_decorative_images_pass(tmp_path: Path, prose: str) -> None:
    from PIL import Image

    Image.new("RGB", (4, 4)).save(tmp_path / "map.png")
    (tmp_path / "briefing.yaml").write_text(with_summary(prose), encoding="utf-8")
    load_briefing(tmp_path)


def with_summary(prose: str) -> str:
    """GOOD with this summary, as a JSON string (which YAML reads as a quoted scalar)."""
    return GOOD.replace("summary: A short summary.", f"summary: {json.dumps(prose)}")


def test_a_list_item_is_named_by_its_list_and_place(tmp_path: Path) -> None:
    """A bad item of a list of texts was named by its index alone: '"3" is empty'."""
    text = GOOD.replace(
        "    label: The answer\n", '    label: The answer\n    only_for: [press, ""]\n'
    )
    errors = errors_for(tmp_path, text)
    assert len(errors) == 1 and errors[0].message.startswith('"only_for 2" '), errors[0].message
