"""The one-page brief: which items each document prints, and how the brief gets onto its page.

**Selection.** Every list item (fact, claim, sub-point, quote, timeline event, glossary
entry, what-to-watch item, question) can be tailored with `only_for`, `hide_for` and `in`
and ranked with `priority`. `select` gives a document the items it prints, each stamped
with its `ItemId`, which templates print as `data-item` so the fit can find it on the page.

**Fit.** One measuring layout (a page as tall as the content, at the natural size, with
every key fact both in the band and in the sidebar) gives the height of each region and
item. From it comes a ladder of rungs, fewest drops first and then the largest type: the
facts placed to balance the columns, tighter spacing, smaller type; then one low-priority
item of whichever column overflows dropped (last first), and the natural size, tighter
spacing and smaller type again, and so on. A model predicts the first rung that fits; a
real layout confirms it, and the rungs before it that the model puts within CHECK_MARGIN
of fitting are laid out too, unless the measure of the layout that fitted, a step or two
away, shows them overflowing (NEARBY_MARGIN). `linear_fit` climbs the same ladder one
layout per rung: the tests' oracle.

**Nothing cut.** The text of the rendered HTML is compared with the text WeasyPrint laid
out and a reader can see: not hidden, not clipped, on the page, not in the background
colour, not running out of its box.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefgen.documents import DocumentKind
from briefgen.errors import BriefgenError
from briefgen.page_boxes import RGBA, Fragment, Ink, Line, PageView, Rect, page_views, root_element
from briefgen.schema import ArgumentPoint, Briefing, KeyFact, Tailored

if TYPE_CHECKING:
    from briefgen.audience import Audience
    from briefgen.load import LoadedYaml

TIGHT_SPACING = 0.8
SIZE_STEP_PT = 0.25
PX_PER_MM = 96 / 25.4
TALL_PAGE = "3000mm"
"""The measuring page's height: taller than any brief, so nothing paginates."""
PAGE_WIDTHS = {"A4": "210mm", "Letter": "8.5in"}
PAGE_HEIGHTS_MM = {"A4": 297.0, "Letter": 279.4}
PRIORITY_ORDER = {"high": 0, "normal": 1, "low": 2}

# The model: each paragraph rewraps at a new size (its text gets narrower with the type,
# its lines shorter), and what is not lines (margins, padding, rules) follows the size
# by this power, less a share when the spacing is tightened. The band, cards in a grid,
# simply follows the size. Measured on the seed and the generated corpus of
# tests/fit_corpus.py; the confirming layout corrects what the model misses.
GAP_EXPONENT = 1.0
TIGHT_GAP_SAVING = 0.16
BAND_EXPONENT = 1.0
FIT_TOLERANCE = 0.5
"""Pixels a predicted height may exceed the page by and still be predicted to fit."""
CHECK_MARGIN = 0.035
"""A fitting rung is final unless an earlier rung is predicted (corrected by the layouts
seen) to overflow by less than this share of the page: then that one is laid out too. The
model errs by under 2.1% of the page on 90% of rungs, by up to 8% where the layout changes
shape (a chart moves, a list rebalances its columns); 2% let the generated corpus pick
later rungs than the oracle with the model before this one."""
NEARBY_MARGIN = 0.02
"""A rung that a fitted layout of the same items predicts to overflow by more than this
share of the page is not laid out. Predicted from one to three steps away, the model
overshoots by 1% on average (up to 3.7%) on the seed, the content folder, the test corpus
and the generated corpus; at 2% it ruled out no rung there that fits."""
CHART_SCALES = (0.9, 0.8, 0.7)
"""Heights, as shares of its natural one, at which a chart the ladder dropped is tried
again in the room its drop left, tallest first. Flatter, its legend and labels (which
keep their size) crowd out the plot, and a 60% chart showed two ticks and flat lines:
it stays dropped."""
MAX_REGROW_LAYOUTS = 3
"""Layouts spent putting dropped charts back, flatter."""
MAX_GUIDED_LAYOUTS = 6
"""Layouts the model may guide the search through. Past them the model is far off (a
timeline that changes its layout as events drop, say) and each further layout only rules
out the rungs at least as large as its own: the ladder is halved instead (`Search.bisect`),
so a brief with hundreds of droppable items costs tens of layouts, not thousands."""


# --- items and their ids ------------------------------------------------------------------


class ItemKind(StrEnum):
    FACT = "fact"
    CLAIM = "claim"
    SUB_POINT = "point"
    QUOTE = "quote"
    EVENT = "event"
    TERM = "term"
    WATCH = "watch"
    QUESTION = "question"
    RECOMMENDATION = "recommendation"
    IMPLICATION = "implication"
    FIGURE = "figure"
    TABLE = "table"


LISTS: dict[str, ItemKind] = {
    "key_facts": ItemKind.FACT,
    "argument": ItemKind.CLAIM,
    "quotes": ItemKind.QUOTE,
    "timeline": ItemKind.EVENT,
    "glossary": ItemKind.TERM,
    "what_to_watch": ItemKind.WATCH,
    "questions": ItemKind.QUESTION,
    "recommendations": ItemKind.RECOMMENDATION,
    "implications": ItemKind.IMPLICATION,
    "figures": ItemKind.FIGURE,
    "tables": ItemKind.TABLE,
}
"""Every tailorable list of a briefing, by field name."""

BRIEF_OPT_IN = ("figures", "tables")
"""Lists whose items print on the brief only with `brief: true`."""

NOUNS = {
    ItemKind.FACT: "fact",
    ItemKind.CLAIM: "argument point",
    ItemKind.SUB_POINT: "sub-point",
    ItemKind.QUOTE: "quote",
    ItemKind.EVENT: "timeline event",
    ItemKind.TERM: "glossary entry",
    ItemKind.WATCH: "what-to-watch item",
    ItemKind.QUESTION: "question",
    ItemKind.RECOMMENDATION: "recommendation",
    ItemKind.IMPLICATION: "implication",
    ItemKind.FIGURE: "chart",
    ItemKind.TABLE: "table",
}


@dataclass(frozen=True, order=True)
class ItemId:
    """An item by its place in the briefing's own lists (not in an audience's view)."""

    kind: ItemKind
    index: int
    sub: int = -1
    """For a sub-point: its place under claim `index`."""

    def __str__(self) -> str:
        return f"{self.kind}-{self.index}" + (f"-{self.sub}" if self.sub >= 0 else "")

    @classmethod
    def parse(cls, text: str) -> ItemId | None:
        match = re.fullmatch(r"([a-z_]+)-(\d+)(?:-(\d+))?", text or "")
        if not match or match[1] not in {kind.value for kind in ItemKind}:
            return None
        return cls(ItemKind(match[1]), int(match[2]), int(match[3]) if match[3] else -1)

    def describe(self, briefing: Briefing) -> str:
        """A name for the summary table, e.g. `fact "2012"` or `sub-point 1.5`."""
        if self.kind is ItemKind.FACT:
            return f'fact "{briefing.key_facts[self.index].figure}"'
        if self.kind is ItemKind.TERM:
            return f'glossary entry "{briefing.glossary[self.index].term}"'
        if self.kind is ItemKind.EVENT:
            return f'timeline event "{briefing.timeline[self.index].when}"'
        if self.kind in (ItemKind.FIGURE, ItemKind.TABLE):
            block = (briefing.figures if self.kind is ItemKind.FIGURE else briefing.tables)[
                self.index
            ]
            return f'{NOUNS[self.kind]} "{block.title}"'
        if self.kind is ItemKind.SUB_POINT:
            return f"sub-point {self.index + 1}.{self.sub + 1}"
        return f"{NOUNS[self.kind]} {self.index + 1}"


def stamp_ids(briefing: Briefing) -> None:
    """Give every item of `briefing` its id (idempotent: an item's id never changes)."""
    for name, kind in LISTS.items():
        for index, item in enumerate(getattr(briefing, name)):
            item._item_id = str(ItemId(kind, index))
            if isinstance(item, ArgumentPoint):
                for sub, point in enumerate(item.points):
                    point._item_id = str(ItemId(ItemKind.SUB_POINT, index, sub))


def id_of(item: Tailored) -> ItemId:
    found = ItemId.parse(item.item_id)
    assert found is not None, "select() stamps every item before it is used"
    return found


# --- what each document prints ------------------------------------------------------------


@dataclass(frozen=True)
class Rung:
    """How the brief is set: one step of the fit ladder."""

    body_size_pt: float
    spacing: float = 1.0
    band: int = 0
    """How many key facts sit in the band under the bottom line; the rest go in the sidebar."""
    dropped: frozenset[ItemId] = frozenset()
    tall: bool = False
    """A page as tall as any content, so the measuring layout never paginates."""
    facts_twice: bool = False
    """Every fact both in the band and in the sidebar, to measure both placements at once."""
    chart_scale: float = 1.0
    """How tall the brief's charts are drawn, as a share of their natural height: a chart
    the ladder dropped comes back flatter where the room it left allows (`CHART_SCALES`)."""

    def page_size(self, size: str) -> str:
        return f"{PAGE_WIDTHS[size]} {TALL_PAGE}" if self.tall else size


@dataclass(frozen=True)
class Selection:
    """What one document prints, with the brief's facts split between band and sidebar."""

    briefing: Briefing
    band_facts: list[KeyFact]
    side_facts: list[KeyFact]


def _printed(items: Iterable[Any], audience: str, kind: DocumentKind) -> list[Any]:
    return [item for item in items if item.printed_in(audience, kind)]


def for_document(briefing: Briefing, audience: str, kind: DocumentKind) -> Briefing:
    """The briefing with every item this audience's document does not print removed."""
    stamp_ids(briefing)
    update: dict[str, Any] = {
        name: _printed(getattr(briefing, name), audience, kind) for name in LISTS
    }
    update["argument"] = [
        point.model_copy(update={"points": _printed(point.points, audience, kind)})
        for point in update["argument"]
    ]
    return briefing.model_copy(update=update)


def chosen_facts(shown: Briefing, audience: Audience) -> list[KeyFact]:
    """The audience's `max_facts` facts by priority, in their original order."""
    ranked = sorted(
        range(len(shown.key_facts)),
        key=lambda i: (PRIORITY_ORDER[shown.key_facts[i].priority], i),
    )
    return [shown.key_facts[i] for i in sorted(ranked[: audience.config.brief.max_facts])]


def select(
    briefing: Briefing, audience: Audience, kind: DocumentKind, rung: Rung | None = None
) -> Selection:
    """The items `kind` prints for `audience`; for the brief, at `rung` of the fit ladder."""
    shown = for_document(briefing, audience.name, kind)
    if kind == "handout":
        return Selection(shown, [], list(shown.key_facts))
    rung = rung or Rung(audience.config.brief.body_size_pt)
    dropped = rung.dropped
    depth = audience.config.brief.argument_depth

    def kept(items: Iterable[Any]) -> list[Any]:
        return [item for item in items if id_of(item) not in dropped]

    facts = kept(chosen_facts(shown, audience))
    argument = [
        point.model_copy(update={"points": kept(point.points) if depth == 2 else []})
        for point in kept(shown.argument)
    ]
    update: dict[str, Any] = {name: kept(getattr(shown, name)) for name in LISTS}
    # Charts and CSV tables print on the brief only when they ask to (`brief: true`).
    for name in BRIEF_OPT_IN:
        update[name] = [block for block in update[name] if block.brief]
    update.update(key_facts=facts, argument=argument)
    if rung.facts_twice:
        return Selection(shown.model_copy(update=update), facts, facts)
    band = min(rung.band, len(facts))
    return Selection(shown.model_copy(update=update), facts[:band], facts[band:])


# --- the ladder -------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What the ladder may do for one brief, from the audience's settings and the content."""

    body_size_pt: float
    min_body_size_pt: float
    default_band: int
    band_choices: tuple[int, ...]
    droppable: tuple[ItemId, ...]
    """Low-priority items the brief prints, in document order."""
    fact_order: tuple[ItemId, ...]
    """The brief's facts in print order; the band takes the first ones."""


def make_plan(briefing: Briefing, audience: Audience) -> Plan:
    settings = audience.config.brief
    shown = for_document(briefing, audience.name, "brief")
    facts = chosen_facts(shown, audience)
    columns = settings.band_columns
    choices = {0} | {min(len(facts), k * columns) for k in range(1, len(facts) // columns + 1)}
    if 0 < len(facts) < columns:
        choices.add(len(facts))
    default = max((c for c in choices if c <= settings.facts_in_band), default=0)
    droppable: list[ItemId] = [id_of(f) for f in facts if f.priority == "low"]
    for point in shown.argument:
        if point.priority == "low":
            droppable.append(id_of(point))
        if settings.argument_depth == 2:
            droppable += [id_of(p) for p in point.points if p.priority == "low"]
    shown_lists = {
        "implications": settings.show_recommendations,
        "recommendations": settings.show_recommendations,
        "quotes": settings.show_quotes,
        "what_to_watch": settings.show_what_to_watch,
        "glossary": settings.show_glossary,
        "timeline": settings.show_timeline,
    }
    for name, on_brief in shown_lists.items():
        if on_brief:
            droppable += [id_of(i) for i in getattr(shown, name) if i.priority == "low"]
    for name in BRIEF_OPT_IN:
        droppable += [id_of(b) for b in getattr(shown, name) if b.brief and b.priority == "low"]
    return Plan(
        settings.body_size_pt,
        settings.min_body_size_pt,
        default,
        tuple(sorted(choices)),
        tuple(droppable),
        tuple(id_of(f) for f in facts),
    )


FACTS_SECTION = ItemId(ItemKind.FACT, -1)
"""The sidebar's key-facts heading and gaps: gone when no fact is left in the sidebar."""


@dataclass(frozen=True)
class Paragraph:
    """The lines of one block of text as laid out at the size measured."""

    lines: int
    line_height: float
    text_width: float
    """The width of all its text set on one line."""
    width: float
    """The width it is set in."""
    last_line: float
    line_widths: tuple[float, ...] = ()
    """Each line's used width, first to last."""
    word_widths: tuple[float, ...] = ()
    """Each line's mean word width (space included)."""

    @property
    def fill(self) -> float:
        """How full its full lines are, on average: the text wraps at this share."""
        if self.lines == 1:
            return 1.0
        full = (self.text_width - self.last_line) / ((self.lines - 1) * self.width)
        return min(1.0, max(0.5, full))

    def lines_at(self, scale: float) -> int:
        """How many lines it takes with the type `scale` times the size measured."""
        if scale > 1:
            return self._grown_lines(scale)
        if scale == 1 or self.lines == 1:
            return self.lines
        # Full lines are as full as they were; the last line may fill the whole width.
        overflow = self.text_width * scale - self.width
        needed = 1 + math.ceil(overflow / (self.width * self.fill) - 1e-6)
        return min(self.lines, max(1, needed))

    def _grown_lines(self, scale: float) -> int:
        """Larger type, line by line: a line whose text no longer fits passes its last
        words on to the next line, and what the last line cannot hold makes new lines."""
        if not self.line_widths:
            return self.lines
        carried = 0.0
        for used, word in zip(self.line_widths[:-1], self.word_widths, strict=False):
            width = used * scale + carried
            overflow = width - self.width
            carried = math.ceil(overflow / (word * scale)) * word * scale if overflow > 0 else 0.0
        last = self.line_widths[-1] * scale + carried
        if last <= self.width:
            return self.lines
        return self.lines + math.ceil((last - self.width) / (self.width * self.fill))


@dataclass(frozen=True)
class Piece:
    """Part of a region: an item's own lines and gaps, or what no item holds."""

    item: ItemId | None
    parent: ItemId | None
    gap: float
    """Height that is not lines: margins, padding, rules, images."""
    paragraphs: tuple[Paragraph, ...]
    fixed: float = 0.0
    """The part of `gap` that keeps its size: images and charts."""

    def lines_height(self, scale: float) -> float:
        return sum(p.lines_at(scale) * p.line_height for p in self.paragraphs) * scale

    def height(self, scale: float, gap_scale: float, image_scale: float = 1.0) -> float:
        fixed = self.fixed * image_scale
        return (self.gap - self.fixed) * gap_scale + fixed + self.lines_height(scale)


@dataclass(frozen=True)
class Measure:
    """Heights (CSS px) read from the measuring layout, at the natural size and spacing."""

    available: float
    regions: dict[str, tuple[Piece, ...]]
    """`top` (above band and columns), `main`, `side` (every fact in it) and `bottom`."""
    band_cards: dict[ItemId, float]
    band_overhead: float
    band_gap: float
    band_columns: int
    items: dict[ItemId, tuple[str, float]]
    """Region and height of every item in the columns."""
    stacking: dict[str, float] = field(default_factory=dict)
    """Per region, the share of its items' summed height it takes (`_stacking`)."""
    size: float | None = None
    """The body size of the layout measured; None: the brief's natural size."""
    spacing: float = 1.0
    """The spacing of the layout measured."""
    chart_scale: float = 1.0
    """The charts' height in the layout measured (`Rung.chart_scale`)."""

    def gap_scale(self, rung: Rung, scale: float) -> float:
        """What gaps are multiplied by at `rung`, the type `scale` times the size measured."""
        grown: float = scale**GAP_EXPONENT
        return grown * _spacing_factor(rung.spacing) / _spacing_factor(self.spacing)

    def region_height(self, region: str, rung: Rung, natural: float, removed: set[ItemId]) -> float:
        scale = rung.body_size_pt / natural
        gap_scale = self.gap_scale(rung, scale)
        stacking = self.stacking.get(region, 1.0)
        charts = rung.chart_scale / self.chart_scale
        height = 0.0
        for piece in self.regions.get(region, ()):
            if piece.item in removed or piece.parent in removed:
                continue
            if piece.item is None:
                # The region's own gaps are around its items, whatever their columns.
                lines = piece.lines_height(scale)
                height += piece.height(scale, gap_scale) + (stacking - 1) * lines
            else:
                image = charts if piece.item.kind is ItemKind.FIGURE else 1.0
                height += stacking * piece.height(scale, gap_scale, image)
        return max(0.0, height)

    def band_height(self, facts: list[ItemId], rung: Rung, natural: float) -> float:
        facts = [f for f in facts if f in self.band_cards]
        if not facts:
            return 0.0
        rows = [facts[i : i + self.band_columns] for i in range(0, len(facts), self.band_columns)]
        cards = sum(max(self.band_cards[f] for f in row) for row in rows)
        gaps = self.band_overhead + self.band_gap * (len(rows) - 1)
        factor: float = (rung.body_size_pt / natural) ** BAND_EXPONENT
        # Tighter spacing closes the gaps around and between the cards, not the cards.
        spacing = _spacing_factor(rung.spacing) / _spacing_factor(self.spacing)
        return (cards + gaps * spacing) * factor

    def _removed(self, rung: Rung, plan: Plan) -> tuple[set[ItemId], list[ItemId]]:
        """What the columns lose at `rung` (dropped items, facts in the band), and the band."""
        facts = [f for f in plan.fact_order if f not in rung.dropped]
        band = facts[: min(rung.band, len(facts))]
        removed = set(rung.dropped) | set(band)
        if len(band) == len(facts):
            removed.add(FACTS_SECTION)
        return removed, band

    def columns(self, rung: Rung, plan: Plan) -> tuple[float, float]:
        """Predicted heights of the main column and the sidebar at `rung`."""
        removed, _ = self._removed(rung, plan)
        natural = self.size or plan.body_size_pt
        return (
            self.region_height("main", rung, natural, removed),
            self.region_height("side", rung, natural, removed),
        )

    def total(self, rung: Rung, plan: Plan) -> float:
        """Predicted content height of the brief at `rung`."""
        removed, band = self._removed(rung, plan)
        natural = self.size or plan.body_size_pt
        return (
            self.region_height("top", rung, natural, removed)
            + self.band_height(band, rung, natural)
            + max(self.columns(rung, plan))
            + self.region_height("bottom", rung, natural, removed)
        )


def _spacing_factor(spacing: float) -> float:
    """How much of the gaps a spacing keeps (tighter spacing closes a share of them)."""
    return 1 - TIGHT_GAP_SAVING if spacing < 1 else 1.0


def build_ladder(measure: Measure, plan: Plan) -> list[Rung]:
    """The rungs in order: fewest drops first, then the largest type and loosest spacing.

    With nothing dropped: natural; balanced placement; tighter; smaller. Then, for each
    low-priority item dropped (from the column that overflows), the same again from the
    natural size down, so a brief that loses an item regrows into the room it left.
    """
    natural = plan.body_size_pt
    band = min(
        plan.band_choices,
        key=lambda b: (
            round(measure.total(Rung(natural, 1.0, b), plan), 1),
            b != plan.default_band,
            abs(b - plan.default_band),
        ),
    )
    settings = ladder_settings(plan)
    first = Rung(natural, 1.0, plan.default_band)
    rungs = [first]
    for dropped in drop_sets(measure, plan, Rung(settings[-1][0], TIGHT_SPACING, band)):
        step = [Rung(size, spacing, band, dropped) for size, spacing in settings]
        rungs += [rung for rung in step if rung != first]
    return rungs


def ladder_settings(plan: Plan) -> list[tuple[float, float]]:
    """The (body size, spacing) pairs the ladder tries for each set of drops, loosest
    first: the natural size and spacing, then every size from the natural down by
    SIZE_STEP_PT, tight."""
    sizes = [plan.body_size_pt]
    while sizes[-1] - SIZE_STEP_PT >= plan.min_body_size_pt - 1e-9:
        sizes.append(round(sizes[-1] - SIZE_STEP_PT, 2))
    return [(plan.body_size_pt, 1.0)] + [(size, TIGHT_SPACING) for size in sizes]


def drop_sets(measure: Measure, plan: Plan, smallest: Rung) -> list[frozenset[ItemId]]:
    """What is dropped, from nothing to every low-priority item, one more each time.

    The order is decided at the smallest rung: each time, the last low-priority item of
    whichever column is predicted taller, then of the band or the full width, then of the
    other column.
    """
    dropped: frozenset[ItemId] = frozenset()
    sets = [dropped]
    remaining = list(plan.droppable)
    while remaining:
        rung = replace(smallest, dropped=dropped)
        main, side = measure.columns(rung, plan)
        taller, shorter = ("main", "side") if main >= side else ("side", "main")
        regions = {item: region_of(item, measure, plan, rung) for item in remaining}
        order = (taller, "band", "bottom", "full", "top", shorter)
        ranked = sorted(
            remaining,
            key=lambda item: (
                order.index(regions[item]) if regions[item] in order else len(order),
                -remaining.index(item),
            ),
        )
        pick = ranked[0]
        remaining.remove(pick)
        dropped = dropped | {pick}
        sets.append(dropped)
    return sets


def region_of(item: ItemId, measure: Measure, plan: Plan, rung: Rung) -> str:
    if item.kind is ItemKind.FACT:
        facts = [f for f in plan.fact_order if f not in rung.dropped]
        placed = facts.index(item) < rung.band if item in facts else False
        return "band" if placed else "side"
    return measure.items.get(item, ("full", 0.0))[0]


# --- measuring ------------------------------------------------------------------------------


def _attribute(fragment: Fragment, name: str) -> str:
    return str(fragment.element.get(name) or "")


def _slot(fragment: Fragment) -> float:
    return fragment.border.height + fragment.margin_top + fragment.margin_bottom


def _paragraphs(lines: list[Line]) -> tuple[Paragraph, ...]:
    """Consecutive lines of the same block, as paragraphs."""
    groups: list[list[Line]] = []
    for line in lines:
        if groups and groups[-1][-1].element is line.element:
            groups[-1].append(line)
        else:
            groups.append([line])
    return tuple(
        Paragraph(
            lines=len(group),
            line_height=sum(line.rect.height for line in group) / len(group),
            text_width=sum(line.used for line in group),
            width=max(max(line.available, line.rect.width) for line in group),
            last_line=group[-1].used,
            line_widths=tuple(line.used for line in group),
            word_widths=tuple(line.used / max(1, len(line.text.split())) for line in group),
        )
        for group in groups
    )


def measure(
    views: list[PageView], band_columns: int, page_size: str, rung: Rung | None = None
) -> Measure:
    """Region, item and line heights from the measuring layout (one tall page), or from
    the layout of `rung` that fitted its page."""
    view = views[0]
    tall = rung is None or rung.tall
    taller_by = (float(TALL_PAGE.removesuffix("mm")) - PAGE_HEIGHTS_MM[page_size]) * PX_PER_MM
    taller_by = taller_by if tall else 0.0
    fragments = view.fragments
    regions = {_attribute(f, "data-region"): f for f in fragments if _attribute(f, "data-region")}
    main, side, band = regions.get("main"), regions.get("side"), regions.get("band")
    columns = [f for f in (main, side) if f is not None]
    columns_top = min((f.border.y for f in columns), default=view.content_bottom)
    columns_bottom = max((f.content_bottom for f in columns), default=columns_top)
    first_top = band.border.y if band is not None else columns_top
    boxes = {"band": band, "main": main, "side": side}

    def region_of_box(rect: Rect) -> str:
        for name, region in boxes.items():
            if region is not None and region.border.contains(rect, tolerance=1):
                return name
        if rect.bottom <= first_top + 1:
            return "top"
        return "bottom" if rect.y >= columns_bottom - 1 else "full"

    # Items, the sidebar's facts section, and which holds which (claims hold sub-points).
    owners: dict[ItemId, list[Fragment]] = {}
    where: dict[ItemId, str] = {}
    band_cards: dict[ItemId, float] = {}
    band_fragments: list[Fragment] = []
    for fragment in fragments:
        item = ItemId.parse(_attribute(fragment, "data-item"))
        if item is None:
            continue
        region = region_of_box(fragment.border)
        if region == "band":
            band_fragments.append(fragment)
            band_cards[item] = fragment.natural_height
            continue
        owners.setdefault(item, []).append(fragment)
        where[item] = region
    side_sections = [
        f
        for f in fragments
        if _attribute(f, "data-section") and f is not side and region_of_box(f.border) == "side"
    ]
    facts_section = next(
        (f for f in side_sections if _attribute(f, "data-section") == "key_facts"), None
    )
    facts_slot = 0.0
    if facts_section is not None:
        later = [f.border.y for f in side_sections if f.border.y > facts_section.border.y]
        facts_slot = min(later, default=facts_section.border.bottom) - facts_section.border.y
        owners[FACTS_SECTION] = [facts_section]
        where[FACTS_SECTION] = "side"

    def area(item: ItemId) -> float:
        return sum(f.border.width * f.border.height for f in owners[item])

    def holder(rect: Rect, region: str, exclude: ItemId | None = None) -> ItemId | None:
        holding = [
            item
            for item, frags in owners.items()
            if item != exclude
            and where[item] == region
            and any(f.border.contains(rect, tolerance=1) for f in frags)
        ]
        return min(holding, key=area) if holding else None

    parents = {
        item: holder(frags[0].border, where[item], exclude=item) for item, frags in owners.items()
    }
    slots = {
        item: facts_slot if item == FACTS_SECTION else sum(_slot(f) for f in frags)
        for item, frags in owners.items()
    }

    # Lines, each given to its region and to the innermost item that holds it.
    lines_of: dict[tuple[str, ItemId | None], list[Line]] = {}
    for line in view.lines:
        if not view.content.contains(line.rect, tolerance=1) and line.rect.y < view.content.y:
            continue
        region = region_of_box(line.rect)
        if region in ("band", "full"):
            continue
        lines_of.setdefault((region, holder(line.rect, region)), []).append(line)

    images: dict[tuple[str, ItemId | None], float] = {}
    for ink in view.inks:
        if ink.text is None and ink.rect.bottom <= view.content.bottom:
            region = region_of_box(ink.rect)
            key = (region, holder(ink.rect, region))
            images[key] = images.get(key, 0.0) + ink.rect.height

    heights = {
        "top": first_top - view.content.y,
        "main": main.content_height if main is not None else 0.0,
        "side": side.content_height if side is not None else 0.0,
        "bottom": max(0.0, view.content_bottom - columns_bottom),
    }
    pieces: dict[str, tuple[Piece, ...]] = {}
    stacking: dict[str, float] = {}
    for region, height in heights.items():
        members = [item for item in owners if where[item] == region]
        loose_lines = lines_of.get((region, None), [])
        loose = _paragraphs(loose_lines)
        spans = [
            (f.border.y - f.margin_top, f.border.bottom + f.margin_bottom)
            for item in members
            if parents[item] is None and item != FACTS_SECTION
            for f in owners[item]
        ] + [(line.rect.y, line.rect.bottom) for line in loose_lines]
        stacking[region] = _stacking(spans)
        top_level = sum(slots[i] for i in members if parents[i] is None)
        gap = height - stacking[region] * (top_level + _lines_height(loose))
        own = [Piece(None, None, gap, loose, images.get((region, None), 0.0))]
        for item in members:
            paragraphs = _paragraphs(lines_of.get((region, item), []))
            children = sum(slots[c] for c in members if parents[c] == item)
            gap = slots[item] - children - _lines_height(paragraphs)
            fixed = images.get((region, item), 0.0)
            own.append(Piece(item, parents[item], gap, paragraphs, fixed))
        pieces[region] = tuple(own)

    band_overhead = band_gap = 0.0
    if band is not None and band_fragments:
        first, last = band_fragments[0], band_fragments[-1]
        band_overhead = (first.border.y - band.border.y) + (
            band.border.bottom + band.margin_bottom - last.border.bottom
        )
        rows = sorted({round(f.border.y, 1) for f in band_fragments})
        if len(rows) > 1:
            first_row_bottom = max(
                f.border.bottom for f in band_fragments if round(f.border.y, 1) == rows[0]
            )
            band_gap = max(0.0, rows[1] - first_row_bottom)
    # Footnotes (the brief's source line) take their room at the foot of the page area.
    return Measure(
        available=view.content.height - taller_by - view.footnotes,
        regions=pieces,
        band_cards=band_cards,
        band_overhead=band_overhead,
        band_gap=band_gap,
        band_columns=band_columns,
        items={item: (where[item], slots[item]) for item in owners if item != FACTS_SECTION},
        stacking=stacking,
        size=rung.body_size_pt if rung is not None else None,
        spacing=rung.spacing if rung is not None else 1.0,
        chart_scale=rung.chart_scale if rung is not None else 1.0,
    )


def _stacking(spans: list[tuple[float, float]]) -> float:
    """How much of the spans' summed height the region takes: 1 when they stack, ½ when
    they stand side by side in two columns (a list set in `columns: 2`)."""
    total = sum(bottom - top for top, bottom in spans if bottom > top)
    if total <= 0:
        return 1.0
    covered, reach = 0.0, -math.inf
    for top, bottom in sorted(spans):
        if bottom > reach:
            covered += bottom - max(top, reach)
            reach = bottom
    return min(1.0, covered / total)


def _lines_height(paragraphs: tuple[Paragraph, ...]) -> float:
    return sum(p.lines * p.line_height for p in paragraphs)


# --- fitting --------------------------------------------------------------------------------


class DoesNotFit(BriefgenError):
    """The brief overflows one page even at the last rung of the ladder."""


@dataclass
class Attempt:
    rung: Rung
    html: str
    laid_out: Any
    views: list[PageView]

    @property
    def fits(self) -> bool:
        return len(self.views) == 1


@dataclass
class FittedBrief:
    """The brief at the chosen rung, with how it got there."""

    rung: Rung
    html: str
    laid_out: Any
    steps: list[str]
    layouts: int
    """How many layouts the fit took, the measuring one included."""
    index: int
    """The chosen rung's place on the ladder."""
    memo: FitMemo | None = None
    """What to remember for the next build (None when nothing identifies the inputs)."""
    views: list[PageView] = field(default_factory=list)
    """The chosen layout's page, as read for the fit's own checks."""

    def describe(self) -> str:
        return ", ".join(self.steps)


@dataclass
class Fitter:
    """Renders and lays out rungs of one brief, counting layouts."""

    briefing: Briefing
    audience: Audience
    render: Callable[[Rung], str]
    lay_out: Callable[[str], Any]
    layouts: int = 0
    plan: Plan = field(init=False)

    def __post_init__(self) -> None:
        self.plan = make_plan(self.briefing, self.audience)

    htmls: dict[Rung, str] = field(default_factory=dict)

    def html(self, rung: Rung) -> str:
        if rung not in self.htmls:
            self.htmls[rung] = self.render(rung)
        return self.htmls[rung]

    def attempt(self, rung: Rung) -> Attempt:
        html = self.html(rung)
        laid_out = self.lay_out(html)
        self.layouts += 1
        return Attempt(rung, html, laid_out, page_views(laid_out.document))

    @property
    def measuring_rung(self) -> Rung:
        return Rung(
            self.plan.body_size_pt, 1.0, self.plan.default_band, tall=True, facts_twice=True
        )

    def measure(self) -> Measure:
        config = self.audience.config
        views = self.attempt(self.measuring_rung).views
        return measure(views, config.brief.band_columns, config.page_size)

    def remeasure(self, attempt: Attempt) -> Measure:
        """The measure of a rung's layout that fitted: the base of close predictions."""
        config = self.audience.config
        return measure(attempt.views, config.brief.band_columns, config.page_size, attempt.rung)

    def ladder_key(self, layout_inputs: str, rung: Rung) -> str:
        """What the ladder is made from: the brief's HTML at `rung` (every item it prints;
        the memo names the items it dropped by their content), the plan, and every other
        input of the layout (stylesheets, fonts, images, briefgen itself), which
        `layout_inputs` names. Equal keys make equal ladders and equal layouts. The rung's
        HTML, not the measuring page's: the rung is laid out anyway, so a rebuild with
        nothing changed renders the brief once."""
        digest = hashlib.sha256(layout_inputs.encode())
        digest.update(b"\0" + self.html(rung).encode())
        digest.update(b"\0" + repr(self.plan).encode())
        return digest.hexdigest()


def fit_brief(
    briefing: Briefing,
    audience: Audience,
    render: Callable[[Rung], str],
    lay_out: Callable[[str], Any],
    loaded: LoadedYaml | None = None,
    stylesheets: list[Path] | None = None,
    last: FitMemo | None = None,
    layout_inputs: str = "",
) -> FittedBrief:
    """The brief on one page at the first rung of the ladder that fits, with nothing cut.

    Usually two layouts: the measuring one and the predicted rung; a third when the
    prediction missed, or when the rung before it may still fit. With `last`, what the previous
    build of this brief chose: when the ladder is made from the same inputs (the brief's
    own content did not change, `layout_inputs` names the rest), its rung is the answer
    again and is laid out alone; otherwise its rung, if still on the ladder, is tried
    first. Raises `DoesNotFit` (located in the briefing or the stylesheet at fault) when
    no rung fits or when the fitted page does not show all its text.
    """
    fitter = Fitter(briefing, audience, render, lay_out)
    remembered = last.rung(briefing, fitter.plan) if last is not None else None
    first = Rung(fitter.plan.body_size_pt, 1.0, fitter.plan.default_band)
    tried: dict[int, Attempt] = {}
    same_ladder = (
        last is not None
        and remembered is not None
        and bool(layout_inputs)
        and last.ladder_key == fitter.ladder_key(layout_inputs, remembered)
    )
    if remembered is not None and (same_ladder or remembered == first):
        # The same ladder, or the first rung (first whatever the ladder): if it fits, it is
        # the answer, found without the measuring layout.
        again = fitter.attempt(remembered)
        if again.fits:
            index = last.index if last is not None and same_ladder else 0
            return _finish(fitter, index, again, loaded, stylesheets, layout_inputs)
        if remembered == first:
            tried[0] = again
    measured = fitter.measure()
    ladder = build_ladder(measured, fitter.plan)
    predicted = [measured.total(rung, fitter.plan) for rung in ladder]
    search = Search(
        ladder, predicted, measured.available, fitter.attempt, tried, fitter.plan, fitter.remeasure
    )
    start = ladder.index(remembered) if remembered in ladder else None
    found = search.run(start)
    if found is None:
        raise _does_not_fit(fitter, ladder[-1], loaded, briefing)
    chosen = regrow_charts(fitter, measured, search.tried[found])
    return _finish(fitter, found, chosen, loaded, stylesheets, layout_inputs)


def regrow_charts(fitter: Fitter, measured: Measure, chosen: Attempt) -> Attempt:
    """`chosen` with a chart it dropped back on the page, flatter: a chart at 70% of its
    height says more than the blank its drop left, and more than a point larger type.

    The sizes and spacings are the ladder's for the same drops less the chart, largest
    type first, each with the tallest of `CHART_SCALES` that the model, corrected by its
    error at the chosen rung, predicts to fit; layouts confirm (`MAX_REGROW_LAYOUTS`).
    """
    plan = fitter.plan
    charts = sorted(i for i in chosen.rung.dropped if i.kind is ItemKind.FIGURE)
    charts = [chart for chart in charts if chart in measured.items]
    if not charts:
        return chosen
    error = fitter.remeasure(chosen).total(chosen.rung, plan) - measured.total(chosen.rung, plan)
    layouts = 0
    for chart in charts:
        base = replace(chosen.rung, dropped=chosen.rung.dropped - {chart})
        candidates = [
            replace(base, body_size_pt=size, spacing=spacing, chart_scale=scale)
            for size, spacing in ladder_settings(plan)
            for scale in CHART_SCALES
            if scale <= chosen.rung.chart_scale
        ]
        for rung in candidates:
            if layouts == MAX_REGROW_LAYOUTS:
                return chosen
            predicted = measured.total(rung, plan)
            if predicted + error > measured.available + FIT_TOLERANCE:
                continue
            attempt = fitter.attempt(rung)
            layouts += 1
            if attempt.fits:
                chosen = attempt
                break
            # What overflowed corrects the model for the candidates still to come.
            error = max(error, _content_height(attempt.views) - predicted)
    return chosen


def _content_height(views: list[PageView]) -> float:
    """The height of the content laid out over `views`, as if on one page."""
    return sum(view.content_bottom - view.content.y for view in views)


def taller_or_equal(a: Rung, b: Rung) -> bool:
    """Whether `a` sets everything `b` does at least as large: if `b` overflows, so does `a`."""
    return (
        a.band == b.band
        and a.dropped <= b.dropped
        and a.body_size_pt >= b.body_size_pt
        and a.spacing >= b.spacing
    )


@dataclass
class Search:
    """The first rung of `ladder` that fits, in few layouts.

    The model's heights are corrected by what real layouts showed (the ratio of laid-out to
    predicted height at the nearest size); a rung that overflows rules out every rung set at
    least as large. A fitting rung is final once no earlier rung is left that could fit:
    each is either ruled out, or predicted to overflow by more than CHECK_MARGIN.
    """

    ladder: list[Rung]
    predicted: list[float]
    available: float
    attempt: Callable[[Rung], Attempt]
    tried: dict[int, Attempt] = field(default_factory=dict)
    plan: Plan | None = None
    remeasure: Callable[[Attempt], Measure] | None = None
    """Measures a layout that fitted (`Fitter.remeasure`); None: the model alone decides."""
    ratios: dict[int, float] = field(default_factory=dict)
    """Laid-out height over predicted height, for each rung tried that fitted."""
    fitted: dict[int, Measure] = field(default_factory=dict)
    """The measure of each rung tried that fitted."""

    def lay_out(self, index: int) -> Attempt:
        if index not in self.tried:
            attempt = self.attempt(self.ladder[index])
            self.tried[index] = attempt
            if attempt.fits:
                height = attempt.views[0].content_height
                self.ratios[index] = height / max(self.predicted[index], 1.0)
                if self.remeasure is not None:
                    self.fitted[index] = self.remeasure(attempt)
        return self.tried[index]

    def overflows_nearby(self, index: int) -> bool:
        """Whether a fitted layout of the same items, set a little smaller, shows that
        rung `index` overflows: its lines rewrapped one or two steps up, not ten."""
        rung = self.ladder[index]
        return self.plan is not None and any(
            j > index
            and self.ladder[j].dropped == rung.dropped
            and self.ladder[j].band == rung.band
            and local.total(rung, self.plan) > self.available * (1 + NEARBY_MARGIN)
            for j, local in self.fitted.items()
        )

    def expected(self, index: int) -> float:
        """The predicted height, corrected by the fitted rung of the nearest size."""
        if not self.ratios:
            return self.predicted[index]
        rung = self.ladder[index]
        nearest = min(
            self.ratios,
            key=lambda i: (
                self.ladder[i].spacing != rung.spacing,
                abs(self.ladder[i].body_size_pt - rung.body_size_pt),
                abs(i - index),
            ),
        )
        return self.predicted[index] * self.ratios[nearest]

    def ruled_out(self, index: int) -> bool:
        rung = self.ladder[index]
        return any(
            not attempt.fits and taller_or_equal(rung, attempt.rung)
            for attempt in self.tried.values()
        )

    def doubtful(self, before: int) -> list[int]:
        """Rungs before `before` that might still fit, first first."""
        return [
            i
            for i in range(before)
            if i not in self.tried
            and not self.ruled_out(i)
            and self.expected(i) <= self.available * (1 + CHECK_MARGIN)
            and not self.overflows_nearby(i)
        ]

    def next_candidate(self, after: int) -> int | None:
        later = [i for i in range(after + 1, len(self.ladder)) if not self.ruled_out(i)]
        fitting = [i for i in later if i in self.tried and self.tried[i].fits]
        for i in later:
            if i in fitting or self.expected(i) <= self.available + FIT_TOLERANCE:
                return i
        return later[-1] if later else None

    def run(self, start: int | None = None) -> int | None:
        """The index of the first rung that fits, or None when none does."""
        laid_out_before = len(self.tried)
        if start is None:
            start = next(
                (i for i, h in enumerate(self.predicted) if h <= self.available + FIT_TOLERANCE),
                len(self.ladder) - 1,
            )
        candidate: int | None = start
        while candidate is not None:
            if len(self.tried) - laid_out_before >= MAX_GUIDED_LAYOUTS:
                return self.bisect()
            if not self.lay_out(candidate).fits:
                candidate = self.next_candidate(candidate)
                continue
            doubtful = self.doubtful(candidate)
            if not doubtful:
                return candidate
            if self.lay_out(doubtful[0]).fits:
                candidate = doubtful[0]
        return None

    def bisect(self) -> int | None:
        """The first rung that fits, found by halving with real layouts: the first drop
        set whose smallest rung fits, then that set's first rung that fits. A set's rungs
        get smaller in ladder order, and each set's smallest rung is smaller than the
        one before (it drops one item more), so this is the linear ladder's answer."""
        ends = [
            index
            for index, rung in enumerate(self.ladder)
            if index + 1 == len(self.ladder) or self.ladder[index + 1].dropped != rung.dropped
        ]
        group = self._first_fitting(ends)
        if group is None:
            return None
        members = list(range(ends[group - 1] + 1 if group else 0, ends[group] + 1))
        first = self._first_fitting(members)
        return None if first is None else members[first]

    def _first_fitting(self, indices: list[int]) -> int | None:
        """Where in `indices` (rungs, each smaller than the one before) the first that
        fits is; None when the last does not."""

        def fits(index: int) -> bool:
            return not self.ruled_out(index) and self.lay_out(index).fits

        if not fits(indices[-1]):
            return None
        low, high = 0, len(indices) - 1
        while low < high:
            middle = (low + high) // 2
            if fits(indices[middle]):
                high = middle
            else:
                low = middle + 1
        return high


def linear_fit(
    briefing: Briefing,
    audience: Audience,
    render: Callable[[Rung], str],
    lay_out: Callable[[str], Any],
) -> FittedBrief:
    """The same ladder, one layout per rung from the top: the oracle `fit_brief` must match."""
    fitter = Fitter(briefing, audience, render, lay_out)
    measured = fitter.measure()
    ladder = build_ladder(measured, fitter.plan)
    for index, rung in enumerate(ladder):
        current = fitter.attempt(rung)
        if current.fits:
            current = regrow_charts(fitter, measured, current)
            return _finish(fitter, index, current, None, None, check=False)
    raise _does_not_fit(fitter, ladder[-1], None, briefing)


def _finish(
    fitter: Fitter,
    index: int,
    chosen: Attempt,
    loaded: LoadedYaml | None,
    stylesheets: list[Path] | None,
    layout_inputs: str = "",
    check: bool = True,
) -> FittedBrief:
    if check:
        root = root_element(chosen.laid_out.document)
        problems = unprinted(chosen.views, root)
        if problems:
            raise not_printed_error(problems[0], fitter.audience, root, loaded, stylesheets)
    steps = describe(chosen.rung, fitter.plan, fitter.briefing)
    memo = None
    if layout_inputs:
        key = fitter.ladder_key(layout_inputs, chosen.rung)
        memo = FitMemo.of(chosen.rung, index, key, fitter.layouts, fitter.briefing)
    return FittedBrief(
        chosen.rung, chosen.html, chosen.laid_out, steps, fitter.layouts, index, memo, chosen.views
    )


# --- what the next build starts from -------------------------------------------------------


def item_of(briefing: Briefing, item: ItemId) -> Tailored:
    """The briefing's item that `item` names."""
    if item.kind is ItemKind.SUB_POINT:
        point: Tailored = briefing.argument[item.index].points[item.sub]
        return point
    name = next(name for name, kind in LISTS.items() if kind is item.kind)
    found: Tailored = getattr(briefing, name)[item.index]
    return found


def content_key(briefing: Briefing, item: ItemId) -> str:
    """An item named by its kind and content, which stay when items before it come or go."""
    text = item_of(briefing, item).model_dump_json()
    return f"{item.kind}:{hashlib.sha256(text.encode()).hexdigest()[:20]}"


@dataclass(frozen=True)
class FitMemo:
    """What a fit chose, kept in the build manifest for the next build of the same brief:
    the rung, its dropped items named by content (their places may move when the content
    changes), and the key of what the ladder was made from."""

    ladder_key: str
    index: int
    body_size_pt: float
    spacing: float
    band: int
    dropped: tuple[str, ...]
    layouts: int
    """How many layouts the fit took, the measuring one included."""
    chart_scale: float = 1.0

    @classmethod
    def of(cls, rung: Rung, index: int, key: str, layouts: int, briefing: Briefing) -> FitMemo:
        dropped = tuple(sorted(content_key(briefing, item) for item in rung.dropped))
        return cls(
            key,
            index,
            rung.body_size_pt,
            rung.spacing,
            rung.band,
            dropped,
            layouts,
            rung.chart_scale,
        )

    def rung(self, briefing: Briefing, plan: Plan) -> Rung | None:
        """The same rung for `briefing`, or None when an item it dropped is gone."""
        keys = {content_key(briefing, item): item for item in plan.droppable}
        dropped = [keys.get(key) for key in self.dropped]
        if None in dropped or len(set(dropped)) != len(dropped):
            return None
        items = frozenset(item for item in dropped if item is not None)
        return Rung(self.body_size_pt, self.spacing, self.band, items, chart_scale=self.chart_scale)

    def to_json(self) -> dict[str, Any]:
        return {
            "ladder_key": self.ladder_key,
            "index": self.index,
            "body_size_pt": self.body_size_pt,
            "spacing": self.spacing,
            "band": self.band,
            "dropped": list(self.dropped),
            "layouts": self.layouts,
            "chart_scale": self.chart_scale,
        }

    @classmethod
    def from_json(cls, data: Any) -> FitMemo | None:
        """The memo in a manifest, or None for anything that is not one."""
        try:
            return cls(
                str(data["ladder_key"]),
                int(data["index"]),
                float(data["body_size_pt"]),
                float(data["spacing"]),
                int(data["band"]),
                tuple(str(key) for key in data["dropped"]),
                int(data["layouts"]),
                float(data.get("chart_scale", 1.0)),
            )
        except (TypeError, KeyError, ValueError):
            return None


def describe(rung: Rung, plan: Plan, briefing: Briefing) -> list[str]:
    """What the ladder did, for the summary table."""
    steps = []
    if rung.band != plan.default_band:
        facts = len([f for f in plan.fact_order if f not in rung.dropped])
        moved = abs(min(rung.band, facts) - min(plan.default_band, facts))
        where = "band" if rung.band > plan.default_band else "sidebar"
        steps.append(f"moved {moved} fact(s) to the {where}")
    if rung.spacing != 1.0:
        steps.append("tightened spacing")
    if rung.body_size_pt != plan.body_size_pt:
        steps.append(f"body {plan.body_size_pt:g}pt → {rung.body_size_pt:g}pt")
    if rung.dropped:
        names = [item.describe(briefing) for item in sorted(rung.dropped)]
        steps.append(f"dropped {len(names)} low-priority item(s): {'; '.join(names)}")
    if rung.chart_scale != 1.0:
        steps.append(f"charts drawn at {rung.chart_scale:.0%} of their height")
    return steps


def _does_not_fit(
    fitter: Fitter, last: Rung, loaded: LoadedYaml | None, briefing: Briefing
) -> DoesNotFit:
    """How much is too much, measured on a tall page so only real content counts.

    Content that cannot be set at all (a word wider than its column) is named instead.
    """
    attempt = fitter.attempt(replace(last, tall=True))
    views = attempt.views
    root = root_element(attempt.laid_out.document)
    for problem in unprinted(views, root):
        if problem.content_fault:
            return not_printed_error(problem, fitter.audience, root, loaded, None)
    view = views[0]
    page_height = PAGE_HEIGHTS_MM[fitter.audience.config.page_size] * PX_PER_MM
    available = view.content.height - (view.sheet.height - page_height) - view.footnotes
    overflow_mm = (view.content_height - available) / PX_PER_MM
    sections: dict[str, float] = {}
    for fragment in view.fragments:
        name = _attribute(fragment, "data-section")
        if name:
            sections[name] = sections.get(name, 0.0) + fragment.border.height
    regions = {
        _attribute(f, "data-region"): f for f in view.fragments if _attribute(f, "data-region")
    }
    # What sits above the band and the columns (title, subtitle, bottom line) counts too:
    # a long title can be what does not fit.
    below = [regions[name].border.y for name in ("band", "main", "side") if name in regions]
    if below:
        sections["title and bottom line"] = min(below) - view.content.y
    longest = sorted(sections.items(), key=lambda kv: -kv[1])[:3]
    listing = ", ".join(f"{name.replace('_', ' ')} {h / PX_PER_MM:.0f} mm" for name, h in longest)
    columns = ""
    if "main" in regions and "side" in regions:
        main, side = regions["main"].content_height, regions["side"].content_height
        columns = (
            f" The main column is {main / PX_PER_MM:.0f} mm and the sidebar "
            f"{side / PX_PER_MM:.0f} mm tall."
        )
    message = (
        f"[{fitter.audience.name}] the brief does not fit on one page even at the smallest "
        f"allowed size: its content is about {overflow_mm:.0f} mm taller than the page."
        f"{columns} Longest sections: {listing}. Shorten those, mark items `priority: low`, "
        "keep some for the handout only with `in: [handout]`, or lower the audience's "
        "brief.max_facts / brief.min_body_size_pt"
    )
    return DoesNotFit(
        message, loaded.path if loaded else None, 1 if loaded else None, 1 if loaded else None
    )


# --- nothing cut ----------------------------------------------------------------------------

NOT_TEXT_TAGS = {"head", "style", "script", "template"}
ATOMIC_TAGS = {"svg", "math", "img"}
"""Drawn as a whole (an SVG's text is drawn by its renderer): checked as one box."""
GLYPH_OVERHANG = 0.3
"""How far (in ems) a text box may reach past a clipping box and still count as shown."""
MIN_CONTRAST = 1.25
"""Text whose colour is this close to what is behind it counts as drawn in the background."""
HIDDEN_VALUES = {
    "display": {"none"},
    "visibility": {"hidden", "collapse"},
    "overflow": {"hidden", "clip", "scroll", "auto"},
    "overflow-x": {"hidden", "clip", "scroll", "auto"},
    "overflow-y": {"hidden", "clip", "scroll", "auto"},
}
"""For these properties only these values can hide text; other properties count whatever
their value."""


OFF_PAGE_PROPERTIES = (
    "left", "right", "top", "bottom", "transform", "margin-left", "margin-right",
    "margin-top", "margin", "text-indent", "float", "position",
)  # fmt: skip
"""What can move text off the page, most specific first."""


def squash(text: str) -> str:
    """Text without white space, hyphens, quotes and invisible characters (the zero-width
    space of a <wbr>, word joiners, bidi isolates), so line breaks and typography don't
    matter; case-folded, since headings may be set in capitals."""
    dropped = "-\u00ad\u2010\u2011\u200b\u2060\u2066\u2067\u2068\u2069'\"\u2018\u2019\u201c\u201d"
    kept = "".join(ch for ch in text if not ch.isspace() and ch not in dropped)
    # Capitals lose what case-folding can't restore (Azerbaijani İ/ı), so compare without
    # marks and dots.
    folded = unicodedata.normalize("NFKD", kept.casefold()).replace("\u0131", "i")
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Unprinted:
    """Text of the HTML that a reader of the page cannot see, and why."""

    element: Any
    reason: str
    properties: tuple[str, ...]
    """CSS properties that can cause it, to find the rule at fault."""
    culprit: Any
    """The element whose style is at fault (e.g. the ancestor that clips)."""
    content_fault: bool = False
    """The content is at fault (e.g. a word longer than its column), not a stylesheet."""

    @property
    def text(self) -> str:
        return " ".join("".join(self.element.itertext()).split())


def _tag(element: Any) -> str | None:
    tag = element.tag
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else None


def _own_text(element: Any) -> str:
    return (element.text or "") + "".join(child.tail or "" for child in element)


def expected_text(root: Any) -> list[tuple[Any, str | None]]:
    """Every element of the body with text of its own (squashed), in document order;
    SVGs and images as `None`: they print as one box."""
    found: list[tuple[Any, str | None]] = []

    def visit(element: Any) -> None:
        tag = _tag(element)
        if tag is None or tag in NOT_TEXT_TAGS:
            return
        if tag in ATOMIC_TAGS:
            found.append((element, None))
            return
        text = squash(_own_text(element))
        if text and tag not in ("html", "body"):
            found.append((element, text))
        for child in element:
            visit(child)

    visit(root)
    return found


def _luminance(colour: RGBA) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue, _ = colour
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(colour: RGBA, background: RGBA) -> float:
    """WCAG contrast ratio of `colour` over `background` (both composited on white)."""

    def over(top: RGBA, under: tuple[float, float, float]) -> tuple[float, float, float]:
        alpha = top[3]
        return (
            top[0] * alpha + under[0] * (1 - alpha),
            top[1] * alpha + under[1] * (1 - alpha),
            top[2] * alpha + under[2] * (1 - alpha),
        )

    behind = over(background, (1.0, 1.0, 1.0))
    ink = over(colour, behind)
    lighter, darker = sorted((_luminance((*ink, 1.0)), _luminance((*behind, 1.0))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _fault(ink: Ink, view: PageView) -> Unprinted | None:
    element = ink.element
    if not ink.visible:
        return Unprinted(element, "hidden", ("visibility",), element)
    if ink.font_size < 0.5 or ink.rect.width <= 0 or ink.rect.height <= 0:
        return Unprinted(
            element, "set at zero size", ("font-size", "width", "height", "max-height"), element
        )
    if ink.opacity < 0.1 or (ink.text is not None and ink.colour[3] < 0.1):
        return Unprinted(element, "transparent", ("opacity", "color"), element)
    if ink.text is not None and contrast(ink.colour, ink.background) < MIN_CONTRAST:
        return Unprinted(
            element,
            "drawn in the background colour",
            ("color", "background", "background-color"),
            element,
        )
    for clip, clipping in ink.clips:
        # A text box is as tall as the font's ascent and descent, which a tight
        # line-height lets reach past the line: that much may overhang a clip.
        if not clip.contains(ink.rect, vertical=GLYPH_OVERHANG * ink.font_size):
            return Unprinted(
                element,
                "clipped by a box whose overflow is hidden",
                (
                    "overflow",
                    "overflow-x",
                    "overflow-y",
                    "max-height",
                    "height",
                    "max-width",
                    "width",
                ),
                clipping,
            )
    if ink.text is not None and (
        ink.rect.right > ink.container.right + 1 or ink.rect.x < ink.container.x - 1
    ):
        return Unprinted(element, "running outside its box", (), element, content_fault=True)
    if not view.sheet.contains(ink.rect):
        return Unprinted(
            element,
            "outside the page",
            OFF_PAGE_PROPERTIES,
            element,
        )
    return None


def unprinted(views: list[PageView], root: Any) -> list[Unprinted]:
    """Text of the rendered HTML that did not reach the page where a reader can see it."""
    inks: dict[int, list[tuple[Ink, PageView]]] = {}
    for view in views:
        for ink in view.inks:
            if not ink.generated:
                inks.setdefault(id(ink.element), []).append((ink, view))
    problems = []
    for element, text in expected_text(root):
        placed = inks.get(id(element), [])
        faults = [
            fault
            for ink, view in placed
            if (ink.text is None or squash(ink.text)) and (fault := _fault(ink, view)) is not None
        ]
        if faults:
            problems.append(faults[0])
            continue
        if not placed:
            problems.append(Unprinted(element, "not displayed", ("display",), element))
            continue
        printed = squash("".join(ink.text or "" for ink, _ in placed))
        if text is not None and printed != text:
            problems.append(
                Unprinted(
                    element,
                    "cut short",
                    (
                        "max-lines",
                        "line-clamp",
                        "-webkit-line-clamp",
                        "text-overflow",
                        "max-height",
                        "height",
                    ),
                    element,
                )
            )
    return problems


def not_printed_error(
    problem: Unprinted,
    audience: Audience,
    root: Any,
    loaded: LoadedYaml | None,
    stylesheets: list[Path] | None,
) -> DoesNotFit:
    """The error for text a reader would not see, located at the rule or field at fault."""
    excerpt = problem.text[:60] + ("…" if len(problem.text) > 60 else "")
    tag = _tag(problem.element) or "element"
    classes = problem.element.get("class")
    what = f'<{tag} class="{classes}">' if classes else f"<{tag}>"
    message = (
        f"[{audience.name}] the brief does not show all its text: “{excerpt}” ({what}) is "
        f"{problem.reason}"
    )
    if not problem.content_fault and stylesheets:
        found = css_culprit(problem, root, stylesheets)
        if found is not None:
            path, line, column, declaration = found
            return DoesNotFit(
                f"{message}; `{declaration}` here does it. Remove it or make it apply "
                "to nothing the brief prints",
                path,
                line,
                column,
            )
    location = _content_location(problem, loaded) if loaded is not None else None
    hint = (
        "break it up or shorten it"
        if problem.content_fault
        else "check the audience's style.css and templates for what hides or moves it"
    )
    if location is not None and loaded is not None:
        return loaded.error(location, f"{message}; {hint}")  # type: ignore[return-value]
    return DoesNotFit(f"{message}; {hint}", loaded.path if loaded else None, 1, 1)


def _content_location(problem: Unprinted, loaded: LoadedYaml) -> Any:
    from briefgen.load import strings_in

    wanted = squash(re.sub(r"[*_`\[\]]", "", problem.text))[:40]
    if not wanted:
        return None
    for where, text in strings_in(loaded.data):
        if wanted in squash(re.sub(r"[*_`\[\]]", "", text)):
            return where
    return None


def css_culprit(
    problem: Unprinted, root: Any, stylesheets: list[Path]
) -> tuple[Path, int, int, str] | None:
    """The first declaration, in the given stylesheets, that can cause `problem`: a rule
    matching the culprit element (or an ancestor, for inherited properties)."""
    import cssselect2
    import tinycss2

    wrappers = {
        id(w.etree_element): w
        for w in cssselect2.ElementWrapper.from_html_root(root).iter_subtree()
    }
    chain = []
    wrapper = wrappers.get(id(problem.culprit))
    while wrapper is not None:
        chain.append(wrapper)
        wrapper = wrapper.parent
    sheets = []
    for path in reversed(stylesheets):  # the last stylesheet wins, so it is asked first
        try:
            rules = tinycss2.parse_stylesheet(
                path.read_text("utf-8"), skip_comments=True, skip_whitespace=True
            )
        except OSError:
            continue
        sheets.append((path, list(_style_rules(rules))))
    for wrapper in chain:
        for path, rules in sheets:
            for rule in rules:
                declaration = _matching_declaration(rule, wrapper, problem.properties)
                if declaration is not None:
                    return (
                        path,
                        declaration.source_line,
                        declaration.source_column,
                        (f"{declaration.name}: {tinycss2.serialize(declaration.value).strip()}"),
                    )
    return None


def _style_rules(rules: list[Any]) -> Iterable[Any]:
    import tinycss2

    for rule in rules:
        if rule.type == "qualified-rule":
            yield rule
        elif (
            rule.type == "at-rule"
            and rule.lower_at_keyword in ("media", "supports", "layer")
            and rule.content
        ):
            yield from _style_rules(
                tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
            )


def _matching_declaration(rule: Any, wrapper: Any, properties: tuple[str, ...]) -> Any:
    import cssselect2
    import tinycss2

    declarations = [
        d
        for d in tinycss2.parse_blocks_contents(
            rule.content, skip_comments=True, skip_whitespace=True
        )
        if d.type == "declaration"
        and d.lower_name in properties
        and (
            d.lower_name not in HIDDEN_VALUES
            or tinycss2.serialize(d.value).strip().lower() in HIDDEN_VALUES[d.lower_name]
        )
    ]
    if not declarations:
        return None
    try:
        selectors = cssselect2.compile_selector_list(rule.prelude)
    except cssselect2.SelectorError:
        return None
    if any(s.pseudo_element is None and s.test(wrapper) for s in selectors):
        return min(declarations, key=lambda d: properties.index(d.lower_name))
    return None
