"""Meeting packs, read back from the PDFs: recto starts, bookmarks, banner, copies, bytes."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2
import pytest
from pypdf import PdfReader

from briefgen.batch import run_build
from briefgen.documents import DOCUMENT_KINDS
from briefgen.meeting import load_meeting
from briefgen.pack import (
    PackFile,
    PackOptions,
    build_pack,
    make_pack,
    plan_pages,
    resolve_options,
)
from briefgen.stamp import Stamps
from tests.conftest import CONTENT, SEED, TEMPLATES, run_cli

SLUG = SEED.name
MEETING = f"""\
title: Test committee
date: 2026-12-01
time: "10:00"
audience: ministers
items:
  - title: Opening remarks
  - title: Peacekeepers, the note
    marking: OFFICIAL-SENSITIVE
    papers: [{{briefing: {SLUG}}}]
  - title: Peacekeepers, the handout
    papers: [{{briefing: {SLUG}, documents: handout}}]
  - title: Peacekeepers, everything
    marking: OFFICIAL
    papers: [{{briefing: {SLUG}, documents: both}}]
copies: 2
recipients: [Ms A. Aliyeva]
"""
ITEMS_WITH_PAPERS = {
    2: "Peacekeepers, the note",
    3: "Peacekeepers, the handout",
    4: "Peacekeepers, everything",
}


@dataclass(frozen=True)
class BuiltPack:
    meeting_file: Path
    folder: Path
    written: list[Path]
    out: Path

    @property
    def pack(self) -> Path:
        return self.folder / "pack.pdf"


def build_parts(out: Path) -> Any:
    return lambda folders, audience: run_build(
        TEMPLATES, CONTENT, folders, [audience], out, progress=False
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltPack:
    root = tmp_path_factory.mktemp("pack")
    meeting_file = root / "committee.yaml"
    meeting_file.write_text(MEETING, encoding="utf-8")
    out = root / "build"
    written = make_pack(meeting_file, TEMPLATES, CONTENT, out, PackOptions(), build_parts(out))
    return BuiltPack(meeting_file, out / "meetings" / "committee", written, out)


def page_texts(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def test_writes_the_pack_and_one_pdf_per_copy(built: BuiltPack) -> None:
    names = sorted(p.relative_to(built.folder).as_posix() for p in built.written)
    assert names == [
        "copies/copy-1-of-2.pdf",
        "copies/copy-2-of-2.pdf",
        "copies/ms-a-aliyeva.pdf",
        "pack.pdf",
    ]


def test_each_item_starts_on_a_right_hand_page_printed_on_the_cover(built: BuiltPack) -> None:
    texts = page_texts(built.pack)
    assert len(texts) % 2 == 0, "a pack has whole sheets"
    cover = subprocess.run(
        ["pdftotext", "-layout", "-f", "1", "-l", "1", str(built.pack), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for number, title in ITEMS_WITH_PAPERS.items():
        label = f"Item {number} · {title}"
        start = next(i for i, text in enumerate(texts, start=1) if label in text)
        assert start % 2 == 1, f"item {number} starts on page {start}, a left-hand page"
        row = next(line for line in cover.splitlines() if title in line)
        assert row.split()[-1] == str(start), row
    row = next(line for line in cover.splitlines() if "Opening remarks" in line)
    assert row.split()[-1] == "—"


def test_blank_versos_say_so_and_carry_nothing_else(built: BuiltPack) -> None:
    reader = PdfReader(built.pack)
    blanks = [i for i, t in enumerate(page_texts(built.pack)) if "intentionally blank" in t]
    # Cover (1) → blank; note (1 page) → blank; odd-length handout(s) → blanks.
    assert 1 in blanks and 3 in blanks
    for index in blanks:
        assert (index + 1) % 2 == 0, "only a left-hand page is left blank"
        assert "/Annots" not in reader.pages[index]
        assert "/StructParents" not in reader.pages[index]


def test_pages_follow_the_plan(built: BuiltPack) -> None:
    """The assembled pages are the cover, blanks and documents the planner laid out."""
    lengths = {
        kind: len(PdfReader(built.out / SLUG / "ministers" / f"{kind}.pdf").pages)
        for kind in ("brief", "handout")
    }
    expected = 1 + 1 + lengths["brief"] + 1
    expected += lengths["handout"] + lengths["handout"] % 2
    expected += lengths["brief"] + lengths["handout"]
    expected += expected % 2
    assert len(PdfReader(built.pack).pages) == expected


def test_plan_puts_every_item_on_an_odd_page() -> None:
    from briefgen.pack import PackDocument

    documents = [
        PackDocument(2, "brief", Path("a"), "a"),
        PackDocument(2, "handout", Path("b"), "b"),
        PackDocument(3, "brief", Path("a"), "a"),
    ]
    slots = plan_pages(3, documents, {Path("a"): 1, Path("b"): 3})
    kinds = [s.what for s in slots]
    assert kinds == ["cover"] * 3 + ["blank"] + ["document"] * 4 + ["document", "blank"]


def test_bookmarks_nest_meeting_item_document(built: BuiltPack) -> None:
    reader = PdfReader(built.pack)
    outline: Any = reader.outline
    assert len(outline) == 2 and outline[0].title == "Test committee"
    children = outline[1]
    titles = [entry.title for entry in children if not isinstance(entry, list)]
    assert titles == ["Agenda"] + [f"Item {n} · {t}" for n, t in ITEMS_WITH_PAPERS.items()]
    texts = page_texts(built.pack)
    entries = [e for e in children if not isinstance(e, list)]
    nested = [e for e in children if isinstance(e, list)]
    assert len(nested) == len(ITEMS_WITH_PAPERS)
    for entry, documents in zip(entries[1:], nested, strict=True):
        page = reader.get_destination_page_number(entry)
        assert page is not None
        assert entry.title in texts[page] and (page + 1) % 2 == 1
        document_titles = [d.title for d in documents if not isinstance(d, list)]
        assert document_titles and all(": Russian peacekeepers" in t for t in document_titles)
        # Each document keeps its own headings under it.
        assert any(isinstance(d, list) and d for d in documents)
    last_item_documents = [d.title for d in nested[-1] if not isinstance(d, list)]
    assert last_item_documents == [
        "Briefing note: Russian peacekeepers in Azerbaijan",
        "Briefing handout: Russian peacekeepers in Azerbaijan",
    ]


def banner_positions(path: Path, banner: str) -> list[list[float]]:
    """The vertical positions (0 top, 1 bottom) where `banner` is printed, page by page.

    Spaces are ignored: a letter-spaced banner extracts as "O F F I C I A L".
    """
    document = pypdfium2.PdfDocument(str(path))
    positions = []
    for page in document:
        height = page.get_height()
        text = page.get_textpage()
        chars = text.get_text_range()
        kept = [i for i, char in enumerate(chars) if not char.isspace()]
        squeezed = "".join(chars[i] for i in kept)
        found = []
        start = squeezed.find(banner)
        while start != -1:
            end = start + len(banner)
            # A whole marking: "OFFICIAL" inside "OFFICIAL-SENSITIVE" does not count.
            before = chars[kept[start] - 1] if kept[start] else " "
            after = chars[kept[end - 1] + 1] if kept[end - 1] + 1 < len(chars) else " "
            if not (before.isalnum() or before == "-" or after.isalnum() or after == "-"):
                _, bottom, _, top = text.get_charbox(kept[start])
                found.append(round(1 - (top + bottom) / 2 / height, 3))
            start = squeezed.find(banner, start + 1)
        positions.append(sorted(found))
    return positions


def test_banner_is_the_highest_marking_at_top_and_bottom_of_every_page(built: BuiltPack) -> None:
    # The audience is OFFICIAL, item 4 OFFICIAL, item 2 OFFICIAL-SENSITIVE.
    for positions in banner_positions(built.pack, "OFFICIAL-SENSITIVE"):
        assert len(positions) == 2, positions
        assert positions[0] < 0.03 and positions[1] > 0.97, positions


def test_refuses_a_pack_marked_lower_than_its_contents(tmp_path: Path) -> None:
    text = MEETING.replace("audience: ministers", "audience: ministers\nmarking: OFFICIAL")
    (tmp_path / "m.yaml").write_text(text, encoding="utf-8")
    result = run_cli(
        *("--templates", str(TEMPLATES), "--content", str(CONTENT)),
        *("pack", "m.yaml", "--out", "b"),
        cwd=tmp_path,
    )
    assert result.exit_code == 1
    assert result.stderr == (
        'm.yaml:5:1: the pack is marked OFFICIAL, but item 2 ("Peacekeepers, the note") is '
        "OFFICIAL-SENSITIVE; mark the meeting OFFICIAL-SENSITIVE or higher, or remove the item\n"
    )
    assert not (tmp_path / "b").exists(), "nothing is built or written"


def test_a_higher_stated_marking_is_printed(built: BuiltPack) -> None:
    meeting = load_meeting(built.meeting_file, TEMPLATES, CONTENT)
    stated = meeting.meeting.model_copy(update={"marking": "SECRET"})
    files = rebuild(built, meeting_override=stated)
    pack = built.out / "secret.pdf"
    pack.write_bytes(files[0].data)
    assert all(len(p) == 2 for p in banner_positions(pack, "SECRET"))


def rebuild(built: BuiltPack, meeting_override: Any = None, **options: Any) -> list[PackFile]:
    loaded = load_meeting(built.meeting_file, TEMPLATES, CONTENT)
    if meeting_override is not None:
        from dataclasses import replace

        loaded = replace(loaded, meeting=meeting_override)
    parts = {
        (SLUG, kind): built.out / SLUG / "ministers" / f"{kind}.pdf" for kind in DOCUMENT_KINDS
    }
    titles = {SLUG: "Russian peacekeepers in Azerbaijan"}
    return build_pack(
        loaded, parts, titles, TEMPLATES, resolve_options(loaded, PackOptions(**options))
    )


def test_every_page_of_a_copy_carries_its_mark(built: BuiltPack) -> None:
    for number in (1, 2):
        texts = page_texts(built.folder / "copies" / f"copy-{number}-of-2.pdf")
        assert all(f"Copy {number} of 2" in t for t in texts)
    named = page_texts(built.folder / "copies" / "ms-a-aliyeva.pdf")
    assert all("Copy 1 of 1 · Ms A. Aliyeva" in t for t in named)
    assert not any("Copy" in t for t in page_texts(built.pack)), "the master pack is no copy"


def test_page_numbers_run_through_the_pack(built: BuiltPack) -> None:
    texts = page_texts(built.pack)
    for number, text in enumerate(texts, start=1):
        assert f"{number} / {len(texts)}" in text
    # The handout keeps its own numbering beside the pack's.
    assert any("Page 2 of" in t for t in texts)


def test_rebuilds_are_byte_identical(built: BuiltPack) -> None:
    first = rebuild(built)
    assert [f.data for f in first] == [f.data for f in rebuild(built)]
    assert [f.data for f in first] == [p.read_bytes() for p in built.written]


def test_stamps_draft_and_embargo(built: BuiltPack) -> None:
    import datetime as dt

    stamps = Stamps(draft=True, embargo=dt.datetime(2026, 12, 1, 9, 0))
    files = rebuild(built, stamps=stamps)
    path = built.out / "draft.pdf"
    path.write_bytes(files[0].data)
    for text in page_texts(path):
        assert "DRAFT" in text
        assert "EMBARGOED UNTIL 1 DECEMBER 2026, 09:00" in text.upper()


def test_pack_is_tagged_with_a_consistent_structure(built: BuiltPack) -> None:
    with pikepdf.open(built.pack) as pdf:
        root = pdf.Root.StructTreeRoot
        document = root.K[0]
        assert pikepdf.Name.Document == document.S
        parts = list(document.K)
        # The cover, then one part per document: 1 + 1 + 2.
        assert len(parts) == 5 and all(pikepdf.Name.Part == p.S for p in parts)
        tree = dict(pikepdf.NumberTree(root.ParentTree).items())
        keys: list[int] = []
        for page in pdf.pages:
            if "/StructParents" not in page.obj:
                continue
            key = int(page.obj.StructParents)
            keys.append(key)
            elements = tree[key]
            owners = [e for e in elements if e is not None and "/Pg" in e]
            assert owners and all(e.Pg.objgen == page.obj.objgen for e in owners)
            for annotation in page.obj.get("/Annots", []):
                assert int(annotation.StructParent) in tree
                keys.append(int(annotation.StructParent))
        assert len(keys) == len(set(keys)), "parent-tree keys are renumbered per part"
        assert int(root.ParentTreeNextKey) > max(keys)
        assert str(pdf.Root.Lang) == "en"
        assert pdf.Root.MarkInfo.Marked
        assert pdf.Root.ViewerPreferences.DisplayDocTitle
        assert str(pdf.docinfo.Title) == "Test committee — Meeting pack"
        assert pdf.docinfo.Author and pdf.docinfo.Subject


def test_links_inside_documents_still_point_at_their_pages(built: BuiltPack) -> None:
    with pikepdf.open(built.pack) as pdf:
        pages = {page.obj.objgen for page in pdf.pages}
        links = [
            a
            for page in pdf.pages
            for a in page.obj.get("/Annots", [])
            if a.get("/Subtype") == pikepdf.Name.Link and "/URI" not in a.get("/A", {})
        ]
        assert links, "the handout's contents links are kept"
        for link in links:
            assert isinstance(link.Dest, pikepdf.Array), "named destinations do not survive"
            assert link.Dest[0].objgen in pages


def fonts_of(resources: Any, seen: set[tuple[int, int]]) -> set[str]:
    """Base names of every font under `resources`, form XObjects (the stamps) included."""
    names: set[str] = set()
    for font in resources.get("/Font", {}).values():
        descendants = font.get("/DescendantFonts")
        descriptor = descendants[0].FontDescriptor if descendants else font.FontDescriptor
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        names.add(str(font.BaseFont).split("+")[-1])
    for xobject in resources.get("/XObject", {}).values():
        if xobject.objgen in seen or xobject.get("/Subtype") != pikepdf.Name.Form:
            continue
        seen.add(xobject.objgen)
        names |= fonts_of(xobject.get("/Resources", {}), seen)
    return names


def test_every_glyph_is_a_shipped_embedded_font(built: BuiltPack) -> None:
    with pikepdf.open(built.folder / "copies" / "ms-a-aliyeva.pdf") as pdf:
        seen: set[tuple[int, int]] = set()
        names = set().union(*(fonts_of(page.Resources, seen) for page in pdf.pages))
    assert names and all(name.startswith("Noto") for name in names), names


def test_pack_passes_the_same_pdf_ua_checker_as_its_parts(built: BuiltPack) -> None:
    import pdfua.document
    import pdfua.rules.structure
    from pdfua import validate

    def as_integer(value: object) -> int | None:  # see tests/test_conformance.py
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else None

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdfua.document, "as_integer", as_integer)
        patch.setattr(pdfua.rules.structure, "as_integer", as_integer)
        for path in (built.pack, built.folder / "copies" / "ms-a-aliyeva.pdf"):
            report = validate(str(path))
            assert not [f"{f.rule_id}: {f.message}" for f in report.findings], path.name
            assert not report.skipped, path.name
    with pikepdf.open(built.pack) as pdf:
        assert pdf.open_metadata().get("pdfuaid:part") == "1"


def test_long_item_labels_are_cut_at_a_word() -> None:
    from briefgen.pack import MAX_LABEL_CHARS, item_label

    title = "The regional security architecture of the South Caucasus after the ceasefire"
    label = item_label("Item", 12, title, MAX_LABEL_CHARS)
    assert len(label) <= MAX_LABEL_CHARS and label.endswith(" …")
    assert title.startswith(label.removeprefix("Item 12 · ").removesuffix(" …"))
    assert item_label("Item", 1, "Short", MAX_LABEL_CHARS) == "Item 1 · Short"


def test_a_pack_folder_holds_exactly_the_last_run_or_the_one_before(tmp_path: Path) -> None:
    """A run without --booklet left the old booklet beside the new pack; a run that failed
    on a copy's name left a new pack beside an old copy."""
    from briefgen.pack import PackFile, write_pack

    folder = tmp_path / "meetings" / "m"
    first = [
        PackFile("pack.pdf", b"1", 1),
        PackFile("pack-booklet.pdf", b"1b", 1),
        PackFile("copies/bob.pdf", b"1c", 1),
    ]
    write_pack(first, folder)
    write_pack([PackFile("pack.pdf", b"2", 1)], folder)
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.pdf")) == ["pack.pdf"]
    with pytest.raises(OSError):
        write_pack([PackFile("pack.pdf", b"3", 1), PackFile("copies/" + "x" * 300, b"", 1)], folder)
    assert (folder / "pack.pdf").read_bytes() == b"2"


def test_a_long_recipient_name_makes_a_short_file_name() -> None:
    from briefgen.pack import MAX_FILE_SLUG, file_slug

    assert len(file_slug("B" * 300)) == MAX_FILE_SLUG
