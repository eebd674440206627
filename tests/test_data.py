"""CSV data for tables and charts: read, checked, and every problem one located line."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from briefgen.data import MAX_ROWS, parse_number
from briefgen.errors import BriefgenError
from briefgen.validate import load_briefing
from tests.conftest import run_cli

FIXTURES = Path(__file__).parent / "fixtures"
MULTISCRIPT = FIXTURES / "multiscript"
DATA = FIXTURES / "data"

BAR_CHART: dict[str, Any] = {
    "kind": "bar",
    "data": "poverty.csv",
    "title": "Extreme poverty by region, 1990 and 2019",
    "alt": "Bars show extreme poverty falling in every region between 1990 and 2019.",
    "source": {"locator": {"page": "12"}},
    "unit": "% of population",
}
LINE_CHART: dict[str, Any] = {
    "kind": "line",
    "data": "trend.csv",
    "title": "World share in extreme poverty",
    "alt": "The world share falls from 37.8% in 1990 to 8.4% in 2019.",
    "source": {},
    "unit": "%",
}
CSV_TABLE: dict[str, Any] = {
    "data": "poverty.csv",
    "title": "Extreme poverty by region (%)",
    "source": {"locator": {"page": "12"}},
}


def briefing_with_data(folder: Path, **fields: Any) -> Path:
    """The multiscript fixture plus the test CSVs, with `fields` set in briefing.yaml."""
    shutil.copytree(MULTISCRIPT, folder)
    for csv in DATA.glob("*.csv"):
        shutil.copy(csv, folder)
    yaml = YAML()
    path = folder / "briefing.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"))
    data.update(fields)
    with path.open("w", encoding="utf-8") as stream:
        yaml.dump(data, stream)
    return folder


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


def problem(folder: Path) -> str:
    with pytest.raises(BriefgenError) as caught:
        load_briefing(folder)
    return str(caught.value)


@pytest.mark.parametrize(
    ("cell", "value"),
    [("1,960", 1960.0), ("12.5%", 12.5), ("\u22123", -3.0), (" 7 ", 7.0), ("", None)],
)
def test_numbers_are_read_as_printed(cell: str, value: float | None) -> None:
    assert parse_number(cell) == value


@pytest.mark.parametrize("cell", ["n/a", "about 5", "nan", "inf", "1.2.3"])
def test_words_are_not_numbers(cell: str) -> None:
    assert parse_number(cell) is None


@pytest.mark.parametrize(
    ("cell", "value"),
    [("97,1", 97.1), ("1.960,5", 1960.5), ("2 038 400", 2038400.0), ("1,234", 1.234), ("3", 3.0)],
)
def test_a_decimal_comma_is_read_as_one(cell: str, value: float) -> None:
    assert parse_number(cell, ",") == value


@pytest.mark.parametrize(
    ("rows", "language", "values"),
    [
        # A French file: "97,1" can only be a decimal comma, so "1,234" is one too.
        ('A,"97,1"\nB,"1,234"\n', "en", [97.1, 1.234]),
        # No cell shows its mark: the briefing's language decides.
        ('A,"1,234"\nB,12\n', "fr", [1.234, 12.0]),
        ('A,"1,234"\nB,12\n', "en", [1234.0, 12.0]),
        ("A,1.234\nB,12\n", "de", [1234.0, 12.0]),
        ('A,0.25\nB,"1,960"\n', "fr", [0.25, 1960.0]),
    ],
)
def test_a_files_decimal_mark_is_the_one_its_cells_show(
    tmp_path: Path, rows: str, language: str, values: list[float]
) -> None:
    """A French CSV's "97,1" was read as 971: a chart drew bars ten times too tall."""
    from briefgen.data import read_data

    path = tmp_path / "values.csv"
    path.write_text("Region,Share\n" + rows, encoding="utf-8")
    assert read_data(path).numbers("Share", language) == pytest.approx(values)


def test_a_file_with_both_decimal_marks_is_refused_at_the_second(tmp_path: Path) -> None:
    from briefgen.data import read_data

    path = tmp_path / "values.csv"
    path.write_text('Region,Share\nA,"97,1"\nB,3.25\n', encoding="utf-8")
    with pytest.raises(BriefgenError) as caught:
        read_data(path).numbers("Share")
    assert caught.value.line == 3 and "both with a point and with a comma" in str(caught.value)


def test_valid_charts_and_tables_pass_and_point_at_their_files(tmp_path: Path) -> None:
    folder = briefing_with_data(tmp_path / "b", figures=[BAR_CHART, LINE_CHART], tables=[CSV_TABLE])
    briefing, _ = load_briefing(folder)
    assert Path(briefing.figures[0].data) == (folder / "poverty.csv").resolve()
    assert Path(briefing.tables[0].data).is_absolute()


def test_a_missing_csv_is_located_at_its_data_key(tmp_path: Path) -> None:
    folder = briefing_with_data(tmp_path / "b", figures=[{**BAR_CHART, "data": "povrty.csv"}])
    message = problem(folder)
    line = line_of(folder / "briefing.yaml", "data: povrty.csv")
    assert f"briefing.yaml:{line}:" in message
    assert 'data file "povrty.csv" not found' in message and 'Did you mean "poverty.csv"' in message


def test_a_chart_without_alt_text_is_refused(tmp_path: Path) -> None:
    chart = {k: v for k, v in BAR_CHART.items() if k != "alt"}
    folder = briefing_with_data(tmp_path / "b", figures=[chart])
    assert '"alt" is required' in problem(folder)


def test_a_missing_column_is_located_at_the_name(tmp_path: Path) -> None:
    folder = briefing_with_data(tmp_path / "b", figures=[{**BAR_CHART, "y": ["1990", "2091"]}])
    message = problem(folder)
    assert 'poverty.csv has no column "2091". Did you mean "2019"?' in message
    line = line_of(folder / "briefing.yaml", "'2091'")
    assert f"briefing.yaml:{line}:" in message


def test_a_word_among_the_numbers_is_located_in_the_csv(tmp_path: Path) -> None:
    folder = briefing_with_data(tmp_path / "b", figures=[BAR_CHART])
    csv = folder / "poverty.csv"
    csv.write_text(csv.read_text().replace("49.1", "n/a"), encoding="utf-8")
    message = problem(folder)
    assert f"poverty.csv:{line_of(csv, 'n/a')}: " in message
    assert '"n/a" in column "1990" is not a number' in message


@pytest.mark.parametrize(
    ("content", "line", "expected"),
    [
        ("", 1, "the data file is empty"),
        ("Region,1990\n", 1, "no data rows"),
        ("Region,1990\nA,1\nB,2,3\n", 3, "this row has 3 cell(s) but the header names 2"),
        ("Region,,x\nA,1,2\n", 1, "column 2 of the header row has no name"),
        ("Region,a,a\nA,1,2\n", 1, 'column "a" is named twice'),
        ('Region,1990\n"A,1\n', 2, "not readable as CSV"),
        ("x,y\n" + "a,1\n" * (MAX_ROWS + 5), MAX_ROWS + 2, f"over the limit of {MAX_ROWS}"),
    ],
)
def test_a_malformed_csv_gives_one_located_line(
    tmp_path: Path, content: str, line: int | None, expected: str
) -> None:
    folder = briefing_with_data(tmp_path / "b", tables=[CSV_TABLE])
    (folder / "poverty.csv").write_text(content, encoding="utf-8")
    message = problem(folder)
    assert len(message.splitlines()) == 1, message
    assert expected in message
    where = f"poverty.csv:{line}: " if line else "poverty.csv: "
    assert where in message, message


def test_check_reports_a_bad_csv_without_a_traceback(tmp_path: Path) -> None:
    folder = briefing_with_data(tmp_path / "b", figures=[LINE_CHART])
    csv = folder / "trend.csv"
    csv.write_text(csv.read_text().replace("29.1", "twenty-nine"), encoding="utf-8")
    result = run_cli("check", str(folder))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"trend.csv:{line_of(csv, 'twenty-nine')}: " in result.output


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_semicolon_or_tab_separated_file_is_read(tmp_path: Path, separator: str) -> None:
    """What a spreadsheet saves in a decimal-comma locale: `Centre;97,1`."""
    from briefgen.data import read_data

    path = tmp_path / "values.csv"
    path.write_text(f"Region{separator}Share\nCentre{separator}97,1\nSud{separator}3\n")
    data = read_data(path)
    assert data.columns == ("Region", "Share")
    assert data.numbers("Share", "fr") == [97.1, 3.0]


@pytest.mark.parametrize(
    ("content", "line", "expected"),
    [
        ('a,b\nx,"' + "y" * 140_000 + '"\n', 2, "field larger than field limit"),
        ('a,b\nx,"12\n34 and more"\n', 2, '"12 34 and more" in column "b" is not a number'),
        ("a,b\nx,1e308\n", 2, '"1e308" in column "b" is too large to draw'),
    ],
)
def test_a_bad_cell_is_one_located_line(
    tmp_path: Path, content: str, line: int, expected: str
) -> None:
    """A cell's line break broke the message in two; an oversized cell had no line; a
    cell of 1e308 passed the check and made matplotlib overflow."""
    from briefgen.data import read_data

    path = tmp_path / "values.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BriefgenError) as caught:
        read_data(path).numbers("b")
    assert caught.value.line == line and expected in caught.value.message
    assert "\n" not in str(caught.value)
