"""Data files: the CSV behind a `tables:` or `figures:` entry, read and checked.

A problem inside a CSV file is reported at its own line (`poverty.csv:5: …`); a problem
with how the briefing uses it (missing file, unknown column) at the briefing's line.
Each file is read once per version and bounded in size, rows and columns.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from briefgen.errors import BriefgenError, did_you_mean
from briefgen.load import LoadedYaml, Location, file_in_folder, read_text
from briefgen.schema import Briefing, Chart, DataBlock, DataTable

MAX_DATA_BYTES = 1_000_000
MAX_ROWS = 60
"""Rows after the header: more bars or table rows than this no longer read on paper."""
MAX_COLUMNS = 12
MAX_CELL_CHARS = 200
MIN_CHART_ROWS = 1

_MINUS = {"\u2212": "-", "\u2013": "-"}
_IGNORED_IN_NUMBERS = str.maketrans(
    {" ": None, "\u00a0": None, "\u202f": None, "\u2009": None, "'": None, "\u2019": None}
)
"""Spaces and apostrophes that group digits (`1 960`, `1'960`)."""
_SEPARATED = re.compile(r"[+-]?\d[\d.,]*")
"""Digits with commas or points: which one is the decimal mark is for `parse_number`."""
_DECIMAL_AT = re.compile(r"(?<=\d)([.,])(\d{1,2}|\d{4,})$")
"""A lone mark that cannot group digits (not followed by exactly three): a decimal one."""


MAX_MAGNITUDE = 1e15
"""Values a chart can draw: a cell of 1e308 made matplotlib overflow."""


def _shown(cell: str) -> str:
    """A cell as an error message quotes it: on one line, and short."""
    text = " ".join(cell.split())
    return text if len(text) <= 40 else text[:39] + "…"


def _number_text(cell: str) -> str:
    """A cell as a number is read: no grouping spaces or apostrophes, no `%`, an ASCII
    minus."""
    text = cell.strip().translate(_IGNORED_IN_NUMBERS).removesuffix("%")
    for typographic, ascii_minus in _MINUS.items():
        text = text.replace(typographic, ascii_minus)
    return text


def _evident_decimal(cell: str) -> str | None:
    """The decimal mark a number shows by itself: the later of two kinds (`1.960,5`), or
    a lone one that cannot group digits (`97,1`, `0.25`); None for `1,960` or `12`."""
    text = _number_text(cell)
    if not _SEPARATED.fullmatch(text):
        return None
    marks = [char for char in text if char in ".,"]
    if len(set(marks)) == 2:
        return marks[-1] if marks.count(marks[-1]) == 1 else None
    if len(marks) == 1 and _DECIMAL_AT.search(text):
        return marks[0]
    return None


def language_decimal_mark(language: str) -> str:
    """The decimal mark of the briefing's language (`,` in French or German), from the
    Unicode CLDR through Babel; `.` where Babel does not know the language."""
    from babel import Locale, UnknownLocaleError
    from babel.numbers import get_decimal_symbol

    try:
        symbol = get_decimal_symbol(Locale.parse(language, sep="-"))
    except (UnknownLocaleError, ValueError, TypeError):
        return "."
    return "," if symbol == "," else "."


@dataclass(frozen=True)
class DataSet:
    """A CSV file: column names, rows of cells, and each row's line in the file."""

    path: Path
    header_line: int
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]

    def index(self, column: str) -> int:
        return self.columns.index(column)

    def cells(self, column: str) -> list[str]:
        i = self.index(column)
        return [row[i] for row in self.rows]

    def decimal_mark(self, language: str) -> str:
        """The file's decimal mark: the one its cells show (`97,1` can only be a decimal
        comma, `3.25` a decimal point), else its language's, which decides `1,234`.
        Cells showing both are an error at the first that disagrees."""
        seen: dict[str, int] = {}
        for row, line in zip(self.rows, self.lines, strict=True):
            for cell in row:
                mark = _evident_decimal(cell)
                if mark is not None:
                    seen.setdefault(mark, line)
        if len(seen) == 2:
            later = max(seen, key=lambda mark: seen[mark])
            raise BriefgenError(
                f"this file writes decimals both with a point and with a comma (line "
                f"{seen['.' if later == ',' else ',']} and here); use one decimal mark",
                self.path,
                seen[later],
            )
        return next(iter(seen), None) or language_decimal_mark(language)

    def numbers(self, column: str, language: str = "en") -> list[float | None]:
        """The column as numbers (None where a cell is empty); a located error otherwise."""
        values: list[float | None] = []
        mark = self.decimal_mark(language)
        for row, line in zip(self.rows, self.lines, strict=True):
            cell = row[self.index(column)]
            value = parse_number(cell, mark)
            if value is None and cell.strip():
                example = "12,5, 1 960 or 3 %" if mark == "," else "12.5, 1,960 or 3%"
                raise BriefgenError(
                    f'"{_shown(cell)}" in column "{column}" is not a number; write digits such '
                    f"as {example}, or leave the cell empty where the value is missing",
                    self.path,
                    line,
                )
            if value is not None and abs(value) >= MAX_MAGNITUDE:
                raise BriefgenError(
                    f'"{_shown(cell)}" in column "{column}" is too large to draw; write it in '
                    "larger units (millions, billions) and name them in the chart's unit",
                    self.path,
                    line,
                )
            values.append(value)
        return values


def parse_number(cell: str, decimal: str = ".") -> float | None:
    """`1,960`, `12.5%`, `−3` (a typographic minus), with `decimal` `,`: `97,1`, `1.960,5`,
    `1 960` → a number; anything else → None. The other mark groups digits."""
    text = _number_text(cell)
    if _SEPARATED.fullmatch(text):
        grouping = "." if decimal == "," else ","
        if text.count(decimal) > 1:
            return None
        text = text.replace(grouping, "").replace(decimal, ".")
    elif "," in text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def read_data(path: Path) -> DataSet:
    """The CSV at `path`, read once per version of the file."""
    stat = path.stat()
    return _read(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _read(path: Path, _mtime: int, size: int) -> DataSet:
    if size > MAX_DATA_BYTES:
        raise BriefgenError(
            f"the data file is {size:,} bytes, over the limit of {MAX_DATA_BYTES:,}; keep only "
            "the rows and columns the table or chart shows",
            path,
        )
    text = read_text(path, "data file")
    try:
        records = list(_records(text))
    except csv.Error as exc:
        line = getattr(exc, "briefgen_line", None)
        raise BriefgenError(f"not readable as CSV: {exc}", path, line) from None
    if not records:
        raise BriefgenError(
            "the data file is empty; write a header row naming the columns, then the rows",
            path,
            1,
        )
    header_line, header = records[0]
    columns = tuple(" ".join(name.split()) for name in header)
    for number, name in enumerate(columns, start=1):
        if not name:
            raise BriefgenError(
                f"column {number} of the header row has no name; name every column",
                path,
                header_line,
            )
    duplicated = [name for name in columns if columns.count(name) > 1]
    if duplicated:
        raise BriefgenError(
            f'column "{duplicated[0]}" is named twice in the header row; give each its own name',
            path,
            header_line,
        )
    if len(columns) > MAX_COLUMNS:
        raise BriefgenError(
            f"the data has {len(columns)} columns, over the limit of {MAX_COLUMNS}; keep only "
            "those the table or chart shows",
            path,
            header_line,
        )
    rows = records[1:]
    if not rows:
        raise BriefgenError(
            "the data file has a header row but no data rows under it", path, header_line
        )
    if len(rows) > MAX_ROWS:
        raise BriefgenError(
            f"the data has {len(rows)} rows, over the limit of {MAX_ROWS}; a chart or table "
            "with more does not read on paper, so summarise it (e.g. by year or by group)",
            path,
            rows[MAX_ROWS][0],
        )
    for line, cells in rows:
        if len(cells) != len(columns):
            raise BriefgenError(
                f"this row has {len(cells)} cell(s) but the header names {len(columns)} "
                "column(s); add or remove separators (quote a cell that contains one)",
                path,
                line,
            )
        long = next((cell for cell in cells if len(cell) > MAX_CELL_CHARS), None)
        if long is not None:
            raise BriefgenError(
                f"a cell is {len(long):,} characters, over the limit of {MAX_CELL_CHARS}; "
                "shorten it",
                path,
                line,
            )
    return DataSet(
        path,
        header_line,
        columns,
        tuple(tuple(cell.strip() for cell in cells) for _, cells in rows),
        tuple(line for line, _ in rows),
    )


def delimiter_of(text: str) -> str:
    """The cell separator: a comma, or the semicolon or tab of a header row that has no
    comma (what a spreadsheet saves in French, German and other decimal-comma locales)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    for candidate in (";", "\t"):
        if candidate in header and "," not in header:
            return candidate
    return ","


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV records with the line each starts on."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter_of(text), strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # where it went wrong, for the message
            exc.briefgen_line = line  # type: ignore[attr-defined]
            raise
        if any(cell.strip() for cell in cells):
            yield line, cells
        line = reader.line_num + 1


# --- Checking the briefing's use of its data ------------------------------------------------


def data_blocks(briefing: Briefing) -> list[tuple[Location, DataBlock]]:
    blocks: list[tuple[Location, DataBlock]] = []
    blocks += [(("figures", i), chart) for i, chart in enumerate(briefing.figures)]
    blocks += [(("tables", i), table) for i, table in enumerate(briefing.tables)]
    return blocks


def check_data(
    briefing: Briefing, loaded: LoadedYaml, folder: Path
) -> tuple[Briefing, list[BriefgenError]]:
    """Every table's and chart's CSV exists in the folder, reads, and has what is drawn.

    Returns the briefing with each `data` made an absolute path, so rendering reads the
    same file that was checked without knowing the folder.
    """
    errors: list[BriefgenError] = []
    resolved: dict[Location, DataBlock] = {}
    for location, block in data_blocks(briefing):
        path_or_error = data_path(block.data, folder, loaded, (*location, "data"))
        if isinstance(path_or_error, BriefgenError):
            errors.append(path_or_error)
            continue
        try:
            data = read_data(path_or_error)
            if isinstance(block, Chart):
                chart_series(block, data, loaded, location, briefing.language)
            elif isinstance(block, DataTable):
                table_columns(block, data, loaded, location)
        except BriefgenError as exc:
            errors.append(exc)
            continue
        resolved[location] = block.model_copy(update={"data": str(path_or_error)})
    figures = [resolved.get(("figures", i), c) for i, c in enumerate(briefing.figures)]
    tables = [resolved.get(("tables", i), t) for i, t in enumerate(briefing.tables)]
    return briefing.model_copy(update={"figures": figures, "tables": tables}), errors


def data_path(
    name: str, folder: Path, loaded: LoadedYaml, location: Location
) -> Path | BriefgenError:
    path = file_in_folder(name, folder, loaded, location, "data file")
    if isinstance(path, BriefgenError):
        return path
    if path.exists() and not path.is_file():
        return loaded.error(
            location,
            f'"{name}" is not a regular file (a folder, pipe or device); save the data as a '
            "CSV file",
        )
    if not path.is_file():
        present = sorted(p.name for p in folder.glob("*.csv"))
        hint = did_you_mean(name, present) or (
            f" CSV files here: {', '.join(present)}." if present else ""
        )
        return loaded.error(location, f'data file "{name}" not found in {folder.name}/.{hint}')
    return path


def _column(
    data: DataSet, name: str, loaded: LoadedYaml, location: Location
) -> str | BriefgenError:
    if name in data.columns:
        return name
    hint = did_you_mean(name, list(data.columns))
    return loaded.error(
        location,
        f'{data.path.name} has no column "{name}".{hint} Its columns: {", ".join(data.columns)}.',
    )


def chart_series(
    chart: Chart, data: DataSet, loaded: LoadedYaml, location: Location, language: str = "en"
) -> tuple[str, list[str]]:
    """The chart's category column and value columns, every value checked to be a number."""
    x = chart.x or data.columns[0]
    found = _column(data, x, loaded, (*location, "x"))
    if isinstance(found, BriefgenError):
        raise found
    names = chart.y or [c for c in data.columns if c != x]
    if not names:
        separated = "; it looks separated by semicolons: save it with commas" if ";" in x else ""
        raise loaded.error(
            (*location, "data"),
            f"{data.path.name} has only the column {x}; a chart needs a column of numbers "
            f"too{separated}",
        )
    for j, name in enumerate(names):
        column = _column(data, name, loaded, (*location, "y", j) if chart.y else location)
        if isinstance(column, BriefgenError):
            raise column
        data.numbers(name, language)  # raises at the line of the first cell not a number
    if len(data.rows) < MIN_CHART_ROWS:
        raise loaded.error((*location, "data"), f"{data.path.name} has no rows to draw")
    return x, names


def table_columns(
    table: DataTable, data: DataSet, loaded: LoadedYaml, location: Location
) -> list[str]:
    for j, name in enumerate(table.columns):
        column = _column(data, name, loaded, (*location, "columns", j))
        if isinstance(column, BriefgenError):
            raise column
    return table.columns or list(data.columns)


@dataclass(frozen=True)
class TableView:
    """A `tables:` entry as the templates print it."""

    columns: list[str]
    numeric: list[bool]
    """Columns of numbers, set right-aligned."""
    rows: list[list[str]]


def table_view(table: DataTable, language: str = "en") -> TableView:
    """The table's CSV (checked by `check_data`), its chosen columns in order."""
    data = read_data(Path(table.data))
    columns = table.columns or list(data.columns)
    indices = [data.index(name) for name in columns]
    mark = data.decimal_mark(language)
    return TableView(
        columns,
        [is_numeric(data, name, mark) for name in columns],
        [[row[i] for i in indices] for row in data.rows],
    )


NOT_AVAILABLE = {"n/a", "na", "..", "…", "-", "–", "—"}
"""Cells that say a value is missing; a column of numbers with them stays a number column."""


def is_numeric(data: DataSet, column: str, decimal: str = ".") -> bool:
    """Every cell is a number, empty or marked missing: the column is set right-aligned."""
    cells = [cell for cell in data.cells(column) if cell and cell.lower() not in NOT_AVAILABLE]
    return bool(cells) and all(parse_number(cell, decimal) is not None for cell in cells)


def printed_cells(data: DataSet) -> Iterator[tuple[int, str]]:
    """Every cell that can reach the page, with its line in the file."""
    for name in data.columns:
        yield data.header_line, name
    for row, line in zip(data.rows, data.lines, strict=True):
        for cell in row:
            yield line, cell
