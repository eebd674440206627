"""Stylesheets parsed once per process: counted, and the pages come out as WeasyPrint's own."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from weasyprint import HTML

from briefgen import css_cache
from briefgen.audience import load_audience
from briefgen.page_boxes import page_views
from briefgen.render_html import TemplateRenderer
from briefgen.typeset import ResourceLog, lay_out, make_fetcher, pdf_bytes, shared_font_config
from briefgen.validate import load_briefing
from tests.conftest import SEED, TEMPLATES


def test_each_stylesheet_is_parsed_once_and_the_layout_is_unchanged() -> None:
    briefing, _ = load_briefing(SEED)
    renderer = TemplateRenderer(load_audience(TEMPLATES, "press"))
    html = renderer.render("brief", briefing)
    sheets = html.count('rel="stylesheet"') + html.count("<style")
    before = css_cache.parses
    first = lay_out(html, SEED, [TEMPLATES, SEED])
    assert css_cache.parses - before <= sheets  # none parsed twice in one document
    again = css_cache.parses
    for _ in range(3):
        lay_out(html, SEED, [TEMPLATES, SEED])
    assert css_cache.parses == again, "a stylesheet seen before was parsed again"
    own = HTML(string=html, base_url=str(SEED)).render(font_config=shared_font_config())

    def placed(document: object) -> list[tuple[str | None, int, int]]:
        return [
            (ink.text, round(ink.rect.x), round(ink.rect.y))
            for view in page_views(document)
            for ink in view.inks
        ]

    assert placed(first.document) == placed(own)


def test_a_refused_resource_in_a_cached_stylesheet_is_refused_every_time(tmp_path: Path) -> None:
    sheet = tmp_path / "style.css"
    sheet.write_text('body { background: url("https://example.org/x.png"); }')
    html = (
        f'<html><head><link rel="stylesheet" href="{sheet.as_uri()}"></head><body>x</body></html>'
    )
    for _ in range(2):
        laid_out = lay_out(html, tmp_path, [tmp_path])
        assert laid_out.log.refused == ["https://example.org/x.png"]


def printed_text(html: str, folder: Path, own: bool = False) -> str:
    """The PDF's text, laid out by briefgen or, with `own`, by WeasyPrint alone."""
    from pypdf import PdfReader

    if own:
        data = HTML(string=html, base_url=str(folder)).write_pdf()
    else:
        data = pdf_bytes(lay_out(html, folder, [folder]), html)
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


TRICKY = {
    # A `style` attribute's !important outranks a stylesheet's.
    "important": ([(".x { display: none !important; }", "")], 'style="display: block !important"'),
    # WeasyPrint ranks an ID selector against a `style` attribute by specificity.
    "id": ([("#x { display: none; }", "")], 'id="x" style="display: block"'),
    # Layer order is the document's, across its sheets.
    "layer": (
        [
            ("@layer b, a;", ""),
            ("@layer a { .x { display: none } } @layer b { .x { display: block } }", ""),
        ],
        "",
    ),
    # A sheet WeasyPrint judges by its media keeps its place in the order.
    "media": ([(".x { display: none; }", "print, screen"), (".x { display: block; }", "")], ""),
    "counter-style": (
        [("@counter-style q { system: alphabetic; symbols: Q R; suffix: ') '; }", "")],
        'style="display: list-item; list-style: q inside"',
    ),
}


@pytest.mark.parametrize("case", sorted(TRICKY))
def test_stylesheets_cascade_as_weasyprints_own(case: str, tmp_path: Path) -> None:
    sheets, attributes = TRICKY[case]
    links = []
    for i, (css, media) in enumerate(sheets):
        (tmp_path / f"{i}.css").write_text(css, encoding="utf-8")
        links.append(f'<link rel="stylesheet" href="{i}.css" media="{media or "all"}">')
    html = (
        f'<html lang="en"><head>{"".join(links)}</head>'
        f'<body><p>Always</p><p class="x" {attributes}>Sometimes</p></body></html>'
    )
    expected = printed_text(html, tmp_path, own=True)
    for _ in range(2):  # parsed, then from memory
        assert printed_text(html, tmp_path) == expected


def test_the_shipped_stylesheets_are_handed_over_ready_made() -> None:
    briefing, _ = load_briefing(SEED)
    for name in ("general", "ministers", "press"):
        renderer = TemplateRenderer(load_audience(TEMPLATES, name))
        for kind in ("brief", "handout"):
            html = renderer.render(kind, briefing)
            source = HTML(string=html, base_url=str(SEED))
            sheets = css_cache.take_stylesheets(
                source, lambda log: make_fetcher([TEMPLATES, SEED], log), ResourceLog()
            )
            assert len(sheets) == html.count('rel="stylesheet"') + html.count("<style")
            assert not [e for e in source.etree_element.iter() if e.tag in ("link", "style")]
