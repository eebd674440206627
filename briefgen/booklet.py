"""Booklet imposition: pages laid two-up on sheets in saddle-stitch order, for printers
without a booklet mode. Print the result double-sided (flip on the short edge), fold the
stack in half and staple on the fold: the pages read in order.

A4 pages become A5 on A4 sheets (US Letter: half-letter on Letter). The imposed file is
for the printer only: its pages are drawings of the original pages, so it keeps no
structure tree or outline; the tagged original stays the file to read on screen.
"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
from pikepdf import Pdf, Rectangle

from briefgen.errors import BriefgenError

Side = tuple[int | None, int | None]
"""(left, right): 0-based page indices, None for a blank half."""


def saddle_stitch_order(pages: int) -> list[Side]:
    """Each printed side in order: for sheet k of n, the front holds the pages that land
    outermost after folding, the back the two inside them."""
    total = -(-pages // 4) * 4  # whole sheets: four pages each

    def page(index: int) -> int | None:
        return index if index < pages else None

    sides: list[Side] = []
    for sheet in range(total // 4):
        sides.append((page(total - 1 - 2 * sheet), page(2 * sheet)))
        sides.append((page(2 * sheet + 1), page(total - 2 - 2 * sheet)))
    return sides


def impose(data: bytes) -> bytes:
    """The PDF `data` as a saddle-stitched booklet, two pages per side, side by side."""
    from briefgen.assemble import save

    source = Pdf.open(io.BytesIO(data))
    if not source.pages:
        return data
    x0, y0, x1, y1 = (float(v) for v in source.pages[0].mediabox)
    width, height = x1 - x0, y1 - y0
    # The sheet is the page turned sideways; each half holds one page, scaled to fit.
    sheet_width, sheet_height = height, width
    booklet = Pdf.new()
    forms = [booklet.copy_foreign(page.as_form_xobject()) for page in source.pages]
    for left, right in saddle_stitch_order(len(source.pages)):
        booklet.add_blank_page(page_size=(sheet_width, sheet_height))
        sheet = booklet.pages[-1]
        for slot, index in enumerate((left, right)):
            if index is None:
                continue
            name = pikepdf.Name(f"/Page{slot}")
            sheet.add_resource(forms[index], pikepdf.Name.XObject, name)
            half = Rectangle(slot * sheet_width / 2, 0, (slot + 1) * sheet_width / 2, sheet_height)
            matrix = _fit(width, height, half)
            sheet.contents_add(
                pikepdf.Stream(booklet, f"q {matrix} cm {name} Do Q\n".encode()), prepend=False
            )
    for key, value in source.docinfo.items():
        booklet.docinfo[key] = value
    return save(booklet)


def impose_file(pdf: Path, out: Path | None = None) -> Path:
    """Write `pdf` imposed as a booklet to `out` (default `NAME-booklet.pdf` beside it)."""
    from briefgen.errors import CommandLineError
    from briefgen.output import write_atomically

    target = out or pdf.with_name(pdf.stem + "-booklet.pdf")
    if target.resolve() == pdf.resolve():
        raise CommandLineError(
            "the booklet would replace the PDF it is made from; name another file with -o",
            target,
        )
    try:
        data = impose(pdf.read_bytes())
    except pikepdf.PasswordError:
        raise BriefgenError(
            "this PDF is encrypted; impose an unencrypted copy (briefgen's own PDFs are not)",
            pdf,
        ) from None
    except pikepdf.PdfError as exc:
        raise BriefgenError(
            f"cannot read this PDF: {' '.join(str(exc).split())[:120]}", pdf
        ) from None
    write_atomically(target, data)
    return target


def _fit(width: float, height: float, box: Rectangle) -> str:
    """The `cm` operands that scale a width × height page into `box`, centred."""
    scale = min(box.width / width, box.height / height)
    dx = box.llx + (box.width - width * scale) / 2
    dy = box.lly + (box.height - height * scale) / 2
    return " ".join(f"{v:.4f}" for v in (scale, 0, 0, scale, dx, dy))
