"""`briefgen new` and `briefgen schema`: a commented starting briefing and the JSON Schema
that editors (yaml-language-server) use to complete and check it as authors type."""

from __future__ import annotations

import json
import os
from pathlib import Path

from briefgen.errors import BriefgenError, CommandLineError, display_path
from briefgen.load import LoadedYaml, strings_in
from briefgen.output import write_atomically
from briefgen.paths import BRIEFING_FILE, BRIEFING_NAME, BRIEFING_NAME_RULE

SCHEMA_PATH = Path("schema") / "briefing.schema.json"
MEETING_SCHEMA_PATH = Path("schema") / "meeting.schema.json"

TEMPLATE = """\
# yaml-language-server: $schema={schema}
# A new briefing. Replace every line below, then run `briefgen check {folder}`.
# Prose fields are Markdown: *emphasis*, [links](https://…), footnotes[^1] in the handout.
title: {title}
# subtitle: One line under the title
date: {date}                  # the briefing's own date, YYYY-MM-DD
language: en

sources:                      # every text the briefing cites; the first is the main one
  - id: main                  # citations below name a source by this id
    title: Title of the source
    # type: report            # article, article-journal, post-weblog, webpage, report, …
    # authors:
    #   - name: Name as printed
    #     affiliation: Where they work
    # container: Journal or website it appears in
    # publisher: Who published it
    # published: 2026-01-31
    # url: https://example.org/the-source
    # accessed: 2026-02-01   # when you read the URL
    # licence: CC BY 4.0
    # text: source.txt        # its plain text: quotes are then found and numbered there

bottom_line: >-
  Two or three sentences, conclusion first. This is what a reader who stops here takes away.

summary: >-
  One paragraph that says what happened and what the author argues.

key_facts:                    # the big numbers on the cards; at least one
  - figure: "0"
    label: What the figure counts
    priority: high            # high | normal | low (low is dropped first to fit one page)
    source: {{id: main}}      # add `quote: "…"` copied from the source, or
                              # `locator: {{page: "12"}}` (or paragraph, section)

argument:                     # the author's reasons, in order; at least one
  - claim: The author's first point in one line.
    points:
      - text: The reason in full, for the handout.
        short: A terse version for the brief.

# recommendations:            # the editor's own unless an item cites a `source`
#   - text: What should be done, in full.
#     addressee: Who should do it
#     priority: normal
# implications: []            # same form: what this means for the reader
"""


PLACEHOLDERS = {
    "Title of the source": "the source's title",
    "Two or three sentences, conclusion first. This is what a reader who stops here takes "
    "away.": "your bottom line",
    "One paragraph that says what happened and what the author argues.": "your summary",
    "What the figure counts": "what your figure counts",
    "The author's first point in one line.": "the author's first point",
    "The reason in full, for the handout.": "the reason in full",
    "A terse version for the brief.": "a short version of the reason",
}
"""The example text `briefgen new` writes, and what to write instead: a briefing that
still holds any of it is refused, so a scaffold never prints as if it were content."""


def placeholder_errors(loaded: LoadedYaml) -> list[BriefgenError]:
    """One located error for each field that still holds `briefgen new`'s example text."""
    return [
        loaded.error(
            location,
            f"{'.'.join(map(str, location))}: still the example text from `briefgen new`; "
            f"replace it with {PLACEHOLDERS[text.strip()]}",
        )
        for location, text in strings_in(loaded.data)
        if text.strip() in PLACEHOLDERS
    ]


def write_schema(root: Path) -> Path:
    """Write the JSON Schema of `Briefing` to schema/briefing.schema.json under `root`,
    and that of `Meeting` beside it."""
    from briefgen.meeting import Meeting
    from briefgen.schema import Briefing

    for model, path in ((Briefing, SCHEMA_PATH), (Meeting, MEETING_SCHEMA_PATH)):
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        write_atomically(root / path, text.encode())
    return root / SCHEMA_PATH


def new_briefing(content: Path, slug: str, root: Path, today: str) -> Path:
    """Create content/<slug>/briefing.yaml, pointing at the schema; never overwrites."""
    if not BRIEFING_NAME.fullmatch(slug):
        raise CommandLineError(f'briefing name "{slug}" must be {BRIEFING_NAME_RULE}')
    folder = content / slug
    target = folder / BRIEFING_FILE
    if target.exists():
        raise CommandLineError(f"{display_path(target)} already exists; pick another name")
    schema = Path(os.path.relpath((root / SCHEMA_PATH).resolve(), folder.resolve()))
    # Quoted: a JSON string is a valid YAML double-quoted scalar, so `briefgen new 2024`
    # (or `null`, `true`) still writes a string title rather than a number or null.
    title = json.dumps(slug.replace("-", " ").capitalize(), ensure_ascii=False)
    text = TEMPLATE.format(
        schema=schema.as_posix(), folder=display_path(folder), title=title, date=today
    )
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
