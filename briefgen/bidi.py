"""Right-to-left words inside left-to-right text, kept in their place.

The Unicode bidi algorithm lets an Arabic or Hebrew word capture the neutral characters
and numbers after it, so "Sinai / سيناء (1956)" prints as "Sinai / (1956) سيناء". Each
right-to-left run (from its first to its last strong right-to-left letter) is wrapped in
RIGHT-TO-LEFT ISOLATE … POP DIRECTIONAL ISOLATE, the plain-text twin of `<bdi>`: the run
is ordered on its own and the text around it keeps its order. The marks are invisible,
need no glyph, and work the same in WeasyPrint, browsers and any field (headings, running
headers, tables), which is why they are used rather than markup.
"""

from __future__ import annotations

import re
import unicodedata

RIGHT_TO_LEFT_ISOLATE = "\u2067"
POP_DIRECTIONAL_ISOLATE = "\u2069"
ISOLATES_AND_EMBEDDINGS = re.compile("[\u202a-\u202e\u2066-\u2069]")
"""Bidi controls an author already placed: such text is left exactly as written."""

_RIGHT_TO_LEFT = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
"""A quick filter: the blocks of Hebrew, Arabic, Syriac, Thaana, N'Ko and their kin."""


def direction_class(char: str) -> str:
    """`R` for a strong right-to-left letter, `L` for a strong left-to-right one, else `N`."""
    kind = unicodedata.bidirectional(char)
    if kind in {"R", "AL"}:
        return "R"
    if kind == "L":
        return "L"
    if kind == "NSM":
        return "M"  # a combining mark belongs to the letter before it
    return "N"


def isolate_right_to_left(text: str) -> str:
    """`text` with every right-to-left run wrapped in an isolate; unchanged if it has none."""
    if not _RIGHT_TO_LEFT.search(text) or ISOLATES_AND_EMBEDDINGS.search(text):
        return text
    classes = [direction_class(char) for char in text]
    pieces: list[str] = []
    position = 0
    index = 0
    while index < len(text):
        if classes[index] != "R":
            index += 1
            continue
        start = end = index
        scan = index
        while scan < len(text) and classes[scan] != "L":
            if classes[scan] in {"R", "M"}:
                end = scan
            scan += 1
        pieces += [text[position:start], RIGHT_TO_LEFT_ISOLATE, text[start : end + 1]]
        pieces.append(POP_DIRECTIONAL_ISOLATE)
        position = index = end + 1
    pieces.append(text[position:])
    return "".join(pieces)
