"""Shared fixtures: the project's real folders, and the seed briefing built once per session."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefgen.audience import load_audience
from briefgen.build import BuildOptions, DocumentResult, build_briefing
from briefgen.paths import audience_names

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
CONTENT = ROOT / "content"
SEED = CONTENT / "russian-peacekeepers-azerbaijan"


def run_cli(*args: str, cwd: Path | None = None) -> Result:
    """`briefgen ARGS` through click's test runner, in `cwd`: what the installed command
    does, in this process. `result.stderr` holds the error lines, `result.exit_code` the
    status the command would exit with. A bug (any other exception) is raised, not
    turned into exit status 1, so no test can mistake a traceback for a refusal."""
    from briefgen.cli import cli

    with contextlib.chdir(cwd or Path.cwd()):
        return CliRunner().invoke(cli, list(args), prog_name="briefgen", catch_exceptions=False)


def run_briefgen(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The real command line in a subprocess, for what only a real process shows: the
    installed entry point, signals, the modules a command imports."""
    return subprocess.run(
        [sys.executable, "-m", "briefgen", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


SeedBuild = dict[str, dict[str, DocumentResult]]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--approve", action="store_true", help="Regenerate approved images and golden files."
    )


@pytest.fixture(scope="session")
def approve(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--approve"))


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> SeedBuild:
    """Every shipped audience's brief and handout of the seed: {audience: {kind: result}}."""
    out = tmp_path_factory.mktemp("build")
    known = audience_names(TEMPLATES)
    results: dict[str, dict[str, DocumentResult]] = {}
    for name in known:
        audience = load_audience(TEMPLATES, name)
        outputs = build_briefing(SEED, audience, BuildOptions(out=out, templates=TEMPLATES), known)
        results[name] = {o.kind: o for o in outputs}
    return results
