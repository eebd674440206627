"""The layout corpus (tests/corpus/): briefings of very different shapes, written from
public texts. Every document either builds and passes preflight with no errors, or
is refused with a message that says what to shorten; the other documents still build."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from briefgen.audience import load_audience
from briefgen.build import BuildOptions, build_briefing
from briefgen.errors import BriefgenError
from briefgen.paths import audience_names
from briefgen.preflight import preflight, shipped_font_names
from tests.conftest import ROOT, TEMPLATES

CORPUS = ROOT / "tests" / "corpus"
SHAPES = ["very-short", "many-facts", "many-events", "very-long", "mixed-scripts"]
AUDIENCES = audience_names(TEMPLATES)


def test_the_corpus_has_every_shape() -> None:
    for shape in SHAPES:
        briefing = (CORPUS / shape / "briefing.yaml").read_text(encoding="utf-8")
        # Each says where its text comes from and under which licence.
        texts = re.findall(r"^    text: \S+\.txt$", briefing, re.M)
        assert briefing.count("\n    licence: ") == len(texts) > 0, shape
    many_events = (CORPUS / "many-events" / "briefing.yaml").read_text(encoding="utf-8")
    assert many_events.count("  - when:") >= 25
    many_facts = (CORPUS / "many-facts" / "briefing.yaml").read_text(encoding="utf-8")
    assert many_facts.count("  - figure:") >= 16
    scripts = (CORPUS / "mixed-scripts" / "briefing.yaml").read_text(encoding="utf-8")
    title = next(line for line in scripts.splitlines() if line.startswith("title:"))
    for script in ("GREEK", "CYRILLIC", "LATIN"):  # long names in three scripts, from the title on
        assert any(unicodedata.name(c, "").startswith(script) for c in title), script


@pytest.fixture(scope="module")
def corpus_build(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], object]:
    """{(shape, audience): [results] or the refusal}, built one briefing × audience at a time
    as the batch does, so one refusal never stops the others."""
    out = tmp_path_factory.mktemp("corpus")
    built: dict[tuple[str, str], object] = {}
    for shape in SHAPES:
        for name in AUDIENCES:
            audience = load_audience(TEMPLATES, name)
            try:
                built[shape, name] = build_briefing(
                    CORPUS / shape, audience, BuildOptions(out=out, templates=TEMPLATES), AUDIENCES
                )
            except BriefgenError as refusal:
                built[shape, name] = refusal
    return built


def refused_or_clean(result: object, kind: str) -> None:
    if isinstance(result, BriefgenError):
        message = str(result)
        assert "shorten" in message.lower(), message  # the refusal names what to shorten
        return
    assert isinstance(result, list)
    path = next(Path(r.path) for r in result if r.kind == kind)
    report = preflight(path, shipped_font_names(TEMPLATES))
    assert report.errors == [], [f.message for f in report.errors]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("audience", AUDIENCES)
def test_each_handout_builds_clean_or_is_refused(
    corpus_build: dict[tuple[str, str], object], shape: str, audience: str
) -> None:
    refused_or_clean(corpus_build[shape, audience], "handout")


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("audience", AUDIENCES)
def test_each_brief_builds_clean_or_is_refused(
    corpus_build: dict[tuple[str, str], object], shape: str, audience: str
) -> None:
    refused_or_clean(corpus_build[shape, audience], "brief")


def test_most_of_the_corpus_builds(corpus_build: dict[tuple[str, str], object]) -> None:
    built = [key for key, result in corpus_build.items() if isinstance(result, list)]
    assert len(built) >= len(corpus_build) * 3 // 4
