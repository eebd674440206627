"""A timeline drawn as SVG from the briefing's dated events, evenly spaced in order.

Events are placed by order, not by scale: the article's dates are a mix of years
("1992") and phrases ("44 days of war"), so a linear axis would misrepresent them.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from briefgen.schema import TimelineEvent

if TYPE_CHECKING:
    from briefgen.audience import AudienceConfig

WIDTH = 480.0
"""viewBox width in pt: about a handout column; the SVG scales to its box."""
FONT_SIZE = 7.6
LINE_HEIGHT = 9.6
AVERAGE_GLYPH_WIDTH = 0.52  # of the font size, for a humanist sans like Noto Sans


def wrap(text: str, width_pt: float, size: float) -> list[str]:
    chars = max(8, int(width_pt / (size * AVERAGE_GLYPH_WIDTH)))
    # Never shortened: a timeline that drops words would silently cut content.
    return textwrap.wrap(text, chars, break_long_words=False) or [""]


def timeline_svg(events: list[TimelineEvent], config: AudienceConfig, font_family: str) -> str:
    """An inline SVG: a rule with one marker per event, date above, event below.

    `font_family` lists the shipped families (`fonts.svg_font_family`).
    """
    count = len(events)
    slot = WIDTH / count
    font = quoteattr(font_family)
    accent, ink, muted = config.palette.accent, config.palette.ink, config.palette.muted
    wrapped = [wrap(e.event, slot - 6, FONT_SIZE) for e in events]
    whens = [wrap(e.when, slot - 6, FONT_SIZE + 0.6) for e in events]
    when_lines = max(len(w) for w in whens)
    axis_y = 6 + when_lines * LINE_HEIGHT + 6
    height = axis_y + 12 + max(len(w) for w in wrapped) * LINE_HEIGHT + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" '
        f'viewBox="0 0 {WIDTH:.0f} {height:.1f}" width="{WIDTH:.0f}pt" height="{height:.1f}pt" '
        f'font-family={font} font-size="{FONT_SIZE}">',
        f"<title>{escape(config.labels.timeline)}</title>",
        f'<line x1="0" y1="{axis_y}" x2="{WIDTH}" y2="{axis_y}" stroke="{muted}" '
        'stroke-width="0.8"/>',
    ]
    for index, (lines, when) in enumerate(zip(wrapped, whens, strict=True)):
        x = slot * index + slot / 2
        # Alternate filled and hollow markers so the sequence reads without colour.
        fill = accent if index % 2 == 0 else "#ffffff"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{axis_y}" r="3.6" fill="{fill}" stroke="{accent}" '
            'stroke-width="1.4"/>'
        )
        for n, line in enumerate(when):
            y = axis_y - 8 - (len(when) - 1 - n) * LINE_HEIGHT
            parts.append(
                f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-weight="700" '
                f'font-size="{FONT_SIZE + 0.6}" fill="{accent}">{escape(line)}</text>'
            )
        for n, line in enumerate(lines):
            y = axis_y + 14 + n * LINE_HEIGHT
            parts.append(
                f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" fill="{ink}">'
                f"{escape(line)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
