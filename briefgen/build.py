"""The pipeline for one briefing and one audience: load → validate → render_html → typeset."""

from __future__ import annotations

import gc
import multiprocessing
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefgen.audience import Audience, load_audience
from briefgen.documents import DOCUMENT_KINDS, DocumentKind
from briefgen.errors import BriefgenError, CommandLineError
from briefgen.fit import DoesNotFit, Fitted, fit_to_one_page
from briefgen.fonts import font_face_css, svg_font_family
from briefgen.glyphs import check_audience_glyphs, check_briefing_glyphs
from briefgen.incremental import Job
from briefgen.load import LoadedYaml, Location, strings_in
from briefgen.output import write_atomically
from briefgen.paths import audience_folder
from briefgen.render_html import (
    Fit,
    TemplateRenderer,
    droppable_items,
    expected_brief_text,
    for_audience,
)
from briefgen.schema import Briefing
from briefgen.stamp import Stamps, stamp_document
from briefgen.summary import DocumentResult
from briefgen.typeset import LaidOut, lay_out, pdf_bytes, warm_up
from briefgen.validate import load_briefing

__all__ = ["BuildOptions", "DocumentResult", "build_briefing", "build_document", "run_jobs"]


@dataclass(frozen=True)
class BuildOptions:
    out: Path
    templates: Path
    strict: bool = False
    stamps: Stamps | None = None
    """Marks laid over every page (draft, embargo, version line); None for none."""


@dataclass(frozen=True)
class Inputs:
    """Everything one briefing × audience needs, loaded and checked once for both documents."""

    folder: Path
    briefing: Briefing
    loaded: LoadedYaml
    audience: Audience
    renderer: TemplateRenderer


def load_briefings(
    folders: list[Path], known_audiences: list[str], templates: Path
) -> dict[Path, tuple[Briefing, LoadedYaml]]:
    """Each briefing validated and its glyphs checked."""
    checked = {}
    for folder in folders:
        briefing, loaded = load_briefing(folder, known_audiences)
        check_briefing_glyphs(loaded, templates)
        checked[folder] = (briefing, loaded)
    return checked


def make_renderer(audience: Audience, templates: Path) -> TemplateRenderer:
    """The audience's template renderer, its labels' glyphs checked and templates compiled."""
    check_audience_glyphs(audience, templates)
    renderer = TemplateRenderer(audience)
    renderer.compile()
    return renderer


def build_briefing(
    folder: Path, audience: Audience, options: BuildOptions, known_audiences: list[str]
) -> list[DocumentResult]:
    """Build brief and handout of one briefing for one audience; returns what was written."""
    briefing, loaded = load_briefings([folder], known_audiences, options.templates)[folder]
    inputs = Inputs(folder, briefing, loaded, audience, make_renderer(audience, options.templates))
    return [build_document(inputs, kind, options) for kind in DOCUMENT_KINDS]


def build_document(inputs: Inputs, kind: DocumentKind, options: BuildOptions) -> DocumentResult:
    """Build one document; brief and handout are independent so they can run in parallel."""
    started = time.perf_counter()
    folder, briefing, loaded = inputs.folder, inputs.briefing, inputs.loaded
    audience, renderer = inputs.audience, inputs.renderer
    target = options.out / folder.name / audience.name
    allowed = [options.templates, folder]
    svg_fonts = svg_font_family(audience.config.fonts.headings, options.templates)

    def lay_out_here(html: str) -> LaidOut:
        return lay_out(html, folder, allowed, audience.config.pdf_standards, svg_fonts)

    if kind == "handout":
        html = renderer.render("handout", briefing)
        handout = Fitted(lay_out_here(html), html, Fit(audience.config.brief.body_size_pt), [])
        return emit(
            folder.name, audience.name, "handout", handout, target, loaded, options, started
        )

    settings = audience.config.brief
    # Item ids such as `key_facts.4` count within what this audience is shown.
    shown = for_audience(briefing, audience.name)
    try:
        fitted = fit_to_one_page(
            render=lambda fit: renderer.render("brief", shown, fit),
            lay_out=lay_out_here,
            body_size_pt=settings.body_size_pt,
            min_body_size_pt=settings.min_body_size_pt,
            droppable=droppable_items(shown, audience),
            describe_item=lambda item: describe_item(shown, item),
            expected_text=lambda fit: expected_brief_text(shown, audience, fit),
        )
    except DoesNotFit as exc:
        raise BriefgenError(f"[{audience.name}] {exc.message}", loaded.path, 1, 1) from None
    return emit(folder.name, audience.name, "brief", fitted, target, loaded, options, started)


# What forked workers inherit: set in the parent just before the pool starts, so the
# briefings are read and the templates compiled once, not once per document.
_shared: dict[str, Any] = {}


def _run_job(index: int) -> tuple[int, DocumentResult | None, tuple[Any, ...] | None]:
    """Build job `index` in a worker; user errors come back as data, since they do not pickle."""
    job: Job = _shared["jobs"][index]
    try:
        output = build_document(
            _shared["inputs"][job.folder, job.audience],
            job.kind,
            _shared["options"],
        )
    except BriefgenError as exc:
        return (
            index,
            None,
            (exc.message, exc.path, exc.line, exc.column, exc.exit_code),
        )
    return index, output, None


def run_jobs(
    jobs: list[Job],
    audiences: dict[str, Audience],
    options: BuildOptions,
    known: list[str],
    workers: int,
    on_done: Callable[[Job, DocumentResult], None],
) -> list[DocumentResult]:
    """Build `jobs`, in a fork pool when there is more than one job and core.

    WeasyPrint is imported, the fonts loaded, the briefings read and the templates
    compiled in the parent before forking, so all of that is paid once and shared
    copy-on-write. Briefs, laid out several times by the fit ladder, start first.
    """
    # Imported and given the shipped fonts once, inherited by every worker.
    warm_up(font_face_css(options.templates), [options.templates])

    order = sorted(range(len(jobs)), key=lambda i: jobs[i].kind != "brief")
    outputs: list[DocumentResult | None] = [None] * len(jobs)
    try:
        briefings = load_briefings(sorted({job.folder for job in jobs}), known, options.templates)
        renderers = {
            name: make_renderer(audiences[name], options.templates)
            for name in sorted({job.audience for job in jobs})
        }
        inputs = {
            (job.folder, job.audience): Inputs(
                job.folder, *briefings[job.folder], audiences[job.audience], renderers[job.audience]
            )
            for job in jobs
        }
        _shared.update(jobs=jobs, inputs=inputs, options=options)
        for index, output, error in _results(order, workers):
            if error is not None:
                message, path, line, column, code = error
                kind = CommandLineError if code == CommandLineError.exit_code else BriefgenError
                raise kind(message, path, line, column)
            assert output is not None
            outputs[index] = output
            on_done(jobs[index], output)
    finally:
        _shared.clear()
    return [o for o in outputs if o is not None]


def _quiet_collector() -> None:
    gc.set_threshold(50_000, 20, 20)


def _results(
    order: list[int], workers: int
) -> Iterator[tuple[int, DocumentResult | None, tuple[Any, ...] | None]]:
    workers = min(workers, len(order))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(_run_job, order)
        return
    # Frozen objects are never scanned by the collector, so the workers do not copy the
    # parent's memory page by page; layouts allocate a lot, so collect less often.
    gc.freeze()
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_quiet_collector)
    try:
        yield from pool.imap_unordered(_run_job, order)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
        gc.unfreeze()


def emit(
    slug: str,
    audience: str,
    kind: DocumentKind,
    fitted: Fitted,
    target: Path,
    loaded: LoadedYaml,
    options: BuildOptions,
    started: float,
) -> DocumentResult:
    """Make the PDF, check everything the engine refused or warned about, then write.

    The PDF is generated before the checks because writing it fetches attachments and
    may warn too; nothing is written unless both files can be, HTML and PDF together.
    """
    data = pdf_bytes(fitted.laid_out, fitted.html)
    if options.stamps is not None and options.stamps.active:
        data = stamp_document(
            data, load_audience(options.templates, audience), options.templates, options.stamps
        )
    log = fitted.laid_out.log
    for url in log.refused:
        reason = log.reasons.get(url, "not allowed")
        location = field_mentioning(loaded.data, url)
        if location is None:
            # Not from the content, so from a template or stylesheet of this audience.
            raise BriefgenError(
                f"[{audience}/{kind}] a template or stylesheet asked for {url[:80]}, which was "
                f"refused ({reason}); templates may use files under templates/ only",
                audience_folder(options.templates, audience),
            )
        raise loaded.error(
            location,
            f"{'.'.join(map(str, location))}: resource {url[:80]} refused ({reason}); use a "
            "file inside the briefing folder",
        )
    if options.strict and log.warnings:
        raise BriefgenError(
            f"[{audience}/{kind}] --strict: WeasyPrint warned: {log.warnings[0]}; fix the "
            "stylesheet or resource it names, or build without --strict",
            loaded.path,
        )
    pdf_path = target / f"{kind}.pdf"
    write_atomically(target / f"{kind}.html", fitted.html.encode("utf-8"))
    write_atomically(pdf_path, data)
    size = len(data)
    return DocumentResult(
        slug,
        audience,
        kind,
        pdf_path,
        fitted.laid_out.pages,
        size,
        time.perf_counter() - started,
        fitted.describe(),
    )


def field_mentioning(data: Any, needle: str) -> Location | None:
    """The location of the first string in `data` that contains `needle` (or its file name)."""
    name = needle.rsplit("/", 1)[-1]
    return next(
        (where for where, text in strings_in(data) if needle in text or (name and name in text)),
        None,
    )


def describe_item(briefing: Briefing, item: str) -> str:
    """A human name for a dropped item id such as `key_facts.4`."""
    parts = item.split(".")
    if parts[0] == "key_facts":
        return f'fact "{briefing.key_facts[int(parts[1])].figure}"'
    if parts[0] == "quotes":
        return f"quote {int(parts[1]) + 1}"
    if parts[0] in {"implications", "recommendations"}:
        return f"{parts[0][:-1]} {int(parts[1]) + 1}"
    if parts[0] in {"figures", "tables"}:
        block = getattr(briefing, parts[0])[int(parts[1])]
        return f'{"chart" if parts[0] == "figures" else "table"} "{block.title}"'
    if len(parts) == 2:
        return f"argument point {int(parts[1]) + 1}"
    return f"argument point {int(parts[1]) + 1}.{int(parts[3]) + 1}"
