"""SVG images from authors: text checked against the shipped fonts and printed in them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from briefgen.audience import load_audience
from briefgen.build import BuildOptions, build_briefing
from briefgen.errors import BriefgenError
from briefgen.glyphs import check_briefing_glyphs
from briefgen.svg import printed_text, with_font_family
from briefgen.validate import load_briefing
from tests.conftest import TEMPLATES
from tests.test_data import MULTISCRIPT, line_of
from tests.test_fonts import assert_only_shipped_fonts, pdftotext

# As matplotlib and drawing programs write it: a machine font by attribute, by the
# `font` shorthand in a style, and in a style sheet.
CHART_SVG = """<?xml version="1.0" encoding="utf-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120" viewBox="0 0 300 120">
  <style>.axis {{ font-family: 'DejaVu Sans', sans-serif; font-size: 9px }}</style>
  <rect x="20" y="20" width="120" height="60" fill="#1d3f66"/>
  <text x="20" y="100" font-family="DejaVu Sans" font-size="11">Troops {word}</text>
  <text x="160" y="40" style="font: 10px 'DejaVu Sans'; fill: #333">Share ≈ 12%</text>
  <g class="axis"><text x="160" y="70">Axis label</text></g>
</svg>
"""


def briefing_with_svg(folder: Path, word: str = "deployed") -> Path:
    shutil.copytree(MULTISCRIPT, folder)
    (folder / "chart.svg").write_text(CHART_SVG.format(word=word), encoding="utf-8")
    path = folder / "briefing.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + '\nbackground: "A chart:\\n\\n![Troops deployed, 2020](chart.svg)"\n',
        encoding="utf-8",
    )
    return folder


def test_every_font_choice_is_replaced_by_the_shipped_families() -> None:
    rewritten = with_font_family(CHART_SVG.format(word="x").encode(), "Noto Sans,Noto Sans Math")
    assert b"DejaVu" not in rewritten and b"sans-serif" not in rewritten
    assert b'font-family="Noto Sans,Noto Sans Math"' in rewritten
    assert b"font-size: 10px" in rewritten, "the shorthand keeps its size"
    assert printed_text(rewritten) == printed_text(CHART_SVG.format(word="x").encode())


def test_svg_text_prints_in_shipped_fonts(tmp_path: Path) -> None:
    folder = briefing_with_svg(tmp_path / "svg")
    audience = load_audience(TEMPLATES, "general")
    options = BuildOptions(out=tmp_path / "out", templates=TEMPLATES)
    handout = next(
        o.path for o in build_briefing(folder, audience, options, []) if o.kind == "handout"
    )
    assert_only_shipped_fonts(handout)
    text = pdftotext(handout)
    assert "Troops deployed" in text and "Share ≈ 12%" in text


def test_svg_text_the_fonts_lack_is_a_located_error(tmp_path: Path) -> None:
    folder = briefing_with_svg(tmp_path / "svg", word="部隊")
    _, loaded = load_briefing(folder)
    with pytest.raises(BriefgenError) as caught:
        check_briefing_glyphs(loaded, TEMPLATES)
    line = line_of(folder / "briefing.yaml", "background:")
    message = str(caught.value)
    assert f'briefing.yaml:{line}:1: in background: the text of image "chart.svg"' in message
    assert "U+90E8" in message
