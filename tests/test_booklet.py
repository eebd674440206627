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


def a_pdf(path: Path, encrypted: bool = False) -> Path:
    import pikepdf

    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        encryption = pikepdf.Encryption(owner="o", user="u") if encrypted else False
        pdf.save(path, encryption=encryption)
    return path


def test_booklet_never_replaces_its_own_pdf(tmp_path: Path) -> None:
    before = a_pdf(tmp_path / "h.pdf").read_bytes()
    result = run_cli("booklet", "h.pdf", "-o", "h.pdf", cwd=tmp_path)
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert "would replace the PDF it is made from" in result.stderr
    assert (tmp_path / "h.pdf").read_bytes() == before


def test_booklet_of_an_encrypted_pdf_is_one_line(tmp_path: Path) -> None:
    a_pdf(tmp_path / "locked.pdf", encrypted=True)
    result = run_cli("booklet", "locked.pdf", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (
        "locked.pdf: this PDF is encrypted; impose an unencrypted copy (briefgen's own PDFs "
        "are not)\n"
    )


def test_an_output_path_the_system_refuses_is_one_line(tmp_path: Path) -> None:
    """A file where a folder should be gave a FileExistsError traceback."""
    a_pdf(tmp_path / "h.pdf")
    (tmp_path / "f").write_text("a file, not a folder")
    result = run_cli("booklet", "h.pdf", "-o", "f/x.pdf", cwd=tmp_path)
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("f: ") and "check the path" in result.stderr
