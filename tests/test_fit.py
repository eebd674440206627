"""The one-page budget: an overlong brief is fitted with nothing cut, or fails saying why.

The overflow fixtures are the seed briefing made longer in one place each, written to
`tmp_path` with ruamel so the rest of the file (and its checked quotes) stays real.
"""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from ruamel.yaml import YAML

import briefgen.build
import briefgen.fit
from briefgen.audience import Audience, load_audience
from briefgen.build import BuildOptions, DocumentResult, build_briefing, describe_item
from briefgen.errors import BriefgenError
from briefgen.fit import TIGHT_SPACING, Fitted, describe_fit, ladder
from briefgen.paths import audience_names
from briefgen.render_html import Fit, expected_brief_text
from briefgen.validate import load_briefing
from tests.conftest import SEED, TEMPLATES

AUDIENCE = "general"
FILLER = (
    "The agreement's terms, the deployment's scope and the reactions in Baku, Yerevan and "
    "Moscow are set out in the handout, paragraph by paragraph, with their sources. "
)


def squash(text: str) -> str:
    """Text without white space, hyphens and quotes: line breaks and typography don't matter."""
    dropped = "-\u00ad\u2010\u2011'\"\u2018\u2019\u201c\u201d"
    return "".join(ch for ch in text if not ch.isspace() and ch not in dropped)


# --- the report text, without rendering ------------------------------------------------------


def test_ladder_order_and_fit_report() -> None:
    rungs = ladder(10, 9, ["key_facts.8", "key_facts.4"])
    assert rungs[0] == Fit(10)
    assert rungs[1] == Fit(10, TIGHT_SPACING)
    assert [r.body_size_pt for r in rungs[2:6]] == [9.75, 9.5, 9.25, 9.0]
    assert rungs[-1].dropped == {"key_facts.8", "key_facts.4"}

    briefing, _ = load_briefing(SEED)

    def describe(item: str) -> str:
        return describe_item(briefing, item)

    assert describe_fit(Fit(10), 10, describe) == []
    assert describe_fit(Fit(10, TIGHT_SPACING), 10, describe) == ["tightened spacing"]
    assert describe_fit(Fit(9.25, TIGHT_SPACING), 10, describe) == [
        "tightened spacing",
        "body 10pt → 9.25pt",
    ]
    dropped = describe_fit(Fit(9, TIGHT_SPACING, frozenset({"key_facts.4"})), 10, describe)
    assert dropped[-1] == 'dropped 1 low-priority item(s): fact "2012"'


# --- overflow fixtures, rendered ---------------------------------------------------------------


def variant(tmp_path: Path, slug: str, change: Callable[[Any], None]) -> Path:
    """The seed briefing with `change` applied to its YAML data, in its own folder."""
    yaml = YAML(typ="rt")
    yaml.width = 4096
    data = yaml.load((SEED / "briefing.yaml").read_text(encoding="utf-8"))
    change(data)
    folder = tmp_path / slug
    folder.mkdir()
    shutil.copy(SEED / "article.txt", folder / "article.txt")
    with (folder / "briefing.yaml").open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return folder


def long_summary(data: Any) -> None:
    data["summary"] = str(data["summary"]) + " " + FILLER * 4


def many_facts(data: Any) -> None:
    """Every fact card two lines longer; the low-priority ones are the ladder's last resort."""
    for fact in data["key_facts"]:
        fact["label"] = str(fact["label"]) + ", as the article states it, in its own words"


def long_argument(data: Any) -> None:
    extra = copy.deepcopy(data["argument"])
    for point in extra:
        point["claim"] = "Restated: " + str(point["claim"])
    data["argument"] += extra


@pytest.fixture(scope="module")
def general() -> Audience:
    return load_audience(TEMPLATES, AUDIENCE)


def build_capturing_fit(
    folder: Path, audience: Audience, out: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[DocumentResult] | None, Fitted | None, BriefgenError | None]:
    """Build, keeping the `Fitted` the ladder chose (its `fit.dropped` ids) for checking."""
    seen: list[Fitted] = []
    real = briefgen.fit.fit_to_one_page

    def spy(*args: Any, **kwargs: Any) -> Fitted:
        fitted = real(*args, **kwargs)
        seen.append(fitted)
        return fitted

    monkeypatch.setattr(briefgen.build, "fit_to_one_page", spy)
    options = BuildOptions(out=out, templates=TEMPLATES)
    try:
        outputs = build_briefing(folder, audience, options, audience_names(TEMPLATES))
    except BriefgenError as exc:
        return None, None, exc
    return outputs, seen[0], None


@pytest.mark.parametrize(
    ("slug", "change", "fits"),
    [
        ("long-summary", long_summary, True),
        ("many-facts", many_facts, True),
        ("long-argument", long_argument, False),
    ],
)
def test_overflow_is_fitted_whole_or_fails_saying_what_to_shorten(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    general: Audience,
    slug: str,
    change: Callable[[Any], None],
    fits: bool,
) -> None:
    folder = variant(tmp_path, slug, change)
    out = tmp_path / "out"
    outputs, fitted, error = build_capturing_fit(folder, general, out, monkeypatch)
    brief_pdf = out / slug / AUDIENCE / "brief.pdf"
    assert (error is None) == fits, (
        f"{slug}: expected {'a fit' if fits else 'a refusal'}, got {error}"
    )

    if error is not None:
        message = str(error)
        assert re.search(r"briefing\.yaml:1:1: \[general\] the brief does not fit", message)
        assert re.search(r"about \d+ mm overflows onto page 2", message), message
        assert re.search(r"Longest sections: [a-z ]+ \d+ mm, [a-z ]+ \d+ mm", message), message
        assert "Shorten those" in message and "priority: low" in message
        if slug == "long-argument":
            assert "Longest sections: argument" in message, message
        assert not brief_pdf.exists(), "a brief that does not fit must not be written"
        return

    assert outputs is not None and fitted is not None
    assert len(PdfReader(brief_pdf).pages) == 1
    brief = next(o for o in outputs if o.kind == "brief")
    assert brief.fitted, "an overlong brief must say what the ladder did"
    body = general.config.brief.body_size_pt
    if fitted.fit.spacing != 1.0:
        assert "tightened spacing" in brief.fitted
    if fitted.fit.body_size_pt != body:
        assert f"body {body:g}pt → {fitted.fit.body_size_pt:g}pt" in brief.fitted
    if fitted.fit.dropped:
        assert f"dropped {len(fitted.fit.dropped)} low-priority item(s): " in brief.fitted
    briefing, _ = load_briefing(folder)
    text = squash(" ".join(page.extract_text() or "" for page in PdfReader(brief_pdf).pages))
    lost = [s for s in expected_brief_text(briefing, general, fitted.fit) if squash(s) not in text]
    assert not lost, f"{slug}: printed brief is missing {lost}"
