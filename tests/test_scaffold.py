"""`briefgen new` and `briefgen schema`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from briefgen.scaffold import PLACEHOLDERS
from briefgen.schema import Briefing
from tests.conftest import ROOT, TEMPLATES, run_cli


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    (tmp_path / "content").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_new_briefing_is_valid_but_refused_until_its_example_text_is_replaced(
    project: Path,
) -> None:
    result = run_cli("new", "my-topic")
    assert result.exit_code == 0, result.output
    written = project / "content" / "my-topic" / "briefing.yaml"
    text = written.read_text()
    assert text.splitlines()[0] == (
        "# yaml-language-server: $schema=../../schema/briefing.schema.json"
    )
    result = run_cli("check", "content/my-topic")
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert len(errors) == len(PLACEHOLDERS), errors
    assert errors[0].startswith("content/my-topic/briefing.yaml:")
    assert "sources.0.title: still the example text from `briefgen new`; replace it with " in (
        result.stderr
    )
    for n, placeholder in enumerate(PLACEHOLDERS):
        assert placeholder in text.replace("\n  ", " "), placeholder
        text = text.replace(placeholder, f"Written by the author ({n}).")
    written.write_text(text)
    result = run_cli("check", "content/my-topic")
    assert result.exit_code == 0, result.stderr
    assert "ok  content/my-topic/briefing.yaml" in result.output


@pytest.mark.parametrize("slug", ["2024", "null", "true", "1e3"])
def test_new_title_that_looks_like_another_yaml_type_still_passes_check(
    project: Path, slug: str
) -> None:
    result = run_cli("new", slug)
    assert result.exit_code == 0, result.output
    assert (
        f'title: "{slug.capitalize()}"'
        in (project / "content" / slug / "briefing.yaml").read_text()
    )
    result = run_cli("check", f"content/{slug}")
    assert all("still the example text" in line for line in result.stderr.splitlines())


def test_new_refuses_to_overwrite_and_bad_names(project: Path) -> None:
    assert run_cli("new", "x").exit_code == 0
    before = (project / "content" / "x" / "briefing.yaml").read_text()
    result = run_cli("new", "x")
    assert (result.exit_code, result.stderr) == (
        2,
        "content/x/briefing.yaml already exists; pick another name\n",
    )
    assert (project / "content" / "x" / "briefing.yaml").read_text() == before
    result = run_cli("new", "../escape")
    assert (result.exit_code, result.stderr) == (
        2,
        'briefing name "../escape" must be letters, digits, - and _ only (at most 100, '
        "starting with a letter or digit)\n",
    )
    assert not (project / "escape").exists()


def test_schema_command_writes_the_model_schema(project: Path) -> None:
    result = run_cli("schema")
    assert result.exit_code == 0, result.output
    written = json.loads((project / "schema" / "briefing.schema.json").read_text())
    assert written["properties"] == Briefing.model_json_schema()["properties"]


def test_committed_schema_is_current() -> None:
    """Run `briefgen schema` after changing briefgen/schema.py."""
    committed = json.loads((ROOT / "schema" / "briefing.schema.json").read_text())
    expected = Briefing.model_json_schema()
    assert committed["properties"] == expected["properties"]
    assert committed["$defs"] == expected["$defs"]


def test_seed_briefing_points_at_the_schema() -> None:
    first = (
        (ROOT / "content" / "russian-peacekeepers-azerbaijan" / "briefing.yaml").open().readline()
    )
    target = first.split("$schema=", 1)[1].strip()
    assert (ROOT / "content" / "russian-peacekeepers-azerbaijan" / target).resolve().is_file()
