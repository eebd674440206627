"""The command line: exit 0 when fine, 1 for content and template errors, 2 for usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SEED, TEMPLATES, run_briefgen, run_cli
from tests.test_validate import GOOD


def test_check_seed_is_ok() -> None:
    result = run_cli("--templates", str(TEMPLATES), "check", str(SEED))
    assert result.exit_code == 0, result.stderr
    assert "ok" in result.stdout and result.stderr == ""


def test_content_error_exits_1_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "briefing.yaml").write_text(GOOD.replace("summary:", "sumary:"))
    result = run_cli("--templates", str(TEMPLATES), "check", "b", cwd=tmp_path)
    assert result.exit_code == 1
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
    result = run_cli("--templates", str(TEMPLATES), *args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_missing_templates_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("check", cwd=tmp_path)
    assert result.exit_code == 2 and "no audiences" in result.stderr
    assert "--templates" in result.stderr


@pytest.mark.parametrize("command", ["check", "build"])
def test_empty_content_folder_is_fine_and_says_so(tmp_path: Path, command: str) -> None:
    """Nothing is wrong, but silence left a new user guessing."""
    (tmp_path / "content").mkdir()
    result = run_cli("--templates", str(TEMPLATES), command, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "no briefing in content/ yet" in result.stderr and "briefgen new" in result.stderr


def test_the_installed_command_prints_one_line_and_exits_with_its_code(tmp_path: Path) -> None:
    """The real process: `python -m briefgen` goes through the same click handling."""
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "briefing.yaml").write_text(GOOD.replace("summary:", "sumary:"))
    result = run_briefgen("--templates", str(TEMPLATES), "check", "b", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        1,
        'b/briefing.yaml:6:1: unknown key "sumary". Did you mean "summary"?\n',
    )
    result = run_briefgen("--templates", str(TEMPLATES), "build", "-a", "nobody", str(SEED))
    assert result.returncode == 2 and result.stderr.startswith('unknown audience "nobody".')


def test_hidden_folders_under_content_are_not_briefings(tmp_path: Path) -> None:
    """A folder named like the build manifest used to break every build."""
    for name in ("good", ".briefgen-manifest.json", ".git"):
        (tmp_path / "content" / name).mkdir(parents=True)
        (tmp_path / "content" / name / "briefing.yaml").write_text(GOOD)
    result = run_cli("--templates", str(TEMPLATES), "check", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "ok  content/good/briefing.yaml\n"


@pytest.mark.parametrize("name", ['x"><img src=x onerror=alert(1)>', "two words", "é-accent"])
def test_briefing_folder_names_must_be_safe(tmp_path: Path, name: str) -> None:
    for folder in ("good", name):
        (tmp_path / "content" / folder).mkdir(parents=True)
        (tmp_path / "content" / folder / "briefing.yaml").write_text(GOOD)
    for args in (["check"], ["check", f"content/{name}"], ["build", "--audience", "press"]):
        result = run_cli("--templates", str(TEMPLATES), *args, cwd=tmp_path)
        assert result.exit_code == 1, result.stderr
        assert result.stderr.startswith(f'content: briefing folder name "{name}" is not allowed')
        assert result.stderr.count("\n") == 1


def test_a_briefing_file_linked_from_elsewhere_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(GOOD, encoding="utf-8")
    (tmp_path / "content" / "b").mkdir(parents=True)
    (tmp_path / "content" / "b" / "briefing.yaml").symlink_to(outside)
    result = run_cli("--templates", str(TEMPLATES), "check", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (
        "content/b/briefing.yaml: briefing.yaml links to a file outside its folder; copy the "
        "file in instead\n"
    )
