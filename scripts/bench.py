"""Benchmark: briefgen against plain WeasyPrint rendering the very same HTML, honestly.

    .venv/bin/python scripts/bench.py [--runs 5] [--batches 10,50,200] [--noop 2000]
                                      [--parts efficiency,layouts,rss,noop] [--profile]

Every measurement runs `--runs` times, interleaved with its baseline (ours, raw, ours,
raw, …), in fresh processes; CPU seconds (user + system of the process and its workers)
and wall time are reported as min and median. Medians are what the targets judge:

- **efficiency (CPU):** `briefgen build --jobs 1` of the seed, every audience, against raw
  WeasyPrint laying out and writing the same HTML files in one process with one shared
  font configuration: target ≤ 1.15 ×.
- **throughput (wall):** `briefgen build` with its default workers against raw WeasyPrint
  spread over the same number of processes: target ≤ 0.7 × the serial raw wall time.
- **layouts per brief:** how many layouts the fit needed for each brief (counted in
  process; the issue's target is a median ≤ 2 on the seed's audiences).
- **peak RSS** of the build and of its largest worker, for growing batches: it must stay
  flat as the batch grows.
- **no-op:** a build with nothing to do, over `--noop` up-to-date documents: ≤ 0.3 s.

`--profile` adds a cProfile of one `--jobs 1` build.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "content" / "russian-peacekeepers-azerbaijan"
TEMPLATES = ROOT / "templates"
BRIEFGEN = [sys.executable, "-m", "briefgen"]

RAW_RENDER = r"""
import sys
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
fonts = FontConfiguration()
for name in sys.argv[1:]:
    HTML(filename=name).render(font_config=fonts, pdf_tags=True).write_pdf(
        name[:-5] + ".raw.pdf", pdf_tags=True
    )
"""

PEAK_RSS = r"""
import resource, sys
from briefgen.cli import cli
try:
    cli.main(sys.argv[1:], standalone_mode=False)
finally:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print("PEAK", own, workers, file=sys.stderr)
"""


class Sample:
    """CPU and wall seconds of one child process (and everything it waited for)."""

    def __init__(self, cpu: float, wall: float, stderr: str = "") -> None:
        self.cpu, self.wall, self.stderr = cpu, wall, stderr


def run(command: list[str], cwd: Path = ROOT) -> Sample:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(cpu, wall, result.stderr)


def run_parallel(commands: list[list[str]]) -> Sample:
    """Several processes at once: wall time until the last ends, CPU of all of them."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    processes = [subprocess.Popen(c, cwd=ROOT, stdout=subprocess.DEVNULL) for c in commands]
    if any(p.wait() for p in processes):
        sys.exit(f"failed: {commands}")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(cpu, wall)


def stats(values: list[float]) -> str:
    return f"min {min(values):6.2f}  median {statistics.median(values):6.2f}"


def line(samples: list[Sample]) -> str:
    cpu, wall = stats([s.cpu for s in samples]), stats([s.wall for s in samples])
    return f"CPU s: {cpu}   wall s: {wall}"


def interleaved(
    runs: int, ours: Callable[[], Sample], baseline: Callable[[], Sample]
) -> tuple[list[Sample], list[Sample]]:
    mine: list[Sample] = []
    theirs: list[Sample] = []
    for _ in range(runs):
        mine.append(ours())
        theirs.append(baseline())
    return mine, theirs


def report(name: str, mine: list[Sample], theirs: list[Sample]) -> tuple[float, float]:
    """Print both series; returns the ratios of the medians (CPU, wall)."""
    for label, series in ((name, mine), ("raw WeasyPrint", theirs)):
        print(f"  {label:<34} {line(series)}")
    cpu = statistics.median(s.cpu for s in mine) / statistics.median(s.cpu for s in theirs)
    wall = statistics.median(s.wall for s in mine) / statistics.median(s.wall for s in theirs)
    return cpu, wall


def verdict(name: str, value: float, target: float, unit: str = " × raw") -> bool:
    ok = value <= target
    print(f"{'PASS' if ok else 'MISS'}  {name}: {value:.2f}{unit} (target ≤ {target})")
    return ok


def html_files(out: Path) -> list[str]:
    # The documents briefgen lays out: not the web edition, which is HTML only.
    return sorted(str(p) for p in out.rglob("*.html") if p.name in ("brief.html", "handout.html"))


def build_command(content: Path | None, out: Path, *extra: str) -> list[str]:
    where = [str(content)] if content is not None else []
    return [*BRIEFGEN, "build", *where, "--force", "--out", str(out), *extra]


def efficiency_and_throughput(work: Path, runs: int) -> list[bool]:
    from briefgen.incremental import default_workers

    out = work / "seed"
    run(build_command(SEED, out))  # the HTML the raw renders lay out, and a warm disk cache
    files = html_files(out)
    workers = default_workers()
    print(f"== efficiency: {SEED.name}, every audience, {len(files)} documents")
    mine, theirs = interleaved(
        runs,
        lambda: run(build_command(SEED, work / "ours", "--jobs", "1")),
        lambda: run([sys.executable, "-c", RAW_RENDER, *files]),
    )
    cpu, _ = report("briefgen --jobs 1", mine, theirs)
    serial_raw_wall = statistics.median(s.wall for s in theirs)
    results = [verdict("efficiency, CPU of --jobs 1", cpu, 1.15)]

    print(f"== throughput: default jobs ({workers} workers) against raw over {workers} processes")
    shares = [files[i::workers] for i in range(workers)]
    mine, theirs = interleaved(
        runs,
        lambda: run(build_command(SEED, work / "ours")),
        lambda: run_parallel([[sys.executable, "-c", RAW_RENDER, *s] for s in shares if s]),
    )
    _, wall = report(f"briefgen ({workers} workers)", mine, theirs)
    print(f"  wall against raw over {workers} processes: {wall:.2f} ×")
    full = statistics.median(s.wall for s in mine) / serial_raw_wall
    results.append(verdict("full build, wall against the serial raw render", full, 0.7))
    return results


def layouts_per_brief(work: Path) -> None:
    """Every layout a real `--jobs 1` build makes for each document: the fit's and the
    proofreading pass's (pagination.py) included; cold (a new output folder), then warm
    (again with --force, the fit starting from the rung the manifest remembers)."""
    from collections import Counter

    from briefgen import build
    from briefgen.cli import cli

    counts: Counter[tuple[str, str, str]] = Counter()
    current: list[tuple[str, str, str]] = []
    originals = {name: vars(build)[name] for name in ("lay_out", "make_document")}
    lay_out, make_document = originals["lay_out"], originals["make_document"]

    def counting_lay_out(*args: Any, **kwargs: Any) -> Any:
        counts[current[-1]] += 1
        return lay_out(*args, **kwargs)

    def tracking(inputs: Any, kind: Any, *args: Any, **kwargs: Any) -> Any:
        current.append((inputs.folder.name, inputs.audience.name, kind))
        return make_document(inputs, kind, *args, **kwargs)

    for name, patch in (("lay_out", counting_lay_out), ("make_document", tracking)):
        setattr(build, name, patch)
    print("== layouts per document of a --jobs 1 build, cold then warm (median)")
    try:
        for folder in sorted(p for p in (ROOT / "content").iterdir() if p.is_dir()):
            line = []
            for run_name in ("cold", "warm"):
                counts.clear()
                command = ["build", str(folder), "--force", "--jobs", "1"]
                quiet = io.StringIO()
                with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
                    cli.main([*command, "--out", str(work / "layouts")], standalone_mode=False)
                for kind in ("brief", "handout"):
                    per = [n for (_, _, k), n in sorted(counts.items()) if k == kind]
                    line.append(f"{run_name} {kind} {per} median {statistics.median(per):g}")
            print(f"  {folder.name}")
            for text in line:
                print(f"    {text}")
    finally:
        for name, original in originals.items():
            setattr(build, name, original)


def copies(work: Path, count: int) -> Path:
    content = work / f"content-{count}"
    for i in range(count):
        shutil.copytree(SEED, content / f"seed-{i:04d}")
    return content


def peak_rss(work: Path, batches: list[int]) -> None:
    print("== peak RSS as the batch grows (default workers)")
    audiences = len([p for p in (TEMPLATES / "audiences").iterdir() if p.is_dir()])
    for documents in batches:
        count = max(1, documents // (2 * audiences))
        content = copies(work, count)
        out = work / f"rss-{count}"
        sample = run(
            [sys.executable, "-c", PEAK_RSS, "--content", str(content), "build", "--out", str(out)]
        )
        own, workers = (int(v) / 1024 for v in sample.stderr.split("PEAK")[1].split())
        print(
            f"  {count * audiences * 2:>5} documents: build {own:6.0f} MiB, largest worker "
            f"{workers:6.0f} MiB, wall {sample.wall:6.1f} s"
        )
        shutil.rmtree(content)
        shutil.rmtree(out)


def no_op(work: Path, documents: int, runs: int) -> bool:
    """Up-to-date outputs for `documents` documents, made by copying one built seed."""
    audiences = len([p for p in (TEMPLATES / "audiences").iterdir() if p.is_dir()])
    count = max(1, documents // (2 * audiences))
    content = copies(work, count)
    out = work / "noop"
    first = content / "seed-0000"
    run([*BRIEFGEN, "build", str(first), "--out", str(out)])
    for i in range(1, count):
        shutil.copytree(out / first.name, out / f"seed-{i:04d}", copy_function=os.link)
    command = [*BRIEFGEN, "--content", str(content), "build", "--out", str(out)]
    run(command)  # the first no-op remembers file sizes and times
    samples = [run(command) for _ in range(runs)]
    print(f"== no-op build over {count * audiences * 2} up-to-date documents")
    print(
        f"  CPU s: {stats([s.cpu for s in samples])}   wall s: {stats([s.wall for s in samples])}"
    )
    return verdict("no-op, median wall", statistics.median(s.wall for s in samples), 0.3, " s")


def profile(work: Path) -> None:
    from briefgen.cli import cli

    print(f"== cProfile: {SEED.name}, every audience, --jobs 1, in process")
    import weasyprint  # noqa: F401  (not part of the profile)

    profiler = cProfile.Profile()
    profiler.enable()
    cli.main(
        ["build", str(SEED), "--force", "--jobs", "1", "--out", str(work / "profile")],
        standalone_mode=False,
    )
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(
        r"(briefgen|layout/__init__|css/__init__|fonts|pdf/__init__|line_break)", 25
    )


PARTS = ("efficiency", "layouts", "rss", "noop")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each measurement")
    parser.add_argument("--batches", default="10,50,200", help="batch sizes for peak RSS")
    parser.add_argument("--noop", type=int, default=2000, help="documents in the no-op run")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"which measurements, of {','.join(PARTS)}"
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if parts - set(PARTS):
        parser.error(f"unknown part(s): {', '.join(sorted(parts - set(PARTS)))}")
    print(
        f"briefgen benchmark, {dt.date.today().isoformat()}, {os.cpu_count()} cores "
        f"({len(os.sched_getaffinity(0))} usable), load {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="briefgen-bench-") as temporary:
        work = Path(temporary)
        results: list[bool] = []
        if "efficiency" in parts:
            results += efficiency_and_throughput(work, args.runs)
        if "layouts" in parts:
            layouts_per_brief(work)
        if "rss" in parts:
            peak_rss(work, [int(n) for n in args.batches.split(",") if n])
        if "noop" in parts:
            results.append(no_op(work, args.noop, args.runs))
        if args.profile:
            profile(work)
    print(f"{sum(results)}/{len(results)} targets met")
    print(json.dumps({"targets_met": sum(results), "targets": len(results)}))


if __name__ == "__main__":
    main()
