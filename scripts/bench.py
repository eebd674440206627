"""Benchmark: briefgen's build against plain WeasyPrint rendering the very same HTML.

    .venv/bin/python scripts/bench.py [--batch 50] [--profile] [--skip-batch]

1. Builds the seed briefing for every audience (`briefgen build --force`, fresh output
   folder), then renders the resulting HTML files with plain WeasyPrint, one after the
   other in one process. Both are timed as whole processes, WeasyPrint import included.
2. Times a rebuild with nothing changed, and checks it does not import WeasyPrint.
3. Builds a batch of documents (copies of the seed in a temp content folder) and renders
   the same HTML raw, as above.
Targets are printed as PASS/FAIL lines with the ratios. `--profile` adds a cProfile of
one audience's build in a single process.

Findings (2-core machine): the brief is the slowest document because the fit ladder
lays it out 3-5 times (it bisects, and must show the rung above its answer overflows)
before writing it once; the raw render lays it out once. Time goes to layout (line
breaking in Pango, ~60%), the CSS cascade (~20%) and PDF writing (~0.7 s per handout;
our fonts are pre-subset with pyftsubset, so subsetting is small). `@font-face`
loading used to cost half of a brief's layout: one font configuration per process,
loaded before forking, removed it. One run: full build 0.80 x raw, batch 0.54 x raw,
no-op rebuild 0.13 s.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "content" / "russian-peacekeepers-azerbaijan"
BRIEFGEN = [sys.executable, "-m", "briefgen"]

RAW_RENDER = r"""
import json, sys, time
started = time.perf_counter()
from weasyprint import HTML
times = {}
for name in sys.argv[1:]:
    t = time.perf_counter()
    HTML(filename=name).write_pdf(name[:-5] + ".raw.pdf", pdf_tags=True)
    times[name] = time.perf_counter() - t
print(json.dumps({"total": time.perf_counter() - started, "documents": times}))
"""

NO_OP = r"""
import sys, time
started = time.perf_counter()
from briefgen.cli import cli
cli.main(sys.argv[1:], standalone_mode=False)
print("SECONDS", time.perf_counter() - started, "WEASYPRINT", "weasyprint" in sys.modules)
"""


def timed(command: list[str], cwd: Path = ROOT) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
    return seconds, result.stdout


def raw_render(out: Path) -> dict[str, object]:
    files = sorted(str(p) for p in out.rglob("*.html") if not p.name.endswith(".raw.html"))
    seconds, stdout = timed([sys.executable, "-c", RAW_RENDER, *files])
    data: dict[str, object] = json.loads(stdout)
    data["wall"] = seconds
    return data


def briefgen_times(out: Path) -> dict[str, float]:
    manifest = json.loads((out / ".briefgen-manifest.json").read_text())
    return {key: record["seconds"] for key, record in manifest["outputs"].items()}


def verdict(name: str, ratio: float, target: float) -> bool:
    ok = ratio <= target
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {ratio:.2f} × raw (target ≤ {target})")
    return ok


def full_build(work: Path) -> list[bool]:
    out = work / "full"
    print(f"== full build of {SEED.name}, every audience")
    build_s, _ = timed([*BRIEFGEN, "build", str(SEED), "--force", "--out", str(out)])
    raw = raw_render(out)
    ours = briefgen_times(out)
    raw_docs: dict[str, float] = raw["documents"]  # type: ignore[assignment]
    print(f"{'document':<55} {'briefgen':>9} {'raw':>7}")
    for name, seconds in sorted(raw_docs.items()):
        key = str(Path(name).relative_to(out).with_suffix(""))
        print(f"{key:<55} {ours.get(key, math.nan):>8.2f}s {seconds:>6.2f}s")
    print(f"briefgen build (process): {build_s:.2f} s")
    print(
        f"raw render (process):     {raw['wall']:.2f} s, of which rendering "
        f"{sum(raw_docs.values()):.2f} s"
    )
    results = [verdict("full build", build_s / raw["wall"], 0.7)]  # type: ignore[operator]

    print("== rebuild with nothing changed")
    noop_s, stdout = timed([sys.executable, "-c", NO_OP, "build", str(SEED), "--out", str(out)])
    in_process = float(stdout.split("SECONDS")[1].split()[0])
    imported = stdout.strip().endswith("True")
    print(
        f"no-op rebuild: {noop_s:.2f} s as a process, {in_process:.2f} s after start-up; "
        f"WeasyPrint imported: {imported}"
    )
    ok = noop_s <= 0.3 and not imported
    print(
        f"{'PASS' if ok else 'FAIL'}  no-op rebuild: {noop_s:.2f} s (target ≤ 0.3 s, no WeasyPrint)"
    )
    return [*results, ok]


def batch_build(work: Path, documents: int) -> list[bool]:
    audiences = [p.parent.name for p in (ROOT / "templates" / "audiences").glob("*/audience.yaml")]
    copies = max(1, math.ceil(documents / (2 * len(audiences))))
    content = work / "content"
    for i in range(copies):
        shutil.copytree(SEED, content / f"seed-{i + 1:02d}")
    out = work / "batch"
    print(
        f"== batch: {copies} copies × {len(audiences)} audiences × 2 = "
        f"{copies * len(audiences) * 2} documents"
    )
    build_s, _ = timed([*BRIEFGEN, "--content", str(content), "build", "--out", str(out)])
    raw = raw_render(out)
    print(f"briefgen build: {build_s:.2f} s; raw render: {raw['wall']:.2f} s")
    return [verdict("batch build", build_s / raw["wall"], 0.6)]  # type: ignore[operator]


def profile(work: Path) -> None:
    from briefgen.audience import load_audience
    from briefgen.build import BuildOptions, build_briefing
    from briefgen.paths import audience_names

    templates = ROOT / "templates"
    known = audience_names(templates)
    audience = load_audience(templates, known[0])
    print(f"== cProfile: {SEED.name} × {audience.name}, one process")
    import weasyprint  # noqa: F401  (not part of the profile)

    profiler = cProfile.Profile()
    profiler.enable()
    build_briefing(SEED, audience, BuildOptions(out=work / "profile", templates=templates), known)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(
        r"(briefgen|layout/__init__|css/__init__|fonts|pdf/__init__|line_break)", 25
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=50, help="documents in the batch run")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="briefgen-bench-") as temporary:
        work = Path(temporary)
        results = full_build(work)
        if not args.skip_batch:
            results += batch_build(work, args.batch)
        if args.profile:
            profile(work)
    print(f"{sum(results)}/{len(results)} targets met")


if __name__ == "__main__":
    main()
