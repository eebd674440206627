"""The command line: exit 0 when fine, 1 for content and template errors, 2 for usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SEED, TEMPLATES, run_briefgen
from tests.test_validate import GOOD


def test_check_seed_is_ok() -> None:
    result = run_briefgen("--templates", str(TEMPLATES), "check", str(SEED))
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout and result.stderr == ""


def test_content_error_exits_1_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "briefing.yaml").write_text(GOOD.replace("summary:", "sumary:"))
    result = run_briefgen("--templates", str(TEMPLATES), "check", "b", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == 'b/briefing.yaml:6:1: unknown key "sumary". Did you mean "summary"?\n'


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "--audience", "nobody", str(SEED)], 'unknown audience "nobody"'),
        (["build", "--audience", "pres", str(SEED)], 'Did you mean "press"?'),
        (["check", "/no/such/folder"], "does not exist"),
        (["frobnicate"], "No such command"),
        (["build", "--no-such-flag"], "No such option"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run_briefgen("--templates", str(TEMPLATES), *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_missing_templates_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = run_briefgen("check", cwd=tmp_path)
    assert result.returncode == 2 and "no audiences" in result.stderr
    assert "--templates" in result.stderr


def test_empty_content_folder_is_fine(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    result = run_briefgen("--templates", str(TEMPLATES), "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
