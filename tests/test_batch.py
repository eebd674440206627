"""A batch of documents: one refusal never stops the others, a briefing × audience is
replaced as a whole set or not at all (even when the build is killed), the output folder's
problems are one line, and workers never outlive their build."""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

import briefgen.build
import briefgen.output
from briefgen.documents import DOCUMENT_KINDS
from briefgen.incremental import MANIFEST_NAME, read_records
from tests.conftest import ROOT, TEMPLATES, run_cli
from tests.test_validate import GOOD

SETS = DOCUMENT_KINDS


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """Templates, and one small briefing `mini` in content/."""
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    write_briefing(tmp_path, "mini", "A minimal briefing")
    return tmp_path


def write_briefing(project: Path, slug: str, title: str) -> Path:
    folder = project / "content" / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "briefing.yaml").write_text(
        GOOD.replace("title: A minimal briefing", f"title: {title}"), encoding="utf-8"
    )
    return folder


def break_press_brief(project: Path) -> None:
    """Make the press brief fail while it renders; its handout still builds."""
    template = project / "templates" / "audiences" / "press" / "brief.html.j2"
    template.write_text(
        template.read_text().replace("{% block quotes %}", "{% block quotes %}{{ 1 // 0 }}")
    )


def rows(stdout: str) -> dict[str, str]:
    """Summary table rows by file: the row's text after the file name."""
    found = {}
    for line in stdout.splitlines()[1:-1]:
        name, rest = line.split(None, 1)
        found[name] = rest
    return found


def status(row: str) -> str:
    match = re.search(r"\s(built|up to date|refused|not written)(\s|$)", " " + row)
    assert match, row
    return match[1]


def title_of(html: Path) -> str:
    match = re.search(r"<title>([^<—]*)", html.read_text(encoding="utf-8"))
    assert match, html
    return match[1].strip()


def test_one_refusal_never_stops_the_batch(project: Path) -> None:
    write_briefing(project, "broken", "Broken").joinpath("briefing.yaml").write_text(
        GOOD.replace("summary:", "sumary:")
    )
    break_press_brief(project)
    result = run_cli("build", "-a", "general", "-a", "press", "-j", "1", cwd=project)
    assert result.exit_code == 1
    table = rows(result.stdout)
    for kind in SETS:
        assert status(table[f"build/mini/general/{kind}.pdf"]) == "built"
        assert status(table[f"build/broken/general/{kind}.pdf"]) == "refused"
        assert 'unknown key "sumary"' in table[f"build/broken/press/{kind}.pdf"]
    assert "ZeroDivisionError" in table["build/mini/press/brief.pdf"]
    assert "not written" in table["build/mini/press/handout.pdf"]
    assert result.stdout.splitlines()[-1] == "2 built, 0 up to date, 5 refused, 1 not written"
    # Each problem is printed once, however many documents it stops.
    errors = [line for line in result.stderr.splitlines() if not line.startswith(("[", "building"))]
    assert len(errors) == 2, result.stderr
    assert all(re.match(r"^\S+:\d+(:\d+)?: ", line) for line in errors), errors
    assert (project / "build" / "mini" / "general" / "handout.pdf").is_file()
    assert not (project / "build" / "mini" / "press").exists()
    assert not (project / "build" / "broken").exists()


def test_a_refused_document_keeps_the_old_set_whole(project: Path) -> None:
    assert run_cli("build", "-a", "press", "-j", "1", cwd=project).exit_code == 0
    folder = project / "build" / "mini" / "press"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    write_briefing(project, "mini", "A second version")
    break_press_brief(project)
    result = run_cli("build", "-a", "press", "-j", "1", cwd=project)
    assert result.exit_code == 1
    # The handout of the new version was made, but not written without its brief.
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_only_builds_one_kind(project: Path) -> None:
    result = run_cli("build", "-a", "general", "--only", "brief", cwd=project)
    assert result.exit_code == 0, result.stderr
    folder = project / "build" / "mini" / "general"
    assert sorted(p.name for p in folder.iterdir()) == [MANIFEST_NAME, "brief.html", "brief.pdf"]
    assert list(read_records(folder / MANIFEST_NAME)) == ["brief"]
    result = run_cli("build", "-a", "general", cwd=project)
    table = rows(result.stdout)
    assert "up to date" in table["build/mini/general/brief.pdf"]
    assert status(table["build/mini/general/handout.pdf"]) == "built"


def test_an_internal_error_is_one_line_and_its_traceback_is_kept_for_debug(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise TypeError("something unexpected")

    monkeypatch.setattr(briefgen.build, "make_document", broken)
    result = run_cli("build", "-a", "general", "-j", "1", "--only", "brief", cwd=project)
    assert result.exit_code == 1
    assert (
        "mini/general/brief: internal error: TypeError: something unexpected; run with "
        "--debug for the traceback" in result.stderr
    )
    assert "Traceback" not in result.stderr
    result = run_cli("--debug", "build", "-a", "general", "-j", "1", "--only", "brief", cwd=project)
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert 'raise TypeError("something unexpected")' in result.stderr


@pytest.mark.slow
def test_the_same_inputs_give_the_same_bytes_from_any_checkout(tmp_path: Path) -> None:
    """Two copies of the project at different places and depths build identical files,
    and no file names the machine's path."""
    built = []
    for copy in (tmp_path / "one", tmp_path / "two" / "deeper"):
        shutil.copytree(TEMPLATES, copy / "templates")
        write_briefing(copy, "mini", "A minimal briefing")
        result = run_cli("build", "-a", "general", "-j", "1", cwd=copy)
        assert result.exit_code == 0, result.stderr
        folder = copy / "build" / "mini" / "general"
        built.append({p.name: p.read_bytes() for p in folder.iterdir() if p.suffix != ".json"})
    assert built[0] == built[1]
    for data in built[0].values():
        assert str(tmp_path).encode() not in data and b"file://" not in data


# --- The output folder --------------------------------------------------------------------


def test_a_full_disk_is_one_line_and_loses_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli("build", "-a", "general", "-j", "1", cwd=project).exit_code == 0
    folder = project / "build" / "mini" / "general"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    write_briefing(project, "mini", "A second version")
    written: list[Path] = []

    def full(path: Path, data: bytes) -> None:
        if written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        written.append(path)
        real(path, data)

    real = briefgen.output.write_file
    monkeypatch.setattr(briefgen.output, "write_file", full)
    result = run_cli("build", "-a", "general", "-j", "1", cwd=project)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "build/mini/general: cannot write the documents here: No space left on device; free "
        "some space, or build into another folder with --out"
    )
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert list(folder.parent.iterdir()) == [folder], "a partial folder was left behind"


@pytest.fixture()
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write to, even root (a read-only mount when run as root)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    mounted = False
    if os.geteuid() == 0:
        mount = shutil.which("mount")
        command = [mount or "mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)]
        if mount is None or subprocess.run(command, capture_output=True).returncode != 0:
            pytest.skip("root ignores permissions and cannot mount a read-only folder here")
        mounted = True
    else:
        folder.chmod(0o555)
    try:
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)
        folder.chmod(0o755)


def test_a_read_only_output_folder_is_one_line(project: Path, read_only: Path) -> None:
    assert read_only.parent == project
    result = run_cli("build", "-a", "general", "--out", str(read_only / "build"), cwd=project)
    assert result.exit_code == 1
    assert re.fullmatch(
        r"read-only/build: cannot write to the output folder: "
        r"(Read-only file system|Permission denied); pass --out with a folder you can write to\n",
        result.stderr,
    ), result.stderr


# --- Real processes: a killed build, and its workers -------------------------------------


def briefgen_process(project: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "briefgen", *args],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_line(process: subprocess.Popen[str], prefix: str) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith(prefix):
            return
    pytest.fail(f"the build ended before printing {prefix!r}")


def assert_whole_sets(out: Path, audiences: list[str], titles: set[str]) -> None:
    """Every output folder holds one version: HTML, PDF and manifest all agree."""
    for audience in audiences:
        folder = out / "mini" / audience
        if not folder.exists():
            continue
        records = read_records(folder / MANIFEST_NAME)
        assert sorted(records) == list(SETS), folder
        seen = {title_of(folder / f"{kind}.html") for kind in SETS}
        assert len(seen) == 1 and seen <= titles, (folder, seen)
        (title,) = seen
        assert len({records[kind].inputs for kind in SETS}) == 1, folder
        for kind in SETS:
            pdf = folder / f"{kind}.pdf"
            assert records[kind].size == pdf.stat().st_size, (folder, kind)
            first_page = " ".join((PdfReader(pdf).pages[0].extract_text() or "").split())
            assert title in first_page, (folder, kind, title)


@pytest.mark.slow
@pytest.mark.parametrize("after", ["[2/", "[4/"])
def test_a_killed_build_leaves_whole_sets(project: Path, after: str) -> None:
    """SIGKILL while the sets are being made (or just as the second is written): each
    folder holds the old set or the new set, and its manifest says which. Handouts go
    first (general, press), then briefs: the first set is whole with the third document."""
    audiences = ["general", "press"]
    args = ["build", "-a", "general", "-a", "press", "-j", "1"]
    assert run_cli(*args, cwd=project).exit_code == 0
    write_briefing(project, "mini", "A second version")
    process = briefgen_process(project, *args)
    wait_for_line(process, after)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=90)
    titles = {"A minimal briefing", "A second version"}
    assert_whole_sets(project / "build", audiences, titles)
    if after == "[4/":
        assert title_of(project / "build" / "mini" / "general" / "brief.html") == "A second version"
    result = run_cli(*args, cwd=project)
    assert result.exit_code == 0, result.stderr
    assert_whole_sets(project / "build", audiences, {"A second version"})
    leftovers = [p.name for p in (project / "build" / "mini").iterdir()]
    assert sorted(leftovers) == audiences, leftovers


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid …: comm may hold spaces, so split after the ")".
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def process_name(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.split("(", 1)[1].rsplit(")", 1)[0]


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_exit_when_the_build_is_killed(project: Path) -> None:
    """A CI time-out kills the build with SIGKILL; its workers must not run on.

    The workers are stopped first, so that none can finish its document, find the build
    gone and exit on its own: only being told of its parent's death can end it. They are
    stopped once they carry their name, which they take when set up: one stopped between
    its fork and its setup could not be told, and nothing in the build could end it.
    """
    from briefgen.workers import WORKER_NAME

    for slug in ("one", "two", "three"):
        write_briefing(project, slug, f"Briefing {slug}")
    process = briefgen_process(project, "build", "-a", "general", "-j", "2")
    wait_for_line(process, "building ")
    deadline = time.monotonic() + 90
    while (
        len(
            workers := [pid for pid in children_of(process.pid) if process_name(pid) == WORKER_NAME]
        )
        < 2
    ):
        assert time.monotonic() < deadline, "the workers never started"
        time.sleep(0.02)
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=90)
    try:
        deadline = time.monotonic() + 60
        while any(running(pid) for pid in workers):
            assert time.monotonic() < deadline, "workers still there after their build died"
            time.sleep(0.1)
    finally:
        for pid in workers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)


def test_workers_get_a_window_of_handouts_before_its_briefs(tmp_path: Path) -> None:
    """Longest first within a window of sets: the two workers finish together, and no
    window's results wait in memory for a brief scheduled far later."""
    from briefgen.batch import SETS_PER_WINDOW, scheduled
    from briefgen.incremental import Job

    folders = [tmp_path / f"b{i}" for i in range(SETS_PER_WINDOW + 1)]
    jobs = [Job(f, "general", kind, "") for f in folders for kind in ("brief", "handout")]
    order = [(job.folder.name, job.kind) for job in scheduled(jobs)]
    first = [(f.name, "handout") for f in folders[:-1]] + [(f.name, "brief") for f in folders[:-1]]
    assert order == [*first, (folders[-1].name, "handout"), (folders[-1].name, "brief")]
