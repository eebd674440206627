"""Stamps on single documents: draft, embargo and version line, read back from the PDFs."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefgen.batch import run_build
from briefgen.errors import CommandLineError
from briefgen.stamp import Stamps, Version, build_version
from tests.conftest import CONTENT, SEED, TEMPLATES

EMBARGO = dt.datetime(2026, 12, 1, 9, 0)
STAMPS = Stamps(draft=True, embargo=EMBARGO, version=Version(dt.date(2026, 11, 30), "abc1234"))


def texts(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def build(out: Path, stamps: Stamps | None) -> dict[str, Path]:
    results = run_build(
        TEMPLATES, CONTENT, [SEED], ["ministers"], out, progress=False, stamps=stamps
    )
    return {r.kind: r.path for r in results}


def test_every_page_of_brief_and_handout_is_stamped_and_unstamped_again(tmp_path: Path) -> None:
    stamped = build(tmp_path, STAMPS)
    first = {kind: path.read_bytes() for kind, path in stamped.items()}
    for path in stamped.values():
        for text in texts(path):
            assert "EMBARGOED UNTIL 1 DECEMBER 2026, 09:00" in text.upper()
            assert "Built 2026-11-30 · commit abc1234" in text
            assert "DRAFT" in text
    # The manifest knows the stamps: a plain build is not "up to date" with a draft one.
    plain = build(tmp_path, None)
    for path in plain.values():
        assert not any("EMBARGOED" in t.upper() or "DRAFT" in t for t in texts(path))
    again = build(tmp_path, STAMPS)
    assert {kind: path.read_bytes() for kind, path in again.items()} == first, "same bytes"


def test_version_date_never_comes_from_the_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    with pytest.raises(CommandLineError, match="git checkout or set SOURCE_DATE_EPOCH"):
        build_version(tmp_path, None)
    assert build_version(tmp_path, dt.date(2026, 12, 1)) == Version(dt.date(2026, 12, 1), None)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    assert build_version(tmp_path, None).date == dt.date(2026, 5, 28)
    for wrong in ("tomorrow", "99999999999999"):  # a word, and a date past year 9999
        monkeypatch.setenv("SOURCE_DATE_EPOCH", wrong)
        with pytest.raises(CommandLineError, match="is not a date as seconds since 1970"):
            build_version(tmp_path, None)


def test_version_names_the_commit_in_a_git_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    env = {"GIT_COMMITTER_DATE": "2026-10-02T12:00:00Z", "GIT_AUTHOR_DATE": "2026-10-02T12:00:00Z"}

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", *args],
            capture_output=True,
            text=True,
            check=True,
            env={**env, "PATH": "/usr/bin:/bin"},
        ).stdout.strip()

    git("init", "-q")
    (tmp_path / "f.txt").write_text("a")
    git("add", "f.txt")
    git("commit", "-qm", "x")
    head = git("rev-parse", "--short=7", "HEAD")
    assert build_version(tmp_path, None) == Version(dt.date(2026, 10, 2), head)
    (tmp_path / "f.txt").write_text("b")
    assert build_version(tmp_path, None).commit == f"{head}-dirty"
