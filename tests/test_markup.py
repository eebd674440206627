"""Markdown to HTML: nothing outside the allow-list survives, whatever briefgen adds later.

Every Markdown construct the renderer enables is fed `<`, `>`, `"` and `&` in every
position it allows, alone and through every prose field of both documents.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from briefgen.audience import load_audience
from briefgen.build import BuildOptions, build_briefing
from briefgen.documents import DOCUMENT_KINDS
from briefgen.markup import (
    ALLOWED_ATTRIBUTE_VALUES,
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    Notes,
    plain_text,
    render_markdown,
)
from briefgen.render_html import TemplateRenderer
from briefgen.schema import Briefing
from tests.conftest import TEMPLATES

PAYLOADS = [
    "<style>.marking{display:none!important}</style>",
    "<script>alert(1)</script>",
    '<link rel="attachment" href="briefing.yaml">',
    '"><img src=x onerror=alert(1)>',
    "a & b < c > d \" e ' f",
]

CONSTRUCTS = [
    "plain {p} text",
    "*{p}* and **{p}** and ***{p}***",
    "`{p}` and ``{p}``",
    "[{p}](https://example.org/{p} '{p}')",
    '[link](https://example.org/ "{p}")',
    "![{p}](x.png '{p}')",
    "text[^{p}] more `[^{p}]`\n\n[^{p}]: {p}",
    "text[^n] `[^n]`\n\n[^n]: the note {p}",
    "- {p}\n- *{p}*\n  1. {p}",
    "> {p}\n> > {p}",
    "{p}\n\n    indented {p}",
    "<span title='{p}'>{p}</span>",
    "[ref][r]\n\n[r]: https://example.org/ '{p}'",
    "| {p} | b |\n|:--|--:|\n| {p} | [{p}](https://example.org/{p}) |",
    "<https://example.org/{p}> www.example.org/{p} a{p}@example.org",
]

NOTE_CALL_ATTRIBUTES = {"sup": {"class", "id"}}
GENERIC_ATTRIBUTES = {"title", "lang"}
"""nh3 keeps these on any element; their values are escaped text."""


class Elements(HTMLParser):
    """Every element and attribute that the HTML really holds."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, str | None, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, None, None))
        self.found += [(tag, name, value) for name, value in attrs]


def disallowed(html: str) -> list[tuple[str, str | None, str | None]]:
    allowed_attributes = {
        tag: ALLOWED_ATTRIBUTES.get(tag, set())
        | NOTE_CALL_ATTRIBUTES.get(tag, set())
        | GENERIC_ATTRIBUTES
        for tag in ALLOWED_TAGS
    }
    return [
        (tag, name, value)
        for tag, name, value in Elements(html).found
        if tag not in ALLOWED_TAGS
        or (
            name is not None and name not in allowed_attributes[tag] and not fixed(tag, name, value)
        )
    ]


def fixed(tag: str, name: str, value: str | None) -> bool:
    """An attribute the sanitizer allows with these exact values only (classes, alignment)."""
    return value in ALLOWED_ATTRIBUTE_VALUES.get(tag, {}).get(name, set())


@pytest.mark.parametrize("construct", CONSTRUCTS)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_construct_keeps_to_the_allow_list(construct: str, payload: str) -> None:
    text = construct.replace("{p}", payload)
    for inline in (False, True):
        notes = Notes()
        html = str(render_markdown(text, notes, inline=inline))
        assert disallowed(html) == [], (text, html)
        for note in notes.items:
            assert disallowed(str(note)) == [], (text, note)


def test_footnote_label_in_code_cannot_smuggle_a_style_element() -> None:
    """The reported bypass: a label printed back literally inside backticks."""
    style = (
        "<style>.marking{display:none!important}@page{@top-right{content:none!important}}</style>"
    )
    text = f"Note `[^{style}]` here.\n\n[^{style}]: n"
    html = str(render_markdown(text, Notes()))
    assert "<style" not in html
    assert "[^&lt;style&gt;" in html


def test_a_note_referenced_many_times_prints_once() -> None:
    notes = Notes()
    text = "x[^a] " * 500 + "\n\n[^a]: " + "long note " * 200
    html = str(render_markdown(text, notes))
    assert len(notes.items) == 1
    assert html.count('href="#note-1"') == 500
    assert html.count('id="note-call-1"') == 1


@pytest.mark.parametrize(
    "text", ["AT&T signed.", "x < 3 and 5 > 3", "R&D &amp; more", 'said "yes" & left']
)
def test_plain_text_is_text_not_escaped_html(text: str) -> None:
    plain = plain_text(text)
    assert "&amp;" not in plain and "&lt;" not in plain and "&gt;" not in plain
    assert plain.replace("“", '"').replace("”", '"').startswith(text.split(" ")[0][:2])


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("if x<z y> holds", "if x<z y> holds"),
        ("the <Kyiv> office[^1]\n\n[^1]: A note.", "the <Kyiv> office"),
        ("**<Reuters>** reported", "<Reuters> reported"),
        ("a <b>bold</b> claim <!-- editor's aside -->", "a bold claim"),
        ("if a<b and c>d holds", "if a<b and c>d holds"),
        ("x<i y> and <b>z</b>", "x<i y> and z"),
    ],
)
def test_text_that_only_looks_like_a_tag_is_printed(text: str, printed: str) -> None:
    """Markdown passes `<z y>` through as raw HTML and the sanitizer would delete it."""
    assert plain_text(text) == printed
    assert escape(printed) in re.sub(r"</?(b|strong)>", "", str(render_markdown(text, Notes())))


def field_values(payload: str) -> dict[str, Any]:
    """A briefing with the payload in every field that the templates print."""
    prose = f"Prose {payload} with *{payload}*, `[^{payload}]` and a note[^n].\n\n[^n]: {payload}"
    source = {"quote": payload, "locator": {"paragraph": 1}}
    return {
        "title": payload,
        "subtitle": payload,
        "short_title": payload,
        "reference": payload,
        "date": "2026-01-02",
        "keywords": [payload],
        "bottom_line": prose,
        "summary": prose,
        "thesis": prose,
        "background": prose,
        "key_facts": [
            {"figure": payload[:24], "label": payload, "detail": prose, "source": source}
        ],
        "argument": [
            {
                "claim": payload,
                "detail": prose,
                "source": source,
                "points": [{"text": prose, "short": prose, "source": source}],
            }
        ],
        "timeline": [{"when": payload[:40], "event": payload, "source": source}],
        "what_to_watch": [prose],
        "questions": [prose],
        "quotes": [
            {"text": payload, "speaker": {"name": payload, "role": payload}, "source": source}
        ],
        "glossary": [{"term": payload, "definition": prose}],
        "sources": [
            {
                "id": "a",
                "title": payload,
                "authors": [{"name": payload, "affiliation": payload}],
                "container": payload,
                "publisher": payload,
                "licence": payload,
            }
        ],
        "recommendations": [{"text": prose, "addressee": payload, "source": source}],
        "implications": [{"text": prose, "short": prose}],
        "further_reading": [{"title": payload, "note": prose}],
    }


@pytest.mark.parametrize("audience", ["general", "ministers", "press", "students"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_field_of_both_documents_keeps_to_the_template_elements(
    audience: str, payload: str
) -> None:
    renderer = TemplateRenderer(load_audience(TEMPLATES, audience))
    harmless = Briefing.model_validate(field_values("harmless words"))
    hostile = Briefing.model_validate(field_values(payload))
    for kind in DOCUMENT_KINDS:
        expected = Elements(renderer.render(kind, harmless)).found
        found = Elements(renderer.render(kind, hostile)).found
        for tag in ("style", "script", "link", "meta", "base", "iframe", "object", "svg"):
            assert sum(t == tag and n is None for t, n, _ in found) == sum(
                t == tag and n is None for t, n, _ in expected
            ), (kind, tag)
        assert not [f for f in found if f[1] and f[1].startswith("on")], kind


# --- addresses and tables -------------------------------------------------------------------

LONG_URL = "https://ourworldindata.org/grapher/share-of-population-in-extreme-poverty?tab=chart"


def test_a_link_prints_its_address_as_an_endnote_once() -> None:
    notes = Notes()
    html = str(render_markdown(f"See [the data]({LONG_URL}) and [again]({LONG_URL}).", notes))
    assert len(notes.items) == 1
    assert LONG_URL in str(notes.items[0]).replace("<wbr>", "").replace("\u2060", "")
    assert html.count('href="#note-1"') == 2


def test_without_notes_a_link_prints_its_address_in_brackets() -> None:
    text = f"See [the data]({LONG_URL}) or [write](mailto:press@example.org)."
    assert plain_text(text) == f"See the data ({LONG_URL}) or write (press@example.org)."
    assert str(render_markdown(text, None, inline=True)).count('<span class="url">') == 2


def test_an_address_shown_as_its_own_text_is_not_repeated() -> None:
    notes = Notes()
    html = str(render_markdown(f"<{LONG_URL}> and [example.org](https://example.org/)", notes))
    assert notes.items == []
    assert html.count('<span class="url">') == 2


def test_addresses_break_only_where_chicago_breaks_them() -> None:
    html = str(
        render_markdown(
            f"Bare {LONG_URL} and a-b@example-mail.org, {QUERY_URL}.", None, inline=True
        )
    )
    pieces = [unescape(p.replace("\u2060", "")) for p in re.split(r"<wbr>", html)]
    for before, after in itertools.pairwise(pieces):
        assert before.endswith(("/", "=", "&")) or after.startswith(tuple(".-_?#%~=&")), (
            before,
            after,
        )
    assert "page_<wbr>" not in html and "<wbr>_very" in html
    # Unicode would also break after "-" and "?": a word joiner follows each.
    assert html.count("-") == html.count("-\u2060")
    assert html.count("?") == html.count("?\u2060")


def test_pipe_table_has_header_cells_with_scope() -> None:
    html = str(render_markdown("| Mission | Troops |\n|:--|--:|\n| UNFICYP | 800 |", Notes()))
    assert '<table class="data-table">' in html
    assert '<th scope="col" align="left">Mission</th>' in html
    assert '<td align="right">800</td>' in html


# --- on paper ------------------------------------------------------------------------------

MULTISCRIPT = Path(__file__).parent / "fixtures" / "multiscript"
MAIL = "press-office@example-ministry.gov.az"
WORDY_URL = (
    "https://example.org/internationalisation/counterintelligence-departmentalisation/"
    "extraordinarily"
)
"""Long hyphenatable words: in a narrow column, `hyphens: auto` would make `ht‐tps`."""
QUERY_URL = (
    "https://example.org/courier/flood?utm_source=rss&ref=front_page_very_long_parameter_"
    "valuethatneverbreaksanywhereatallbecauseithasnoseparatorwhatsoever"
)
"""Underscores, `?`, `=`, `&`, and a segment longer than a fact card's line."""
PIPE_TABLE = (
    "| Mission | Years | Troops |\n|:--|--:|--:|\n| UNFICYP (Cyprus) | 1964– | 800 |\n"
    "| UNIFIL (Lebanon) | 1978– | 10,000 |"
)


def edit_briefing(folder: Path, **fields: object) -> None:
    """Set top-level fields of `folder/briefing.yaml`, keeping the rest as written."""
    yaml = YAML()
    path = folder / "briefing.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"))
    data.update(fields)
    with path.open("w", encoding="utf-8") as stream:
        yaml.dump(data, stream)


@pytest.fixture(scope="module")
def linked_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("links") / "links"
    shutil.copytree(MULTISCRIPT, folder)
    prose = (
        f"Extraordinarily long words: see [the explorer]({LONG_URL}), {LONG_URL}/"
        f"internationalisation-and-counterintelligence or write to {MAIL}; {QUERY_URL}."
    )
    edit_briefing(
        folder,
        bottom_line=prose,
        summary=prose,
        background=f"{PIPE_TABLE}\n\n{prose}",
        what_to_watch=[f"Words: {WORDY_URL} and {WORDY_URL}/{WORDY_URL[8:]}"],
    )
    out = tmp_path_factory.mktemp("out")
    audience = load_audience(TEMPLATES, "general")
    outputs = build_briefing(folder, audience, BuildOptions(out=out, templates=TEMPLATES), [])
    return {o.kind: o.path for o in outputs}


def pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("kind", ["brief", "handout"])
def test_addresses_print_whole_and_unhyphenated(linked_build: dict[str, Path], kind: str) -> None:
    """Joined across line ends, every address is intact: not hyphenated (U+2010, soft
    hyphen), not broken after a hyphen (pdftotext would join that away), on both documents."""
    text = pdftotext(linked_build[kind])
    joined = text.replace("\n", "")
    addresses = [LONG_URL, f"{LONG_URL}/internationalisation-and-counterintelligence", MAIL]
    addresses.append(QUERY_URL)
    for address in [*addresses, WORDY_URL]:
        assert address in joined, f"{kind}: {address} is broken or missing"
    whole_on_a_line = sum(line.count(LONG_URL) for line in text.splitlines())
    assert joined.count(LONG_URL) > whole_on_a_line, "the test needs an address that breaks"
    assert "\u00ad" not in text and "\u2060" not in text and "\u200b" not in text


def test_the_brief_prints_a_links_address(linked_build: dict[str, Path]) -> None:
    text = pdftotext(linked_build["brief"]).replace("\n", "")
    assert f"the explorer ({LONG_URL})" in text


def test_the_handout_puts_a_links_address_in_the_notes(linked_build: dict[str, Path]) -> None:
    text = pdftotext(linked_build["handout"])
    notes = text[text.rindex("Notes") :].replace("\n", "")
    assert LONG_URL in notes


def test_pipe_table_prints_as_a_table(linked_build: dict[str, Path]) -> None:
    layout = subprocess.run(
        ["pdftotext", "-layout", str(linked_build["handout"]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "|" not in layout
    rows = [line.split() for line in layout.splitlines() if "UNIFIL" in line or "Troops" in line]
    assert rows[0][-3:] == ["Mission", "Years", "Troops"][-3:] or rows[0][-1] == "Troops"
    assert rows[1][-2:] == ["1978–", "10,000"], rows


@pytest.mark.parametrize("kind", ["brief", "handout"])
def test_no_address_runs_off_its_page(linked_build: dict[str, Path], kind: str) -> None:
    """An address segment longer than its line ran off the page: it must break instead."""
    from briefgen.preflight import preflight, shipped_font_names

    report = preflight(linked_build[kind], shipped_font_names(TEMPLATES))
    assert report.text_outside_or_clipped == 0, report.findings
