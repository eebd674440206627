"""Stylesheets parsed once per process: counted, and the pages come out as WeasyPrint's own."""

from __future__ import annotations

from pathlib import Path

from briefgen import css_cache
from briefgen.audience import load_audience
from briefgen.page_boxes import page_views
from briefgen.render_html import TemplateRenderer
from briefgen.typeset import lay_out, shared_font_config
from briefgen.validate import load_briefing
from tests.conftest import SEED, TEMPLATES


def test_each_stylesheet_is_parsed_once_and_the_layout_is_unchanged() -> None:
    from weasyprint import HTML

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
