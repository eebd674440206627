"""A source's plain text: its paragraphs, and where a quote is found in them.

What counts as a paragraph (the numbers printed as ¶N):

- The text is cut into blocks at blank lines. A file with no blank line at all has one
  block per line.
- A block is *not* a paragraph when it is the source's title, a line that is only web
  addresses, a Markdown heading (`# …`), or a heading-like short line: one line of at most
  `HEADING_MAX_WORDS` words that does not end like a sentence (`.`, `!`, `?`, `:`, `;`,
  a closing quote or bracket).
- Every other block is a paragraph, numbered from 1 in reading order.

Quotes are matched loosely: case, typographic quotes and apostrophes, dashes and runs of
whitespace (including line breaks) do not matter. A quote must lie within one block.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

HEADING_MAX_WORDS = 12
SENTENCE_END = tuple(".!?:;\"'”’)]»…")
_URL_ONLY = re.compile(r"^(?:<?(?:https?://|www\.)\S+>?\s*)+$")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_NORMALIZE = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "−": "-",
        "\u00ad": None,  # soft hyphen
    }
)
CLOSEST_MAX_CHARS = 90
"""How much of the closest match an error message quotes."""
CLOSEST_MAX_WORDS = 3_000
"""Words of the likeliest block searched for the closest match: keeps the hint cheap."""


def normalize(text: str) -> str:
    """Compare quotes loosely: typographic quotes, dashes, spacing and case do not matter."""
    return " ".join(text.translate(_NORMALIZE).split()).casefold()


@dataclass(frozen=True)
class Block:
    text: str
    """The block's words, whitespace collapsed."""
    line: int
    """Line of the file where the block starts, from 1."""
    paragraph: int | None
    """Its paragraph number, or None for a title, heading or URL line."""


@dataclass(frozen=True)
class SourceText:
    blocks: tuple[Block, ...]

    @property
    def paragraph_count(self) -> int:
        return sum(1 for b in self.blocks if b.paragraph is not None)

    def find(self, quote: str) -> list[Block]:
        """Every occurrence of `quote`, one entry per occurrence (a block may repeat)."""
        needle = normalize(quote)
        if not needle:
            return []
        found: list[Block] = []
        for block in self.blocks:
            found += [block] * normalize(block.text).count(needle)
        return found

    def closest(self, quote: str) -> tuple[Block, str] | None:
        """The block and the passage in it that look most like `quote`, for a hint."""
        words = normalize(quote).split()
        if not words:
            return None
        wanted = set(words)
        scored = [
            (len(wanted & set(normalize(b.text).split())), -i, b) for i, b in enumerate(self.blocks)
        ]
        best_score, _, block = max(scored, default=(0, 0, None), key=lambda s: s[:2])
        if block is None or best_score == 0:
            return None
        # Slide a window the quote's length over the block's words; keep the likeliest.
        original = block.text.split()[:CLOSEST_MAX_WORDS]
        folded = [normalize(w) for w in original]
        size = min(len(words), len(folded))
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(" ".join(words))
        best = (-1.0, 0)
        for start in range(len(folded) - size + 1):
            matcher.set_seq1(" ".join(folded[start : start + size]))
            ratio = matcher.ratio()
            if ratio > best[0]:
                best = (ratio, start)
        passage = " ".join(original[best[1] : best[1] + size])
        if len(passage) > CLOSEST_MAX_CHARS:
            passage = passage[: CLOSEST_MAX_CHARS - 1].rstrip() + "…"
        return block, passage


def is_paragraph(block: str, title: str | None) -> bool:
    if title is not None and normalize(block) == normalize(title):
        return False
    if _URL_ONLY.match(block) or block.lstrip().startswith("#"):
        return False
    one_line = "\n" not in block.strip()
    short = len(block.split()) <= HEADING_MAX_WORDS
    return not (one_line and short and not block.rstrip().endswith(SENTENCE_END))


def parse_source_text(text: str, title: str | None = None) -> SourceText:
    """Cut `text` into blocks and number its paragraphs (see the module docstring)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _BLANK_LINE.search(text):
        pieces: list[tuple[int, str]] = []
        offset = 0
        for match in _BLANK_LINE.finditer(text):
            pieces.append((offset, text[offset : match.start()]))
            offset = match.end()
        pieces.append((offset, text[offset:]))
    else:
        pieces = []
        offset = 0
        for piece in text.split("\n"):
            pieces.append((offset, piece))
            offset += len(piece) + 1
    blocks: list[Block] = []
    number = 0
    counted_to, line_number = 0, 1  # newlines counted incrementally: linear in the text
    for start, raw in pieces:
        if not raw.strip():
            continue
        begins = start + len(raw) - len(raw.lstrip())
        line_number += text.count("\n", counted_to, begins)
        counted_to = begins
        counted = is_paragraph(raw, title)
        number += counted
        blocks.append(Block(" ".join(raw.split()), line_number, number if counted else None))
    return SourceText(tuple(blocks))
