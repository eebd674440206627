"""The bad-input corpus: every broken input gets exactly one clear line, exit 1, no traceback.

Each folder under tests/bad_inputs/ is a briefing folder with one thing wrong, plus:

- `expected.txt`: the exact error line (`{case}` stands for the folder's name), or
  `re:` and a regular expression when the line legitimately varies;
- `args.txt` (optional): the command line, default `check {case}`;
- `_templates/` (optional): files laid over a copy of templates/, used with
  `--templates templates` to break one template.

The CLI runs through click's test runner in a temporary folder holding a copy of the
case, so paths in messages are short and relative; a traceback would fail the test.
`pytest --approve` rewrites expected.txt from the actual output; read the diff before
committing it.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import TEMPLATES, run_cli

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
ERROR_LINE = re.compile(r"^[^\s:]+:(\d+)(?::(\d+))?: \S")
OVERLAY = "_templates"
POSITIONLESS = {
    "no-briefing-file",  # there is no file to point into
}


def run_case(name: str, workdir: Path) -> Result:
    source = CORPUS / name
    shutil.copytree(
        source, workdir / name, ignore=shutil.ignore_patterns("expected.txt", "args.txt", OVERLAY)
    )
    args_file = source / "args.txt"
    args = (
        shlex.split(args_file.read_text().replace("{case}", name))
        if args_file.exists()
        else ["check", name]
    )
    if (source / OVERLAY).is_dir():
        shutil.copytree(TEMPLATES, workdir / "templates")
        shutil.copytree(source / OVERLAY, workdir / "templates", dirs_exist_ok=True)
    else:
        args = ["--templates", str(TEMPLATES), *args]
    return run_cli(*args, cwd=workdir)


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", CASES)
def test_bad_input(name: str, tmp_path: Path, approve: bool) -> None:
    result = run_case(name, tmp_path)
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    # Everything on stderr but progress lines is the error: it must be exactly one line.
    errors = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and not line.startswith(("[", "building "))
    ]
    assert len(errors) == 1, result.stderr
    expected_file = CORPUS / name / "expected.txt"
    if approve:
        expected_file.write_text(errors[0].replace(name, "{case}") + "\n", encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8").strip()
    if expected.startswith("re:"):
        assert re.fullmatch(expected[3:].replace("{case}", re.escape(name)), errors[0]), errors[0]
    else:
        assert errors[0] == expected.replace("{case}", name)
    if name not in POSITIONLESS:
        assert ERROR_LINE.match(errors[0]), errors[0]
