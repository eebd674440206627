"""The briefing content format: pydantic models that reject anything they do not know."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    model_validator,
)

from briefgen.documents import DOCUMENT_KINDS, DocumentKind
from briefgen.paths import NAME_PATTERN

MAX_PROSE_CHARS = 20_000
MAX_ITEMS = 200

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
"""A short plain line: titles, labels, terms."""


class Prose:
    """Marks a Markdown field, for the checks that read it as Markdown (prose_limits.py)."""


Markdown = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PROSE_CHARS),
    Prose(),
]
"""Prose: Markdown with emphasis, links and (in the handout) footnotes."""
Name = Annotated[str, StringConstraints(pattern=f"^{NAME_PATTERN}$", max_length=60)]
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
"""A BCP 47 language tag such as `en`, `az` or `ru-Latn`."""
Priority = Literal["high", "normal", "low"]
Year = Annotated[int, Field(ge=1000, le=9999)]
SourceId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=60)]
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
    documents: list[DocumentKind] = Field(
        default_factory=lambda: list(DOCUMENT_KINDS),
        alias="in",
        min_length=1,
        description="The documents that print it, e.g. `[handout]` to keep it off the brief.",
    )
    _item_id: str = PrivateAttr("")
    """Set by the fit's selection (`fit.ItemId`); printed as `data-item` so the fit can
    measure the item on the page."""

    def shown_to(self, audience: str) -> bool:
        if self.only_for and audience not in self.only_for:
            return False
        return audience not in self.hide_for

    def printed_in(self, audience: str, kind: DocumentKind) -> bool:
        return self.shown_to(audience) and kind in self.documents

    @property
    def item_id(self) -> str:
        return self._item_id


class Locator(Strict):
    """Where in a printed source: one of a paragraph, page or section."""

    paragraph: int | None = Field(
        None,
        ge=1,
        le=10_000,
        description="Only for sources without a text file, or to confirm the computed one: "
        "where the quote is found in the source's text, briefgen numbers the paragraph itself.",
    )
    page: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None
    ) = Field(None, description="A page or page range, e.g. `12` or `12–14`.")
    section: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
        | None
    ) = Field(None, description="A section number or heading, e.g. `3.2`.")

    @model_validator(mode="after")
    def one_kind(self) -> Locator:
        given = [name for name in ("paragraph", "page", "section") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("must give exactly one of paragraph, page or section")
        return self

    @property
    def kind(self) -> Literal["paragraph", "page", "section"]:
        if self.paragraph is not None:
            return "paragraph"
        return "page" if self.page is not None else "section"

    @property
    def value(self) -> str:
        return str(self.paragraph or self.page or self.section)


class SourceRef(Strict):
    """A citation: which source a fact, claim, quote or event comes from, and where."""

    id: SourceId | None = Field(
        None, description="The `id` of an entry in `sources`; may be left out if there is one."
    )
    quote: Text | None = Field(
        None,
        description="Words copied exactly from the source; where the source has a `text` "
        "file, briefgen finds them there and numbers the paragraph.",
    )
    locator: Locator | None = Field(
        None, description="Paragraph, page or section, for sources without a text file."
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


class Speaker(Strict):
    name: Text
    role: Text | None = Field(None, description="E.g. `Foreign Minister of Armenia`.")


class Quote(Tailored):
    text: Text = Field(description="Words quoted exactly from the source.")
    speaker: Speaker | None = Field(None, description="Who said it, when not the source's author.")
    source: SourceRef
    translation: Text | None = Field(
        None,
        description="The quote in the reader's language, printed beside the original words; "
        "a translation overlay fills it in.",
    )


class Recommendation(Tailored):
    """A recommendation or implication: the editor's own, unless it cites a source."""

    text: Markdown = Field(description="The item in full (handout).")
    short: Markdown | None = Field(None, description="A terse version for the brief.")
    addressee: Text | None = Field(None, description="Who should act, e.g. `Ministry of Finance`.")
    source: SourceRef | None = Field(
        None, description="Cite a source when the item is its author's, not the editor's."
    )


def _text_item(value: object) -> object:
    """A plain string is shorthand for `{text: ...}`."""
    return {"text": value} if isinstance(value, str) else value


class ListItem(Tailored):
    """A line in `what_to_watch` or `questions`: a plain string, or `text` with tailoring."""

    text: Markdown


TextItem = Annotated[
    ListItem, BeforeValidator(_text_item, json_schema_input_type=Markdown | ListItem)
]


class GlossaryEntry(Tailored):
    term: Text
    definition: Markdown


class Author(Strict):
    name: Text = Field(description="As printed, e.g. `Thomas de Waal` or `OSCE Minsk Group`.")
    family: Text | None = Field(
        None,
        description="The family-name part of `name` (e.g. `de Waal`), for citation styles "
        "that invert or shorten names; without it the name prints as written.",
    )
    affiliation: Text | None = None

    @model_validator(mode="after")
    def family_ends_name(self) -> Author:
        if self.family is not None and not self.name.endswith(self.family):
            raise ValueError(f'must be the end of the name "{self.name}", e.g. its last word')
        return self


SourceType = Literal[
    "article",
    "article-journal",
    "article-magazine",
    "article-newspaper",
    "post-weblog",
    "webpage",
    "report",
    "book",
    "chapter",
    "speech",
    "interview",
    "legislation",
    "treaty",
    "dataset",
]
"""CSL item types: they decide how the citation style formats the entry. In CSL,
`article` is a preprint or working paper; an article that is published is
`article-journal`, `article-magazine` or `article-newspaper`."""


class Citation(Strict):
    """A published work. Leave out what is not known rather than guess."""

    title: Text
    short_title: Text | None = Field(
        None, description="For short citations (chart sources, the brief), e.g. `Table 1.1.A`."
    )
    authors: list[Author] = Field(
        default_factory=list, max_length=50, description="Empty: no author is named."
    )
    type: SourceType = Field(
        "webpage",
        description="What kind of work it is (a CSL type); decides its format. `article` "
        "is a preprint or working paper: a published article is `article-journal`, "
        "`article-magazine` or `article-newspaper`.",
    )
    container: Text | None = Field(None, description="The journal, website or book it appears in.")
    publisher: Text | None = None
    published: dt.date | Year | Text | None = Field(
        None, description="YYYY-MM-DD, a year, or as printed (e.g. `Spring 2024`)."
    )
    url: Url | None = None
    accessed: dt.date | None = Field(None, description="When the URL was read (YYYY-MM-DD).")
    licence: Text | None = Field(None, description="E.g. `CC BY 4.0`, `public domain`.")
    language: LanguageTag | None = Field(
        None,
        description="The work's language when it is not the briefing's (e.g. `de`): a "
        "style title-cases English titles only, and prints the others as written.",
    )


class Source(Citation):
    """A text the briefing draws on; citations name it by `id`."""

    id: SourceId = Field(description="A short name citations use, e.g. `icg-2020`.")
    text: Text | None = Field(
        None,
        description="Plain text of the source, relative to the briefing folder; quotes "
        "citing this source are checked against it.",
    )


class FurtherSource(Citation):
    note: Markdown | None = None


ChartKind = Literal["bar", "line"]
DataFile = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"\.csv$")
]
"""A CSV file in the briefing folder, e.g. `poverty.csv`."""


class DataBlock(Tailored):
    """A table or chart drawn from a CSV file in the briefing folder."""

    data: DataFile = Field(
        description="CSV file in the briefing folder: a header row naming the columns, then "
        "one row per line (comma-separated, UTF-8)."
    )
    title: Text = Field(description="The caption, e.g. `Share of people in extreme poverty`.")
    source: SourceRef = Field(description="Where the numbers come from: `{id: …}` of a source.")
    note: Markdown | None = Field(None, description="Units, definitions; printed underneath.")
    brief: bool = Field(False, description="Also print it on the one-page brief.")


class DataTable(DataBlock):
    """A `tables:` entry: the CSV printed as a table, header row first."""

    columns: list[Text] = Field(
        default_factory=list, max_length=12, description="Columns to print, in order (all)."
    )


class Chart(DataBlock):
    """A `figures:` entry: a bar or line chart of CSV columns, drawn with matplotlib."""

    kind: ChartKind = Field(description="`bar` (categories) or `line` (a series over time).")
    alt: Text = Field(
        description="What the chart shows, in a sentence or two, for readers who cannot see "
        "it: the trend and the key numbers."
    )
    x: Text | None = Field(
        None, description="The column of categories or times (default: the first column)."
    )
    y: list[Text] = Field(
        default_factory=list,
        max_length=6,
        description="The columns of numbers to draw (default: every other column).",
    )
    unit: Text | None = Field(None, description="Unit of the numbers, e.g. `%`; on the axis.")


class Briefing(Strict):
    """One briefing: `content/<slug>/briefing.yaml`."""

    title: Text
    subtitle: Text | None = None
    short_title: Text | None = Field(None, description="For running headers; defaults to title.")
    date: dt.date = Field(description="The briefing's own date (YYYY-MM-DD).")
    reference: Text | None = Field(None, description="A short reference printed in the masthead.")
    online_edition: Url | None = Field(
        None, description="Where the briefing is published online; the brief prints a QR code."
    )
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
    what_to_watch: list[TextItem] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="The editor's own; labelled so."
    )
    implications: list[Recommendation] = Field(default_factory=list, max_length=MAX_ITEMS)
    recommendations: list[Recommendation] = Field(default_factory=list, max_length=MAX_ITEMS)
    questions: list[TextItem] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Discussion questions."
    )
    quotes: list[Quote] = Field(default_factory=list, max_length=MAX_ITEMS)
    glossary: list[GlossaryEntry] = Field(default_factory=list, max_length=MAX_ITEMS)
    figures: list[Chart] = Field(
        default_factory=list, max_length=50, description="Charts drawn from CSV files."
    )
    tables: list[DataTable] = Field(
        default_factory=list, max_length=50, description="Tables built from CSV files."
    )
    sources: list[Source] = Field(
        min_length=1,
        max_length=MAX_ITEMS,
        description="Every text the briefing cites; the first is the main one.",
    )
    further_reading: list[FurtherSource] = Field(default_factory=list, max_length=MAX_ITEMS)

    @property
    def running_title(self) -> str:
        return self.short_title or self.title
