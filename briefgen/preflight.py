"""Preflight: a print-quality report on built PDFs, read back the way a printer would.

Text, glyph boxes, type sizes, fonts, colours and clipping come from pypdfium2 (PDFium's
own reading of the page); the fonts list and image resolutions from poppler's `pdffonts`
and `pdfimages -list`; background colours from the page rendered and turned grey, as
an office laser printer would print it. Nothing here parses PDF syntax by hand.

A page's fill is measured against the deepest any page of the same document reaches,
so it needs no knowledge of the template's margins. Running headers and footers (the
same line, numbers aside, at the same height on several pages) are left out of it.
"""

from __future__ import annotations

import ctypes
import itertools
import json
import re
import shutil
import statistics
import subprocess
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from briefgen.errors import CommandLineError, display_path
from briefgen.page_boxes import LINE_END_HYPHENS

if TYPE_CHECKING:
    import pypdfium2 as pdfium
    from PIL import Image

Severity = Literal["error", "warning"]
Box = tuple[float, float, float, float]
"""left, top, right, bottom in points from the page's top-left corner."""

MIN_FILL = 0.60
"""A page other than the first and the last filled less than this is a pagination fault…"""
HEADING_KEEP_LINES = 3
"""…unless what opens the next page (a heading and this many lines, or a block that
cannot split) would not have fitted in the space left."""
MIN_LAST_PAGE_FILL = 0.20
"""A last page this empty holds a stranded scrap, typically a few endnotes."""
MAX_HYPHEN_RUN = 2
"""Consecutive hyphenated line ends allowed; more is a ladder."""
MIN_TYPE_ERROR_PT = 5.0
MIN_TYPE_WARNING_PT = 6.0
MIN_CONTRAST_ERROR = 3.0
MIN_CONTRAST_WARNING = 4.5
"""Contrast ratios (WCAG's formula) of text against what is behind it, both in grey."""
MIN_IMAGE_PPI = 150
OUTSIDE_TOLERANCE_PT = 0.5
CLIP_TOLERANCE_PT = 1.5
"""Glyph ink may graze a clipping box (descenders in a tight box); more is cut text."""
DISPLAY_SIZE_RATIO = 1.5
MIN_DISPLAY_PT = 14.0
"""…and at least this size: a page of small print (charts, notes) must not make its
bottom line count as display type."""
"""Type this much larger than the body is a title or subtitle: runts there are errors."""
PARAGRAPH_PITCH_EM = 1.65
"""Lines closer than this many ems, baseline to baseline, belong to one paragraph."""
RUNNING_BAND = 0.12
"""Running headers and footers sit within this share of the page height from an edge."""
MAX_PAGES = 500
"""A built brief or handout is a few pages; beyond this, preflight refuses to spend time."""
RENDER_SCALE = 2.0
"""Pixels per point when rendering for the contrast check (144 dpi)."""
TERMINAL = tuple(".!?:;…)]”’\"'")
HYPHENS = (*LINE_END_HYPHENS, "\ufffe")
"""Hyphen-minus, the hyphen WeasyPrint inserts, soft hyphen, and the mark PDFium reads
a line-end hyphen as."""


@dataclass(frozen=True)
class Glyph:
    char: str
    box: Box
    baseline: float
    size: float
    font: str
    colour: tuple[int, int, int]


@dataclass
class Line:
    glyphs: list[Glyph]

    @cached_property
    def text(self) -> str:
        return "".join(g.char for g in self.glyphs).strip()

    @cached_property
    def ink(self) -> list[Glyph]:
        return [g for g in self.glyphs if g.char.strip()]

    @cached_property
    def size(self) -> float:
        """The line's main type size: the most common among its visible glyphs."""
        sizes = Counter(round(g.size, 1) for g in self.ink)
        return sizes.most_common(1)[0][0] if sizes else 0.0

    @cached_property
    def main_text(self) -> str:
        """The text at the line's main size: superscript note calls left out."""
        return "".join(g.char for g in self.glyphs if g.size >= 0.8 * self.size).strip()

    @cached_property
    def baseline(self) -> float:
        return statistics.median(g.baseline for g in self.ink if round(g.size, 1) == self.size)

    @cached_property
    def box(self) -> Box:
        ink = self.ink
        return (
            min(g.box[0] for g in ink),
            min(g.box[1] for g in ink),
            max(g.box[2] for g in ink),
            max(g.box[3] for g in ink),
        )

    @cached_property
    def has_words(self) -> bool:
        """More than a list marker or a lone number (a row of figures counts)."""
        return any(g.char.isalpha() for g in self.glyphs) or len(self.main_text.split()) > 1

    @cached_property
    def heavy(self) -> bool:
        """Set in a bold or semibold face, as headings are."""
        return any(w in self.ink[0].font.lower() for w in ("bold", "semi", "black", "heavy"))


@dataclass
class Page:
    number: int
    width: float
    height: float
    lines: list[Line]
    graphics: list[Box]
    """Bounds of paths and images: rules, card backgrounds, figures."""
    clipped: list[str] = field(default_factory=list)
    """Text drawn partly outside its clipping area."""
    running: list[Line] = field(default_factory=list)

    @property
    def body_lines(self) -> list[Line]:
        return [line for line in self.lines if not any(line is r for r in self.running)]

    def body_extent(self) -> tuple[float, float] | None:
        """Top and bottom of everything on the page except running headers and footers."""
        tops: list[float] = []
        bottoms: list[float] = []
        running = [r.box for r in self.running]
        for line in self.body_lines:
            tops.append(line.box[1])
            bottoms.append(line.box[3])
        for box in self.graphics:
            if not any(_overlaps(box, r) for r in running):
                tops.append(box[1])
                bottoms.append(box[3])
        return (min(tops), max(bottoms)) if tops else None


@dataclass(frozen=True)
class Finding:
    severity: Severity
    check: str
    message: str
    page: int | None = None


@dataclass
class PageStats:
    page: int
    fill: float
    hyphenated_line_ends: int
    longest_hyphen_run: int
    smallest_type_pt: float | None
    lowest_contrast: float | None


@dataclass
class Report:
    path: Path
    pages: list[PageStats] = field(default_factory=list)
    widows: int = 0
    orphans: int = 0
    runts: int = 0
    text_outside_or_clipped: int = 0
    fonts_not_shipped: list[str] = field(default_factory=list)
    lowest_image_ppi: int | None = None
    findings: list[Finding] = field(default_factory=list)

    def add(self, severity: Severity, check: str, message: str, page: int | None = None) -> None:
        self.findings.append(Finding(severity, check, message, page))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


# --- finding the PDFs ------------------------------------------------------------------------


def find_pdfs(paths: Iterable[Path]) -> list[Path]:
    """PDF files named directly, and every PDF under the folders named, in order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.pdf") if p.is_file())
        elif path.suffix.lower() == ".pdf":
            found.append(path)
        elif not path.exists():
            raise CommandLineError(
                f"{display_path(path)} does not exist; run `briefgen build` first, or name "
                "the PDFs or folders to read"
            )
        else:
            raise CommandLineError(f"{display_path(path)} is neither a PDF nor a folder")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        where = ", ".join(display_path(p) for p in paths)
        raise CommandLineError(f"no PDF files under {where}; run `briefgen build` first")
    return unique


# --- reading a PDF ---------------------------------------------------------------------------


def _overlaps(a: Box, b: Box) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _glyphs(textpage: pdfium.PdfTextPage, height: float) -> Iterator[Glyph | None]:
    """Each character with its box and style; None where PDFium starts a new line."""
    import pypdfium2.raw as raw

    handle = textpage.raw
    name = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    rgba = [ctypes.c_uint() for _ in range(4)]
    matrix = raw.FS_MATRIX()
    for index in range(textpage.count_chars()):
        if raw.FPDFText_IsGenerated(handle, index):
            yield None
            continue
        char = textpage.get_text_range(index, 1)
        if char in "\r\n":
            yield None
            continue
        left, bottom, right, top = textpage.get_charbox(index)
        raw.FPDFText_GetMatrix(handle, index, ctypes.byref(matrix))
        # The font size is in text space; the matrix scales it to points on the page.
        scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
        size = raw.FPDFText_GetFontSize(handle, index) * scale
        raw.FPDFText_GetFontInfo(handle, index, name, len(name), ctypes.byref(flags))
        raw.FPDFText_GetFillColor(handle, index, *(ctypes.byref(c) for c in rgba))
        yield Glyph(
            char=char,
            box=(left, height - top, right, height - bottom),
            baseline=height - matrix.f,
            size=size,
            font=name.value.decode("utf-8", "replace").split("+")[-1],
            colour=(rgba[0].value, rgba[1].value, rgba[2].value),
        )


def _lines(glyphs: Iterable[Glyph | None]) -> list[Line]:
    """Glyphs in reading order, cut into lines at PDFium's line breaks and at wide gaps
    (neighbouring columns that PDFium read as one line)."""
    lines: list[Line] = []
    current: list[Glyph] = []

    def close() -> None:
        if any(g.char.strip() for g in current):
            lines.append(Line(list(current)))
        current.clear()

    for glyph in glyphs:
        if glyph is None:
            close()
            continue
        if current:
            last = current[-1]
            gap = glyph.box[0] - last.box[2]
            jumped = abs(glyph.baseline - last.baseline) > max(glyph.size, last.size)
            if jumped or gap > 2.5 * max(glyph.size, last.size) or glyph.box[2] < last.box[0]:
                close()
        current.append(glyph)
    close()
    return lines


def _clip_box(handle: Any, height: float) -> Box | None:
    """The bounding box of an object's clipping path (intersection of its subpaths)."""
    import pypdfium2.raw as raw

    clip = raw.FPDFPageObj_GetClipPath(handle)
    if not clip:
        return None
    box: Box | None = None
    x, y = ctypes.c_float(), ctypes.c_float()
    for path in range(raw.FPDFClipPath_CountPaths(clip)):
        xs: list[float] = []
        ys: list[float] = []
        for index in range(raw.FPDFClipPath_CountPathSegments(clip, path)):
            segment = raw.FPDFClipPath_GetPathSegment(clip, path, index)
            raw.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y))
            xs.append(x.value)
            ys.append(height - y.value)
        if not xs:
            continue
        part = (min(xs), min(ys), max(xs), max(ys))
        box = (
            part
            if box is None
            else (
                max(box[0], part[0]),
                max(box[1], part[1]),
                min(box[2], part[2]),
                min(box[3], part[3]),
            )
        )
    return box


def _objects(page: pdfium.PdfPage, height: float) -> tuple[list[Box], list[str]]:
    """Bounds of the page's graphics, and the text objects cut by their clipping path."""
    import pypdfium2.raw as raw

    area = page.get_width() * height
    graphics: list[Box] = []
    clipped: list[str] = []
    for obj in page.get_objects(max_depth=1):
        left, bottom, right, top = obj.get_bounds()
        box = (left, height - top, right, height - bottom)
        if obj.type == raw.FPDF_PAGEOBJ_TEXT:
            clip = _clip_box(obj.raw, height)
            if clip is not None and (
                box[0] < clip[0] - CLIP_TOLERANCE_PT
                or box[1] < clip[1] - CLIP_TOLERANCE_PT
                or box[2] > clip[2] + CLIP_TOLERANCE_PT
                or box[3] > clip[3] + CLIP_TOLERANCE_PT
            ):
                clipped.append(_object_text(obj))
        elif (right - left) * (top - bottom) < 0.9 * area and (right > left or top > bottom):
            graphics.append(box)
    return graphics, clipped


def _object_text(obj: Any) -> str:
    try:
        return " ".join(str(obj.extract()).split())[:60]
    except Exception:  # an object whose text PDFium cannot map still counts as clipped
        return "(text)"


def read_pages(document: pdfium.PdfDocument) -> list[Page]:
    pages: list[Page] = []
    for number, page in enumerate(document, start=1):
        width, height = page.get_width(), page.get_height()
        textpage = page.get_textpage()
        lines = _lines(_glyphs(textpage, height))
        graphics, clipped = _objects(page, height)
        pages.append(Page(number, width, height, lines, graphics, clipped))
    _mark_running(pages)
    return pages


def _mark_running(pages: list[Page]) -> None:
    """Headers and footers: the same words (numbers aside) at the same height on 2+ pages,
    in the page's top or bottom band."""
    if len(pages) < 2:
        return
    seen: dict[tuple[str, int], set[int]] = {}
    for page in pages:
        for line in _in_margin_bands(page):
            seen.setdefault(_running_key(line), set()).add(page.number)
    for page in pages:
        page.running = [
            line for line in _in_margin_bands(page) if len(seen[_running_key(line)]) >= 2
        ]


def _in_margin_bands(page: Page) -> list[Line]:
    band = RUNNING_BAND * page.height
    return [ln for ln in page.lines if ln.box[3] <= band or ln.box[1] >= page.height - band]


def _running_key(line: Line) -> tuple[str, int]:
    return re.sub(r"\d+", "#", line.text), round(line.baseline)


# --- the checks ------------------------------------------------------------------------------


def body_size(pages: list[Page]) -> float:
    """The document's body type size: the size most of its characters are set in."""
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page.body_lines:
            sizes[line.size] += len(line.ink)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def fills(pages: list[Page]) -> list[float]:
    """How far down each page's body reaches, as a share of the deepest page's reach."""
    extents = [page.body_extent() for page in pages]
    present = [e for e in extents if e is not None]
    if not present:
        return [0.0 for _ in pages]
    later = [e for e in extents[1:] if e is not None]
    top = min(e[0] for e in later) if later else present[0][0]
    limit = max(e[1] for e in present)
    result = []
    for index, extent in enumerate(extents):
        if extent is None:
            result.append(0.0)
            continue
        page_top = extent[0] if index == 0 else top
        span = limit - page_top
        result.append(1.0 if span <= 0 else max(0.0, min(1.0, (extent[1] - page_top) / span)))
    return result


def check_fill(report: Report, pages: list[Page], fill: list[float], body: float) -> None:
    extents = [page.body_extent() for page in pages]
    limit = max((e[1] for e in extents if e is not None), default=0.0)
    for index in range(1, len(pages) - 1):
        extent = extents[index]
        if fill[index] >= MIN_FILL or extent is None:
            continue
        left = limit - extent[1]
        needed = _opening_height(pages[index + 1], body)
        if needed is not None and needed > left:
            continue  # what opens the next page could not have followed here
        report.add(
            "error",
            "fill",
            f"page {pages[index].number} is {fill[index]:.0%} full, yet what opens page "
            f"{pages[index + 1].number} would fit in the {left / MM:.0f} mm left; let lists, "
            "outlines and card grids break between items",
            pages[index].number,
        )
    if last_page_stranded(fill):
        report.add(
            "warning",
            "fill",
            f"last page {pages[-1].number} is {fill[-1]:.0%} full: a stranded scrap "
            "(endnotes?) that belongs on the page before",
            pages[-1].number,
        )


MM = 72 / 25.4


def last_page_stranded(fill: list[float]) -> bool:
    """Whether the last page of a document of 3+ pages holds only a scrap. The build sets
    such a handout tighter (`pagination.py`); when nothing helped, this is a warning."""
    return len(fill) >= 3 and fill[-1] < MIN_LAST_PAGE_FILL


def _opening_height(page: Page, body: float) -> float | None:
    """Height of what must open `page` together: a heading with the lines it keeps, or
    an unsplittable block (figure, card) at the top. None if it is plain running text."""
    extent = page.body_extent()
    lines = sorted(page.body_lines, key=lambda line: line.box[1])
    if extent is None or not lines:
        return None
    top = extent[0]
    first = lines[0]
    # A block that opens the page (a card, a box, a heading's rule) cannot be split.
    opening = [b[3] for b in page.graphics if b[1] - top <= 2.0]
    block = max(opening, default=top) - top
    if first.size >= 1.1 * body or first.heavy:
        # A heading (or a figure's caption) with what it keeps: its next lines, and a
        # graphic (chart, table, card) that starts among them.
        kept = lines[min(len(lines) - 1, HEADING_KEEP_LINES)]
        under = max(first.box[3] + 2.5 * body, kept.box[1])
        boxed = max((b[3] for b in page.graphics if b[1] <= under), default=top)
        return max(block, kept.box[3] - top, boxed - top)
    return block if opening else None


def hyphen_runs(page: Page) -> tuple[int, int]:
    """Hyphenated line ends on the page, and the longest run of them in one paragraph."""
    count = longest = run = 0
    previous: Line | None = None
    for line in page.body_lines:
        ends = line.main_text.endswith(HYPHENS) and len(line.main_text) > 1
        ends = ends and line.main_text[-2].isalpha()
        follows = previous is not None and _same_paragraph(previous, line)
        if ends:
            count += 1
            run = run + 1 if follows and run else 1
            longest = max(longest, run)
        elif not follows or not ends:
            run = 0
        previous = line
    return count, longest


def _same_paragraph(upper: Line, lower: Line) -> bool:
    size = max(upper.size, lower.size)
    pitch = lower.baseline - upper.baseline
    return (
        abs(upper.size - lower.size) <= 0.1 * size
        and 0 < pitch <= PARAGRAPH_PITCH_EM * size
        and abs(upper.box[0] - lower.box[0]) <= 2 * size
    )


def check_display_runts(report: Report, pages: list[Page], body: float) -> None:
    """A title or subtitle whose last line is one word."""
    for page in pages:
        display = [
            line
            for line in page.body_lines
            if line.size >= max(DISPLAY_SIZE_RATIO * body, MIN_DISPLAY_PT)
        ]
        for index, line in enumerate(display):
            if index == 0 or not _same_paragraph(display[index - 1], line):
                continue
            is_last = index + 1 == len(display) or not _same_paragraph(line, display[index + 1])
            words = _block_text(display, index).split()
            if is_last and len(line.main_text.split()) == 1 and len(words) >= 3:
                report.runts += 1
                report.add(
                    "error",
                    "runt",
                    f"“{line.main_text}” stands alone on the last line of "
                    f"“{' '.join(words[:6])}…”; keep the last two words together",
                    page.number,
                )


def _block_text(lines: list[Line], index: int) -> str:
    """The text of the display block ending with `lines[index]`."""
    parts = [lines[index].main_text]
    while index > 0 and _same_paragraph(lines[index - 1], lines[index]):
        index -= 1
        parts.insert(0, lines[index].main_text)
    return " ".join(parts)


def check_breaks(report: Report, pages: list[Page]) -> None:
    """Widows and orphans: a paragraph split over a page break with one line on a side."""
    for upper, lower in itertools.pairwise(pages):
        above = sorted((ln for ln in upper.body_lines if ln.has_words), key=_reading_position)
        below = sorted((ln for ln in lower.body_lines if ln.has_words), key=_reading_position)
        if len(above) < 1 or len(below) < 1:
            continue
        last, first = above[-1], below[0]
        continues = (
            abs(last.size - first.size) <= 0.1 * last.size
            and not last.main_text.endswith(TERMINAL)
            and not first.heavy
            and first.main_text[:1].isalnum()  # not a new list item
        )
        if not continues:
            continue
        orphan = len(above) < 2 or not _same_paragraph(above[-2], last)
        widow = len(below) < 2 or not _same_paragraph(first, below[1])
        if orphan and widow:
            # One line each side: one-line items (timeline rows, short list items), since
            # no paragraph of two lines is split one and one when orphans and widows are 2+.
            continue
        if orphan:
            report.orphans += 1
            report.add(
                "warning",
                "orphan",
                f"one line (“{_start(last)}…”) left at the foot of the page",
                upper.number,
            )
        if widow:
            report.widows += 1
            report.add(
                "warning",
                "widow",
                f"one line (“{_start(first)}…”) carried to the top of the page",
                lower.number,
            )


def _reading_position(line: Line) -> tuple[float, float]:
    """Top to bottom, then left to right: on a page of one column, the reading order."""
    return round(line.baseline), line.box[0]


def _start(line: Line) -> str:
    return " ".join(line.main_text.split()[:5])


def check_outside(report: Report, page: Page) -> None:
    outside = [
        line
        for line in page.lines
        if line.box[0] < -OUTSIDE_TOLERANCE_PT
        or line.box[1] < -OUTSIDE_TOLERANCE_PT
        or line.box[2] > page.width + OUTSIDE_TOLERANCE_PT
        or line.box[3] > page.height + OUTSIDE_TOLERANCE_PT
    ]
    for line in outside:
        report.add("error", "outside", f"text off the page: “{_start(line)}…”", page.number)
    for text in page.clipped:
        report.add("error", "clipped", f"text cut by a clipping box: “{text}”", page.number)
    report.text_outside_or_clipped += len(outside) + len(page.clipped)


def smallest_type(report: Report, page: Page) -> float | None:
    sizes = [g.size for line in page.lines for g in line.ink if g.size > 0]
    if not sizes:
        return None
    smallest = min(sizes)
    if smallest < MIN_TYPE_ERROR_PT:
        report.add("error", "type", f"type at {smallest:.1f} pt is too small to read", page.number)
    elif smallest < MIN_TYPE_WARNING_PT:
        report.add("warning", "type", f"type at {smallest:.1f} pt is hard to read", page.number)
    return smallest


def grey(colour: tuple[int, int, int]) -> float:
    """The grey level (0–255) a printer turns a colour into: ITU-R 601 luma, as Pillow's "L"."""
    red, green, blue = colour
    return (red * 299 + green * 587 + blue * 114) / 1000


def contrast_ratio(a: float, b: float) -> float:
    """WCAG's contrast ratio between two grey levels."""

    def luminance(level: float) -> float:
        c = level / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def check_contrast(report: Report, page: Page, image: Image.Image) -> float | None:
    """Each run of same-coloured text against the grey just around it on the printed page."""
    lowest: float | None = None
    worst = ""
    for line in page.lines:
        for colour, run in _colour_runs(line):
            background = _surrounding_grey(image, run)
            if background is None:
                continue
            ratio = contrast_ratio(grey(colour), background)
            if lowest is None or ratio < lowest:
                lowest, worst = ratio, "".join(g.char for g in run).strip()
    if lowest is not None and lowest < MIN_CONTRAST_WARNING:
        severity: Severity = "error" if lowest < MIN_CONTRAST_ERROR else "warning"
        report.add(
            severity,
            "contrast",
            f"“{worst[:40]}” prints at contrast {lowest:.1f}:1 against its background in grey "
            f"(at least {MIN_CONTRAST_WARNING}:1 reads on a monochrome printer)",
            page.number,
        )
    return lowest


def _colour_runs(line: Line) -> Iterator[tuple[tuple[int, int, int], list[Glyph]]]:
    run: list[Glyph] = []
    for glyph in line.ink:
        if run and glyph.colour != run[0].colour:
            yield run[0].colour, run
            run = []
        run.append(glyph)
    if run:
        yield run[0].colour, run


def _surrounding_grey(image: Image.Image, run: list[Glyph]) -> float | None:
    """The median grey of a thin ring of paper just outside the run's glyph boxes."""
    left = min(g.box[0] for g in run)
    top = min(g.box[1] for g in run)
    right = max(g.box[2] for g in run)
    bottom = max(g.box[3] for g in run)
    pad = max(1.0, 0.12 * max(g.size for g in run))

    def pixels(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
        """The box in pixels, inside the image."""
        return (
            max(0, round(box[0] * RENDER_SCALE)),
            max(0, round(box[1] * RENDER_SCALE)),
            min(image.width, round(box[2] * RENDER_SCALE)),
            min(image.height, round(box[3] * RENDER_SCALE)),
        )

    outer = pixels((left - pad, top - pad, right + pad, bottom + pad))
    inner = pixels((left, top, right, bottom))
    if outer[2] <= outer[0] or outer[3] <= outer[1]:
        return None
    ring = image.crop(outer).histogram()
    if inner[2] > inner[0] and inner[3] > inner[1]:
        core = image.crop(inner).histogram()
        ring = [a - b for a, b in zip(ring, core, strict=True)]
    total = sum(ring)
    if total <= 0:
        return None
    seen = 0
    for level, count in enumerate(ring):
        seen += count
        if seen * 2 >= total:
            return float(level)
    return None


# --- poppler: fonts and images ---------------------------------------------------------------


def _poppler(tool: str, pdf: Path) -> list[list[str]]:
    """The rows of a poppler table (`pdffonts`, `pdfimages -list`) split into fields."""
    binary = shutil.which(tool)
    if binary is None:
        raise CommandLineError(
            f"preflight needs poppler's {tool}: install poppler-utils "
            "(Debian/Ubuntu: apt-get install poppler-utils; macOS: brew install poppler)"
        )
    args = [binary, "-list", str(pdf)] if tool == "pdfimages" else [binary, str(pdf)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise ValueError(" ".join(result.stderr.split()) or f"{tool} failed")
    rows = result.stdout.splitlines()[2:]  # a header line and a rule
    return [row.split() for row in rows if row.strip()]


def shipped_font_names(templates: Path) -> frozenset[str]:
    """Normalised names of the shipped fonts (`briefgen/fonts.py`), as PDFs name them."""
    from fontTools.ttLib import TTFont

    from briefgen.fonts import shipped_fonts

    names: set[str] = set()
    for font in shipped_fonts(templates):
        names.add(_normalise_font(font.path.stem))
        with TTFont(font.path, lazy=True) as opened:
            table = opened["name"]
            for name_id in (4, 6):
                value = table.getDebugName(name_id)
                if value:
                    names.add(_normalise_font(value))
    return frozenset(names)


def _normalise_font(name: str) -> str:
    """`ABCDEF+Noto-Sans-Semi-Bold`, `NotoSans-SemiBold` → `notosanssemibold`."""
    name = re.sub(r"[^a-z0-9]", "", name.split("+")[-1].lower())
    return name.removesuffix("regular")


SYNTHETIC_STYLES = ("oblique", "italic", "bold", "semibold")
"""Pango slants or emboldens a shipped family that has no such file (e.g. bold math):
the PDF names it `Noto-Sans-Math-Bold`, yet every glyph comes from the shipped font."""


def _is_shipped(key: str, shipped: frozenset[str]) -> bool:
    while key not in shipped:
        style = next((s for s in SYNTHETIC_STYLES if key.endswith(s)), None)
        if style is None:
            return False
        key = key.removesuffix(style)
    return True


def check_fonts(report: Report, pdf: Path, shipped: frozenset[str]) -> None:
    for row in _poppler("pdffonts", pdf):
        name, embedded = row[0], row[-5]
        if not _is_shipped(_normalise_font(name), shipped):
            report.fonts_not_shipped.append(name.split("+")[-1])
            report.add("error", "fonts", f"font {name} is not one of the shipped fonts")
        elif embedded != "yes":
            report.add("error", "fonts", f"font {name} is not embedded")


def check_images(report: Report, pdf: Path) -> None:
    for row in _poppler("pdfimages", pdf):
        if len(row) < 14 or row[2] != "image":
            continue
        page, ppi = int(row[0]), min(int(row[12]), int(row[13]))
        if report.lowest_image_ppi is None or ppi < report.lowest_image_ppi:
            report.lowest_image_ppi = ppi
        if ppi < MIN_IMAGE_PPI:
            report.add(
                "warning",
                "images",
                f"a {row[3]}×{row[4]} px image prints at {ppi} ppi (under {MIN_IMAGE_PPI}: "
                "it will look soft); supply a larger image or an SVG",
                page,
            )


# --- one PDF, many PDFs ----------------------------------------------------------------------


def preflight(pdf: Path, shipped_fonts: frozenset[str]) -> Report:
    """The print-quality report for one PDF; `shipped_fonts` from `shipped_font_names`."""
    import pypdfium2 as pdfium

    report = Report(pdf)
    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        report.add("error", "read", f"not a readable PDF: {exc}")
        return report
    try:
        if len(document) > MAX_PAGES:
            report.add("error", "read", f"{len(document)} pages, over the {MAX_PAGES} checked")
            return report
        pages = read_pages(document)
        body = body_size(pages)
        fill = fills(pages)
        longest_run = 0
        for page, page_fill in zip(pages, fill, strict=True):
            hyphens, run = hyphen_runs(page)
            if run > MAX_HYPHEN_RUN:
                report.add(
                    "error",
                    "hyphenation",
                    f"{run} hyphenated lines in a row (at most {MAX_HYPHEN_RUN})",
                    page.number,
                )
            longest_run = max(longest_run, run)
            check_outside(report, page)
            smallest = smallest_type(report, page)
            image = document[page.number - 1].render(scale=RENDER_SCALE).to_pil().convert("L")
            lowest = check_contrast(report, page, image)
            report.pages.append(
                PageStats(page.number, round(page_fill, 3), hyphens, run, smallest, lowest)
            )
        check_fill(report, pages, fill, body)
        check_breaks(report, pages)
        check_display_runts(report, pages, body)
    finally:
        document.close()
    try:
        check_fonts(report, pdf, shipped_fonts)
        check_images(report, pdf)
    except (ValueError, subprocess.TimeoutExpired) as exc:
        report.add("error", "read", f"poppler could not read it: {exc}")
    return report


# --- output ----------------------------------------------------------------------------------


def report_table(reports: list[Report]) -> str:
    """One row per PDF, then every error and warning on its own line."""
    header = (
        "file",
        "pages",
        "fill % by page",
        "hyph. ends (run)",
        "wid/orph/runt",
        "min pt",
        "off/clip",
        "fonts not shipped",
        "img ppi",
        "contrast",
        "err",
        "warn",
    )
    rows = [header]
    for report in reports:
        sizes = [p.smallest_type_pt for p in report.pages if p.smallest_type_pt is not None]
        contrasts = [p.lowest_contrast for p in report.pages if p.lowest_contrast is not None]
        rows.append(
            (
                display_path(report.path),
                str(len(report.pages)),
                " ".join(f"{p.fill * 100:.0f}" for p in report.pages) or "—",
                f"{sum(p.hyphenated_line_ends for p in report.pages)} "
                f"({max((p.longest_hyphen_run for p in report.pages), default=0)})",
                f"{report.widows}/{report.orphans}/{report.runts}",
                f"{min(sizes):.1f}" if sizes else "—",
                str(report.text_outside_or_clipped),
                ", ".join(report.fonts_not_shipped) or "none",
                str(report.lowest_image_ppi) if report.lowest_image_ppi is not None else "—",
                f"{min(contrasts):.1f}:1" if contrasts else "—",
                str(len(report.errors)),
                str(len(report.warnings)),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    for severity in ("error", "warning"):
        for report in reports:
            for finding in report.findings:
                if finding.severity == severity:
                    where = display_path(report.path)
                    page = f" p{finding.page}" if finding.page is not None else ""
                    lines.append(
                        f"{severity:<7}  {where}{page}: [{finding.check}] {finding.message}"
                    )
    errors = sum(len(r.errors) for r in reports)
    warnings = sum(len(r.warnings) for r in reports)
    lines.append(f"{len(reports)} PDF(s): {errors} error(s), {warnings} warning(s)")
    return "\n".join(lines)


def report_json(reports: list[Report]) -> str:
    files = []
    for report in reports:
        entry: dict[str, Any] = asdict(report)
        entry["path"] = display_path(report.path)
        entry.pop("findings")
        entry["errors"] = [_finding(f) for f in report.errors]
        entry["warnings"] = [_finding(f) for f in report.warnings]
        files.append(entry)
    return json.dumps(
        {
            "files": files,
            "errors": sum(len(r.errors) for r in reports),
            "warnings": sum(len(r.warnings) for r in reports),
        },
        indent=2,
        ensure_ascii=False,
    )


def _finding(finding: Finding) -> dict[str, Any]:
    return {"page": finding.page, "check": finding.check, "message": finding.message}
