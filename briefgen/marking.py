"""Handling markings computed from contents: a pack is marked at the highest level it holds.

The ordered scale comes from the audience's `marking_scale` (lowest first), so changing it
needs no Python. The audience's `marking_level` and each agenda item's `marking` count.
"""

from __future__ import annotations

from dataclasses import dataclass

from briefgen.meeting import LoadedMeeting


@dataclass(frozen=True)
class Requirement:
    """The highest marking among a pack's contents, and what demands it."""

    marking: str | None
    reason: str


def required_marking(loaded: LoadedMeeting) -> Requirement:
    """The highest marking of the audience and the agenda items (None if nothing is marked)."""
    config = loaded.audience.config
    found: list[tuple[str, str]] = []
    if config.marking_level is not None:
        found.append((config.marking_level, f'audience "{loaded.audience.name}"'))
    for number, item in enumerate(loaded.meeting.items, start=1):
        if item.marking is not None:
            found.append((item.marking, f'item {number} ("{item.title}")'))
    if not found:
        return Requirement(None, "nothing in the pack is marked")
    # The first of equal markings names the reason: the audience, then the earliest item.
    marking, reason = max(found, key=lambda pair: config.marking_rank(pair[0]))
    return Requirement(marking, reason)


def pack_marking(loaded: LoadedMeeting) -> str | None:
    """The banner: the stated marking if it covers the contents, else a located refusal."""
    required = required_marking(loaded)
    stated = loaded.meeting.marking
    if stated is None:
        return required.marking
    config = loaded.audience.config
    if required.marking is not None and config.marking_rank(stated) < config.marking_rank(
        required.marking
    ):
        raise loaded.loaded.error(
            ("marking",),
            f"the pack is marked {stated}, but {required.reason} is {required.marking}; "
            f"mark the meeting {required.marking} or higher, or remove the item",
        )
    return stated
