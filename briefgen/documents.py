"""The kinds of document briefgen makes, and the handout's sections: named once, here.

Kept to the standard library, like `paths.py`, so planning a build imports nothing heavy.
"""

from __future__ import annotations

from typing import Literal, get_args

DocumentKind = Literal["brief", "handout"]
"""The one-page brief and the longer handout, built from the same briefing."""
DOCUMENT_KINDS: tuple[DocumentKind, ...] = get_args(DocumentKind)

HandoutSection = Literal[
    "summary",
    "key_facts",
    "argument",
    "background",
    "figures",
    "timeline",
    "quotes",
    "what_to_watch",
    "implications",
    "recommendations",
    "questions",
    "glossary",
    "sources",
]
"""Each is a briefing field (or, for `sources`, the source and further reading) and a
label of the same name; an audience lists the ones it prints, in its order. `figures`
prints the briefing's charts (`figures`) and then its CSV tables (`tables`)."""
HANDOUT_SECTIONS: tuple[HandoutSection, ...] = get_args(HandoutSection)
