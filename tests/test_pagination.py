"""The second pass after layout (pagination.py): stranded endnotes pulled back and
hyphen ladders broken, read back from the PDFs the way `briefgen preflight` reads them."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from briefgen.audience import load_audience
from briefgen.fonts import font_face_css
from briefgen.page_boxes import fragments_of, page_views, root_element
from briefgen.pagination import (
    MAX_LAYOUTS,
    TIGHTER,
    TIGHTER_STYLESHEET,
    Setting,
    Tightening,
    correct_brief,
    paginate_handout,
    structural_selector,
)
from briefgen.preflight import (
    MAX_HYPHEN_RUN,
    MIN_LAST_PAGE_FILL,
    Page,
    fills,
    hyphen_runs,
    preflight,
    read_pages,
    shipped_font_names,
)
from briefgen.render_html import TemplateRenderer
from briefgen.typeset import LaidOut, lay_out, pdf_bytes
from briefgen.validate import load_briefing
from tests.conftest import SEED, TEMPLATES

ROOTS = [TEMPLATES, SEED]
FINE_AUDIENCE = "press"
"""An audience whose seed handout needs no correction, its notes all on its last page."""
TIGHTER_CSS = (TEMPLATES / "base" / TIGHTER_STYLESHEET).read_text(encoding="utf-8")


def seed_handout(audience: str = "general") -> str:
    briefing, _ = load_briefing(SEED)
    return TemplateRenderer(load_audience(TEMPLATES, audience)).render("handout", briefing)


def written(laid_out: LaidOut, html: str, path: Path) -> list[Page]:
    """The PDF written to `path` and read back as preflight reads it."""
    path.write_bytes(pdf_bytes(laid_out, html))
    document = pdfium.PdfDocument(path)
    try:
        return read_pages(document)
    finally:
        document.close()


def squashed(text: str) -> str:
    """Letters and digits only: line breaks and hyphenation do not matter."""
    return re.sub(r"[\W_]", "", text)


def endnotes_text(html: str) -> str:
    section = html[html.index('<section id="notes"') :]
    return squashed(re.sub(r"<[^>]+>", " ", section))


def only_endnotes(page: Page, html: str) -> bool:
    """Whether every line of the page's body is endnote text or a note's number."""
    notes = endnotes_text(html)
    return all(
        squashed(line.text) in notes or re.fullmatch(r"\d+\.", line.text)
        for line in page.body_lines
    )


def strand_the_notes(html: str) -> str:
    """The handout with blank space before its notes, so that all but a few lines of them
    fit on the last page: the rest spill onto a page of their own, as happens when the
    content runs a few lines longer."""
    laid_out = lay_out(html, SEED, ROOTS)
    views = page_views(laid_out.document)
    notes = next(e for e in root_element(laid_out.document).iter() if e.get("id") == "notes")
    last = views[-1]
    assert {f.page for f in fragments_of(views, notes)} == {last.index}, (
        "the fixture needs a handout whose notes all sit on its last page"
    )
    free = last.content.bottom - last.content_bottom
    spacer = free + 0.08 * last.content.height
    return html.replace(
        '<section id="notes"', f'<div style="height: {spacer:.1f}px"></div><section id="notes"', 1
    )


def test_endnotes_stranded_on_the_last_page_are_pulled_back(tmp_path: Path) -> None:
    html = strand_the_notes(seed_handout(FINE_AUDIENCE))
    before = written(lay_out(html, SEED, ROOTS), html, tmp_path / "before.pdf")
    assert fills(before)[-1] < MIN_LAST_PAGE_FILL  # what the first layout alone printed
    assert only_endnotes(before[-1], html)
    paginated = paginate_handout(lambda css: lay_out(html, SEED, ROOTS, extra_css=css), TIGHTER_CSS)
    after = written(paginated.laid_out, html, tmp_path / "after.pdf")
    assert len(after) == len(before) - 1
    assert not (fills(after)[-1] < MIN_LAST_PAGE_FILL and only_endnotes(after[-1], html))
    report = preflight(tmp_path / "after.pdf", shipped_font_names(TEMPLATES))
    assert not [f for f in report.findings if f.check == "fill"], report.findings
    assert paginated.layouts <= 1 + len(TIGHTER)
    assert not paginated.stranded
    assert "last page was a scrap" in paginated.describe()


def test_a_handout_that_was_fine_is_laid_out_once_and_unchanged() -> None:
    html = seed_handout(FINE_AUDIENCE)
    calls: list[str] = []

    def counted(css: str) -> LaidOut:
        calls.append(css)
        return lay_out(html, SEED, ROOTS, extra_css=css)

    paginated = paginate_handout(counted, TIGHTER_CSS)
    assert calls == [""]
    assert paginated.layouts == 1
    assert paginated.setting == Setting()
    assert paginated.describe() == ""


PROSE = (
    "The agreement deploys a peacekeeping mission in most of the former autonomous region "
    "and the corridor that connects it with the neighbouring country. "
)


def page_html(body: str, css: str = "") -> str:
    """A page set with the shipped fonts and common.css, as briefgen's templates set it."""
    common = (TEMPLATES / "base" / "css" / "common.css").resolve().as_uri()
    return (
        f'<html lang="en"><head><style>{font_face_css(TEMPLATES)}</style>'
        f'<link rel="stylesheet" href="{common}"><style>:root {{ --space: 1; }} '
        f'body {{ font-family: "Noto Serif"; font-size: 10pt; }} {css}</style></head>'
        f"<body>{body}</body></html>"
    )


def test_a_scrap_nothing_can_pull_back_keeps_the_first_layout(tmp_path: Path) -> None:
    """A forced page break: no tighter setting helps, so none is kept (preflight warns)."""
    pages = "".join(f'<p style="break-before: page">{PROSE * 30}</p>' for _ in range(2))
    html = page_html(pages + f'<p style="break-before: page">{PROSE}</p>')
    calls: list[str] = []

    def counted(css: str) -> LaidOut:
        calls.append(css)
        return lay_out(html, TEMPLATES, [TEMPLATES], extra_css=css)

    paginated = paginate_handout(counted, TIGHTER_CSS)
    assert len(calls) == 1 + len(TIGHTER)
    assert paginated.stranded
    assert paginated.setting.tighter == 0
    assert all(calls[1:])  # each try had a stylesheet
    pages_read = written(paginated.laid_out, html, tmp_path / "scrap.pdf")
    assert fills(pages_read)[-1] < MIN_LAST_PAGE_FILL


LADDER = (
    "Internationalisation of telecommunications infrastructure notwithstanding, "
    "intergovernmental representatives characteristically misunderstood extraordinarily "
    "counterrevolutionary administrative responsibilities, institutionalising "
    "incomprehensibility throughout interdepartmental deliberations and "
    "disproportionately overcomplicating straightforward reconciliation."
)


def ladder_html() -> str:
    """Page 1: a narrow paragraph that hyphenates many lines in a row; page 2: the same
    words at a wider measure, hyphenated once or twice at a time."""
    return page_html(
        f'<div><p style="width: 40mm">{LADDER}</p></div>'
        f'<div style="break-before: page"><p style="width: 75mm">{LADDER}</p></div>'
    )


def hyphenation(pages: list[Page]) -> list[tuple[int, int]]:
    """(hyphenated line ends, longest run) of each page, read from the PDF."""
    return [hyphen_runs(page) for page in pages]


def test_a_hyphen_ladder_is_broken_and_other_paragraphs_keep_their_hyphens(
    tmp_path: Path,
) -> None:
    html = ladder_html()
    before = hyphenation(written(lay_out(html, TEMPLATES, [TEMPLATES]), html, tmp_path / "a.pdf"))
    assert before[0][1] > MAX_HYPHEN_RUN  # the first layout prints a ladder
    assert 0 < before[1][1] <= MAX_HYPHEN_RUN
    paginated = paginate_handout(
        lambda css: lay_out(html, TEMPLATES, [TEMPLATES], extra_css=css), TIGHTER_CSS
    )
    after = hyphenation(written(paginated.laid_out, html, tmp_path / "b.pdf"))
    assert after[0][1] <= MAX_HYPHEN_RUN
    assert after[1] == before[1]  # the paragraph without a ladder is set as it was
    assert paginated.layouts == 2
    assert len(paginated.setting.unhyphenated) == 1
    assert "hyphenation off in 1 paragraph" in paginated.describe()


def test_a_brief_keeps_its_ladder_fix_only_if_it_still_prints_whole() -> None:
    html = ladder_html()
    first = lay_out(html, TEMPLATES, [TEMPLATES])

    def again(css: str) -> LaidOut:
        return lay_out(html, TEMPLATES, [TEMPLATES], extra_css=css)

    kept, steps = correct_brief(first, again, lambda laid_out: True)
    assert kept is not first and steps
    assert all(not line.hyphenated for line in page_views(kept.document)[0].lines)
    refused, none = correct_brief(first, again, lambda laid_out: False)
    assert refused is first and none == []


def test_the_selector_picks_exactly_its_element() -> None:
    from cssselect2 import ElementWrapper, compile_selector_list

    laid_out = lay_out(ladder_html(), TEMPLATES, [TEMPLATES])
    root = root_element(laid_out.document)
    wanted = [element for element in root.iter() if element.tag == "p"][1]
    [selector] = compile_selector_list(structural_selector(root, wanted))
    matched = [
        wrapper.etree_element
        for wrapper in ElementWrapper.from_html_root(root).iter_subtree()
        if selector.test(wrapper)
    ]
    assert matched == [wanted]


@pytest.mark.parametrize("step", TIGHTER)
def test_each_tighter_step_is_a_smaller_setting(step: Tightening) -> None:
    assert step.type_scale <= 1.0


def test_the_tighter_stylesheet_beats_an_audiences_own() -> None:
    """Cascaded after the audience's style.css, each of its declarations must win."""
    declarations = re.findall(
        r"[\w-]+\s*:\s*[^;{}]+;", re.sub(r"/\*.*?\*/", "", TIGHTER_CSS, flags=re.S)
    )
    assert declarations
    assert all("!important" in declaration for declaration in declarations), declarations


def test_a_runt_in_a_title_is_mended_without_a_line_more(tmp_path: Path) -> None:
    """A title whose last line is one long word, which no_runt could not glue to the
    word before: set a little narrower, the word before comes down too."""
    title = "Russian peacekeepers and the November ceasefire in Nagorno-Karabakh"
    html = page_html(
        f'<h1 class="title" style="width: 120mm; font-size: 22pt">{title}</h1><p>{PROSE}</p>'
    )
    shipped = shipped_font_names(TEMPLATES)
    (tmp_path / "before.pdf").write_bytes(pdf_bytes(lay_out(html, TEMPLATES, [TEMPLATES]), html))
    assert preflight(tmp_path / "before.pdf", shipped).runts == 1
    paginated = paginate_handout(
        lambda css: lay_out(html, TEMPLATES, [TEMPLATES], extra_css=css), TIGHTER_CSS
    )
    title_lines = [
        line
        for line in written(paginated.laid_out, html, tmp_path / "after.pdf")[0].lines
        if line.size > 20
    ]
    assert preflight(tmp_path / "after.pdf", shipped).runts == 0
    assert len(title_lines) == 3  # as many lines as before
    assert "no runt" in paginated.describe()


def test_a_title_too_narrow_to_mend_is_left_as_it_was() -> None:
    """Narrower than its longest word, a title would break the word: that is given up."""
    title = "Russian peacekeepers and the November ceasefire in Nagorno-Karabakh"
    html = page_html(f'<h1 class="title" style="width: 60mm; font-size: 22pt">{title}</h1>')
    first = lay_out(html, TEMPLATES, [TEMPLATES])
    paginated = paginate_handout(
        lambda css: lay_out(html, TEMPLATES, [TEMPLATES], extra_css=css), TIGHTER_CSS
    )

    def lines(laid_out: LaidOut) -> list[str]:
        return [line.text for line in page_views(laid_out.document)[0].lines]

    assert lines(paginated.laid_out) == lines(first)
    assert paginated.layouts <= MAX_LAYOUTS
    assert "no runt" not in paginated.describe()


def test_the_build_runs_the_pass_on_both_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make_document` hands its layouts to the pass: the handout's, and the fitted brief's."""
    from briefgen import build, pagination
    from briefgen.paths import audience_names

    seen: list[str] = []

    def handout_pass(
        lay_out_css: Callable[[str], Any], tighter_css: str, cover_css: str
    ) -> pagination.Paginated:
        seen.append("handout")
        # The audience's stylesheets, found on its search path.
        assert tighter_css == TIGHTER_CSS
        assert cover_css == (TEMPLATES / "base" / pagination.COVER_STYLESHEET).read_text()
        return pagination.paginate_handout(lay_out_css, tighter_css, cover_css)

    def brief_pass(laid_out: Any, *args: Any) -> tuple[Any, list[str]]:
        seen.append("brief")
        return pagination.correct_brief(laid_out, *args)

    monkeypatch.setattr(build, "paginate_handout", handout_pass)
    monkeypatch.setattr(build, "correct_brief", brief_pass)
    options = build.BuildOptions(out=tmp_path, templates=TEMPLATES)
    audience = load_audience(TEMPLATES, "general")
    build.build_briefing(SEED, audience, options, audience_names(TEMPLATES))
    assert sorted(seen) == ["brief", "handout"]


WIDER_THAN_THE_LINE = (
    "Die Rechtsschutzversicherungsgesellschaften Donaudampfschifffahrtsgesellschaftskapitän "
    "Grundstücksverkehrsgenehmigungszuständigkeitsübertragungsverordnung gilt."
)


def words_as_printed(pages: list[Page]) -> list[str]:
    """The words of the page's lines, a word hyphenated at a line's end joined again."""
    text = ""
    for line in pages[0].body_lines:
        ends = line.text.rstrip()
        hyphenated = ends.endswith(("\u2010", "-")) and ends[-2:-1].isalpha()
        text += ends[:-1] if hyphenated else ends + " "
    return text.split()


def test_a_ladder_of_words_wider_than_the_line_keeps_its_hyphens(tmp_path: Path) -> None:
    """Set without hyphens, a word wider than its line breaks anywhere and with no hyphen
    ("Rechtsschutzversicheru / ngsgesellschaften"): worse than the ladder, so kept."""
    html = page_html(f'<p style="width: 40mm">{WIDER_THAN_THE_LINE}</p>').replace(
        '<html lang="en">', '<html lang="de">'
    )
    first = lay_out(html, TEMPLATES, [TEMPLATES])
    assert hyphenation(written(first, html, tmp_path / "a.pdf"))[0][1] > MAX_HYPHEN_RUN
    paginated = paginate_handout(
        lambda css: lay_out(html, TEMPLATES, [TEMPLATES], extra_css=css), TIGHTER_CSS
    )
    printed = written(paginated.laid_out, html, tmp_path / "b.pdf")
    assert words_as_printed(printed) == WIDER_THAN_THE_LINE.split()
    assert paginated.layouts <= MAX_LAYOUTS
    assert "hyphenation off" not in paginated.describe()

    def again(css: str) -> LaidOut:
        return lay_out(html, TEMPLATES, [TEMPLATES], extra_css=css)

    kept, steps = correct_brief(first, again, lambda laid_out: True)
    assert kept is first and steps == []


@pytest.mark.parametrize("tag", ['h1 class="title"', 'p class="claim"', "h2"])
def test_a_word_too_long_for_a_title_is_hyphenated_not_cut(tag: str) -> None:
    """A German compound wider than the title's line broke anywhere, with no hyphen
    ("…gese|tz"); display text hyphenates such a word, and only such a word."""
    from briefgen.pagination import words_broken

    title = "Anhörung zum Grundwasserentnahmeentgeltänderungsgesetz und zur Finanzierung"
    html = page_html(f'<{tag} lang="de" style="width: 90mm; font-size: 20pt">{title}</{tag}>')
    views = page_views(lay_out(html, TEMPLATES, [TEMPLATES]).document)
    assert words_broken(views) == []
    lines = [line.text for line in views[0].lines]
    assert any(text.rstrip().endswith(("-", "\u2010")) for text in lines), lines
    assert not any(text.rstrip().endswith(("Anhö-", "Finan-")) for text in lines), lines


def test_a_cover_that_runs_onto_a_second_page_is_set_compact() -> None:
    """A long title and bottom line pushed the cover's contents onto page 2, which the
    cover's page break then left nearly empty."""
    from briefgen.pagination import COVER_STYLESHEET, read_proof

    briefing, _ = load_briefing(SEED)
    long = briefing.model_copy(
        update={
            "title": " ".join(["Russian peacekeepers in Azerbaijan, the ceasefire"] * 4),
            "bottom_line": " ".join([briefing.bottom_line or briefing.summary] * 2),
        }
    )
    html = TemplateRenderer(load_audience(TEMPLATES, "general")).render("handout", long)
    cover_css = (TEMPLATES / "base" / COVER_STYLESHEET).read_text(encoding="utf-8")

    def lay_out_css(css: str) -> LaidOut:
        return lay_out(html, SEED, ROOTS, extra_css=css)

    assert read_proof(lay_out_css("").document).cover_pages == 2
    paginated = paginate_handout(lay_out_css, TIGHTER_CSS, cover_css)
    assert read_proof(paginated.laid_out.document).cover_pages == 1
    assert "cover set compact" in paginated.describe()
    assert paginate_handout(lay_out_css, TIGHTER_CSS).setting.compact_cover is False
