"""A batch: every briefing × audience asked for, built or checked as far as each can be.

`build` and `check` share one path: plan, `build.prepare`, then each document made (or,
for a plain `check`, rendered and its resources checked) in worker processes. One
document that fails never stops the others: its error is printed once, the summary
lists it, and the command exits 1 at the end. A briefing × audience is written only
when all its documents were made, as one set with the record of what it was built from.

Only the standard library is imported at the top: an up-to-date build plans, finds
nothing to do and reports without loading the rendering stack.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from briefgen.documents import DOCUMENT_KINDS, DocumentKind
from briefgen.errors import BriefgenError, CommandLineError, display_path
from briefgen.incremental import Job, Manifest, default_workers, plan
from briefgen.output import check_writable, exclusive, remove_leftovers
from briefgen.paths import AUDIENCES_FOLDER, BRIEFING_FILE, audience_names, find_briefings
from briefgen.summary import DocumentResult, Status

if TYPE_CHECKING:
    from briefgen.build import Failed, JobOutcome, MadeDocument, Prepared, WorkOrder
    from briefgen.stamp import Stamps

LONGEST_FIRST: tuple[DocumentKind, ...] = ("handout", "brief")
"""The order the documents of a window of sets are handed to the workers in."""
SETS_PER_WINDOW = 4
"""Sets whose documents are scheduled together. A handout's results (its web edition
carries the fonts: 3.5 MB) wait in memory until its brief is made, so each set in the
window costs the parent about 5 MB: 200 documents peaked at 149 MiB one set at a time,
180 with 4, 193 with 8."""


def scheduled(jobs: list[Job]) -> list[Job]:
    """The jobs in the order they go to the workers: sets in order, a window of sets at
    a time, and in each window the longest documents (handouts) first, so the workers
    run out of work at about the same time instead of one finishing a handout alone."""
    sets = sorted({(job.folder, job.audience) for job in jobs})
    window = {key: index // SETS_PER_WINDOW for index, key in enumerate(sets)}
    return sorted(
        jobs,
        key=lambda j: (
            window[j.folder, j.audience],
            LONGEST_FIRST.index(j.kind),
            j.folder,
            j.audience,
        ),
    )


class Console:
    """Progress and errors on stderr; each distinct error is printed once."""

    def __init__(self, progress: bool = True, debug: bool = False) -> None:
        self.show_progress = progress
        self.debug = debug
        self.printed: set[str] = set()

    def progress(self, line: str) -> None:
        if self.show_progress:
            click.echo(line, err=True)

    def error(self, message: str) -> None:
        if message not in self.printed:
            self.printed.add(message)
            click.echo(message, err=True)

    def failure(self, failed: Failed) -> None:
        if failed.traceback and (self.debug or failed.bug):
            if self.debug:
                click.echo(failed.traceback.rstrip(), err=True)
            else:
                self.error(f"{failed.message}; run with --debug for the traceback")
                return
        self.error(failed.message)


def audience_list(templates: Path) -> list[str]:
    """Every audience of the project; a usage error when there are none."""
    names = audience_names(templates)
    if not names:
        raise CommandLineError(
            f"no audiences in {display_path(templates / AUDIENCES_FOLDER)}; run from the project "
            "folder or pass --templates"
        )
    return names


def chosen_audiences(templates: Path, asked: list[str]) -> tuple[list[str], list[str]]:
    """(every audience, the ones asked for or all); an unknown name is a usage error."""
    known = audience_list(templates)
    names = list(dict.fromkeys(asked)) or known  # `-a press -a press` builds once
    for name in names:
        if name not in known:
            from briefgen.audience import load_audience

            load_audience(templates, name)  # raises "unknown audience" with a suggestion
    return known, names


@dataclass(frozen=True)
class BatchSettings:
    templates: Path
    out: Path
    strict: bool = False
    workers: int | None = None
    debug: bool = False
    stamps: Stamps | None = None


# --- build ---------------------------------------------------------------------------------


def briefing_folders(paths: list[Path], content: Path) -> list[Path]:
    """The briefings to build or check; with none in `content`, a line saying how to start
    (nothing is wrong, but silence left a new user guessing)."""
    folders = find_briefings(paths, content)
    if not folders:
        click.echo(
            f"no briefing in {content}/ yet: a briefing is a folder holding {BRIEFING_FILE}; "
            "start one with `briefgen new SLUG`",
            err=True,
        )
    return folders


def run_build(
    templates: Path,
    content: Path,
    paths: list[Path],
    audiences: list[str],
    out: Path,
    *,
    kinds: tuple[DocumentKind, ...] = DOCUMENT_KINDS,
    strict: bool = False,
    force: bool = False,
    workers: int | None = None,
    debug: bool = False,
    progress: bool = True,
    stamps: Stamps | None = None,
) -> list[DocumentResult]:
    """Build what is stale, write each briefing × audience as a set, and report every
    document: built, up to date, refused (with its reason) or not written."""
    known, names = chosen_audiences(templates, audiences)
    folders = briefing_folders(paths, content)
    try:
        check_writable(out)
    except OSError as exc:
        raise BriefgenError(
            f"cannot write to the output folder: {exc.strerror}; pass --out with a folder "
            "you can write to",
            out,
        ) from None
    settings = BatchSettings(templates, out, strict, workers, debug, stamps)
    console = Console(progress, debug)
    with exclusive(out):
        remove_leftovers(out)
        manifest = Manifest(out)
        variant = stamps.key() if stamps is not None and stamps.active else ""
        stale, fresh = plan(folders, templates, names, manifest, force, kinds, variant)
        built = build_jobs(stale, len(fresh), known, manifest, settings, console) if stale else []
    return sorted(fresh + built, key=lambda r: (r.slug, r.audience, r.kind))


def build_jobs(
    stale: list[Job],
    fresh: int,
    known: list[str],
    manifest: Manifest,
    settings: BatchSettings,
    console: Console,
) -> list[DocumentResult]:
    from briefgen.build import BuildOptions, Done, WorkOrder, prepare

    jobs = scheduled(stale)
    prepared = prepare(
        settings.templates,
        list(dict.fromkeys(j.folder for j in jobs)),
        list(dict.fromkeys(j.audience for j in jobs)),
        known,
        settings.strict,
    )
    options = BuildOptions(settings.out, settings.templates, settings.strict, settings.stamps)
    order = WorkOrder(tuple(jobs), prepared.inputs, options, True, settings.debug)
    sets = SetWriter(jobs, manifest, console)
    results = sets.refuse_unprepared(prepared)
    runnable = [i for i, job in enumerate(jobs) if (job.folder, job.audience) in prepared.inputs]
    workers = min(settings.workers or default_workers(), len(runnable)) or 1
    if runnable:
        console.progress(
            f"building {len(runnable)} document(s) with {workers} worker(s)"
            + (f"; {fresh} up to date" if fresh else "")
        )
    for count, outcome in enumerate(outcomes(order, runnable, workers), start=1):
        job = jobs[outcome.index]
        if isinstance(outcome, Done):
            seconds = outcome.document.seconds if outcome.document else 0.0
            console.progress(f"[{count}/{len(runnable)}] {job.key} {seconds:.1f} s")
        else:
            console.progress(f"[{count}/{len(runnable)}] {job.key} refused")
            console.failure(outcome)
        results += sets.add(job, outcome)
    return results


def outcomes(order: WorkOrder, indices: list[int], workers: int) -> Iterator[JobOutcome]:
    """The workers' outcomes; leaving the loop early (an error, Ctrl-C) stops the workers."""
    from briefgen.build import run_jobs

    with contextlib.closing(run_jobs(order, indices, workers)) as running:
        yield from running


class SetWriter:
    """Collects the documents of each briefing × audience and writes them together, or,
    if any was refused, leaves the folder as it was."""

    def __init__(self, jobs: list[Job], manifest: Manifest, console: Console) -> None:
        self.manifest = manifest
        self.console = console
        self.expected: dict[tuple[Path, str], list[Job]] = {}
        for job in jobs:
            self.expected.setdefault((job.folder, job.audience), []).append(job)
        self.arrived: dict[tuple[Path, str], dict[DocumentKind, JobOutcome]] = {}

    def refuse_unprepared(self, prepared: Prepared) -> list[DocumentResult]:
        """Rows for the documents a problem found before layout stops; each problem is
        printed once, however many documents it stops."""
        for found in prepared.problems:
            self.console.error(str(found.error))
        results = []
        for (folder, audience), jobs in self.expected.items():
            problem = prepared.problem_for(folder, audience)
            if problem is not None:
                results += [self.row(job, "refused", str(problem.error)) for job in jobs]
        return results

    def add(self, job: Job, outcome: JobOutcome) -> list[DocumentResult]:
        """File one outcome; when its set is complete, write it and return its rows."""
        from briefgen.build import Done, Failed, write_set

        key = (job.folder, job.audience)
        arrived = self.arrived.setdefault(key, {})
        arrived[job.kind] = outcome
        jobs = self.expected[key]
        if len(arrived) < len(jobs):
            return []
        del self.arrived[key]
        made: list[MadeDocument] = [
            o.document for o in arrived.values() if isinstance(o, Done) and o.document
        ]
        refused = [kind for kind, o in arrived.items() if not isinstance(o, Done)]
        if not refused:
            try:
                return write_set(job.folder, job.audience, made, self.manifest, job.inputs)
            except OSError as exc:
                raise BriefgenError(
                    f"cannot write the documents here: {exc.strerror}; free some space, or "
                    "build into another folder with --out",
                    self.manifest.folder(job.folder.name, job.audience),
                ) from None
        not_written = (
            f"the {refused[0]} of this briefing × audience was refused, and its documents "
            "are written together or not at all"
        )
        return [
            self.row(each, "refused", outcome.message)
            if isinstance(outcome := arrived[each.kind], Failed)
            else self.row(each, "not written", not_written)
            for each in jobs
        ]

    def row(self, job: Job, status: Status, reason: str) -> DocumentResult:
        """A document that was not written, with the first line of the reason."""
        return DocumentResult(
            job.folder.name,
            job.audience,
            job.kind,
            self.manifest.target(job),
            0,
            0,
            0.0,
            status=status,
            reason=reason.splitlines()[0],
        )


# --- check ---------------------------------------------------------------------------------


def run_check(
    templates: Path,
    content: Path,
    paths: list[Path],
    *,
    render: bool = False,
    strict: bool = False,
    workers: int | None = None,
    debug: bool = False,
    on_ok: Callable[[Path], None] | None = None,
) -> bool:
    """Everything `build` would check, for every briefing and audience, writing nothing.

    Prints each error once; calls `on_ok` for each briefing that passed for every
    audience. With `render`, the documents are laid out and fitted too, as in a build.
    Returns whether everything passed.
    """
    from briefgen.build import BuildOptions, Done, WorkOrder, prepare
    from briefgen.translation import untranslated_report

    known = audience_list(templates)
    folders = briefing_folders(paths, content)
    console = Console(progress=False, debug=debug)
    prepared = prepare(templates, folders, known, known, strict)
    for problem in prepared.problems:
        console.error(str(problem.error))
    failed = {f for f in folders for a in known if prepared.problem_for(f, a)}
    for folder, translations in prepared.translations.items():
        # Untranslated fields print in the original language: listed, errors under --strict.
        loaded = next((i.loaded for (f, _), i in prepared.inputs.items() if f == folder), None)
        if loaded is None:
            continue  # every audience failed; those errors are printed already
        for line in untranslated_report(translations, loaded, strict):
            console.error(str(line) if strict else f"{line} [untranslated]")
            if strict:
                failed.add(folder)
    jobs = tuple(
        Job(folder, audience, kind, "")
        for folder in folders
        for audience in known
        if (folder, audience) in prepared.inputs
        for kind in DOCUMENT_KINDS
    )
    options = BuildOptions(Path(), templates, strict)
    order = WorkOrder(jobs, prepared.inputs, options, lay_out=render, debug=debug)
    count = (workers or default_workers()) if render else 1  # rendering HTML alone is quick
    for outcome in outcomes(order, list(range(len(jobs))), count):
        if not isinstance(outcome, Done):
            console.failure(outcome)
            failed.add(jobs[outcome.index].folder)
    for folder in folders:
        if folder not in failed and on_ok is not None:
            on_ok(folder)
    return not failed and not prepared.problems
