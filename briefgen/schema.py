"""The briefing content format: pydantic models that reject anything they do not know."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from briefgen.paths import NAME_PATTERN

MAX_PROSE_CHARS = 20_000
MAX_ITEMS = 200

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
"""A short plain line: titles, labels, terms."""
Markdown = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PROSE_CHARS)
]
"""Prose: Markdown with emphasis, links and (in the handout) footnotes."""
Name = Annotated[str, StringConstraints(pattern=f"^{NAME_PATTERN}$", max_length=60)]
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
"""A BCP 47 language tag such as `en`, `az` or `ru-Latn`."""
Priority = Literal["high", "normal", "low"]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^(https?://|mailto:)\S+$", max_length=2000),
]
"""A link the templates print: web or mail addresses only, never `javascript:`."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tailored(Strict):
    """An item that can be limited to some audiences and ranked for the page budget."""

    priority: Priority = Field(
        "normal", description="`low` items are the first dropped when the brief overflows."
    )
    only_for: list[Name] = Field(
        default_factory=list, description="Show only to these audiences (empty: all)."
    )
    hide_for: list[Name] = Field(default_factory=list, description="Never show to these audiences.")

    def shown_to(self, audience: str) -> bool:
        if self.only_for and audience not in self.only_for:
            return False
        return audience not in self.hide_for


class SourceRef(Strict):
    """Where in the source article a fact or claim comes from."""

    paragraph: int = Field(ge=1, le=1000, description="Paragraph number, 1 = first after title.")
    quote: Text | None = Field(
        None, description="Words copied exactly from that paragraph; checked at build time."
    )


class KeyFact(Tailored):
    figure: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=24)
    ] = Field(description="The big number or short phrase on the card, e.g. `1,960`.")
    label: Text = Field(description="A few words saying what the figure is.")
    detail: Markdown | None = Field(None, description="One sentence of context (handout).")
    source: SourceRef


class SubPoint(Tailored):
    text: Markdown = Field(description="The reason in full (handout).")
    short: Markdown | None = Field(None, description="A terse version for the brief.")
    source: SourceRef | None = None


class ArgumentPoint(Tailored):
    claim: Text = Field(description="The author's point in one line.")
    detail: Markdown | None = Field(None, description="The point in full (handout).")
    source: SourceRef | None = None
    points: list[SubPoint] = Field(default_factory=list, max_length=MAX_ITEMS)


class TimelineEvent(Tailored):
    when: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    event: Text
    source: SourceRef | None = None


class Quote(Tailored):
    text: Text = Field(description="Words quoted exactly from the article.")
    source: SourceRef


class GlossaryEntry(Tailored):
    term: Text
    definition: Markdown


class Citation(Strict):
    """A published work. Leave out what is not known rather than guess."""

    title: Text
    author: Text | None = None
    publication: Text | None = None
    published: dt.date | Text | None = None
    url: Url | None = None


class Article(Citation):
    """The article the briefing is built from. Leave out what the article does not state."""

    text: Text | None = Field(
        None, description="Path of the article's plain text, relative to the briefing folder."
    )


class FurtherSource(Citation):
    note: Markdown | None = None


class Briefing(Strict):
    """One briefing: `content/<slug>/briefing.yaml`."""

    title: Text
    subtitle: Text | None = None
    short_title: Text | None = Field(None, description="For running headers; defaults to title.")
    date: dt.date = Field(description="The briefing's own date (YYYY-MM-DD).")
    reference: Text | None = Field(None, description="A short reference printed in the masthead.")
    language: LanguageTag = "en"
    keywords: list[Text] = Field(default_factory=list, max_length=50)
    bottom_line: Markdown | None = Field(
        None, description="Two or three sentences, the conclusion first. Defaults to summary."
    )
    summary: Markdown
    key_facts: list[KeyFact] = Field(min_length=1, max_length=MAX_ITEMS)
    thesis: Markdown | None = Field(None, description="The author's overall claim.")
    argument: list[ArgumentPoint] = Field(min_length=1, max_length=MAX_ITEMS)
    background: Markdown | None = None
    timeline: list[TimelineEvent] = Field(default_factory=list, max_length=MAX_ITEMS)
    what_to_watch: list[Markdown] = Field(default_factory=list, max_length=MAX_ITEMS)
    questions: list[Markdown] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Discussion questions."
    )
    quotes: list[Quote] = Field(default_factory=list, max_length=MAX_ITEMS)
    glossary: list[GlossaryEntry] = Field(default_factory=list, max_length=MAX_ITEMS)
    source: Article
    further_reading: list[FurtherSource] = Field(default_factory=list, max_length=MAX_ITEMS)

    @property
    def running_title(self) -> str:
        return self.short_title or self.title
