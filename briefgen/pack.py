"""Meeting packs: a cover with the agenda, then each item's documents, stamped and copied.

The documents are the PDFs the ordinary build already made (and keeps up to date); the
pack only adds a cover, blank versos so that every item starts on a right-hand page, and
stamps over every page: the marking banner, the item label, the pack page number and, per
copy, the copy mark. Everything is computed in memory before anything is written.
"""

from __future__ import annotations

import io
import re
import textwrap
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import pikepdf
from markupsafe import Markup

from briefgen.assemble import Assembler, Bookmark, save, stamp
from briefgen.audience import Audience
from briefgen.booklet import impose
from briefgen.errors import BriefgenError, CommandLineError
from briefgen.marking import pack_marking
from briefgen.meeting import MEETINGS_FOLDER, LoadedMeeting, load_meeting
from briefgen.output import replace_set
from briefgen.stamp import PageStamp, Stamps, build_version, render_stamps
from briefgen.summary import DocumentResult

COVER_TEMPLATE = "pack_cover.html.j2"
COVER_STYLESHEETS = ("css/common.css", "css/pack.css")
PACK_FILE = "pack.pdf"
COPIES_FOLDER = "copies"
MAX_LABEL_CHARS = 50
"""An item label longer than this is cut at a word and ends with "…": the label shares
the top band with the banner. (CSS's text-overflow ellipsis would do it by width, but
WeasyPrint maps its "…" glyph to the whole hidden text, which readers cannot extract.)"""
MAX_COVER_PASSES = 4
"""Page numbers on the cover can change its length; it settles in one or two passes."""

Kind = Literal["brief", "handout"]


@dataclass(frozen=True)
class PackOptions:
    copies: int | None = None
    """Numbered copies; None takes the meeting file's `copies`."""
    recipients: tuple[str, ...] = ()
    stamps: Stamps = field(default_factory=Stamps)
    booklet: bool = False
    """Also write each file imposed as a saddle-stitched booklet (`…-booklet.pdf`)."""


@dataclass(frozen=True)
class PackDocument:
    """One document of the pack, where it comes from and its title in the outline."""

    item: int
    """1-based agenda number."""
    kind: Kind
    path: Path
    title: str


@dataclass(frozen=True)
class PageSlot:
    """What a page of the pack is: a cover page, a blank verso, or a document page."""

    what: Literal["cover", "blank", "document"]
    item: int | None
    """The agenda number the page belongs to (None on the cover)."""
    document: PackDocument | None = None
    index: int = 0
    """The page's index within its cover or document."""


@dataclass(frozen=True)
class PackFile:
    """One PDF to write: the pack or a copy of it, relative to the meeting's build folder."""

    name: str
    data: bytes
    pages: int


def plan_pages(
    cover_pages: int, documents: list[PackDocument], lengths: dict[Path, int]
) -> list[PageSlot]:
    """Every page in order: each item starts on a right-hand (odd) page, and the pack has
    an even number of pages so copies print back to back without sharing a sheet."""
    slots = [PageSlot("cover", None, index=i) for i in range(cover_pages)]
    current: int | None = None
    for document in documents:
        if document.item != current:
            if len(slots) % 2 == 1:
                slots.append(PageSlot("blank", current))
            current = document.item
        slots += [
            PageSlot("document", document.item, document, i) for i in range(lengths[document.path])
        ]
    if len(slots) % 2 == 1:
        slots.append(PageSlot("blank", current))
    return slots


def item_starts(slots: list[PageSlot]) -> dict[int, int]:
    """The 1-based pack page on which each item's first document starts."""
    starts: dict[int, int] = {}
    for number, slot in enumerate(slots, start=1):
        if slot.what == "document" and slot.item is not None:
            starts.setdefault(slot.item, number)
    return starts


def pack_documents(
    loaded: LoadedMeeting, built: dict[tuple[str, Kind], Path], titles: dict[str, str]
) -> list[PackDocument]:
    """The documents in agenda order, from the built PDFs."""
    labels = loaded.audience.config.labels
    kind_label = {"brief": labels.policy_brief, "handout": labels.handout}
    documents = []
    for number, item in enumerate(loaded.meeting.items, start=1):
        for paper in item.papers:
            for kind in paper.kinds:
                title = f"{kind_label[kind]}: {titles[paper.briefing]}"
                documents.append(PackDocument(number, kind, built[paper.briefing, kind], title))
    return documents


def build_pack(
    loaded: LoadedMeeting,
    built: dict[tuple[str, Kind], Path],
    titles: dict[str, str],
    templates: Path,
    options: PackOptions,
) -> list[PackFile]:
    """The pack and its copies, in memory. `built` maps (briefing, kind) to its PDF."""
    banner = pack_marking(loaded)
    audience = loaded.audience
    documents = pack_documents(loaded, built, titles)
    lengths = {d.path: _page_count(d.path) for d in documents}
    cover, slots = _cover_and_plan(loaded, documents, lengths, titles, templates, options)
    scale = audience.config.pack.content_scale
    assembler = Assembler()
    assembler.add_part(cover)  # its own headings are covered by the "Agenda" bookmark
    with pikepdf.Pdf.open(io.BytesIO(cover)) as cover_pdf:
        width, height = (float(v) for v in cover_pdf.pages[0].mediabox[2:])
    outlines: dict[PackDocument, list[Bookmark]] = {}
    for slot in slots:
        if slot.what == "blank":
            assembler.add_blank(width, height)
        elif slot.what == "document" and slot.index == 0:
            assert slot.document is not None
            outlines[slot.document] = assembler.add_part(slot.document.path.read_bytes(), scale)
    outline = _outline(loaded, slots, outlines)
    meeting = loaded.meeting
    labels = audience.config.pack.labels
    stamp_of = f"D:{meeting.date:%Y%m%d}000000Z"
    info = {
        "Title": f"{meeting.title} — {labels.meeting_pack}",
        "Author": audience.config.organisation.name,
        "Subject": f"{labels.meeting_pack}, {audience.format_date(meeting.date)}: "
        + "; ".join(item.title for item in meeting.items),
        "Keywords": ", ".join(dict.fromkeys(d.title for d in documents)),
        "Creator": "briefgen",
        "Producer": "briefgen with WeasyPrint and pikepdf",
        "CreationDate": stamp_of,
        "ModDate": stamp_of,
    }
    ua_parts = [int(s[3:]) for s in audience.config.pdf_standards if s.startswith("ua-")]
    finished = assembler.finish(
        outline, info, audience.config.language, ua_parts[0] if ua_parts else None
    )
    base = save(finished)
    files = []
    for name, stamps in _variants(loaded, options):
        marks = page_stamps(slots, loaded, banner, stamps, (width, height))
        data = stamp(base, render_stamps(marks, audience, templates))
        files.append(PackFile(name, data, len(slots)))
        if options.booklet:
            imposed = impose(data)
            files.append(PackFile(booklet_name(name), imposed, -(-len(slots) // 4) * 2))
    return files


def _page_count(path: Path) -> int:
    with pikepdf.Pdf.open(path) as pdf:
        return len(pdf.pages)


def _cover_and_plan(
    loaded: LoadedMeeting,
    documents: list[PackDocument],
    lengths: dict[Path, int],
    titles: dict[str, str],
    templates: Path,
    options: PackOptions,
) -> tuple[bytes, list[PageSlot]]:
    """Render the cover until the page numbers it prints agree with its own length."""
    from briefgen.typeset import lay_out, pdf_bytes

    cover_pages = 1
    for _ in range(MAX_COVER_PASSES):
        slots = plan_pages(cover_pages, documents, lengths)
        html = _cover_html(loaded, item_starts(slots), titles, templates, options)
        laid_out = lay_out(html, templates, [templates])
        if laid_out.pages == cover_pages:
            return pdf_bytes(laid_out, html), slots
        cover_pages = laid_out.pages
    raise BriefgenError(  # pragma: no cover - needs a cover whose length oscillates
        "the cover's length keeps changing with its page numbers; shorten the agenda",
        loaded.loaded.path,
    )


def _cover_html(
    loaded: LoadedMeeting,
    starts: dict[int, int],
    titles: dict[str, str],
    templates: Path,
    options: PackOptions,
) -> str:
    from briefgen.fonts import font_face_css, font_stack
    from briefgen.render_html import TemplateRenderer

    audience = loaded.audience
    labels = audience.config.labels
    kind_label = {"brief": labels.policy_brief, "handout": labels.handout}
    agenda = []
    for number, item in enumerate(loaded.meeting.items, start=1):
        papers = [
            f"{kind_label[kind]}: {titles[paper.briefing]}"
            for paper in item.papers
            for kind in paper.kinds
        ]
        agenda.append(
            {"number": number, "item": item, "papers": papers, "page": starts.get(number)}
        )
    renderer = TemplateRenderer(audience)
    return renderer.render_template(
        COVER_TEMPLATE,
        {
            "meeting": loaded.meeting,
            "audience": audience.config,
            "audience_name": audience.name,
            "labels": audience.config.pack.labels,
            "agenda": agenda,
            "distribution": list(options.recipients),
            "logo_url": renderer.logo_url(),
            "font_faces": Markup(font_face_css(templates)),
            "font_stack": lambda family: Markup(font_stack(family, templates)),
            "stylesheets": [
                found.resolve().as_uri()
                for name in COVER_STYLESHEETS
                if (found := audience.find(name)) is not None
            ],
        },
    )


def _outline(
    loaded: LoadedMeeting,
    slots: list[PageSlot],
    outlines: dict[PackDocument, list[Bookmark]],
) -> list[Bookmark]:
    """Meeting, then each item, then each document with its own outline under it."""
    labels = loaded.audience.config.pack.labels
    meeting = Bookmark(loaded.meeting.title, 0)
    meeting.children.append(Bookmark(labels.agenda, 0))
    starts = item_starts(slots)
    first_pages = {
        slot.document: number
        for number, slot in enumerate(slots)
        if slot.what == "document" and slot.index == 0 and slot.document is not None
    }
    for number, item in enumerate(loaded.meeting.items, start=1):
        if number not in starts:
            continue
        entry = Bookmark(item_label(labels.item, number, item.title), starts[number] - 1)
        for document, page in first_pages.items():
            if document.item == number:
                entry.children.append(Bookmark(document.title, page, children=outlines[document]))
        meeting.children.append(entry)
    return [meeting]


def item_label(word: str, number: int, title: str, limit: int | None = None) -> str:
    label = f"{word} {number} · {title}"
    if limit is None or len(label) <= limit:
        return label
    return textwrap.shorten(label, limit, placeholder=" …")


def _variants(loaded: LoadedMeeting, options: PackOptions) -> list[tuple[str, Stamps]]:
    """The master pack, then one numbered copy per --copies, one named copy per recipient."""
    settings = loaded.audience.config.stamps
    variants = [(PACK_FILE, options.stamps)]
    copies = options.copies or 0
    for number in range(1, copies + 1):
        mark = settings.numbered_copy.format(copy=number, copies=copies)
        variants.append(
            (f"{COPIES_FOLDER}/copy-{number}-of-{copies}.pdf", replace(options.stamps, copy=mark))
        )
    names: dict[str, str] = {}
    for number, name in enumerate(options.recipients, start=1):
        slug = file_slug(name)
        if slug in names:
            raise BriefgenError(
                f'recipients "{names[slug]}" and "{name}" would share the file {slug}.pdf; '
                "tell them apart, e.g. by an initial",
                loaded.loaded.path,
            )
        names[slug] = name
        mark = settings.named_copy.format(name=name, copy=number, copies=len(options.recipients))
        variants.append(
            (
                f"{COPIES_FOLDER}/{slug}.pdf",
                replace(options.stamps, copy=mark, recipient=name),
            )
        )
    return variants


def booklet_name(name: str) -> str:
    """`copies/copy-1-of-3.pdf` → `copies/copy-1-of-3-booklet.pdf`."""
    return name.removesuffix(".pdf") + "-booklet.pdf"


MAX_FILE_SLUG = 80
"""Characters of a recipient's name kept in their copy's file name (a file name of 255
bytes or more is refused by the system)."""


def file_slug(name: str) -> str:
    """A file name from a person's name: ASCII letters and digits joined by hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:MAX_FILE_SLUG].strip("-") or "recipient"


def page_stamps(
    slots: list[PageSlot],
    loaded: LoadedMeeting,
    banner: str | None,
    stamps: Stamps,
    size: tuple[float, float],
) -> list[PageStamp]:
    """What to print over each page of one copy."""
    audience: Audience = loaded.audience
    labels = audience.config.pack.labels
    items = loaded.meeting.items
    total = len(slots)
    common = {
        "banner": banner,
        "copy": stamps.copy,
        "embargo": stamps.embargo_line(audience),
        "version": stamps.version_line(audience),
        "watermarks": stamps.watermarks(audience),
        "faint": stamps.faint(audience),
    }
    marks = []
    for number, slot in enumerate(slots, start=1):
        label = (
            item_label(labels.item, slot.item, items[slot.item - 1].title, MAX_LABEL_CHARS)
            if slot.item is not None
            else labels.agenda
        )
        marks.append(
            PageStamp(
                width=size[0],
                height=size[1],
                recto=number % 2 == 1,
                item=label,
                number=labels.pack_page.format(page=number, pages=total),
                blank=labels.blank_page if slot.what == "blank" else None,
                **common,  # type: ignore[arg-type]
            )
        )
    return marks


BuildParts = Callable[[list[Path], str], list[DocumentResult]]
"""Builds what is stale of these briefing folders for this audience; returns every output."""


def make_pack(
    meeting_file: Path,
    templates: Path,
    content: Path,
    out: Path,
    options: PackOptions,
    build_parts: BuildParts,
) -> list[Path]:
    """Check the meeting, bring its documents up to date, then assemble and write the pack."""
    from briefgen.validate import load_briefing

    loaded = load_meeting(meeting_file, templates, content)
    pack_marking(loaded)  # refuse an under-marked pack before building anything
    check_printable(options.recipients, templates)
    folders = list(loaded.folders.values())
    outputs = build_parts(folders, loaded.audience.name) if folders else []
    built = {(o.slug, o.kind): o.path for o in outputs}
    titles = {slug: load_briefing(folder)[0].title for slug, folder in loaded.folders.items()}
    files = build_pack(loaded, built, titles, templates, resolve_options(loaded, options))
    return write_pack(files, out / MEETINGS_FOLDER / loaded.name)


def check_printable(names: tuple[str, ...], templates: Path) -> None:
    """Names from the command line print on every page: the shipped fonts must have them."""
    from briefgen.glyphs import covered_codepoints, missing_characters, missing_message

    covered = covered_codepoints(templates)
    for name in names:
        missing = missing_characters(name, covered)
        if missing:
            raise CommandLineError(f'--recipient "{name}": {missing_message(missing)}')


def resolve_options(loaded: LoadedMeeting, options: PackOptions) -> PackOptions:
    """Options from the command line, completed from the meeting file and the checkout."""
    version = build_version(loaded.loaded.path.resolve().parent, loaded.meeting.date)
    return replace(
        options,
        copies=options.copies if options.copies is not None else loaded.meeting.copies,
        recipients=options.recipients or tuple(loaded.meeting.recipients),
        stamps=replace(options.stamps, version=version),
    )


def write_pack(files: list[PackFile], folder: Path) -> list[Path]:
    """Write the pack's files as one set: the folder then holds exactly these (a booklet
    or copy of an earlier run is gone), and a failure leaves the earlier set whole."""
    replace_set(folder, {file.name: file.data for file in files}, keep_others=False)
    return [folder / file.name for file in files]
