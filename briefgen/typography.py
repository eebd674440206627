"""Typographic care for plain text fields: curly quotes, no runt at a title's end, and
no line break between a number and its unit (`keep_together`, for prose too).

Markdown prose gets curly quotes from Markdown's `smarty` extension (`briefgen/markup.py`);
plain fields (titles, claims, labels, figures, events) and audience labels get them
here, through Jinja's `finalize`; citations (`briefgen/citations.py`) call
`smart_quotes` on the fields they print.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

NBSP = "\u00a0"
NO_BREAK_CLASS = "no-break"
"""Styled `white-space: nowrap` in templates/base/css/common.css."""
MAX_GLUED_CHARS = 24
"""The last two words are kept together only while they are short enough to move to the
next line as a pair; a longer pair could overflow a narrow box."""

_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)|'(?=\d\ds?\b)")
_OPEN_SINGLE = re.compile(r"(^|[\s(\[{“‘—–-])'")
_OPEN_DOUBLE = re.compile(r"(^|[\s(\[{‘“—–-])\"")
_URL = re.compile(r"^(https?|mailto|file|data):", re.IGNORECASE)
_UNIT = (
    r"%|‰|‱|°[CF]?|[kMGT]?Wh?|[kMG]?t|kg|g|km²?|m[²³]?|cm|mm|ha|l|L|pp|"
    r"[€$£¥₼₽₹₺₴]|CHF|EUR|USD|GBP|AZN"
)
_TOGETHER = re.compile(
    rf"(?<=\d) (?=(?:{_UNIT})(?!\w))"  # 83,5 %  ·  12 km  ·  −18 kt
    r"|(?<=[≈~±≥≤<>−€$£¥₼₽₹]) (?=[−-]?\d)"  # ≈ −18  ·  ≥ 2.5  ·  € 1,280
    r"|(?<=\d) (?=\d{3}(?!\d))"  # 2 038 400: a number grouped by spaces
)
"""Spaces a line must not break at: between a number and its unit or the sign before
it, and inside a number whose digits are grouped by spaces."""


@dataclass(frozen=True)
class Quotes:
    """A language's quotation marks: outer, and inner for quotes within quotes."""

    open: str
    close: str
    inner_open: str
    inner_close: str


ENGLISH_QUOTES = Quotes("“", "”", "‘", "’")
QUOTED_SPAN = re.compile(r"“([^“”]+)”|‘(?=\S)([^‘]+?)’(?!\w)")
"""A span quoted in the curly quotes `smart_quotes` sets (not an apostrophe)."""


def quoted(text: str, quotes: Quotes, language: str | None = None) -> Markup:
    """Plain `text` printed in `quotes` (« … » in French), its own quotes turned into
    the inner ones: “The ‘poor’ rating”, never “The “poor” rating”. Words in another
    `language` than the page are tagged with it inside the marks, which are the page's."""
    printed = str(_printed(text))
    inner = QUOTED_SPAN.sub(
        lambda m: f"{escape(quotes.inner_open)}{m[1] or m[2]}{escape(quotes.inner_close)}", printed
    )
    if language is not None:
        inner = f'<span lang="{escape(language)}">{inner}</span>'
    return Markup(f"{escape(quotes.open)}{inner}{escape(quotes.close)}")


def keep_together(text: str) -> str:
    """The spaces of `_TOGETHER` made no-break, so "83,5 %" never ends a line on
    "83,5" and "≈ −18 kt" stays whole."""
    return _TOGETHER.sub(NBSP, text)


def smart_quotes(text: str) -> str:
    """Straight quotes and apostrophes as typographers set them: ’ ‘ ’ “ ”."""
    text = _APOSTROPHE.sub("’", text)
    text = _OPEN_SINGLE.sub(r"\1‘", text).replace("'", "’")
    return _OPEN_DOUBLE.sub(r"\1“", text).replace('"', "”")


def curl_printed(value: Any) -> Any:
    """For Jinja's `finalize`: every plain string a template prints gets curly quotes.

    HTML already made is left as it is: rendered Markdown has them from `smarty`, macros
    and blocks were finalized as they rendered, citations curl their own fields, and
    CSS (`css_string`, font stacks) needs its straight quotes. Addresses stay as typed.
    """
    if isinstance(value, str) and not isinstance(value, Markup) and not _URL.match(value):
        return keep_together(smart_quotes(value))
    return value


def no_runt(text: str) -> Markup:
    """The text with its last two words kept on one line (a no-break span, so no break
    after a dash either, as in "1960–2008"): no line ends on one word or number alone.

    Returns HTML, which `curl_printed` leaves alone, so the quotes are curled and the
    right-to-left runs isolated here."""
    words = text.split()
    if len(words) < 3 or len(words[-2]) + 1 + len(words[-1]) > MAX_GLUED_CHARS:
        return Markup(_printed(text))
    head, _, _ = text.rstrip().rpartition(words[-2])
    pair = f"{words[-2]}{NBSP}{words[-1]}"
    return Markup(f'{_printed(head)}<span class="{NO_BREAK_CLASS}">{_printed(pair)}</span>')


def _printed(text: str) -> Markup:
    """Plain text as `curl_printed` and the bidi isolation would print it, escaped."""
    from briefgen.bidi import isolate_right_to_left

    return escape(isolate_right_to_left(keep_together(smart_quotes(text))))
