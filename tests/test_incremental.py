"""The build manifest: what is stale after which change, without rendering anything."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from briefgen.documents import DocumentKind
from briefgen.incremental import MANIFEST_NAME, Manifest, Record, plan
from briefgen.output import replace_set
from briefgen.summary import DocumentResult, summary_table
from tests.conftest import ROOT, SEED, TEMPLATES


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A project copy with two briefings and two audiences."""
    shutil.copytree(TEMPLATES / "base", tmp_path / "templates" / "base")
    for name in ("general", "press"):
        shutil.copytree(TEMPLATES / "audiences" / name, tmp_path / "templates" / "audiences" / name)
    for slug in ("one", "two"):
        shutil.copytree(SEED, tmp_path / "content" / slug)
    return tmp_path


def stale_keys(project: Path, force: bool = False) -> set[str]:
    folders = sorted((project / "content").iterdir())
    manifest = Manifest(project / "build")
    stale, _ = plan(folders, project / "templates", ["general", "press"], manifest, force)
    return {job.key for job in stale}


def pretend_built(project: Path) -> None:
    """Record every output as built from the current inputs, with placeholder files."""
    folders = sorted((project / "content").iterdir())
    manifest = Manifest(project / "build")
    stale, _ = plan(folders, project / "templates", ["general", "press"], manifest, False)
    sets: dict[tuple[str, str], dict[DocumentKind, Record]] = {}
    for job in stale:
        sets.setdefault((job.folder.name, job.audience), {})[job.kind] = Record(job.inputs, 1, 8, 1)
    for (slug, audience), records in sets.items():
        files = {MANIFEST_NAME: manifest.updated(slug, audience, records)}
        for kind in records:
            files |= {f"{kind}.pdf": b"%PDF-1.7", f"{kind}.html": b"<p>"}
        replace_set(manifest.folder(slug, audience), files)


ALL = {
    f"{s}/{a}/{k}"
    for s in ("one", "two")
    for a in ("general", "press")
    for k in ("brief", "handout")
}


def test_everything_is_stale_without_a_manifest(project: Path) -> None:
    assert stale_keys(project) == ALL


def test_nothing_is_stale_after_a_build_unless_forced(project: Path) -> None:
    pretend_built(project)
    assert stale_keys(project) == set()
    assert stale_keys(project, force=True) == ALL


def test_changing_one_briefing_rebuilds_only_its_outputs(project: Path) -> None:
    pretend_built(project)
    yaml = project / "content" / "one" / "briefing.yaml"
    yaml.write_text(yaml.read_text().replace("title:", "title: New", 1))
    assert stale_keys(project) == {k for k in ALL if k.startswith("one/")}


def test_a_new_file_in_the_briefing_folder_counts(project: Path) -> None:
    pretend_built(project)
    (project / "content" / "two" / "logo.svg").write_text("<svg/>")
    assert stale_keys(project) == {k for k in ALL if k.startswith("two/")}


def test_changing_an_audience_rebuilds_only_that_audience(project: Path) -> None:
    pretend_built(project)
    (project / "templates" / "audiences" / "press" / "style.css").write_text("p { color: red }")
    assert stale_keys(project) == {k for k in ALL if "/press/" in k}


def test_changing_a_base_template_rebuilds_everything(project: Path) -> None:
    pretend_built(project)
    css = project / "templates" / "base" / "css" / "common.css"
    css.write_text(css.read_text() + "\n/* changed */\n")
    assert stale_keys(project) == ALL


def test_a_deleted_output_is_rebuilt(project: Path) -> None:
    pretend_built(project)
    (project / "build" / "two" / "press" / "handout.pdf").unlink()
    assert stale_keys(project) == {"two/press/handout"}


def test_a_broken_manifest_means_rebuild_its_folder(project: Path) -> None:
    pretend_built(project)
    (project / "build" / "one" / "press" / MANIFEST_NAME).write_text("{not json")
    assert stale_keys(project) == {"one/press/brief", "one/press/handout"}


def test_a_stale_brief_carries_the_fit_memo_and_what_its_layout_depends_on(
    project: Path,
) -> None:
    """The brief's job carries the last build's fit memo, and a layout key that a YAML
    edit leaves alone (its effect shows in the brief's HTML) but any other file moves."""
    folder = project / "content" / "one"
    pretend_built(project)
    manifest = Manifest(project / "build")
    records = manifest.records("one", "general")
    memo = {"ladder_key": "k", "index": 3}
    records["brief"].fit = memo
    replace_set(
        manifest.folder("one", "general"),
        {
            MANIFEST_NAME: manifest.updated("one", "general", records),
            "brief.pdf": b"%PDF-1.7",
            "brief.html": b"<p>",
            "handout.pdf": b"%PDF-1.7",
            "handout.html": b"<p>",
        },
    )

    def brief_job() -> tuple[str, str]:
        stale, _ = plan(
            [folder], project / "templates", ["general"], Manifest(project / "build"), True
        )
        job = next(job for job in stale if job.kind == "brief")
        assert all(not j.layout_inputs and not j.last_fit for j in stale if j.kind != "brief")
        return job.layout_inputs, job.last_fit

    layout, last = brief_job()
    assert layout and json.loads(last) == memo
    yaml = folder / "briefing.yaml"
    yaml.write_text(yaml.read_text("utf-8") + "\n# an edit\n", "utf-8")
    assert brief_job()[0] == layout
    (folder / "map.svg").write_text("<svg/>", "utf-8")
    assert brief_job()[0] != layout
    css = project / "templates" / "audiences" / "general" / "style.css"
    layout = brief_job()[0]
    css.write_text(".summary { letter-spacing: 0.01em; }\n", "utf-8")
    assert brief_job()[0] != layout


def test_summary_shows_up_to_date_outputs_without_their_old_time() -> None:
    rows = [
        DocumentResult("s", "general", "brief", Path("b.pdf"), 1, 2048, 1.5, "tightened spacing"),
        DocumentResult("s", "general", "handout", Path("h.pdf"), 6, 4096, 2.0, "", "up to date"),
    ]
    built, current = summary_table(rows).splitlines()[1:3]
    assert "1.50 s" in built and "tightened spacing" in built
    assert "up to date" in current and "2.00" not in current and " — " in current
    assert summary_table(rows).splitlines()[-1] == "1 built, 1 up to date"


def test_summary_lists_each_refusal_with_its_reason() -> None:
    reason = "content/s/briefing.yaml:1:1: [press] the brief does not fit on one page"
    rows = [
        DocumentResult(
            "s", "press", "brief", Path("b.pdf"), 0, 0, 0, status="refused", reason=reason
        ),
        DocumentResult(
            "s", "press", "handout", Path("h.pdf"), 0, 0, 0, status="not written", reason="r"
        ),
    ]
    table = summary_table(rows).splitlines()
    assert table[1].endswith(f"refused      {reason}")
    assert table[-1] == "0 built, 0 up to date, 1 refused, 1 not written"


NO_OP = """
import sys
import briefgen.incremental as incremental
from briefgen.cli import cli

real = incremental.FileHashes.of
read = []

def counted(self, path):
    before = self.read
    digest = real(self, path)
    if self.read > before:
        read.append(path)
    return digest

incremental.FileHashes.of = counted
cli.main(["build"], standalone_mode=False)
print("READ", len(read))
print("IMPORTED" if "weasyprint" in sys.modules else "CLEAN")
"""


def test_a_no_op_build_reads_no_unchanged_file_and_does_not_import_weasyprint(
    project: Path,
) -> None:
    """What makes a no-op build cheap, counted: no rendering stack is imported, and
    files whose size and mtime are unchanged are not read and hashed again."""
    pretend_built(project)
    script = NO_OP
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().endswith("CLEAN"), result.stdout + result.stderr
    assert "0 built, 8 up to date" in result.stdout
    # pretend_built planned once already, hashing every input; nothing changed since.
    assert result.stdout.split("READ ", 1)[1].split()[0] == "0", result.stdout


def test_a_summary_path_inside_the_working_folder_is_shown_without_resolving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefgen.errors import display_path

    monkeypatch.chdir(tmp_path)
    inside = Path.cwd() / "build" / "x" / "brief.pdf"

    def no_resolve(self: Path, strict: bool = False) -> Path:
        raise AssertionError("resolved")  # a no-op summary lists 1,000s of paths

    monkeypatch.setattr(Path, "resolve", no_resolve)
    assert display_path(inside) == str(Path("build", "x", "brief.pdf"))
