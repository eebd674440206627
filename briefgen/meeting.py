"""The meeting file, `meetings/<name>.yaml`: what a pack holds, checked like a briefing.

A meeting names one audience and lists agenda items; each item carries the briefings
discussed under it and which of their documents go into the pack.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from briefgen.audience import Audience, load_audience
from briefgen.errors import BriefgenError, did_you_mean, display_path
from briefgen.glyphs import covered_codepoints, field_errors
from briefgen.load import LoadedYaml, load_yaml, strings_in
from briefgen.paths import BRIEFING_FILE, BRIEFING_NAME
from briefgen.schema import MAX_ITEMS, Name, Strict, Text
from briefgen.validate import ContentErrors, validate_model

MEETINGS_FOLDER = "meetings"
Clock = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$")
]
"""A time of day as HH:MM, 24-hour."""
Slug = Annotated[str, StringConstraints(pattern=BRIEFING_NAME.pattern)]
"""A briefing folder's name, as `briefgen new` makes it."""
DocumentChoice = Literal["brief", "handout", "both"]
KIND_ORDER: dict[DocumentChoice, tuple[Literal["brief", "handout"], ...]] = {
    "brief": ("brief",),
    "handout": ("handout",),
    "both": ("brief", "handout"),
}


class Paper(Strict):
    """One briefing tabled under an item, and which of its documents the pack holds."""

    briefing: Slug = Field(description="The briefing's folder name under content/.")
    documents: DocumentChoice = Field("brief", description="brief, handout, or both (brief first).")

    @property
    def kinds(self) -> tuple[Literal["brief", "handout"], ...]:
        return KIND_ORDER[self.documents]


class AgendaItem(Strict):
    title: Text
    presenter: Text | None = None
    time: Clock | None = Field(None, description="When the item starts, HH:MM.")
    marking: Text | None = Field(
        None, description="Handling marking of the item, from the audience's marking_scale."
    )
    papers: list[Paper] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="Briefings tabled under this item; none for an oral item.",
    )


class Meeting(Strict):
    """One meeting: `meetings/<name>.yaml`."""

    title: Text
    date: dt.date = Field(description="The day of the meeting (YYYY-MM-DD).")
    time: Clock | None = Field(None, description="When it starts, HH:MM.")
    place: Text | None = None
    chair: Text | None = None
    reference: Text | None = Field(None, description="A short reference printed on the cover.")
    audience: Name = Field(description="The audience the pack is printed for.")
    marking: Text | None = Field(
        None,
        description="The pack's stated marking; the build refuses it when the contents "
        "require a higher one. Default: the highest marking of the contents.",
    )
    items: list[AgendaItem] = Field(min_length=1, max_length=MAX_ITEMS)
    attendees: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    recipients: list[Text] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="Named copies: one PDF per name, with the name on every page.",
    )
    copies: int = Field(0, ge=0, le=500, description="Numbered copies: one PDF per copy.")


@dataclass(frozen=True)
class LoadedMeeting:
    """A checked meeting with its audience and the briefing folders it uses."""

    meeting: Meeting
    loaded: LoadedYaml
    audience: Audience
    folders: dict[str, Path]
    """Briefing folders by slug, in the order the agenda first uses them."""

    @property
    def name(self) -> str:
        return self.loaded.path.stem


def load_meeting(path: Path, templates: Path, content: Path) -> LoadedMeeting:
    """Load and check a meeting file: schema, audience, briefings and markings."""
    loaded = load_yaml(path, "meeting file")
    meeting = validate_model(loaded, Meeting)
    try:
        audience = load_audience(templates, meeting.audience)
    except BriefgenError as exc:
        raise loaded.error(("audience",), exc.message) from None
    errors: list[BriefgenError] = []
    folders: dict[str, Path] = {}
    available = sorted(p.parent.name for p in content.glob(f"*/{BRIEFING_FILE}"))
    for i, item in enumerate(meeting.items):
        for j, paper in enumerate(item.papers):
            folder = content / paper.briefing
            if (folder / BRIEFING_FILE).is_file():
                folders.setdefault(paper.briefing, folder)
                continue
            errors.append(
                loaded.error(
                    ("items", i, "papers", j, "briefing"),
                    f'no briefing "{paper.briefing}" in {display_path(content)}/.'
                    f"{did_you_mean(paper.briefing, available)} "
                    f"Briefings: {', '.join(available) or 'none'}.",
                )
            )
    errors += check_markings(meeting, loaded, audience)
    errors += field_errors(loaded, strings_in(loaded.data), covered_codepoints(templates))
    seen: set[str] = set()
    for i, name in enumerate(meeting.recipients):
        if name.casefold() in seen:
            errors.append(
                loaded.error(("recipients", i), f'"{name}" is listed twice; name each once')
            )
        seen.add(name.casefold())
    if errors:
        raise ContentErrors(errors)
    return LoadedMeeting(meeting, loaded, audience, folders)


def check_markings(meeting: Meeting, loaded: LoadedYaml, audience: Audience) -> list[BriefgenError]:
    """Every marking the meeting names must be on the audience's scale."""
    scale = audience.config.marking_scale
    named = [(("marking",), meeting.marking)] + [
        (("items", i, "marking"), item.marking) for i, item in enumerate(meeting.items)
    ]
    return [
        loaded.error(
            location,
            f'"{marking}" is not on the marking scale of audience "{audience.name}".'
            f"{did_you_mean(marking, scale)} Scale, lowest first: {', '.join(scale)}.",
        )
        for location, marking in named
        if marking is not None and marking not in scale
    ]
