"""What counts as a paragraph, and how quotes are found in a source's text."""

from __future__ import annotations

from briefgen.source_text import parse_source_text

TEXT = """https://example.org/report

The Report Title

Introduction

The first real paragraph is a sentence
that wraps onto a second line.

## A Markdown heading

Short but a sentence.

Second paragraph, with “curly quotes” and an en–dash.
"""


def test_titles_urls_and_headings_are_not_paragraphs() -> None:
    text = parse_source_text(TEXT, title="The Report Title")
    numbered = [(b.paragraph, b.text[:20]) for b in text.blocks if b.paragraph]
    assert numbered == [
        (1, "The first real parag"),
        (2, "Short but a sentence"),
        (3, "Second paragraph, wi"),
    ]
    assert text.paragraph_count == 3


def test_block_lines_count_from_one() -> None:
    text = parse_source_text(TEXT, title="The Report Title")
    assert [b.line for b in text.blocks] == [1, 3, 5, 7, 10, 12, 14]


def test_a_file_without_blank_lines_has_one_paragraph_per_line() -> None:
    text = parse_source_text("First sentence here.\nSecond sentence here.\n")
    assert [(b.paragraph, b.line) for b in text.blocks] == [(1, 1), (2, 2)]


def test_quotes_match_across_line_breaks_quotes_and_dashes() -> None:
    text = parse_source_text(TEXT)
    [block] = text.find("sentence that wraps")
    assert block.paragraph == 1
    [block] = text.find('with "curly quotes" and an en-dash')
    assert block.paragraph == 3


def test_every_occurrence_is_counted() -> None:
    text = parse_source_text("A word and a word.\n\nA word again.\n")
    assert [b.line for b in text.find("a word")] == [1, 1, 3]


def test_closest_match_names_the_likeliest_passage() -> None:
    text = parse_source_text(TEXT)
    found = text.closest("the first real paragrap is a sentance")
    assert found is not None
    block, passage = found
    assert block.paragraph == 1 and passage.startswith("The first real paragraph")
    assert text.closest("zzz qqq") is None
