"""Hostile inputs against `briefgen check`: each must finish within 10 s and 1 GB.

    .venv/bin/python scripts/hostile_bench.py [--build] [--only NAME]

Writes each hostile briefing (alias bombs, an SVG <use> bomb, footnote amplification,
pathological emphasis, deep nesting, unclosed brackets, a 2 MB briefing, and inputs just
inside every limit) to a temporary folder, runs the real command line on it in a child
process, and reads the child's wall time and peak memory (ru_maxrss from os.wait4).
Refused inputs must be refused with located lines only (one per problem); inputs
inside the limits must pass. `--build` also builds the inputs that pass, to show what
the limits leave. Not a test: times belong here, not in the suite.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefgen import prose_limits, svg_limits  # noqa: E402
from tests.test_validate import GOOD  # noqa: E402

TIME_LIMIT_S = 10.0
LOCATED = re.compile(r"^\S[^:]*:\d+(:\d+)?: \S")
MEMORY_LIMIT_KB = 1_000_000
SUMMARY = "summary: A short summary."


def with_summary(markdown: str) -> str:
    return GOOD.replace(SUMMARY, f"summary: {json.dumps(markdown)}")


def use_bomb(levels: int, fan_out: int, leaves: int = 1) -> str:
    groups = ['<g id="g0">' + '<rect width="1" height="1"/>' * leaves + "</g>"]
    for level in range(1, levels + 1):
        groups.append(f'<g id="g{level}">' + f'<use href="#g{level - 1}"/>' * fan_out + "</g>")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><defs>'
        f'{"".join(groups)}</defs><use href="#g{levels}"/></svg>'
    )


def string_alias_bomb() -> str:
    long_text = "x" * 1_500_000
    aliases = ", ".join(["*s"] * 4_000)
    return GOOD.replace(SUMMARY, f'summary: &s "{long_text}"') + f"keywords: [{aliases}]\n"


def value_alias_bomb() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return GOOD + "\n".join(lines) + "\n"


def two_megabytes() -> str:
    """Just under the file limit: 100 items of plain prose, no commas (a limit of their own)."""
    words = "the mission was deployed under the agreement of ten November "
    item = json.dumps((words * 400)[:19_000])
    return GOOD + "what_to_watch:\n" + "".join(f"  - {item}\n" for _ in range(100))


def near_limit_prose() -> str:
    """Every prose field as costly as the limits allow, twelve fields of it."""
    unit = "Some *emphasis*, a [link](https://example.com/a) and `code`. "
    dense = unit * (prose_limits.MAX_INLINE_ELEMENTS // 5 - 1)  # five elements a unit
    nested = "".join("    " * depth + "- x\n" for depth in range(prose_limits.MAX_NESTING // 2))
    item = json.dumps(dense + "\n\n" + nested)
    return with_summary(dense) + "what_to_watch:\n" + "".join(f"  - {item}\n" for _ in range(12))


def png(width: int, height: int) -> bytes:
    from PIL import Image

    data = io.BytesIO()
    Image.new("1", (width, height)).save(data, "PNG")
    return data.getvalue()


@dataclass
class Case:
    name: str
    briefing: Callable[[], str]
    files: Callable[[], dict[str, bytes]] = dict
    refused: bool = True


CASES = [
    Case("string alias bomb (1.5 MB × 4,000)", string_alias_bomb),
    Case("value alias bomb (9⁹ values)", value_alias_bomb),
    Case(
        "SVG <use> bomb (10 × 9 levels)",
        lambda: GOOD + 'background: "![chart](chart.svg)"\n',
        lambda: {"chart.svg": use_bomb(9, 10).encode()},
    ),
    Case(
        "footnote amplification (1,500 refs)",
        lambda: with_summary("x[^a] " * 1500 + "\n\n[^a]: " + "note " * 1500),
    ),
    Case('emphasis "**a" × 6,000', lambda: with_summary("**a" * 6000)),
    Case('emphasis "*a*b" × 4,500', lambda: with_summary("*a*b" * 4500)),
    Case("blockquotes 200 deep", lambda: with_summary(">" * 200 + " x")),
    Case("list 98 deep", lambda: with_summary("".join("  " * i + "- x\n" for i in range(98)))),
    Case("YAML 1,000 deep", lambda: GOOD + "keywords:\n  " + "- " * 1000 + "x\n"),
    Case('unclosed link quotes "[a](\\"b)" × 2,500', lambda: with_summary('[a]("b) ' * 2500)),
    Case('unclosed tags "<a " × 6,000', lambda: with_summary("<a " * 6000)),
    Case(
        "one image, 40 query strings",
        lambda: with_summary(" ".join(f"![m](big.png?{i})" for i in range(40))),
        lambda: {"big.png": png(6000, 6000)},
    ),
    Case("2 MB of plain prose", two_megabytes),
    Case("every field at the prose limits", near_limit_prose, refused=False),
    Case(
        "SVG just inside its limits",
        lambda: GOOD + 'background: "![chart](chart.svg)"\n',
        lambda: {"chart.svg": use_bomb(3, 8, leaves=2).encode()},
        refused=False,
    ),
    Case(
        "40-megapixel image",
        lambda: with_summary("![map](big.png)"),
        lambda: {"big.png": png(6300, 6300)},
        refused=False,
    ),
]


def run(args: list[str], cwd: Path) -> tuple[float, float, int, int, str]:
    """Wall and CPU seconds, peak RSS in kB, exit code and stderr of `briefgen ARGS`.

    CPU time (user + system, workers included) is what the command costs; wall time
    also holds whatever else the machine is doing, so the verdict is on CPU time."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "briefgen", "--templates", str(ROOT / "templates"), *args],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        stderr.seek(0)
        text = stderr.read().decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss, process.returncode, text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", action="store_true", help="also build what passes check")
    parser.add_argument("--only", help="run only cases whose name contains this")
    options = parser.parse_args()
    print(f"limits: {TIME_LIMIT_S:.0f} s of CPU and {MEMORY_LIMIT_KB // 1000} MB per command")
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    print(f"SVG drawn-element limit {svg_limits.MAX_SVG_DRAWN:,}\n")
    failures = 0
    for case in CASES:
        if options.only and options.only not in case.name:
            continue
        with tempfile.TemporaryDirectory() as workdir:
            folder = Path(workdir) / "case"
            folder.mkdir()
            (folder / "briefing.yaml").write_text(case.briefing(), encoding="utf-8")
            for name, data in case.files().items():
                (folder / name).write_bytes(data)
            size = (folder / "briefing.yaml").stat().st_size
            commands = [["check", "case"]]
            if options.build and not case.refused:
                commands.append(["build", "case", "--out", "out", "--force", "-j", "1"])
            for command in commands:
                seconds, cpu, peak_kb, code, stderr = run(command, Path(workdir))
                errors = [
                    line
                    for line in stderr.splitlines()
                    if line and not line.startswith(("[", "building "))
                ]
                expected_code = 1 if case.refused else 0
                ok = (
                    code == expected_code
                    and "Traceback" not in stderr
                    and (bool(errors) if case.refused else not errors)
                    and all(LOCATED.match(line) for line in errors)
                    and (cpu <= TIME_LIMIT_S or command[0] == "build")
                    and peak_kb <= MEMORY_LIMIT_KB
                )
                failures += not ok
                verdict = "PASS" if ok else "FAIL"
                print(
                    f"{verdict}  {command[0]:<5} {case.name:<42} {size / 1000:>7,.0f} kB  "
                    f"{cpu:5.1f} s cpu {seconds:5.1f} s wall  {peak_kb / 1000:5.0f} MB  exit {code}"
                )
                if errors:
                    print(f"      {errors[0][:150]}")
    print(f"\n{'all passed' if not failures else f'{failures} FAILED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
