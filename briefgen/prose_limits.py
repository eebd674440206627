"""What one Markdown field may cost: bounds checked before Markdown runs, then counted
on the HTML it gives, so that no prose can hold up the Markdown parser or WeasyPrint.

Measured on a 2-core machine: WeasyPrint lays out a paragraph of 250 inline elements in
0.6 s, of 500 in 1.4 s and of 2,000 in 40 s (`split_inline_box` grows faster than the square); the
Markdown parser scans from every `[`, `](` and `<tag` to its closing bracket, so 2,500
unclosed ones in one field take 14 s; a list nested a hundred deep overflows the Python
stack. The limits below sit far above what a briefing needs and far below that harm.
"""

from __future__ import annotations

import re
import typing
from bisect import bisect_left
from collections.abc import Iterator
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel

from briefgen.errors import BriefgenError
from briefgen.load import LoadedYaml, Location
from briefgen.schema import Prose

MAX_TOTAL_PROSE_CHARS = 300_000
"""Markdown characters in a whole briefing, aliases counted each time they are used:
about a hundred printed pages. Keeps reading all prose as Markdown within seconds."""
MAX_NESTING = 16
"""Elements inside one another (lists, quotes, emphasis, links) within one field."""
MAX_INLINE_ELEMENTS = 200
"""Emphasis, links, code, note calls and other inline elements in one field (a link
in the handout is three: itself and the call of the note that prints its address)."""
MAX_TABLE_CELLS = 500
"""Cells of the Markdown tables in one field."""
MAX_NOTE_CALLS = 60
"""Footnote references (`[^label]`) and links (whose addresses print as notes) in one
field."""
MAX_EMPHASIS_MARKS = 1_000
"""`*`, `_` and backticks in one field, counted before Markdown runs."""
MAX_LOOKAHEAD = 200_000
"""Characters the Markdown parser may scan ahead from openers (`[`, `](`, `<tag`) to
their closing brackets in one field: about a tenth of a second."""

_BLOCK_TAGS = frozenset(
    {"p", "ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tr", "th", "td"}
)
_CELL_TAGS = frozenset({"th", "td"})
_VOID_TAGS = frozenset({"br", "wbr", "img", "hr", "col", "area", "source", "track"})
_BREAKS = frozenset({"br", "wbr"})
"""Line-break opportunities, not boxes of their own: a printed address has many."""
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")
_LINE_NESTING = re.compile(r"^([ \t]*)((?:>[ \t]?|(?:[-*+]|\d{1,9}[.)])[ \t]+)*)", re.M)
_NESTING_MARK = re.compile(r">|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])")
_QUOTES = re.compile(r"[\"']")


@lru_cache(maxsize=4096)
def prose_problem(text: str) -> str | None:
    """Why this Markdown would cost too much to render or lay out, or would lose words
    in print (raw HTML whose content the sanitizer deletes), or None.

    Cached: a YAML alias repeats the same text, and it is checked once.
    """
    return (
        _nesting_problem(text)
        or _emphasis_problem(text)
        or _lookahead_problem(text)
        or _rendered_problem(text)
    )


def _excerpt(text: str, offset: int) -> str:
    shown = " ".join(text[offset : offset + 24].split())
    return f'"{shown}…"' if len(text) > offset + 24 else f'"{shown}"'


def _nesting_problem(text: str) -> str | None:
    """Deep lists and quotes, estimated from each line's indent and leading markers."""
    for match in _LINE_NESTING.finditer(text):
        indent = len(match[1].expandtabs(4))
        depth = indent // 4 + len(_NESTING_MARK.findall(match[2]))
        if depth > MAX_NESTING:
            return (
                f"nests lists or quotes about {depth} deep at {_excerpt(text, match.start(2))}, "
                f"over the limit of {MAX_NESTING}; flatten them"
            )
    return None


def _emphasis_problem(text: str) -> str | None:
    marks = text.count("*") + text.count("_") + text.count("`")
    if marks > MAX_EMPHASIS_MARKS:
        return (
            f"has {marks:,} emphasis marks (*, _ and `), over the limit of "
            f"{MAX_EMPHASIS_MARKS:,}; use emphasis sparingly, or write a literal one as \\*"
        )
    return None


def _lookahead_problem(text: str) -> str | None:
    """Sum, over every opener, of how far the Markdown parser reads to find its closer.

    A bracket with no closer, or a link whose parentheses hold a quote (the parser then
    looks for the closing quote), is read to the end of the text.
    """
    end = len(text)
    bracket_close = _matching(text, "[", "]")
    paren_close = _matching(text, "(", ")")
    tag_ends = [m.start() for m in re.finditer(">", text)]
    work = 0
    openers: list[tuple[int, int]] = []
    for match in re.finditer(r"\[", text):
        openers.append((match.start(), bracket_close.get(match.start(), end)))
    for match in re.finditer(r"\]\(", text):
        start = match.start() + 1
        close = paren_close.get(start, end)
        if _QUOTES.search(text, start, close):
            close = end
        openers.append((start, close))
    for match in re.finditer(r"<[A-Za-z/!?]", text):
        index = bisect_left(tag_ends, match.start())
        openers.append((match.start(), tag_ends[index] if index < len(tag_ends) else end))
    for start, close in openers:
        work += close - start
        if work > MAX_LOOKAHEAD:
            unclosed = next((s for s, c in openers if c == end), start)
            return (
                "has too many unclosed or far-reaching brackets, parentheses or `<` "
                f"(the first near {_excerpt(text, unclosed)}); close each one, or write a "
                "literal one as \\[, \\( or &lt;"
            )
    return None


def _matching(text: str, opening: str, closing: str) -> dict[int, int]:
    """Position of each `opening` → its closing partner, pairing them like brackets."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for match in re.finditer(f"[{re.escape(opening)}{re.escape(closing)}]", text):
        if match[0] == opening:
            stack.append(match.start())
        elif stack:
            pairs[stack.pop()] = match.start()
    return pairs


def _rendered_problem(text: str) -> str | None:
    """Render as the handout does and count what WeasyPrint would have to lay out."""
    from briefgen.markup import (
        CONTENT_DELETED,
        NOTE_CALL_CLASS,
        Notes,
        content_deleted,
        render_markdown,
    )

    deleted = content_deleted(text)
    if deleted is not None:
        return (
            f"holds raw HTML <{deleted}>, whose content would not print: {CONTENT_DELETED[deleted]}"
        )

    notes = Notes()
    try:
        html = render_markdown(text, notes)
    except RecursionError:
        return f"is nested too deeply; flatten its lists and quotes (at most {MAX_NESTING} deep)"
    calls = html.count(f'class="{NOTE_CALL_CLASS}"')
    if calls > MAX_NOTE_CALLS:
        return (
            f"has {calls:,} footnote references and links, over the limit of "
            f"{MAX_NOTE_CALLS}; cite a note once per paragraph"
        )
    inline = cells = 0
    for part in [str(html), *map(str, notes.items)]:
        depth = 0
        for closing, tag, self_closing in _TAG.findall(part):
            name = tag.lower()
            if name not in _BLOCK_TAGS and name not in _BREAKS:
                inline += not closing
            cells += name in _CELL_TAGS and not closing
            if name in _VOID_TAGS or self_closing:
                continue
            depth += -1 if closing else 1
            if depth > MAX_NESTING:
                return (
                    f"nests elements more than {MAX_NESTING} deep (lists, quotes, emphasis "
                    "or links inside one another); flatten them"
                )
    if cells > MAX_TABLE_CELLS:
        return (
            f"has tables of {cells:,} cells, over the limit of {MAX_TABLE_CELLS}; "
            "split the table or keep the data in a file beside the briefing"
        )
    if inline > MAX_INLINE_ELEMENTS:
        return (
            f"has {inline:,} emphasis, links and other inline elements, over the limit of "
            f"{MAX_INLINE_ELEMENTS}; use fewer, or split it into several items"
        )
    return None


# --- Checking a briefing -------------------------------------------------------------------


def check_prose(briefing: BaseModel, loaded: LoadedYaml) -> list[BriefgenError]:
    """Every Markdown field within the bounds above, each problem at its field's line.

    Too much prose in all is raised at once: every later check reads it as Markdown.
    """
    fields = list(markdown_fields(briefing))
    total = sum(len(text) for _, text in fields)
    if total > MAX_TOTAL_PROSE_CHARS:
        largest = max(fields, key=lambda field: len(field[1]))[0]
        raise loaded.error(
            largest,
            f"the briefing has {total:,} characters of prose, over the limit of "
            f"{MAX_TOTAL_PROSE_CHARS:,} (about a hundred pages); shorten it, starting "
            f"with {_dotted(largest)}",
        )
    errors = []
    for location, text in fields:
        problem = prose_problem(text)
        if problem:
            errors.append(loaded.error(location, f"{_dotted(location)} {problem}"))
    return errors


def _dotted(location: Location) -> str:
    return ".".join(map(str, location))


def markdown_fields(model: BaseModel, location: Location = ()) -> Iterator[tuple[Location, str]]:
    """Every Markdown value in `model` (fields typed `schema.Markdown`) with its location."""
    for name, info in type(model).model_fields.items():
        annotation = (
            Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        )
        yield from _prose_values(getattr(model, name), annotation, (*location, name))


def _prose_values(
    value: Any, annotation: Any, location: Location
) -> Iterator[tuple[Location, str]]:
    if isinstance(value, BaseModel):
        yield from markdown_fields(value, location)
    elif isinstance(value, list):
        item = _item_annotation(annotation)
        for index, element in enumerate(value):
            yield from _prose_values(element, item, (*location, index))
    elif isinstance(value, str) and _is_prose(annotation):
        yield location, value


def _is_prose(annotation: Any) -> bool:
    if typing.get_origin(annotation) is Annotated:
        base, *metadata = typing.get_args(annotation)
        return any(isinstance(m, Prose) for m in metadata) or _is_prose(base)
    return any(_is_prose(arg) for arg in typing.get_args(annotation) if arg is not type(None))


def _item_annotation(annotation: Any) -> Any:
    """The element type of `list[X]`, also inside `Annotated[...]` or `... | None`."""
    origin = typing.get_origin(annotation)
    if origin is list:
        return typing.get_args(annotation)[0]
    if origin is Annotated:
        return _item_annotation(typing.get_args(annotation)[0])
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) in (list, Annotated):
            return _item_annotation(arg)
    return annotation
