"""Charts and CSV tables on paper: drawn from the data, in the shipped fonts only."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from briefgen.audience import load_audience
from briefgen.build import BuildOptions, build_briefing
from briefgen.charts import ChartStyle, draw, register_fonts
from briefgen.data import read_data
from briefgen.errors import BriefgenError
from briefgen.fonts import shipped_fonts
from briefgen.schema import Chart
from tests.conftest import TEMPLATES
from tests.test_data import BAR_CHART, CSV_TABLE, DATA, LINE_CHART, briefing_with_data
from tests.test_fonts import assert_only_shipped_fonts, pdftotext

STYLE = ChartStyle("#1d3f66", "#1b1b1b", "#5b6168", "Noto Sans")


def glyph_fonts(svg: bytes) -> set[str]:
    """The fonts matplotlib drew text from: its glyph outlines are ids `<font>-<code>`."""
    return {
        m.decode() for m in re.findall(rb'<path id="([A-Za-z0-9]+-[A-Za-z0-9]+)-[0-9a-f]+"', svg)
    }


@pytest.mark.parametrize("chart", [BAR_CHART, LINE_CHART])
def test_chart_text_is_drawn_from_shipped_font_files(chart: dict[str, object]) -> None:
    model = Chart.model_validate({**chart, "data": str(DATA / str(chart["data"]))})
    svg = draw(model, read_data(Path(model.data)), 160, STYLE, TEMPLATES)
    assert b"<text" not in svg, "text must be outlines, not left to the PDF renderer"
    shipped = {font.path.stem for font in shipped_fonts(TEMPLATES)}
    used = glyph_fonts(svg)
    assert used and used <= shipped, used - shipped
    if chart is LINE_CHART:  # "≈" in a column name comes from the maths font
        assert "NotoSansMath-Regular" in used


def test_a_family_that_is_not_shipped_is_refused_not_replaced() -> None:
    """matplotlib would quietly draw DejaVu Sans, which as outlines no pdffonts shows."""
    with pytest.raises(BriefgenError, match="not among the shipped fonts"):
        register_fonts(TEMPLATES, "DejaVu Sans")


@pytest.fixture(scope="module")
def data_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = briefing_with_data(
        tmp_path_factory.mktemp("data") / "data",
        figures=[{**BAR_CHART, "brief": True}, LINE_CHART],
        tables=[{**CSV_TABLE, "brief": True}],
    )
    audience = load_audience(TEMPLATES, "general")
    options = BuildOptions(out=tmp_path_factory.mktemp("out"), templates=TEMPLATES)
    return {o.kind: o.path for o in build_briefing(folder, audience, options, [])}


@pytest.mark.parametrize("kind", ["brief", "handout"])
def test_charts_and_tables_print_with_only_shipped_fonts(
    data_build: dict[str, Path], kind: str
) -> None:
    path = data_build[kind]
    assert_only_shipped_fonts(path)
    text = " ".join(pdftotext(path).split())
    assert "Figure 1 Extreme poverty by region, 1990 and 2019" in text
    assert "Table 1 Extreme poverty by region (%)" in text
    assert "Source: ‘A Multiscript Test Article’, 12" in text  # the CSL style's short form
    if kind == "handout":
        assert "Figure 2 World share in extreme poverty" in text
    else:
        assert "World share in extreme poverty" not in text, "not asked for on the brief"


def test_csv_table_prints_its_rows_in_columns(data_build: dict[str, Path]) -> None:
    layout = subprocess.run(
        ["pdftotext", "-layout", str(data_build["handout"]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    row = next(line for line in layout.splitlines() if "Latin America, Caribbean" in line)
    assert row.split()[-2:] == ["15.2", "4.3"]


def test_the_chart_carries_its_alt_text(data_build: dict[str, Path]) -> None:
    html = data_build["handout"].with_suffix(".html").read_text(encoding="utf-8")
    assert f'alt="{BAR_CHART["alt"]}"' in html
    assert html.count('<th scope="col"') >= 3


@pytest.mark.parametrize(
    ("language", "value", "printed"),
    [
        ("en", -1960.5, "\u22121,960.5"),
        ("fr", 1960.5, "1\u202f960,5"),
        ("de", 97.1, "97,1"),
        ("qq", 12.0, "12"),  # a language Babel does not know: English
    ],
)
def test_chart_numbers_are_written_as_the_briefings_language_writes_them(
    language: str, value: float, printed: str
) -> None:
    from briefgen.charts import NumberFormat

    assert NumberFormat(language)(value) == printed
