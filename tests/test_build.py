"""End to end: build the real seed briefing and read the PDFs back with real readers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from briefgen.audience import load_audience
from briefgen.build import DocumentResult
from briefgen.fit import select
from briefgen.translation import for_language, load_translations
from briefgen.validate import load_briefing
from tests.conftest import SEED, TEMPLATES, SeedBuild


def text_of(output: DocumentResult) -> str:
    reader = PdfReader(output.path)
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def squash(text: str) -> str:
    """Text without spaces, hyphenation breaks or quotes, so wrapped words still match
    and straight quotes in the content match the curly ones printed."""
    dropped = "-\u2010'\"\u2018\u2019\u201c\u201d"
    return "".join(ch for ch in text if not ch.isspace() and ch not in dropped)


def test_brief_is_exactly_one_page(seed_build: SeedBuild) -> None:
    for audience, outputs in seed_build.items():
        assert len(PdfReader(outputs["brief"].path).pages) == 1, audience


def test_handout_has_at_least_three_pages(seed_build: SeedBuild) -> None:
    for audience, outputs in seed_build.items():
        assert len(PdfReader(outputs["handout"].path).pages) >= 3, audience


def test_general_prints_every_fact_figure_in_both_pdfs(
    seed_build: SeedBuild,
) -> None:
    briefing, _ = load_briefing(SEED)
    brief, handout = (
        squash(text_of(seed_build["general"]["brief"])),
        squash(text_of(seed_build["general"]["handout"])),
    )
    for fact in briefing.key_facts:
        assert squash(fact.figure) in brief, fact.figure
        assert squash(fact.figure) in handout, fact.figure


def test_each_audience_brief_holds_everything_it_meant_to_print(
    seed_build: SeedBuild,
) -> None:
    """Nothing is silently cut: every fact and claim chosen for the brief is in its text."""
    briefing, loaded = load_briefing(SEED)
    translations = load_translations(SEED, briefing, loaded)
    for name, outputs in seed_build.items():
        audience = load_audience(TEMPLATES, name)
        printed = for_language(briefing, translations, audience.config.language)
        shown = select(printed, audience, "brief").briefing
        text = squash(text_of(outputs["brief"]))
        for fact in shown.key_facts:
            assert squash(fact.figure) in text, (name, fact.figure)
        for point in shown.argument:
            assert squash(point.claim) in text, (name, point.claim)


def test_pdf_metadata_is_set(seed_build: SeedBuild) -> None:
    briefing, loaded = load_briefing(SEED)
    translations = load_translations(SEED, briefing, loaded)
    for name, outputs in seed_build.items():
        language = load_audience(TEMPLATES, name).config.language
        title = for_language(briefing, translations, language).title  # az: the translation
        for output in outputs.values():
            reader = PdfReader(output.path)
            info = reader.metadata
            assert info is not None and info.title and info.title.startswith(title)
            assert info.author
            assert info.subject
            root: Any = reader.trailer["/Root"]
            assert "/StructTreeRoot" in root, "PDF is not tagged"
            assert "/Lang" in root


def test_all_fonts_are_embedded_and_shipped(
    seed_build: SeedBuild,
) -> None:
    for outputs in seed_build.values():
        for output in outputs.values():
            reader = PdfReader(output.path)
            names = set()
            for page in reader.pages:
                resources: Any = page["/Resources"].get_object()
                fonts = resources.get("/Font", {})
                for ref in fonts.values():
                    font = ref.get_object()
                    descendants = font.get("/DescendantFonts")
                    descriptor = (
                        descendants[0].get_object()["/FontDescriptor"]
                        if descendants
                        else font["/FontDescriptor"]
                    ).get_object()
                    assert any(
                        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
                    ), f"{font['/BaseFont']} is not embedded in {output.path}"
                    names.add(str(font["/BaseFont"]).split("+")[-1])
            assert names and all(name.startswith("Noto") for name in names), names


def test_handout_has_bookmarks_and_page_x_of_y(
    seed_build: SeedBuild,
) -> None:
    output = seed_build["general"]["handout"]
    reader = PdfReader(output.path)
    titles = [str(item.title) for item in reader.outline if not isinstance(item, list)]
    assert any("Key facts" in t for t in titles), titles
    pages = len(reader.pages)
    last = " ".join((reader.pages[-1].extract_text() or "").split())
    assert f"Page {pages} of {pages}" in last


@pytest.mark.parametrize("kind", ["brief", "handout"])
def test_html_is_written_next_to_pdf(seed_build: SeedBuild, kind: str) -> None:
    output = seed_build["general"][kind]
    html = output.path.with_suffix(".html")
    assert html.is_file() and "<html" in html.read_text(encoding="utf-8")


def test_a_document_that_takes_too_long_is_stopped_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`* { column-count: 30 }` in a stylesheet took 92 s: every document has a time limit,
    here cut to a few milliseconds so any layout passes it."""
    import shutil

    from briefgen import build
    from tests.conftest import run_cli
    from tests.test_validate import GOOD

    shutil.copytree(TEMPLATES, tmp_path / "templates")
    (tmp_path / "content" / "mini").mkdir(parents=True)
    (tmp_path / "content" / "mini" / "briefing.yaml").write_text(GOOD, encoding="utf-8")
    monkeypatch.setattr(build, "DOCUMENT_TIME_LIMIT_SECONDS", 0.005)
    result = run_cli("build", "-a", "general", "-j", "1", cwd=tmp_path)
    assert result.exit_code == 1
    assert "laying this document out took over 0.005 s" in result.output, result.output
    assert "Traceback" not in result.output
    assert not list((tmp_path / "build").glob("**/*.pdf"))
    signal_left = __import__("signal").getitimer(__import__("signal").ITIMER_REAL)
    assert signal_left == (0.0, 0.0)  # the timer never outlives its document
