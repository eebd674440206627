"""Property tests: no generated input makes loading, validating or rendering HTML crash.

Example counts stay modest (the machine has two cores) and no PDF is rendered here.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.audience import load_audience
from briefgen.documents import DOCUMENT_KINDS
from briefgen.errors import BriefgenError
from briefgen.load import load_yaml
from briefgen.render_html import TemplateRenderer
from briefgen.schema import Briefing
from briefgen.validate import load_briefing, validate_model
from tests.conftest import TEMPLATES
from tests.test_validate import GOOD

YAMLISH = st.text(
    alphabet=st.sampled_from([*"abc:- \n\t\"'[]{}&*!|>#%@`,?.0129\\\x00é€", "\ud7ff"]),
    max_size=200,
)
FRAGMENTS = st.sampled_from(
    [
        "title:",
        "summary:",
        "key_facts:",
        "  - ",
        "&a ",
        "*a",
        "[",
        "]",
        "{",
        "}",
        ": ",
        "\n",
        "  ",
        "'",
        '"',
        "|\n",
        ">-\n",
        "!!python/object:os.system",
        "<<: *a\n",
        "? ",
        "---\n",
        "date: 2026-02-30",
        "paragraph: 1",
        "source:",
        "argument:",
        "- claim: x",
    ]
)


def check_loads(text: str) -> None:
    """Schema validation and then the whole briefing check (quotes, images, audiences)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "briefing.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        with contextlib.suppress(BriefgenError):
            validate_model(load_yaml(path), Briefing)
        with contextlib.suppress(BriefgenError):
            load_briefing(Path(folder), ["general", "press"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
def test_arbitrary_text_only_raises_briefgen_errors(text: str) -> None:
    check_loads(text)


@settings(max_examples=150, deadline=None)
@given(st.lists(FRAGMENTS, max_size=30).map("".join))
def test_yaml_like_fragments_only_raise_briefgen_errors(text: str) -> None:
    check_loads(text)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=len(GOOD)), st.text(max_size=20))
def test_a_good_briefing_with_an_insertion_only_raises_briefgen_errors(
    at: int, insert: str
) -> None:
    check_loads(GOOD[:at] + insert + GOOD[at:])


PROSE = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
    min_size=1,
    max_size=300,
).filter(lambda s: s.strip())
RENDERER = TemplateRenderer(load_audience(TEMPLATES, "general"))


LINKS = st.sampled_from(["![a](", "![b][r]\n\n[r]: ", "[c](", "[^1]", "\n\n[^1]: "])
TARGETS = st.lists(
    st.sampled_from([*"ab./%0:\\ #?", "%00", "../", "http://", "file:"]), max_size=8
).map("".join)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(LINKS, TARGETS), max_size=4))
def test_links_and_images_in_prose_only_raise_briefgen_errors(
    pieces: list[tuple[str, str]],
) -> None:
    prose = " ".join(f"{link}{target})" for link, target in pieces) or "x"
    check_loads(GOOD.replace("summary: A short summary.", f"summary: {json.dumps(prose)}"))


@settings(max_examples=40, deadline=None)
@given(summary=PROSE, title=PROSE.map(lambda s: s[:400]), watch=st.lists(PROSE, max_size=3))
def test_arbitrary_prose_renders_to_html(summary: str, title: str, watch: list[str]) -> None:
    briefing = Briefing.model_validate(
        {
            "title": title,
            "date": "2026-01-02",
            "sources": [{"id": "a", "title": title}],
            "summary": summary,
            "bottom_line": summary,
            "background": summary,
            "what_to_watch": watch,
            "key_facts": [
                {
                    "figure": title[:24],
                    "label": title,
                    "detail": summary,
                    "source": {"locator": {"paragraph": 1}},
                }
            ],
            "argument": [
                {"claim": title, "detail": summary, "points": [{"text": summary, "short": summary}]}
            ],
            "glossary": [{"term": title, "definition": summary}],
        }
    )
    for kind in DOCUMENT_KINDS:
        html = RENDERER.render(kind, briefing)
        assert "<html" in html
