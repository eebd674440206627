"""Every briefing shipped under content/ checks and builds, in the shipped fonts only."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.audience import load_audience
from briefgen.build import BuildOptions, build_briefing
from briefgen.paths import audience_names, find_briefings
from tests.conftest import CONTENT, TEMPLATES
from tests.test_fonts import assert_only_shipped_fonts, pdftotext

EXAMPLES = [
    folder
    for folder in find_briefings([], CONTENT)
    if folder.name != "russian-peacekeepers-azerbaijan"
]


def test_there_are_examples_besides_the_seed() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda folder: folder.name)
def test_example_builds_with_its_charts_and_tables(folder: Path, tmp_path: Path) -> None:
    audience = load_audience(TEMPLATES, "general")
    options = BuildOptions(out=tmp_path, templates=TEMPLATES)
    outputs = {
        o.kind: o for o in build_briefing(folder, audience, options, audience_names(TEMPLATES))
    }
    assert outputs["brief"].pages == 1
    for output in outputs.values():
        assert_only_shipped_fonts(output.path)
    handout = " ".join(pdftotext(outputs["handout"].path).split())
    assert "Figure 1" in handout and "Table 1" in handout
