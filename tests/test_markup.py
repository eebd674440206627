"""Markdown to HTML: nothing outside the allow-list survives, whatever briefgen adds later.

Every Markdown construct the renderer enables is fed `<`, `>`, `"` and `&` in every
position it allows, alone and through every prose field of both documents.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from briefgen.audience import load_audience
from briefgen.documents import DOCUMENT_KINDS
from briefgen.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, Notes, plain_text, render_markdown
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
        if tag not in ALLOWED_TAGS or (name is not None and name not in allowed_attributes[tag])
    ]


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
