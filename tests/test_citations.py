"""Several sources: every note and sources entry names its own source, formatted by CSL;
recommendations print in both documents; the editor's words say so."""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from briefgen import citations
from briefgen.audience import load_audience
from briefgen.build import BuildOptions, DocumentResult, build_briefing
from briefgen.citations import Citations, load_style, style_file
from briefgen.errors import BriefgenError
from briefgen.paths import audience_names
from briefgen.schema import ArgumentPoint, Author, Briefing, KeyFact, Locator, Source, SourceRef
from tests.conftest import ROOT, TEMPLATES

if TYPE_CHECKING:
    from citeproc import CitationStylesStyle

FIXTURE = ROOT / "tests" / "fixtures" / "three-sources"
Built = dict[str, dict[str, DocumentResult]]

REPORT = "Harbour Capacity in Lindholm"
MINUTES = "Minutes of the Lindholm Council"
SURVEY = "Ferry Passenger Survey 2025"


@pytest.fixture(scope="module")
def three_sources(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("three")
    known = audience_names(TEMPLATES)
    built: Built = {}
    for name in known:
        audience = load_audience(TEMPLATES, name)
        outputs = build_briefing(
            FIXTURE, audience, BuildOptions(out=out, templates=TEMPLATES), known
        )
        built[name] = {o.kind: o for o in outputs}
    return built


def pdf_text(output: DocumentResult) -> str:
    """The PDF's words as poppler reads them, hyphenation at line ends undone."""
    raw = subprocess.run(
        ["pdftotext", "-raw", str(output.path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(re.sub(r"[‐-]\n", "", raw).replace("’", "'").split())


def note_citing(handout: str, quote: str, notes_label: str) -> str:
    """The citation part of the endnote that quotes `quote`: every note in the fixture
    ends with its quoted words, so it runs from the previous closing quote mark."""
    tail = handout[handout.rindex(notes_label.upper()) :]
    end = tail.index(quote)
    return tail[tail.rfind("”", 0, end) + 1 : end]


def test_every_audience_builds_and_each_note_names_its_own_source(three_sources: Built) -> None:
    expected = {
        "the main cause was the closure of the northern quay": REPORT,
        "closure of the northern quay for repairs": REPORT,
        "reopen the northern quay before the summer timetable begins": REPORT,
    }
    for name, outputs in three_sources.items():
        handout = pdf_text(outputs["handout"])
        labels = load_audience(TEMPLATES, name).config.labels
        for quote, title in expected.items():
            note = note_citing(handout, quote, labels.notes)
            assert title in note, (name, note)
            assert MINUTES not in note and SURVEY not in note, (name, note)


def test_each_sources_entry_is_its_own_source(three_sources: Built) -> None:
    for name, outputs in three_sources.items():
        text = pdf_text(outputs["handout"])
        labels = load_audience(TEMPLATES, name).config.labels
        section = text[text.rindex(labels.sources.upper()) : text.rindex(labels.notes.upper())]
        starts = [section.index(title) for title in (REPORT, MINUTES, SURVEY)]
        assert starts == sorted(starts), name  # in the order of `sources:`
        entries = [section[a:b] for a, b in zip(starts, [*starts[1:], len(section)], strict=True)]
        assert f"{labels.licence}: CC BY 4.0" in entries[0], name
        assert "Nordic Ports Institute" in entries[0], name
        assert "Lindholm Council" in entries[1] and "Transport Office" in entries[2], name
        assert "https://example.org/harbour-report" in entries[0].replace(" ", ""), name
        assert all(REPORT not in e and "CC BY" not in e for e in entries[1:]), name


def test_cards_and_quote_credits_cite_their_own_source(three_sources: Built) -> None:
    text = pdf_text(three_sources["press"]["handout"])
    credit = text[text.index("lifeline") :][:200]
    assert "Anna Holm, Chair of Lindholm Council" in credit and MINUTES in credit
    assert "para. 2" in credit  # computed: the title and a heading line are not counted
    card = text[text.index("68%") :][:200]
    assert SURVEY in card and ", 14." in card  # a page locator for a source without text


def test_recommendations_print_in_both_documents(three_sources: Built) -> None:
    for name, outputs in three_sources.items():
        brief, handout = pdf_text(outputs["brief"]), pdf_text(outputs["handout"])
        for text in (brief, handout):
            assert "Reopen the northern quay" in text, name
            assert "Port authority" in text and "Capacity, not demand" in text, name
        assert "Consult residents on the contract this year" in brief, name  # `short`
        assert "Start the residents' consultation" in handout, name


def test_the_editors_words_are_labelled(three_sources: Built) -> None:
    for name, outputs in three_sources.items():
        handout = pdf_text(outputs["handout"])
        label = "Redaktorun rəyi" if name == "az" else "Editor's assessment"
        # What to watch and the uncited implications as sections; one uncited
        # recommendation among cited ones as an item.
        assert handout.count(label) >= 3, name


def test_labels_agree_with_several_authors(three_sources: Built) -> None:
    text = pdf_text(three_sources["general"]["handout"])
    assert "The authors argue that:" in text and "The author argues" not in text
    seed_like = Briefing.model_validate(
        {
            "title": "T",
            "date": "2026-01-01",
            "summary": "S",
            "sources": [{"id": "a", "title": "A", "authors": [{"name": "One Author"}]}],
            "key_facts": [{"figure": "1", "label": "L", "source": {}}],
            "argument": [{"claim": "C", "source": {"id": "a"}}],
        }
    )
    from briefgen.render_html import argued_by_several

    assert not argued_by_several(seed_like)


def chicago() -> Citations:
    return citations_for([Source(id="anon", title="Russian peacekeepers in Azerbaijan")])


def citations_for(sources: list[Source], style: CitationStylesStyle | None = None) -> Citations:
    briefing = Briefing(
        title="T",
        date=dt.date(2026, 1, 1),
        summary="S",
        key_facts=[KeyFact(figure="1", label="L", source=SourceRef())],
        argument=[ArgumentPoint(claim="C")],
        sources=sources,
    )
    if style is None:
        path = style_file((TEMPLATES / "base",), "chicago-notes-bibliography")
        assert path is not None
        style = load_style(path, "en-GB")
    return Citations(briefing, style, "¶")


def test_an_anonymous_work_prints_its_title_once() -> None:
    cite = chicago()
    entry = str(cite.entry(cite.sources["anon"]))
    note = str(
        cite.note(SourceRef(id="anon", locator=Locator(paragraph=2, page=None, section=None)))
    )
    for text in (entry, note, str(cite.note(SourceRef(id="anon")))):
        assert text.count("Peacekeepers") == 1, text


def test_content_is_escaped_before_the_engine_sees_it() -> None:
    cite = citations_for(
        [
            Source(
                id="x",
                title="<b onmouseover=alert(1)>Bold</b> & more",
                authors=[Author(name="<i>Ann</i> <script>x</script>")],
            )
        ]
    )
    html = str(cite.entry(cite.sources["x"]))
    assert "<script" not in html and "<b " not in html
    assert "&lt;b onmouseover=alert(1)&gt;" in html and "&amp; More" in html
    assert "&lt;i&gt;Ann&lt;/i&gt;" in html


def test_a_known_family_name_lets_the_style_invert_it() -> None:
    cite = citations_for(
        [Source(id="x", title="T", authors=[Author(name="Thomas de Waal", family="de Waal")])]
    )
    assert str(cite.entry(cite.sources["x"])).startswith("de Waal, T")


def test_unknown_citation_style_is_a_located_error(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    config = templates / "audiences/press/audience.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "citations:\n  style: chicago-notes\n",
        encoding="utf-8",
    )
    with pytest.raises(BriefgenError) as caught:
        load_audience(templates, "press")
    error = caught.value
    assert error.path == config and error.line == len(config.read_text().splitlines())
    assert 'citation style "chicago-notes" not found.' in error.message
    assert 'Did you mean "chicago-notes-bibliography"?' in error.message


def test_unknown_citation_locale_is_a_located_error(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    config = templates / "audiences/press/audience.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "citations:\n  locale: en-UK\n", encoding="utf-8"
    )
    with pytest.raises(BriefgenError) as caught:
        load_audience(templates, "press")
    assert caught.value.path == config
    assert 'citation locale "en-UK" is not one citeproc-py has' in caught.value.message


POSITIONS_STYLE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">
  <info><title>Positions</title><id>positions</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <citation><layout>
    <choose>
      <if position="ibid-with-locator"><text value="ibid-with-locator"/></if>
      <else-if position="ibid"><text value="ibid"/></else-if>
      <else-if position="subsequent"><text value="subsequent"/></else-if>
      <else><text value="first"/></else>
    </choose>
    <text variable="citation-number" prefix=" [" suffix="]"/>
    <text variable="title" prefix=" "/>
    <text variable="locator" prefix=" "/>
  </layout></citation>
</style>
"""
"""Prints the positions and the citation number (citeproc-py 0.11 fails on "near-note"),
so that a note remembered from another history shows any difference from a fresh one."""


def fresh_notes(cite: Citations, refs: list[SourceRef]) -> list[str]:
    """The notes as citeproc-py gives them with nothing remembered."""
    notes = []
    for ref in refs:
        citations._formatted.clear()
        notes.append(str(cite.note(ref)))
    return notes


@pytest.mark.parametrize("style", ["chicago", "positions"])
def test_remembered_notes_equal_fresh_ones_over_random_histories(
    style: str, tmp_path: Path
) -> None:
    sources = [
        Source(
            id="a",
            title="Harbour capacity",
            authors=[Author(name="Ann Smith", family="Smith")],
            publisher="Council",
            published=dt.date(2020, 1, 1),
        ),
        Source(id="b", title="Ferry survey", authors=[Author(name="Bob Jones")]),
        Source(id="c", title="Minutes of the council"),
    ]
    if style == "chicago":
        path = style_file((TEMPLATES / "base",), "chicago-notes-bibliography")
        assert path is not None
    else:
        path = tmp_path / "positions.csl"
        path.write_text(POSITIONS_STYLE, encoding="utf-8")
    loaded = load_style(path, "en-GB")
    locators = [None, Locator(paragraph=1), Locator(paragraph=2), Locator(page="7")]
    chooser = random.Random(14)
    histories = [
        [
            SourceRef(id=chooser.choice("abc"), locator=chooser.choice(locators))
            for _ in range(chooser.randint(1, 9))
        ]
        for _ in range(120)
    ]
    expected = [fresh_notes(citations_for(sources, loaded), refs) for refs in histories]
    citations._formatted.clear()
    remembered = [[str(n) for n in map(citations_for(sources, loaded).note, r)] for r in histories]
    assert remembered == expected
    before = citations.cites
    again = [[str(n) for n in map(citations_for(sources, loaded).note, r)] for r in histories]
    assert again == expected and citations.cites == before  # all from memory


def test_a_document_rendered_again_formats_no_citation_again() -> None:
    from briefgen.render_html import TemplateRenderer
    from briefgen.validate import load_briefing

    briefing, _ = load_briefing(FIXTURE, audience_names(TEMPLATES))
    renderer = TemplateRenderer(load_audience(TEMPLATES, "general"))
    first = {kind: renderer.render(kind, briefing) for kind in ("brief", "handout")}
    before = citations.cites
    again = {kind: renderer.render(kind, briefing) for kind in ("brief", "handout")}
    assert again == first and citations.cites == before


def test_the_styles_structure_is_searched_once(tmp_path: Path) -> None:
    path = style_file((TEMPLATES / "base",), "chicago-notes-bibliography")
    assert path is not None
    copy = tmp_path / "chicago.csl"  # a style of its own: nothing known about it yet
    shutil.copy(path, copy)
    loaded = load_style(copy, "en-GB")
    sources = [Source(id="a", title="T", authors=[Author(name="Ann Smith", family="Smith")])]
    ref = SourceRef(id="a", locator=Locator(paragraph=3))
    before = citations.answers_found
    first = citations_for(sources, loaded)
    notes = [str(first.note(ref)), str(first.note(ref))]
    found = citations.answers_found
    citations._formatted.clear()  # formatted again, from scratch
    again = citations_for(sources, loaded)
    assert [str(again.note(ref)), str(again.note(ref))] == notes
    assert found > before and citations.answers_found == found


def test_a_name_quoted_in_a_title_keeps_its_case() -> None:
    """Chicago title-cases titles; a quoted name is printed as written, with no stray space."""
    title = "Regulation entering a name in the register (‘Caşcaval de Săveni’ (PGI))"
    cite = citations_for([Source(id="x", title=title, type="legislation")])
    for text in (str(cite.entry(cite.sources["x"])), str(cite.note(SourceRef(id="x")))):
        assert "Regulation Entering a Name in the Register (‘Caşcaval de Săveni’ (PGI))" in text


@pytest.mark.parametrize("kind", ["article-newspaper", "article-magazine", "article-journal"])
def test_a_label_prints_only_beside_its_variable(kind: str) -> None:
    """citeproc-py printed Chicago's edition label with no edition: "Edition." after
    every newspaper article, ", edition" in every later note of a journal article."""
    source = Source(
        id="x", title="Ceasefire holds", type=kind, container="The Daily", published=2020
    )
    cite = citations_for([source])
    paragraph = SourceRef(id="x", locator=Locator(paragraph=4, page=None, section=None))
    printed = [
        str(cite.entry(cite.sources["x"])),
        str(cite.note(SourceRef(id="x"))),
        str(cite.note(paragraph)),
        str(cite.short(SourceRef(id="x"))),
    ]
    assert not [text for text in printed if "edition" in text.lower()], printed
    assert "para. 4" in printed[2]  # a label beside its locator still prints


@pytest.mark.parametrize(
    ("kind", "locale", "printed"),
    [
        ("article-journal", "en-GB", "‘“Slow Boring” and the Future of “Mid” News’"),
        ("article-journal", "en-US", "“‘Slow Boring’ and the Future of ‘Mid’ News”"),
        ("book", "en-GB", "<i>‘Slow Boring’ and the Future of ‘Mid’ News</i>"),
        ("article-journal", "de-DE", "„‚Slow Boring‘ and the Future of ‚Mid‘ News“"),
    ],
)
def test_quotes_in_a_title_nest_inside_the_styles_quotes(
    kind: str, locale: str, printed: str
) -> None:
    """A quoted title's own quotes become the locale's inner quotes; an italic title's
    become its outer ones. citeproc-py printed ‘‘Slow Boring’ and …’."""
    path = style_file((TEMPLATES / "base",), "chicago-notes-bibliography")
    assert path is not None
    title = "\"Slow Boring\" and the future of 'Mid' news"
    source = Source(id="x", title=title, type=kind, container="The Review")
    cite = citations_for([source], load_style(path, locale))
    for text in (str(cite.entry(cite.sources["x"])), str(cite.note(SourceRef(id="x")))):
        assert printed in text, text


def test_a_name_particle_in_a_title_stays_lowercase() -> None:
    """Title case printed "Frans De Waal’s"; a word such as "de" before a capital is a
    family name's particle. Before a lowercase word it is left to the style."""
    title = "Frans de Waal's primates, van der Berg's data and the fate of la mer"
    cite = citations_for([Source(id="x", title=title, type="article-journal")])
    expected = "Frans de Waal’s Primates, van der Berg’s Data and the Fate of La Mer"
    for text in (str(cite.entry(cite.sources["x"])), str(cite.note(SourceRef(id="x")))):
        assert expected in text, text


def test_words_a_note_quotes_nest_their_own_quotes_in_the_styles_marks() -> None:
    """A quote holding "poor" printed “…rated “poor” or “very poor”””."""
    cite = chicago()
    note = str(cite.note(SourceRef(id="anon", quote='rated "poor" or "very poor"')))
    assert "‘rated “poor” or “very poor”’" in note, note  # en-GB: single outside


@pytest.mark.parametrize(
    ("language", "printed"),
    [
        ("en", "“the ‘middle’ word”"),
        ("fr", "«\u00a0the “middle” word\u00a0»"),
        ("de", "„the ‚middle‘ word“"),
        ("ar", "“the ‘middle’ word”"),
    ],
)
def test_a_pull_quote_takes_its_briefings_quotation_marks(language: str, printed: str) -> None:
    """French prose printed between English quotes; typewriter quotes (Arabic's CSL
    locale) give way to curly ones."""
    from html import unescape

    from briefgen.citations import language_quotes
    from briefgen.typography import quoted

    assert unescape(str(quoted("the 'middle' word", language_quotes(language)))) == printed


def test_given_names_print_in_full_where_the_style_says_so() -> None:
    """Chicago sets `initialize="false"`; citeproc-py printed "Okafor, D."."""
    source = Source(
        id="x",
        title="Flood report",
        type="report",
        authors=[Author(name="Dana Okafor", family="Okafor")],
    )
    cite = citations_for([source])
    assert str(cite.entry(cite.sources["x"])).startswith("Okafor, Dana.")
    assert str(cite.note(SourceRef(id="x"))).startswith("Dana Okafor,")


@pytest.mark.parametrize(
    ("section", "label"),
    [
        ("Annual maxima, 2008–2024", "sect. Annual"),
        ("3–5", "sects 3–5"),
        ("12, 14", "sects 12, 14"),
    ],
)
def test_a_named_section_is_one_section(section: str, label: str) -> None:
    """Two numbers in a section's name made citeproc-py print "sects"."""
    cite = citations_for([Source(id="x", title="Flood report", type="report")])
    locator = Locator(paragraph=None, page=None, section=section)
    assert label in str(cite.note(SourceRef(id="x", locator=locator)))


def test_a_work_in_another_language_keeps_its_titles_case() -> None:
    """An English briefing title-cased a German source: "Wortprotokoll Der 47. Sitzung"."""
    title = "Wortprotokoll der 47. Sitzung des Ausschusses"
    german = Source(id="de", title=title, type="report", language="de")
    english = Source(id="en", title="minutes of the 47th sitting", type="report")
    cite = citations_for([german, english])
    assert title in str(cite.entry(cite.sources["de"]))
    assert "Minutes of the 47th Sitting" in str(cite.entry(cite.sources["en"]))


@pytest.mark.parametrize(
    ("style", "message"),
    [
        ('<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0"/>', "cannot"),
        (
            '<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">'
            '<macro name="m"><text macro="m"/></macro>'
            '<citation><layout><text macro="m"/></layout></citation>'
            '<bibliography><layout><text macro="m"/></layout></bibliography></style>',
            "a macro calls itself",
        ),
    ],
)
def test_a_style_that_cannot_cite_is_an_error_at_its_file(
    tmp_path: Path, style: str, message: str
) -> None:
    """It was reported as a template error at the template line that asked for a note."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / "audiences/press/csl").mkdir()
    broken = templates / "audiences/press/csl/broken.csl"
    broken.write_text('<?xml version="1.0"?>\n' + style + "\n", encoding="utf-8")
    config = templates / "audiences/press/audience.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "citations:\n  style: broken\n", encoding="utf-8"
    )
    with pytest.raises(BriefgenError) as caught:
        load_audience(templates, "press")
    assert caught.value.path == broken and message in caught.value.message
