"""The pipeline for one briefing and one audience: load → validate → render_html → write_pdf."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefgen.audience import Audience
from briefgen.errors import BriefgenError, display_path
from briefgen.fit import DoesNotFit, Fitted, fit_to_one_page
from briefgen.glyphs import check_audience_glyphs, check_briefing_glyphs
from briefgen.load import LoadedYaml, Location
from briefgen.output import write_atomically
from briefgen.render_html import DocumentKind, TemplateRenderer, droppable_items
from briefgen.schema import Briefing
from briefgen.validate import load_briefing
from briefgen.write_pdf import LaidOut, lay_out, write_pdf

BRIEFING_FILE = "briefing.yaml"


@dataclass(frozen=True)
class Output:
    """One written document, for the summary table."""

    slug: str
    audience: str
    kind: DocumentKind
    path: Path
    pages: int
    size: int
    seconds: float
    fitted: str = ""


@dataclass(frozen=True)
class BuildOptions:
    out: Path
    templates: Path
    strict: bool = False


def find_briefings(paths: list[Path], content: Path) -> list[Path]:
    """Briefing folders from the command line, or every one under `content/`."""
    if not paths:
        if not content.is_dir():
            raise BriefgenError("no content folder; pass a briefing folder or create content/", content)
        return sorted(p.parent for p in content.glob(f"*/{BRIEFING_FILE}"))
    folders = []
    for path in paths:
        folder = path.parent if path.name == BRIEFING_FILE else path
        if not (folder / BRIEFING_FILE).is_file():
            raise BriefgenError(f"no {BRIEFING_FILE} here; a briefing is a folder holding one", folder)
        folders.append(folder)
    return folders


def build_briefing(
    folder: Path, audience: Audience, options: BuildOptions, known_audiences: list[str]
) -> list[Output]:
    """Build brief and handout of one briefing for one audience; returns what was written."""
    briefing, loaded = load_briefing(folder, known_audiences)
    check_briefing_glyphs(loaded, options.templates)
    check_audience_glyphs(audience, options.templates)
    renderer = TemplateRenderer(audience)
    target = options.out / folder.name / audience.name
    allowed = [options.templates, folder]

    def lay_out_here(html: str) -> LaidOut:
        return lay_out(html, folder, allowed)

    outputs = []
    started = time.perf_counter()
    settings = audience.config.brief
    try:
        fitted = fit_to_one_page(
            render=lambda fit: renderer.render("brief", briefing, fit),
            lay_out=lay_out_here,
            body_size_pt=settings.body_size_pt,
            min_body_size_pt=settings.min_body_size_pt,
            droppable=droppable_items(briefing, audience),
            describe_item=lambda item: describe_item(briefing, item),
        )
    except DoesNotFit as exc:
        raise BriefgenError(
            f"[{audience.name}] {exc.message}", loaded.path, 1, 1
        ) from None
    outputs.append(
        emit(folder.name, audience.name, "brief", fitted, target, loaded, options, started)
    )

    started = time.perf_counter()
    html = renderer.render("handout", briefing)
    handout = Fitted(lay_out_here(html), html, fitted.fit, [])
    outputs.append(
        emit(folder.name, audience.name, "handout", handout, target, loaded, options, started)
    )
    return outputs


def emit(
    slug: str,
    audience: str,
    kind: DocumentKind,
    fitted: Fitted,
    target: Path,
    loaded: LoadedYaml,
    options: BuildOptions,
    started: float,
) -> Output:
    """Check the engine's complaints, then write the HTML and PDF atomically."""
    log = fitted.laid_out.log
    for url in log.refused:
        location = field_mentioning(loaded.data, url)
        if location is not None:
            where = loaded.error(location, "")
            raise BriefgenError(
                f"resource refused in {'.'.join(map(str, location))}: {url[:80]}; only files in "
                "the briefing folder or templates/ may be used",
                where.path, where.line, where.column,
            )
    if options.strict and log.warnings:
        raise BriefgenError(f"[{audience}/{kind}] --strict: {log.warnings[0]}", loaded.path)
    html_path = target / f"{kind}.html"
    pdf_path = target / f"{kind}.pdf"
    write_atomically(html_path, fitted.html.encode("utf-8"))
    size = write_pdf(fitted.laid_out, fitted.html, pdf_path)
    return Output(
        slug, audience, kind, pdf_path, fitted.laid_out.pages, size,
        time.perf_counter() - started, fitted.describe(),
    )


def field_mentioning(data: Any, needle: str, location: Location = ()) -> Location | None:
    """The location of the first string in `data` that contains `needle` (or its file name)."""
    name = needle.rsplit("/", 1)[-1]
    if isinstance(data, str):
        return location if (needle in data or (name and name in data)) else None
    if isinstance(data, dict):
        items: Any = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return None
    for key, value in items:
        found = field_mentioning(value, needle, (*location, key))
        if found is not None:
            return found
    return None


def describe_item(briefing: Briefing, item: str) -> str:
    """A human name for a dropped item id such as `key_facts.4`."""
    parts = item.split(".")
    if parts[0] == "key_facts":
        return f'fact "{briefing.key_facts[int(parts[1])].figure}"'
    if parts[0] == "quotes":
        return f"quote {int(parts[1]) + 1}"
    if len(parts) == 2:
        return f"argument point {int(parts[1]) + 1}"
    return f"argument point {int(parts[1]) + 1}.{int(parts[3]) + 1}"


def summary_table(outputs: list[Output]) -> str:
    rows = [("file", "pages", "size", "time", "fitted")]
    for o in outputs:
        rows.append(
            (
                display_path(o.path),
                str(o.pages),
                f"{o.size / 1024:.0f} KiB",
                f"{o.seconds:.2f} s",
                o.fitted or ("—" if o.kind == "brief" else ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)).rstrip()
        for row in rows
    )
