"""The brief's source line prints in full inside the page, however many sources it cites.

Read back from the PDF with poppler's `pdftotext -bbox`: all the text of the source line
(taken from the brief's HTML: the sources, the closing note, the marking) must be among
the words that lie on the page, above its bottom edge.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from briefgen.audience import load_audience
from briefgen.build import BuildOptions, build_briefing
from briefgen.fit import squash
from briefgen.paths import audience_names
from tests.conftest import SEED, TEMPLATES

EXTRA_SOURCES = [
    {
        "id": f"extra-{number}",
        "title": (
            f"Ceasefire monitoring in the South Caucasus, working paper {number}: "
            "mandates, logistics and the reactions of neighbouring states"
        ),
        "type": "report",
        "authors": [{"name": "Institute for Comparative Security Studies"}],
        "url": (
            "https://research.example.org/working-papers/south-caucasus/"
            f"ceasefire-monitoring-{number}/full-text-with-annexes.html"
        ),
    }
    for number in range(1, 6)
]


@pytest.fixture(scope="module")
def many_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed briefing citing its article and five more sources with long titles and URLs,
    with a shorter argument and facts so that the page has room for them."""
    folder = tmp_path_factory.mktemp("sources") / SEED.name
    folder.mkdir()
    yaml = YAML(typ="rt")
    yaml.width = 4096
    data = yaml.load((SEED / "briefing.yaml").read_text(encoding="utf-8"))
    data["sources"] += EXTRA_SOURCES
    data["argument"] = data["argument"][:1]
    data["key_facts"] = data["key_facts"][:4]
    for path in SEED.iterdir():
        # Its texts, not its translations (which would no longer match the shorter lists).
        if not path.name.startswith("briefing.") and path.is_file():
            (folder / path.name).write_bytes(path.read_bytes())
    with (folder / "briefing.yaml").open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return folder


def words_on_page(pdf: Path) -> list[str]:
    """The words of each page that lie wholly on it, in reading order."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    root = ET.fromstring(xhtml)
    words = []
    for page in root.iter("{http://www.w3.org/1999/xhtml}page"):
        width, height = float(page.get("width", 0)), float(page.get("height", 0))
        for word in page.iter("{http://www.w3.org/1999/xhtml}word"):
            box = [float(word.get(key, -1)) for key in ("xMin", "yMin", "xMax", "yMax")]
            if min(box[0], box[1]) >= 0 and box[2] <= width and box[3] <= height:
                words.append(word.text or "")
    return words


class SourceLineText(HTMLParser):
    """The text inside `<footer class="source-line">`."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth or (tag == "footer" and ("class", "source-line") in attrs):
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def source_line_text(html: str) -> str:
    parser = SourceLineText()
    parser.feed(html)
    return "".join(parser.parts)


@pytest.mark.parametrize("audience_name", ["general", "ministers"])
def test_every_source_prints_inside_the_page(
    many_sources: Path, tmp_path: Path, audience_name: str
) -> None:
    audience = load_audience(TEMPLATES, audience_name)
    options = BuildOptions(out=tmp_path / "build", templates=TEMPLATES)
    outputs = build_briefing(many_sources, audience, options, audience_names(TEMPLATES))
    brief = next(o.path for o in outputs if o.kind == "brief")
    printed = squash("".join(words_on_page(brief)))

    line = source_line_text(brief.with_suffix(".html").read_text(encoding="utf-8"))
    assert all(f"working paper {n}" in line.lower() for n in range(1, 6))
    missing = [word for word in line.split() if squash(word) not in printed]
    assert squash(line) in printed, f"not printed inside the page, e.g.: {missing[:5]}"
