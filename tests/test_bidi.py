"""Right-to-left names and quotes inside left-to-right text print in the right order."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.bidi import isolate_right_to_left

RLI, PDI = "\u2067", "\u2069"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sinai / سيناء (1956)", f"Sinai / {RLI}سيناء{PDI} (1956)"),
        ("قوات حفظ السلام (2020) said", f"{RLI}قوات حفظ السلام{PDI} (2020) said"),
        ("Two: שלום and مرحبا.", f"Two: {RLI}שלום{PDI} and {RLI}مرحبا{PDI}."),
        ("Vowelled مُحَمَّد here", f"Vowelled {RLI}مُحَمَّد{PDI} here"),
        ("No right-to-left text", "No right-to-left text"),
        (f"Already {RLI}سيناء{PDI} isolated", f"Already {RLI}سيناء{PDI} isolated"),
    ],
)
def test_isolates_each_right_to_left_run(text: str, expected: str) -> None:
    assert isolate_right_to_left(text) == expected


def arabic_beside_digits(pdf: Path) -> list[tuple[float, list[float]]]:
    """For each Arabic letter on page 1: its x, and the x of the digits on its line.

    Positions, not extracted order: PDF text extractors reorder mixed-direction text by
    their own rules, while the positions are what the reader sees.
    """
    import pypdfium2

    textpage = pypdfium2.PdfDocument(pdf)[0].get_textpage()
    arabic: list[tuple[float, float, float]] = []
    digits: list[tuple[float, float, float]] = []
    for index in range(textpage.count_chars()):
        char = textpage.get_text_range(index, 1)
        left, bottom, _, top = textpage.get_charbox(index)
        if "\u0600" <= char <= "\u06ff":
            arabic.append((left, bottom, top))
        elif char.isdigit():
            digits.append((left, bottom, top))
    # On the same line: the boxes overlap vertically.
    return [
        (x, [dx for dx, db, dt in digits if db < top and dt > bottom]) for x, bottom, top in arabic
    ]


@pytest.mark.slow
def test_arabic_inside_english_prints_in_order(tmp_path: Path) -> None:
    """A plain field (the title) and a Markdown field (the summary) both keep the Arabic
    word where it was written: left of "(1956)", which stays after it."""
    from tests.test_safety import build, write_mini

    folder = write_mini(tmp_path / "sinai", "The Sinai / سيناء (1956) crisis.")
    source = (folder / "briefing.yaml").read_text(encoding="utf-8")
    (folder / "briefing.yaml").write_text(
        source.replace("title: ", "title: Sinai / سيناء (1956) — ", 1), encoding="utf-8"
    )
    brief, handout = (output.path for output in build(folder, tmp_path / "out"))
    for pdf in (brief, handout):
        letters = arabic_beside_digits(pdf)
        assert len(letters) >= 10, f"{pdf.name}: title and summary"
        for x, digits in letters:
            assert digits and x < min(digits), f"{pdf.name}: Arabic printed after (1956)"
    html = brief.with_suffix(".html").read_text(encoding="utf-8")
    assert f"Sinai / {RLI}سيناء{PDI} (1956)" in html
