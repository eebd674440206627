"""Charts from CSV data, drawn with matplotlib as SVG vectors in the shipped fonts.

Text is drawn as outlines (`svg.fonttype: path`) from the fonts in
`templates/base/fonts`, registered with matplotlib by file. Every family asked for must
resolve to one of those files, or drawing stops: matplotlib would otherwise fall back
to its own DejaVu Sans, and as outlines that would never show up in `pdffonts`. The
glyph check covers the CSV's text, so no character needs a fallback beyond the shipped
families. Charts are cached per data file version, settings and size, since the fit
ladder renders the brief several times.
"""

from __future__ import annotations

import base64
import io
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from briefgen.data import DataSet, parse_number, read_data
from briefgen.errors import BriefgenError
from briefgen.fonts import FontFile, fallback_families, shipped_fonts
from briefgen.schema import Chart

MM_PER_INCH = 25.4
FONT_SIZE_PT = 7.5
ASPECT = 0.46
"""Height over width of the plotting area (the handout's; the brief's is flatter)."""
BAR_LABELS_UP_TO = 16
"""Bars up to this many carry their value at the end, so no one reads numbers off a grid."""
HORIZONTAL_LABEL_CHARS = 9
"""Category names longer than this make a horizontal bar chart, so they stay level."""
SERIES_MIX = (0.0, 0.5, 0.75, 0.3, 0.62, 0.85)
"""Each series' colour: the accent mixed with white by this much, so series stay apart
in grayscale; lines also differ in dash and marker."""
LINE_STYLES = ("-", (0, (4, 1.6)), (0, (1, 1.2)), "-.", (0, (6, 2)), ":")
MARKERS = ("o", "s", "^", "D", "v", "P")


@dataclass(frozen=True)
class ChartStyle:
    """What an audience decides about a chart's look."""

    accent: str
    ink: str
    muted: str
    family: str
    """The audience's heading family; the other shipped families follow as fallbacks."""


_lock = threading.Lock()
_cache: dict[tuple[Any, ...], str] = {}
_registered: set[tuple[FontFile, ...]] = set()


def chart_image(
    chart: Chart,
    size: tuple[float, float],
    style: ChartStyle,
    templates: Path,
    language: str = "en",
) -> str:
    """The chart as a `data:` URI holding an SVG, ready for `<img src>`.

    `size` is the width in mm and the plot's height over width.
    """
    path = Path(chart.data)
    stat = path.stat()
    key = (
        chart.model_dump_json(),
        stat.st_mtime_ns,
        stat.st_size,
        size,
        style,
        templates,
        language,
    )
    with _lock:
        if key not in _cache:
            svg = draw(chart, read_data(path), size[0], style, templates, size[1], language)
            _cache[key] = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
        return _cache[key]


def draw(
    chart: Chart,
    data: DataSet,
    width_mm: float,
    style: ChartStyle,
    templates: Path,
    aspect: float = ASPECT,
    language: str = "en",
) -> bytes:
    """The chart as SVG bytes, deterministic for the same input."""
    import matplotlib as mpl

    families = register_fonts(templates, style.family)
    x_column = chart.x or data.columns[0]
    names = chart.y or [c for c in data.columns if c != x_column]
    series = {name: data.numbers(name, language) for name in names}
    categories = data.cells(x_column)
    settings: dict[str, Any] = {
        "font.family": families,
        "font.size": FONT_SIZE_PT,
        "svg.fonttype": "path",
        "svg.hashsalt": "briefgen",
        "axes.edgecolor": style.muted,
        "axes.labelcolor": style.ink,
        "xtick.color": style.muted,
        "ytick.color": style.muted,
        "xtick.labelcolor": style.ink,
        "ytick.labelcolor": style.ink,
        "text.color": style.ink,
        "axes.unicode_minus": True,
    }
    with mpl.rc_context(settings):  # type: ignore[arg-type]
        columns = legend_columns(list(series), width_mm)
        legend_rows = -(-len(series) // columns) if len(series) > 1 else 0
        figure = _figure(width_mm, aspect, len(categories), chart.kind, categories, legend_rows)
        axes = figure.add_subplot()
        numbers = NumberFormat(language)
        if chart.kind == "bar":
            _bars(axes, categories, series, style, numbers)
        else:
            _lines(axes, categories, series, style, numbers)
        if chart.unit:
            (axes.set_xlabel if _horizontal(chart.kind, categories) else axes.set_ylabel)(
                chart.unit
            )
        if len(series) > 1:  # above the plot, where it never covers data
            axes.legend(
                frameon=False,
                loc="lower left",
                bbox_to_anchor=(0, 1.0),
                ncols=columns,
                handlelength=2.4,
                borderaxespad=0.2,
            )
        figure.tight_layout(pad=0.3)
        out = io.BytesIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


LEGEND_CHAR_MM = 1.6
"""A generous average advance of the legend's type, in mm; plus the key, per entry."""
LEGEND_KEY_MM = 11.0
LEGEND_ROW_MM = 4.2
"""Height each legend row adds above the plot, so the plot keeps its proportions."""


def legend_columns(names: list[str], width_mm: float) -> int:
    """As many legend columns as fit over the plot (about 80% of the chart), at least one.

    matplotlib fills the columns top to bottom, so each is as wide as its longest name.
    """
    for columns in range(len(names), 1, -1):
        per_column = -(-len(names) // columns)
        chunks = [names[i : i + per_column] for i in range(0, len(names), per_column)]
        width = sum(max(len(n) for n in chunk) * LEGEND_CHAR_MM + LEGEND_KEY_MM for chunk in chunks)
        if width <= width_mm * 0.8:
            return columns
    return 1


def register_fonts(templates: Path, family: str) -> list[str]:
    """Register the shipped font files with matplotlib; the families to ask for, in order."""
    from matplotlib import font_manager

    fonts = shipped_fonts(templates)
    if fonts not in _registered:
        for font in fonts:
            font_manager.fontManager.addfont(str(font.path))
        _registered.add(fonts)
    families = fallback_families(family, templates)
    shipped = {font.path.resolve() for font in fonts}
    for name in families:
        found = font_manager.findfont(
            font_manager.FontProperties(family=name), fallback_to_default=False
        )
        if Path(found).resolve() not in shipped:
            raise BriefgenError(
                f'matplotlib finds "{name}" at {found}, not among the shipped fonts; '
                "check the font's family name",
                fonts[0].path.parent,
            )
    return families


def _horizontal(kind: str, categories: list[str]) -> bool:
    return kind == "bar" and max(len(c) for c in categories) > HORIZONTAL_LABEL_CHARS


def _figure(
    width_mm: float, aspect: float, count: int, kind: str, categories: list[str], legend_rows: int
) -> Any:
    from matplotlib.figure import Figure

    width = width_mm / MM_PER_INCH
    height = width * aspect + legend_rows * LEGEND_ROW_MM / MM_PER_INCH
    if _horizontal(kind, categories):
        height = max(height * 0.6, (count * 0.2 + 0.45))  # one line per bar
    return Figure(figsize=(width, height))


def series_colour(style: ChartStyle, index: int) -> str:
    """The accent mixed with white by the series' share, as #rrggbb."""
    mix = SERIES_MIX[index % len(SERIES_MIX)]
    red, green, blue = (int(style.accent[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * mix):02x}" for c in (red, green, blue))


@dataclass(frozen=True)
class NumberFormat:
    """Numbers as the briefing's language writes them (Unicode CLDR, through Babel):
    thousands grouped, no needless decimals, a typographic minus: 1,960 · 12.5 · −3 in
    English, 1 960 · 12,5 in French."""

    language: str = "en"

    def __call__(self, value: float) -> str:
        from babel.numbers import format_decimal

        text = format_decimal(round(value, 2), format="#,##0.##", locale=_locale(self.language))
        return text.replace("-", "\u2212")


@lru_cache(maxsize=32)
def _locale(language: str) -> Any:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(language, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


def _style_axes(axes: Any, value_axis: str, style: ChartStyle, numbers: NumberFormat) -> None:
    from matplotlib.ticker import FuncFormatter

    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.spines["left" if value_axis == "x" else "bottom"].set_color(style.muted)
    axes.grid(axis=value_axis, color="#d5d9de", linewidth=0.5)
    axes.set_axisbelow(True)
    formatter = FuncFormatter(lambda value, _: numbers(value))
    (axes.xaxis if value_axis == "x" else axes.yaxis).set_major_formatter(formatter)
    axes.tick_params(length=2.5, width=0.5)


def _bars(
    axes: Any,
    categories: list[str],
    series: dict[str, list[float | None]],
    style: ChartStyle,
    numbers: NumberFormat,
) -> None:
    horizontal = _horizontal("bar", categories)
    count = len(series)
    width = 0.8 / count
    positions = list(range(len(categories)))
    label_values = len(categories) * count <= BAR_LABELS_UP_TO
    for index, (name, values) in enumerate(series.items()):
        offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
        heights = [v if v is not None else 0.0 for v in values]
        colour = series_colour(style, index)
        draw_bars = axes.barh if horizontal else axes.bar
        bars = draw_bars(
            offsets, heights, width * 0.92, label=name, color=colour, edgecolor=style.ink,
            linewidth=0.4,
        )  # fmt: skip
        if label_values:
            labels = [numbers(v) if v is not None else "" for v in values]
            axes.bar_label(bars, labels=labels, padding=1.5, fontsize=FONT_SIZE_PT - 0.5)
    if horizontal:
        axes.set_yticks(positions, categories)
        axes.invert_yaxis()  # first row on top, as in the table
        _style_axes(axes, "x", style, numbers)
        axes.margins(x=0.08)
    else:
        axes.set_xticks(positions, categories)
        _style_axes(axes, "y", style, numbers)
        axes.margins(y=0.1)


def _lines(
    axes: Any,
    categories: list[str],
    series: dict[str, list[float | None]],
    style: ChartStyle,
    numbers: NumberFormat,
) -> None:
    numeric = [parse_number(c) for c in categories]
    if all(v is not None for v in numeric):
        xs: list[float] = [v for v in numeric if v is not None]
    else:
        xs = [float(i) for i in range(len(categories))]
        axes.set_xticks(xs, categories)
    for index, (name, values) in enumerate(series.items()):
        points = [(x, y) for x, y in zip(xs, values, strict=True) if y is not None]
        axes.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            label=name,
            color=series_colour(style, index) if index else style.accent,
            linestyle=LINE_STYLES[index % len(LINE_STYLES)],
            marker=MARKERS[index % len(MARKERS)],
            markersize=2.6,
            linewidth=1.3,
        )
    _style_axes(axes, "y", style, numbers)
    drawn = [v for column in series.values() for v in column if v is not None]
    if drawn and min(drawn) >= 0:
        axes.set_ylim(bottom=0)  # a share or a count reads against zero
    if all(v is not None for v in numeric):
        from matplotlib.ticker import MaxNLocator

        axes.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
        axes.xaxis.set_major_formatter(_plain_years())


def _plain_years() -> Any:
    """Years print as 2020, not 2,020."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _: f"{value:.0f}" if float(value).is_integer() else "")
