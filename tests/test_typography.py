"""Curly quotes in every printed plain string, and no runt at the end of a title."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from briefgen.typography import NBSP, curl_printed, keep_together, no_runt, smart_quotes


@pytest.mark.parametrize(
    ("straight", "curly"),
    [
        ("The author's argument", "The author’s argument"),
        ('He called it "inevitable".', "He called it “inevitable”."),
        (
            "'Scandinavian peacekeepers' were not realistic",
            "‘Scandinavian peacekeepers’ were not realistic",
        ),
        ("the '90s", "the ’90s"),
        ("in '92", "in ’92"),
        ('("quoted")', "(“quoted”)"),
    ],
)
def test_smart_quotes(straight: str, curly: str) -> None:
    assert smart_quotes(straight) == curly


def test_finalize_leaves_made_html_and_addresses_alone() -> None:
    made = Markup('<a href="x">it\'s</a>')
    assert curl_printed(made) == made  # CSS and code travel as Markup too
    assert curl_printed("https://example.org/it's") == "https://example.org/it's"
    assert curl_printed("Armenia's position") == "Armenia’s position"
    assert curl_printed(3.5) == 3.5


def test_no_runt_keeps_the_last_two_words_on_one_line() -> None:
    glued = f'Russian peacekeepers <span class="no-break">in{NBSP}Azerbaijan</span>'
    assert no_runt("Russian peacekeepers in Azerbaijan") == glued
    # No break after the dash either: the span holds the whole pair.
    assert no_runt("Coal's lead in power, 1960–2008").endswith(
        f'<span class="no-break">power,{NBSP}1960–2008</span>'
    )
    assert no_runt("Coal's lead").startswith("Coal’s")  # curled here: finalize skips HTML
    assert no_runt("Two words") == "Two words"  # nothing to keep a word company
    long_pair = "Peace and Internationalisation-of-the-mission Nagorno-Karabakh"
    assert no_runt(long_pair) == long_pair  # a pair too long to move as one
    assert no_runt("<b>a</b> b c") == '&lt;b&gt;a&lt;/b&gt; <span class="no-break">b\u00a0c</span>'


def test_every_printed_label_and_title_has_curly_quotes() -> None:
    """The rendered handout of a briefing with straight quotes in plain fields."""
    import datetime as dt

    from briefgen.audience import load_audience
    from briefgen.render_html import TemplateRenderer
    from briefgen.schema import ArgumentPoint, Briefing, KeyFact, Source, SourceRef
    from tests.conftest import TEMPLATES

    briefing = Briefing(
        title="Armenia's position",
        date=dt.date(2026, 1, 1),
        summary="S",
        key_facts=[KeyFact(figure="'92", label='The "first" time', source=SourceRef())],
        argument=[ArgumentPoint(claim="Moscow's offer")],
        sources=[Source(id="a", title='A "title"')],
    )
    html = TemplateRenderer(load_audience(TEMPLATES, "general")).render("handout", briefing)
    head, body = html.split("<body", 1)
    assert '@top-left { content: "Armenia’s position"; }' in head  # CSS strings intact
    for text in (
        "Armenia’s position",
        "The author’s argument",
        "The “first” time",
        "Moscow’s offer",
    ):
        assert text in body
    assert "&#39;" not in body and "&#34;" not in body  # no escaped straight quote printed


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("et 83,5 % dans", "et 83,5\u00a0% dans"),
        ("(≈ −18 kt CO₂e)", "(≈\u00a0−18\u00a0kt CO₂e)"),
        ("alert ≥ 2.5‰", "alert ≥\u00a02.5‰"),
        ("2 038 400 enfants", "2\u00a0038\u00a0400 enfants"),
        ("In 2023 the 12 members met", "In 2023 the 12 members met"),
    ],
)
def test_a_number_keeps_its_unit_and_sign_on_its_line(text: str, kept: str) -> None:
    """The red team saw "83,5 / %" and "(≈ / −18 kt" split over two lines."""
    assert keep_together(text) == kept


def test_prose_and_plain_fields_both_keep_numbers_together() -> None:
    from html import unescape

    from briefgen.markup import render_markdown

    assert "83,5\u00a0%" in unescape(str(render_markdown("soit 83,5 % des enfants")))
    assert "83,5\u00a0%" in str(curl_printed("soit 83,5 % des enfants"))
    assert "<code>12 %</code>" in str(render_markdown("code `12 %` stays as typed"))
