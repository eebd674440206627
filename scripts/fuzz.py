"""Coverage-guided fuzzing of load → validate → render_html with atheris (not run in CI).

    .venv/bin/pip install atheris
    nice -n 19 .venv/bin/python scripts/fuzz.py CORPUS_DIR -max_total_time=1800 \
        -timeout=10 -rss_limit_mb=1024 -artifact_prefix=ARTIFACTS/

Each input is read one of two ways, chosen by its first byte:

- a whole `briefing.yaml`, to shake the YAML loader and the schema;
- Markdown prose dropped into every prose field of a valid briefing, to shake the
  Markdown renderer, the footnotes and the sanitizer.

A crash is any exception other than a `BriefgenError`, a `BriefgenError` whose lines are
not each `path:line[:col]: message`, raw HTML outside the allow-list in the output, or
(through libFuzzer's -timeout and -rss_limit_mb) a slow or hungry input. Crashing inputs
go to tests/bad_inputs/ with their fix.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from briefgen.audience import load_audience
    from briefgen.errors import BriefgenError
    from briefgen.markup import ALLOWED_TAGS
    from briefgen.render_html import TemplateRenderer
    from briefgen.validate import load_briefing

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
AUDIENCES = ["general", "ministers", "press", "students", "az"]
RENDERER = TemplateRenderer(load_audience(TEMPLATES, "general"))
BASELINE: set[str] = set()
LOCATED = re.compile(r"^\S[^:]*:\d+(:\d+)?: \S")
PROSE_FIELDS = """title: Fuzzed prose
date: 2026-01-02
source:
  title: The article
summary: {prose}
bottom_line: {prose}
background: {prose}
thesis: {prose}
what_to_watch: [{prose}]
key_facts:
  - figure: "42"
    label: The answer
    detail: {prose}
    source: {{paragraph: 1}}
argument:
  - claim: Something is true.
    detail: {prose}
    points:
      - text: {prose}
        short: {prose}
glossary:
  - term: A term
    definition: {prose}
"""


class Tags(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


def run(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "briefing.yaml").write_text(text, encoding="utf-8", errors="replace")
        try:
            briefing, _ = load_briefing(Path(folder), AUDIENCES)
            pages = [RENDERER.render(kind, briefing) for kind in ("brief", "handout")]
        except BriefgenError as exc:
            for line in str(exc).splitlines():
                if not LOCATED.match(line):
                    raise AssertionError(f"unlocated error line: {line!r}") from exc
            return
    for page in pages:
        extra = Tags(page).tags - BASELINE - ALLOWED_TAGS
        if extra:
            raise AssertionError(f"raw elements reached the HTML: {sorted(extra)}")


def one_input(data: bytes) -> None:
    if not data:
        return
    body = data[1:].decode("utf-8", errors="replace")
    if data[0] % 2:
        run(body)
    else:
        run(PROSE_FIELDS.format(prose=json.dumps(body)))


def main() -> None:
    # Elements the templates themselves print are not content's doing.
    briefing, _ = load_briefing(ROOT / "content" / "russian-peacekeepers-azerbaijan")
    for kind in ("brief", "handout"):
        BASELINE.update(Tags(RENDERER.render(kind, briefing)).tags)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
