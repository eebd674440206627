"""Booklet imposition: saddle-stitch order, read back from the imposed PDF."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pypdf import PdfReader

from briefgen.booklet import impose_file, saddle_stitch_order
from tests.conftest import run_cli
from tests.test_pack import BuiltPack, built  # noqa: F401 - the module-scoped pack fixture


def test_order_of_an_eight_page_booklet() -> None:
    # Sheet 1: 8|1 on the front, 2|7 on the back; sheet 2: 6|3, then 4|5 (0-based here).
    assert saddle_stitch_order(8) == [(7, 0), (1, 6), (5, 2), (3, 4)]


def test_short_documents_are_padded_with_blank_halves() -> None:
    assert saddle_stitch_order(5) == [(None, 0), (1, None), (None, 2), (3, 4)]
    assert saddle_stitch_order(1) == [(None, 0), (None, None)]


def half_text(path: Path, page: int, right: bool) -> str:
    reader = PdfReader(path)
    width, height = (float(v) for v in reader.pages[page - 1].mediabox[2:])
    x = int(width / 2) if right else 0
    return subprocess.run(
        [
            "pdftotext",
            "-f",
            str(page),
            "-l",
            str(page),
            "-x",
            str(x),
            "-y",
            "0",
            "-W",
            str(int(width / 2)),
            "-H",
            str(int(height)),
            str(path),
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_pack_as_booklet(built: BuiltPack, tmp_path: Path) -> None:  # noqa: F811
    target = impose_file(built.pack, tmp_path / "booklet.pdf")
    pages = len(PdfReader(built.pack).pages)
    reader = PdfReader(target)
    assert len(reader.pages) == -(-pages // 4) * 2
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert width > height, "sheets are landscape"
    assert "Test committee" in half_text(target, 1, right=True), "page 1 is the front's right"
    padded = -(-pages // 4) * 4
    left = half_text(target, 1, right=False)
    if padded == pages:
        assert f"{pages} / {pages}" in left, "the last page is the front's left"
    else:
        assert not left.strip(), "a blank half pads the booklet to whole sheets"
    assert f"2 / {pages}" in half_text(target, 2, right=False), "page 2 backs page 1"
    assert f"{padded - 1} / {pages}" in half_text(target, 2, right=True) or padded - 1 > pages


def test_booklet_command_refuses_what_is_not_a_pdf(tmp_path: Path) -> None:
    (tmp_path / "x.pdf").write_text("not a pdf")
    result = run_cli("booklet", "x.pdf", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("x.pdf: cannot read this PDF")
    assert len(result.stderr.splitlines()) == 1
