"""Coverage-guided fuzzing of load → validate → render_html with atheris (not run in CI).

    .venv/bin/pip install atheris
    nice -n 19 .venv/bin/python scripts/fuzz.py CORPUS_DIR -max_total_time=1800 \
        -timeout=10 -rss_limit_mb=1024 -artifact_prefix=ARTIFACTS/

Each input is read one of two ways, chosen by its first byte:

- a whole `briefing.yaml`, to shake the YAML loader and the schema;
- Markdown prose dropped into every prose field of a valid briefing, to shake the
  Markdown renderer, the footnotes and the sanitizer.

A finding is any exception other than a `BriefgenError`, a `BriefgenError` whose lines
are not each `path:line[:col]: message`, or raw HTML outside the allow-list in the output.
Each new kind (exception type and innermost briefgen line) is saved with its traceback to
$BRIEFGEN_FUZZ_FINDINGS (default build/fuzz-findings/) and fuzzing goes on. libFuzzer's
-timeout and -rss_limit_mb stop the run on a slow or hungry input and write it to
-artifact_prefix; run the script in a loop to go on after one. Findings go to
tests/bad_inputs/ with their fix.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import traceback
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
sources:
  - id: article
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
    source: {{locator: {{paragraph: 1}}}}
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
            for line in str(exc).replace(folder, "F").splitlines():
                if not LOCATED.match(line):
                    # The message, numbers and quoted text left out, names the kind.
                    kind = re.sub(r"\d+|\"[^\"]*\"|'[^']*'", "_", line)[:60]
                    raise AssertionError(f"unlocated error line: {kind}") from exc
            return
    for page in pages:
        extra = Tags(page).tags - BASELINE - ALLOWED_TAGS
        if extra:
            raise AssertionError(f"raw elements reached the HTML: {sorted(extra)}")


FINDINGS = Path(os.environ.get("BRIEFGEN_FUZZ_FINDINGS", ROOT / "build" / "fuzz-findings"))


def one_input(data: bytes) -> None:
    if not data:
        return
    body = data[1:].decode("utf-8", errors="replace")
    try:
        if data[0] % 2:
            run(body)
        else:
            run(PROSE_FIELDS.format(prose=json.dumps(body)))
    except Exception as exc:
        record(data, exc)


def record(data: bytes, exc: Exception) -> None:
    """Keep the first input of each kind of failure, with its traceback."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "briefgen" in f.filename]
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    kind = f"{type(exc).__name__} at {where}"
    if isinstance(exc, AssertionError):
        kind += f": {exc}"
    name = hashlib.sha1(kind.encode()).hexdigest()[:12]
    FINDINGS.mkdir(parents=True, exist_ok=True)
    if not (FINDINGS / name).exists():
        (FINDINGS / name).write_bytes(data)
        (FINDINGS / f"{name}.txt").write_text(kind + "\n\n" + traceback.format_exc())
        print(f"NEW FINDING {name}: {kind}", file=sys.stderr, flush=True)


def main() -> None:
    # Elements the templates themselves print are not content's doing.
    briefing, _ = load_briefing(ROOT / "content" / "russian-peacekeepers-azerbaijan")
    for kind in ("brief", "handout"):
        BASELINE.update(Tags(RENDERER.render(kind, briefing)).tags)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
