"""Generated briefings of many shapes, for the fit's oracle test and its calibration.

Each is built from the seed's own sentences, cut and repeated in deterministic, seeded
ways: few or many facts, short or long labels, thin or dense arguments, long or no
sidebar lists, low priorities scattered over every list.
"""

from __future__ import annotations

import random
from typing import Any

from briefgen.schema import Briefing
from briefgen.validate import load_briefing
from tests.conftest import SEED

WORDS = [
    "agreement",
    "mission",
    "ceasefire",
    "peacekeepers",
    "corridor",
    "region",
    "withdrawal",
    "parliament",
    "negotiations",
    "guarantees",
    "community",
    "status",
    "territory",
    "deployment",
    "option",
    "reaction",
    "presence",
    "partner",
    "influence",
    "provocations",
    "resettlement",
    "rebuilding",
    "concessions",
    "position",
    "capacity",
    "station",
    "mediation",
    "conflict",
    "settlement",
    "security",
    "observers",
]


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def generated_briefing(number: int) -> Briefing:
    """Briefing number `number` of the corpus (the same every time)."""
    rng = random.Random(number)
    seed, _ = load_briefing(SEED)
    data: dict[str, Any] = seed.model_dump(by_alias=True, exclude_none=True)

    def priority() -> str:
        return rng.choice(["high", "normal", "normal", "low", "low"])

    data["bottom_line"] = " ".join(
        sentence(rng, rng.randint(8, 22)) for _ in range(rng.randint(1, 4))
    )
    data["summary"] = " ".join(sentence(rng, rng.randint(8, 24)) for _ in range(rng.randint(2, 8)))
    data["key_facts"] = [
        {
            "figure": rng.choice(
                ["1,960", "44 days", "3 truces", "7 regions", "2012", "10 November"]
            ),
            "label": sentence(rng, rng.randint(3, 14))[:-1],
            "source": {},
            "priority": priority(),
        }
        for _ in range(rng.randint(1, 12))
    ]
    data["argument"] = [
        {
            "claim": sentence(rng, rng.randint(4, 16))[:-1],
            "priority": rng.choice(["normal", "normal", "low"]),
            "points": [
                {"text": sentence(rng, rng.randint(6, 30)), "priority": priority()}
                for _ in range(rng.randint(0, 6))
            ],
        }
        for _ in range(rng.randint(1, 5))
    ]
    data["what_to_watch"] = [
        {"text": sentence(rng, rng.randint(6, 24)), "priority": priority()}
        for _ in range(rng.randint(0, 6))
    ]
    data["quotes"] = [
        {
            "text": sentence(rng, rng.randint(6, 24))[:-1],
            "source": {},
            "priority": priority(),
        }
        for _ in range(rng.randint(0, 5))
    ]
    data["glossary"] = [
        {
            "term": sentence(rng, rng.randint(1, 4))[:-1],
            "definition": sentence(rng, rng.randint(6, 20)),
            "priority": priority(),
        }
        for _ in range(rng.randint(0, 6))
    ]
    data["timeline"] = [
        {
            "when": str(1990 + 2 * i),
            "event": sentence(rng, rng.randint(2, 8))[:-1],
            "priority": priority(),
        }
        for i in range(rng.randint(0, 6))
    ]
    for source in data["sources"]:
        source.pop("text", None)  # generated quotes are not in the article
    return Briefing.model_validate(data)
