"""The meeting file: checked like a briefing, with located errors and did-you-mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.errors import BriefgenError, display_path
from briefgen.marking import pack_marking, required_marking
from briefgen.meeting import load_meeting
from tests.conftest import CONTENT, ROOT, SEED, TEMPLATES, run_cli

GOOD = f"""\
title: Committee
date: 2026-12-01
audience: ministers
items:
  - title: Opening
  - title: Peacekeepers
    marking: OFFICIAL-SENSITIVE
    papers:
      - briefing: {SEED.name}
        documents: both
"""


def load(tmp_path: Path, text: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    load_meeting(path, TEMPLATES, CONTENT)


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(BriefgenError) as caught:
        load(tmp_path, text)
    return str(caught.value).replace(str(tmp_path) + "/", "")


def test_the_shipped_example_is_valid() -> None:
    loaded = load_meeting(ROOT / "meetings" / "example.yaml", TEMPLATES, CONTENT)
    assert loaded.meeting.copies == 3 and len(loaded.meeting.recipients) == 2
    assert loaded.audience.config.marking_level is not None, "the example is for a marked room"


def test_a_good_meeting_loads(tmp_path: Path) -> None:
    load(tmp_path, GOOD)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("items:", "itmes:", 'm.yaml:4:1: unknown key "itmes". Did you mean "items"?'),
        (
            "documents: both",
            "documents: all",
            'm.yaml:10:9: "documents" must be one of "brief", "handout" or "both"',
        ),
        (
            f"briefing: {SEED.name}",
            "briefing: russian-peacekeepers",
            f'm.yaml:9:9: no briefing "russian-peacekeepers" in {display_path(CONTENT)}/. '
            f'Did you mean "{SEED.name}"?',
        ),
        (
            "marking: OFFICIAL-SENSITIVE",
            "marking: OFFICIAL-SENSITIV",
            'm.yaml:7:5: "OFFICIAL-SENSITIV" is not on the marking scale of audience '
            '"ministers". Did you mean "OFFICIAL-SENSITIVE"?',
        ),
        (
            "audience: ministers",
            "audience: minister",
            'm.yaml:3:1: unknown audience "minister". Did you mean "ministers"?',
        ),
    ],
)
def test_errors_point_at_the_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert error(tmp_path, GOOD.replace(old, new)).startswith(expected)


def test_time_must_be_a_clock_time(tmp_path: Path) -> None:
    message = error(
        tmp_path, GOOD.replace("  - title: Opening", '  - title: Opening\n    time: "9.30"')
    )
    assert message.startswith('m.yaml:6:5: "time" has the wrong form')


def test_the_highest_marking_wins_and_a_lower_stated_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(GOOD, encoding="utf-8")
    loaded = load_meeting(path, TEMPLATES, CONTENT)
    assert required_marking(loaded).marking == "OFFICIAL-SENSITIVE"
    assert pack_marking(loaded) == "OFFICIAL-SENSITIVE"
    path.write_text(GOOD.replace("audience: ministers", "audience: ministers\nmarking: OFFICIAL"))
    with pytest.raises(BriefgenError, match="marked OFFICIAL, but item 2"):
        pack_marking(load_meeting(path, TEMPLATES, CONTENT))
    path.write_text(GOOD.replace("audience: ministers", "audience: ministers\nmarking: SECRET"))
    assert pack_marking(load_meeting(path, TEMPLATES, CONTENT)) == "SECRET"


def test_an_unmarked_pack_has_no_banner(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        GOOD.replace("audience: ministers", "audience: general").replace(
            "    marking: OFFICIAL-SENSITIVE\n", ""
        )
    )
    assert pack_marking(load_meeting(path, TEMPLATES, CONTENT)) is None


def test_a_character_no_shipped_font_has_is_refused_at_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("  - title: Opening", "  - title: Opening \U0001f600")
    assert error(tmp_path, text).startswith("m.yaml:5:5: items.0.title: no shipped font")


def test_a_recipient_from_the_command_line_must_print_too(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(GOOD, encoding="utf-8")
    result = run_cli(
        *("--templates", str(TEMPLATES), "--content", str(CONTENT)),
        *("pack", "m.yaml", "--recipient", "Ms \U0001f600"),
        cwd=tmp_path,
    )
    assert result.exit_code == 2
    assert result.stderr.startswith('--recipient "Ms \U0001f600": no shipped font has a glyph')
