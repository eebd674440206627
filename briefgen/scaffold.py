"""`briefgen new` and `briefgen schema`: a commented starting briefing and the JSON Schema
that editors (yaml-language-server) use to complete and check it as authors type."""

from __future__ import annotations

import json
import os
from pathlib import Path

from briefgen.errors import CommandLineError, display_path
from briefgen.output import write_atomically
from briefgen.paths import BRIEFING_FILE, BRIEFING_NAME, BRIEFING_NAME_RULE

SCHEMA_PATH = Path("schema") / "briefing.schema.json"

TEMPLATE = """\
# yaml-language-server: $schema={schema}
# A new briefing. Replace every line below, then run `briefgen check {folder}`.
# Prose fields are Markdown: *emphasis*, [links](https://…), footnotes[^1] in the handout.
title: {title}
# subtitle: One line under the title
date: {date}                  # the briefing's own date, YYYY-MM-DD
language: en

source:                       # the article this briefing is built from
  title: Title of the source article
  # author: Name, if the article states it
  # text: article.txt         # the article's plain text; quotes below are then checked

bottom_line: >-
  Two or three sentences, conclusion first. This is what a reader who stops here takes away.

summary: >-
  One paragraph that says what happened and what the author argues.

key_facts:                    # the big numbers on the cards; at least one
  - figure: "0"
    label: What the figure counts
    priority: high            # high | normal | low (low is dropped first to fit one page)
    source: {{paragraph: 1}}  # add `quote: "…"` with words copied from that paragraph

argument:                     # the author's reasons, in order; at least one
  - claim: The author's first point in one line.
    points:
      - text: The reason in full, for the handout.
        short: A terse version for the brief.
"""


def write_schema(root: Path) -> Path:
    """Write the JSON Schema of `Briefing` to schema/briefing.schema.json under `root`."""
    from briefgen.schema import Briefing

    schema = Briefing.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    target = root / SCHEMA_PATH
    write_atomically(target, (json.dumps(schema, indent=2, ensure_ascii=False) + "\n").encode())
    return target


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
