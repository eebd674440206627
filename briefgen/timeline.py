"""Which shape a timeline takes: a strip across the page when its events fit, else a list.

Both shapes are HTML (the `timeline` macro in `templates/base/macros.html.j2`), so
WeasyPrint sets every word with the shipped fonts and text can never overprint. Events
are placed in order, not to scale: the dates are a mix of years ("1992") and phrases
("44 days of war"), so a linear axis would misrepresent them.

The strip is chosen only when every column is wide enough for its longest word and its
text stays short; otherwise the events print as a vertical list, which takes any
number of events and breaks between them across pages or columns.
"""

from __future__ import annotations

import math
from typing import Literal

from briefgen.schema import TimelineEvent

TimelineLayout = Literal["strip", "list"]

STRIP_FONT_EM = 0.82
"""Type size of the strip's text, relative to the body; the macro sets the same value."""
STRIP_MIN_COLUMN_MM = 22.0
"""Narrower columns than this read as a crowd of fragments: use the list instead."""
STRIP_GUTTER_MM = 2.4
"""Space kept free between neighbouring columns."""
STRIP_MAX_LINES = 5
"""An event taking more lines than this makes the strip taller than the list would be."""
GLYPH_WIDTH_EM = 0.62
"""A generous average advance for the shipped sans (Latin, Cyrillic, Armenian, bold),
so a word estimated to fit does fit; the cost of erring is a list instead of a strip."""
PT_PER_MM = 72 / 25.4


def timeline_layout(
    events: list[TimelineEvent], width_mm: float, body_size_pt: float
) -> TimelineLayout:
    """`strip` if the events fit side by side in `width_mm`, else `list`."""
    if not events:
        return "list"
    column_mm = width_mm / len(events)
    if column_mm < STRIP_MIN_COLUMN_MM:
        return "list"
    glyph_pt = body_size_pt * STRIP_FONT_EM * GLYPH_WIDTH_EM
    chars_per_line = (column_mm - STRIP_GUTTER_MM) * PT_PER_MM / glyph_pt
    for event in events:
        words = f"{event.when} {event.event}".split()
        if max(len(word) for word in words) > chars_per_line:
            return "list"
        if math.ceil(len(event.event) / chars_per_line) > STRIP_MAX_LINES:
            return "list"
    return "strip"
