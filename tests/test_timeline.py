"""The timeline: any number of events, printed once, never overlapping or clipped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from ruamel.yaml import YAML

from briefgen.audience import load_audience
from briefgen.build import BuildOptions, build_briefing
from briefgen.paths import audience_names
from briefgen.schema import TimelineEvent
from briefgen.timeline import timeline_layout
from tests.conftest import ROOT, TEMPLATES

FIXTURE = ROOT / "tests" / "fixtures" / "multiscript"
MM = 72 / 25.4
HANDOUT_SIDE_MARGIN_MM = 20.0
"""templates/base/css/handout.css: `@page { margin: 22mm 20mm … }`."""

Box = tuple[float, float, float, float]
"""left, bottom, right, top in PDF points."""

EVENT_TEXTS = [
    "Ceasefire signed; миротворцы deploy towards Ստեփանակերտ and Xankəndi",
    "Gabala Radio Location station closed",
    "Internationalisation of the peacekeeping mission debated at length by the parties",
    "Short",
    "Humanitarian truces agreed three times during the 44 days of war",
]


def events(count: int) -> list[dict[str, str]]:
    whens = ["1992", "2012", "For many years", "44 days of war", "After the agreement"]
    return [
        {"when": whens[i % len(whens)], "event": f"{EVENT_TEXTS[i % len(EVENT_TEXTS)]} E{i + 1}"}
        for i in range(count)
    ]


def briefing_with_timeline(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / f"timeline-{count}"
    shutil.copytree(FIXTURE, folder)
    yaml = YAML()
    path = folder / "briefing.yaml"
    data = yaml.load(path)
    data["timeline"] = events(count)
    yaml.dump(data, path)
    return folder


def word_boxes(pdf: Path) -> list[list[tuple[str, Box]]]:
    """Per page, each word and the union of its glyphs' tight boxes (pypdfium2)."""
    pages: list[list[tuple[str, Box]]] = []
    document = pdfium.PdfDocument(pdf)
    try:
        for page in document:
            text = page.get_textpage()
            words: list[tuple[str, Box]] = []
            current = ""
            box: list[float] = []
            for index in range(text.count_chars()):
                char = text.get_text_range(index, 1)
                left, bottom, right, top = text.get_charbox(index)
                if not char.strip() or right <= left:
                    if current:
                        words.append((current, (box[0], box[1], box[2], box[3])))
                    current, box = "", []
                    continue
                current += char
                box = (
                    [min(box[0], left), min(box[1], bottom), max(box[2], right), max(box[3], top)]
                    if box
                    else [left, bottom, right, top]
                )
            if current:
                words.append((current, (box[0], box[1], box[2], box[3])))
            pages.append(words)
    finally:
        document.close()
    return pages


def overlap(a: Box, b: Box, tolerance: float = 0.3) -> bool:
    return (
        min(a[2], b[2]) - max(a[0], b[0]) > tolerance
        and min(a[3], b[3]) - max(a[1], b[1]) > tolerance
    )


def page_width(pdf: Path) -> float:
    document = pdfium.PdfDocument(pdf)
    try:
        return float(document[0].get_width())
    finally:
        document.close()


@pytest.mark.parametrize("count", [5, 30])
def test_timeline_words_never_overlap_and_stay_inside_the_margins(
    tmp_path: Path, count: int
) -> None:
    folder = briefing_with_timeline(tmp_path, count)
    known = audience_names(TEMPLATES)
    audience = load_audience(TEMPLATES, "general")
    outputs = build_briefing(
        folder, audience, BuildOptions(out=tmp_path / "out", templates=TEMPLATES), known
    )
    handout = next(o.path for o in outputs if o.kind == "handout")
    width = page_width(handout)
    left_edge, right_edge = HANDOUT_SIDE_MARGIN_MM * MM, width - HANDOUT_SIDE_MARGIN_MM * MM
    pages = word_boxes(handout)
    for number, words in enumerate(pages, start=1):
        for i, (word, box) in enumerate(words):
            assert left_edge - 0.5 <= box[0] and box[2] <= right_edge + 0.5, (
                f"p{number}: {word!r} at x {box[0]:.1f}–{box[2]:.1f} pt is outside the margins"
            )
            for other, other_box in words[i + 1 :]:
                assert not overlap(box, other_box), f"p{number}: {word!r} overprints {other!r}"
    printed = " ".join(word for words in pages for word, _ in words)
    for i in range(count):
        # Every event printed, and printed once (no graphic plus table).
        assert printed.split().count(f"E{i + 1}") == 1


def event(when: str, text: str) -> TimelineEvent:
    return TimelineEvent(when=when, event=text)


def test_a_few_short_events_make_a_strip() -> None:
    few = [event("1992", "Gabala closed"), event("2012", "Radio station closed")] * 3
    assert timeline_layout(few, 170, 10) == "strip"


def test_many_events_make_a_list() -> None:
    assert timeline_layout([event("1992", "Short")] * 8, 170, 10) == "list"


def test_a_word_wider_than_its_column_makes_a_list() -> None:
    long_word = [event("1992", "Internationalisation-of-the-peacekeeping-mission")] * 5
    assert timeline_layout(long_word, 170, 10) == "list"


def test_a_long_event_makes_a_list() -> None:
    assert timeline_layout([event("1992", "word " * 60)] * 3, 170, 10) == "list"
