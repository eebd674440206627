"""The pipeline for one briefing × audience: load → validate → render_html → typeset.

One path for every command. `prepare` loads and checks what can be checked before any
layout (briefings, audiences, glyphs, templates, and with --strict the stylesheets);
`make_document` renders, lays out, fits and makes the PDF in memory, and
`check_document` does the same short of layout. `briefgen build` writes what
`make_document` makes, `briefgen check` stops before writing, and `watch` previews
the HTML of `document_html`. The batch around them is in `batch.py`.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import traceback
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from briefgen.audience import Audience, load_audience
from briefgen.documents import DOCUMENT_KINDS, DocumentKind
from briefgen.errors import BriefgenError, CommandLineError, display_path
from briefgen.fit import FitMemo, fit_brief, select, unprinted
from briefgen.fonts import font_face_css, svg_font_family
from briefgen.glyphs import check_audience_glyphs, check_briefing_glyphs
from briefgen.incremental import MANIFEST_NAME, Job, Manifest, Record
from briefgen.load import LoadedYaml, Location, read_text, strings_in
from briefgen.output import replace_set
from briefgen.page_boxes import page_views, root_element
from briefgen.pagination import (
    COVER_STYLESHEET,
    TIGHTER_STYLESHEET,
    correct_brief,
    paginate_handout,
)
from briefgen.paths import audience_folder, base_folder
from briefgen.render_html import TemplateRenderer, available_sections, handout_sections
from briefgen.scaffold import placeholder_errors
from briefgen.schema import Briefing
from briefgen.stamp import Stamps, stamp_document
from briefgen.summary import DocumentResult
from briefgen.translation import Translation, for_language, load_translations
from briefgen.typeset import (
    LaidOut,
    ResourceLog,
    fetch_resources,
    lay_out,
    pdf_bytes,
    shorten,
    stylesheet_warnings,
    warm_up,
)
from briefgen.validate import ContentErrors, load_briefing
from briefgen.web_edition import WEB_STYLESHEET, web_edition
from briefgen.workers import run_in_pool

__all__ = [
    "BuildOptions",
    "DocumentResult",
    "MadeDocument",
    "build_briefing",
    "check_document",
    "make_document",
    "prepare",
]


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


# --- Before layout: everything `check` and `build` both check --------------------------


@dataclass(frozen=True)
class Problem:
    """An error found while preparing, and the documents it stops."""

    error: BriefgenError
    folder: Path | None = None
    """The briefing at fault, or None when it is the audience's (every briefing stops)."""
    audience: str | None = None
    """The audience at fault, or None when it is the briefing's (every audience stops)."""

    def stops(self, folder: Path, audience: str) -> bool:
        return (self.folder is None or self.folder == folder) and (
            self.audience is None or self.audience == audience
        )


@dataclass
class Prepared:
    """Checked inputs for every briefing × audience that passed, and the problems found."""

    inputs: dict[tuple[Path, str], Inputs] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    translations: dict[Path, dict[str, Translation]] = field(default_factory=dict)
    """Each briefing's translation overlays by language, for `check` to list gaps."""

    def problem_for(self, folder: Path, audience: str) -> Problem | None:
        return next((p for p in self.problems if p.stops(folder, audience)), None)


def prepare_briefing(
    folder: Path, known_audiences: list[str], templates: Path
) -> tuple[Briefing, LoadedYaml]:
    """The briefing validated (schema, sources, images, audience names) and its glyphs checked."""
    briefing, loaded = load_briefing(folder, known_audiences)
    check_briefing_glyphs(loaded, templates)
    unedited = placeholder_errors(loaded)
    if unedited:
        raise ContentErrors(unedited)
    return briefing, loaded


def prepare_translations(
    folder: Path, briefing: Briefing, loaded: LoadedYaml, templates: Path
) -> dict[str, Translation]:
    """The briefing's translation overlays, validated and their glyphs checked."""
    translations = load_translations(folder, briefing, loaded)
    for translation in translations.values():
        check_briefing_glyphs(translation.loaded, templates)
    return translations


def prepare_audience(audience: Audience, templates: Path, strict: bool) -> TemplateRenderer:
    """The audience's renderer: its labels' glyphs checked, every template compiled and,
    with `strict`, its stylesheets parsed without a warning."""
    check_audience_glyphs(audience, templates)
    renderer = TemplateRenderer(audience)
    renderer.compile()
    # A stylesheet that is not UTF-8: its line and column (each file read once).
    paths = [path for kind in DOCUMENT_KINDS for path in renderer.stylesheet_paths(kind)]
    for stylesheet in dict.fromkeys(paths):
        read_text(stylesheet, "stylesheet")
    if strict:
        check_stylesheets(renderer, templates)
    return renderer


def prepare(
    templates: Path,
    folders: Sequence[Path],
    audiences: Sequence[str],
    known_audiences: list[str],
    strict: bool = False,
) -> Prepared:
    """Load and check every briefing and audience, collecting every problem.

    An unknown audience is a usage error and stops everything; anything else wrong
    stops only the documents that depend on it.
    """
    prepared = Prepared()
    renderers: dict[str, tuple[Audience, TemplateRenderer]] = {}
    for name in audiences:
        try:
            audience = load_audience(templates, name)
            renderers[name] = (audience, prepare_audience(audience, templates, strict))
        except CommandLineError:
            raise
        except BriefgenError as exc:
            prepared.problems.append(Problem(exc, audience=name))
    for folder in folders:
        try:
            briefing, loaded = prepare_briefing(folder, known_audiences, templates)
            translations = prepare_translations(folder, briefing, loaded, templates)
        except BriefgenError as exc:
            prepared.problems.append(Problem(exc, folder=folder))
            continue
        prepared.translations[folder] = translations
        for name, (audience, renderer) in renderers.items():
            # An audience in another language prints the briefing's overlay for it, if any.
            printed = for_language(briefing, translations, audience.config.language)
            prepared.inputs[folder, name] = Inputs(folder, printed, loaded, audience, renderer)
    return prepared


def check_stylesheets(renderer: TemplateRenderer, templates: Path) -> None:
    """--strict: a stylesheet WeasyPrint would ignore part of is an error at its line."""
    urls = dict.fromkeys(url for kind in DOCUMENT_KINDS for url in renderer.stylesheets(kind))
    warnings = stylesheet_warnings(list(urls), [templates])
    if warnings:
        raise ContentErrors(
            [
                BriefgenError(
                    f"--strict: WeasyPrint {message}; fix the stylesheet, or build without "
                    "--strict",
                    path,
                    line,
                    column,
                )
                for path, line, column, message in warnings
            ]
        )


# --- One document ------------------------------------------------------------------------


@dataclass(frozen=True)
class MadeDocument:
    """One document made in memory and checked, ready to write."""

    kind: DocumentKind
    html: str
    pdf: bytes
    pages: int
    seconds: float
    fitted: str = ""
    """What the fit ladder (brief) or the pagination pass (handout) did, for the summary
    table."""
    web_html: str | None = None
    """The handout's self-contained web edition, written as `handout.web.html`."""
    fit: FitMemo | None = None
    """What the brief's fit chose, for the next build to start from."""


def document_html(inputs: Inputs, kind: DocumentKind) -> str:
    """The document's HTML at its natural size, as the first layout of a build sees it."""
    return inputs.renderer.render(kind, inputs.briefing)


def allowed_roots(inputs: Inputs, options: BuildOptions) -> list[Path]:
    return [options.templates, inputs.folder]


def check_document(inputs: Inputs, kind: DocumentKind, options: BuildOptions) -> None:
    """Everything `make_document` checks short of layout: the templates run on this
    briefing, and the fetcher allows every resource the HTML asks for."""
    html = document_html(inputs, kind)
    log = fetch_resources(html, inputs.folder, allowed_roots(inputs, options))
    raise_refusals(log, inputs, kind, options)


def make_document(
    inputs: Inputs,
    kind: DocumentKind,
    options: BuildOptions,
    last_fit: FitMemo | None = None,
    layout_inputs: str = "",
) -> MadeDocument:
    """Render, lay out (the brief through the fit ladder) and make the PDF; nothing is
    written. The brief's fit starts from `last_fit`, what the last build recorded, keyed
    with `layout_inputs` (`incremental.layout_hash`). Raises `BriefgenError` for anything
    the engine refused or, with --strict, warned about."""
    started = time.perf_counter()
    roots = allowed_roots(inputs, options)
    config = inputs.audience.config
    svg_fonts = svg_font_family(config.fonts.headings, options.templates)

    def lay_out_here(html: str, extra_css: str = "") -> LaidOut:
        return lay_out(html, inputs.folder, roots, config.pdf_standards, svg_fonts, extra_css)

    steps = ""
    memo: FitMemo | None = None
    if kind == "handout":
        html = document_html(inputs, kind)
        # Laid out again if a hyphen ladder or a stranded last page shows (pagination.py).
        tighter, cover = (inputs.audience.find(n) for n in (TIGHTER_STYLESHEET, COVER_STYLESHEET))
        paginated = paginate_handout(
            lambda extra_css: lay_out_here(html, extra_css),
            tighter.read_text(encoding="utf-8") if tighter is not None else "",
            cover.read_text(encoding="utf-8") if cover is not None else "",
        )
        laid_out = paginated.laid_out
        steps = ", ".join(filter(None, [paginated.describe(), left_out_note(inputs)]))
    else:
        fitted = fit_brief(
            inputs.briefing,
            inputs.audience,
            render=lambda rung: inputs.renderer.render("brief", inputs.briefing, rung),
            lay_out=lay_out_here,
            loaded=inputs.loaded,
            stylesheets=inputs.renderer.stylesheet_paths("brief"),
            last=last_fit,
            layout_inputs=layout_inputs,
        )
        memo = fitted.memo
        html = fitted.html
        # Ladders and runts corrected only if the brief still prints whole on its page.
        laid_out, corrected = correct_brief(
            fitted.laid_out,
            lambda extra_css: lay_out_here(html, extra_css),
            prints_whole,
            fitted.views,
        )
        steps = ", ".join([*fitted.steps, *corrected])
    # The handout is also published as one self-contained web page (web_edition.py).
    web = (
        web_edition(html, inputs.folder, roots, base_folder(options.templates) / WEB_STYLESHEET)
        if kind == "handout"
        else None
    )
    # Writing the PDF fetches attachments and may warn too, so it comes before the checks.
    html = portable_html(html, inputs, options)
    data = pdf_bytes(laid_out, html)
    if options.stamps is not None and options.stamps.active:
        data = stamp_document(data, inputs.audience, options.templates, options.stamps)
    raise_refusals(laid_out.log, inputs, kind, options)
    seconds = time.perf_counter() - started
    return MadeDocument(kind, html, data, laid_out.pages, seconds, steps, web, memo)


def left_out_note(inputs: Inputs) -> str:
    """The sections with content that this audience's handout does not print (its
    `handout.sections`), so that the summary table says so: nothing is left out unsaid."""
    shown = select(inputs.briefing, inputs.audience, "handout").briefing
    printed = handout_sections(shown, inputs.audience)
    left_out = [name for name in available_sections(shown) if name not in printed]
    if not left_out:
        return ""
    names = ", ".join(name.replace("_", " ") for name in left_out)
    return f"not in this audience's handout.sections: {names}"


def prints_whole(laid_out: LaidOut) -> bool:
    """Whether a brief is on one page with all its text where a reader can see it."""
    views = page_views(laid_out.document)
    return len(views) == 1 and not unprinted(views, root_element(laid_out.document))


def portable_html(html: str, inputs: Inputs, options: BuildOptions) -> str:
    """`html` with its `file://` URLs of templates/ and the briefing folder made relative
    to the output folder: the written HTML (and the PDF identifier derived from it) are
    then the same from any checkout, and do not expose the machine's paths."""
    written_in = (options.out / inputs.folder.name / inputs.audience.name).resolve()
    for root in (options.templates, inputs.folder):
        relative = Path(os.path.relpath(root.resolve(), written_in)).as_posix()
        html = html.replace(root.resolve().as_uri() + "/", quote(relative) + "/")
    return html


def raise_refusals(
    log: ResourceLog, inputs: Inputs, kind: DocumentKind, options: BuildOptions
) -> None:
    """A refused resource is an error at the field that asked for it, or, when no field
    did, the audience's; with --strict, so is any WeasyPrint warning."""
    name = inputs.audience.name
    for url in log.refused:
        reason = log.reasons.get(url, "not allowed")
        location = field_mentioning(inputs.loaded.data, url)
        for config in reversed(inputs.audience.config_files):
            found = field_mentioning(config.data, url) if location is None else None
            if found is not None:
                raise config.error(
                    found,
                    f"{'.'.join(map(str, found))}: {shown_url(url)} was refused ({reason}); "
                    "an audience may use files in its own folder only",
                )
        if location is None:
            where = stylesheet_line(inputs.renderer.stylesheet_paths(kind), url)
            path, line = where or (audience_folder(options.templates, name), None)
            raise BriefgenError(
                f"[{name}/{kind}] a template or stylesheet asked for {url[:80]}, which was "
                f"refused ({reason}); templates may use files under templates/ only",
                path,
                line,
            )
        raise inputs.loaded.error(
            location,
            f"{'.'.join(map(str, location))}: resource {url[:80]} refused ({reason}); use a "
            "file inside the briefing folder",
        )
    if options.strict and log.warnings:
        raise BriefgenError(
            f"[{name}/{kind}] --strict: WeasyPrint warned: {log.warnings[0]}; fix the "
            "stylesheet or resource it names, or build without --strict",
            inputs.loaded.path,
        )


def stylesheet_line(stylesheets: list[Path], url: str) -> tuple[Path, int] | None:
    """The stylesheet and line that ask for `url` (by its file name, in a `url()` or an
    `@import`), when one does."""
    name = Path(unquote(urlsplit(url).path)).name
    for path in stylesheets:
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for number, line in enumerate(lines, start=1):
            if name and name in line and ("url(" in line or "@import" in line):
                return path, number
    return None


def shown_url(url: str) -> str:
    """A file URL as a path (relative when inside the working folder), others shortened."""
    if url.startswith("file:"):
        return display_path(Path(unquote(urlsplit(url).path)))
    return shorten(url)


def field_mentioning(data: Any, needle: str) -> Location | None:
    """The location of the first string in `data` that contains `needle` (or its file name)."""
    name = needle.rsplit("/", 1)[-1]
    return next(
        (where for where, text in strings_in(data) if needle in text or (name and name in text)),
        None,
    )


# --- Many documents, in worker processes ---------------------------------------------------


@dataclass(frozen=True)
class WorkOrder:
    """Everything the workers need, handed to them once when the pool starts."""

    jobs: tuple[Job, ...]
    inputs: Mapping[tuple[Path, str], Inputs]
    options: BuildOptions
    lay_out: bool = True
    """False for `check` without --render: stop before layout."""
    debug: bool = False


@dataclass(frozen=True)
class Done:
    index: int
    document: MadeDocument | None
    """None when the order was to check, not to make."""


@dataclass(frozen=True)
class Failed:
    index: int
    message: str
    """The located error line(s) to print."""
    traceback: str | None = None
    """The worker's traceback: always for a bug, with --debug for a user error."""
    bug: bool = False


JobOutcome = Done | Failed


DOCUMENT_TIME_LIMIT_SECONDS = 180
"""Wall time one document may take, layouts and fit included: an ordinary one takes a
second or two, and `* { column-count: 30 }` in a stylesheet took 92 s (then failed)."""


@contextmanager
def time_limit(seconds: float, inputs: Inputs, kind: DocumentKind) -> Iterator[None]:
    """Stop the document after `seconds` with a located error (in the main thread of a
    process, where a timer signal can interrupt the engine; elsewhere, no limit)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return
    style = inputs.audience.folder / "style.css"

    def expired(signum: int, frame: object) -> None:
        raise BriefgenError(
            f"[{inputs.audience.name}/{kind}] laying this document out took over "
            f"{seconds:g} s; a stylesheet may ask for too much (a large column-count, huge "
            "sizes or repeats), or the content is far too long",
            style if style.is_file() else inputs.loaded.path,
        )

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def do_job(order: WorkOrder, index: int) -> JobOutcome:
    """Make (or check) one document; every failure comes back as a `Failed` value."""
    job = order.jobs[index]
    inputs = order.inputs[job.folder, job.audience]
    try:
        if not order.lay_out:
            check_document(inputs, job.kind, order.options)
            return Done(index, None)
        last = FitMemo.from_json(json.loads(job.last_fit)) if job.last_fit else None
        with time_limit(DOCUMENT_TIME_LIMIT_SECONDS, inputs, job.kind):
            made = make_document(inputs, job.kind, order.options, last, job.layout_inputs)
        return Done(index, made)
    except BriefgenError as exc:
        return Failed(index, str(exc), traceback.format_exc() if order.debug else None)
    except Exception as exc:
        message = f"{job.key}: internal error: {type(exc).__name__}: {exc}"
        return Failed(index, " ".join(message.split())[:300], traceback.format_exc(), bug=True)


def run_jobs(
    order: WorkOrder, indices: list[int], workers: int
) -> Generator[JobOutcome, None, None]:
    """Every job of `indices`, in forked workers, outcomes in the order they finish.

    WeasyPrint is imported and the shipped fonts loaded in the parent first, so every
    worker inherits them instead of loading its own.
    """
    if order.lay_out and indices:
        warm_up(font_face_css(order.options.templates), [order.options.templates])
    return run_in_pool(do_job, order, indices, workers)


# --- One briefing × audience, written (tests and scripts) ---------------------------------


def build_briefing(
    folder: Path, audience: Audience, options: BuildOptions, known_audiences: list[str]
) -> list[DocumentResult]:
    """Build brief and handout of one briefing for one audience and write them as a set.

    Raises the first error; nothing is written unless both documents could be made.
    """
    briefing, loaded = prepare_briefing(folder, known_audiences, options.templates)
    translations = prepare_translations(folder, briefing, loaded, options.templates)
    printed = for_language(briefing, translations, audience.config.language)
    renderer = prepare_audience(audience, options.templates, options.strict)
    inputs = Inputs(folder, printed, loaded, audience, renderer)
    made = [make_document(inputs, kind, options) for kind in DOCUMENT_KINDS]
    return write_set(folder, audience.name, made, Manifest(options.out), inputs_hash="")


def write_set(
    folder: Path,
    audience: str,
    made: list[MadeDocument],
    manifest: Manifest,
    inputs_hash: str,
) -> list[DocumentResult]:
    """Replace the documents of one briefing × audience and their record, in one step."""
    slug = folder.name
    target = manifest.folder(slug, audience)
    records = {
        doc.kind: Record(
            inputs_hash,
            doc.pages,
            len(doc.pdf),
            round(doc.seconds, 3),
            doc.fitted,
            doc.fit.to_json() if doc.fit is not None else None,
        )
        for doc in made
    }
    files: dict[str, bytes] = {}
    for doc in made:
        files[f"{doc.kind}.html"] = doc.html.encode("utf-8")
        files[f"{doc.kind}.pdf"] = doc.pdf
        if doc.web_html is not None:
            files[f"{doc.kind}.web.html"] = doc.web_html.encode("utf-8")
    files[MANIFEST_NAME] = manifest.updated(slug, audience, records)
    replace_set(target, files)
    manifest.remember(slug, audience, records)
    return [
        DocumentResult(
            slug,
            audience,
            doc.kind,
            target / f"{doc.kind}.pdf",
            doc.pages,
            len(doc.pdf),
            doc.seconds,
            doc.fitted,
        )
        for doc in made
    ]
