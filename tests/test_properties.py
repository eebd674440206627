"""Property tests: no generated input makes loading, validating or rendering HTML crash.

Example counts stay modest (the machine has two cores) and no PDF is rendered here.
"""

from __future__ import annotations

import contextlib
import json
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.audience import load_audience
from briefgen.documents import DOCUMENT_KINDS
from briefgen.errors import BriefgenError
from briefgen.load import load_yaml
from briefgen.markup import ALLOWED_TAGS, Notes, plain_text, render_markdown
from briefgen.prose_limits import prose_problem
from briefgen.render_html import TemplateRenderer
from briefgen.schema import Briefing
from briefgen.validate import load_briefing, validate_model
from tests.conftest import SEED, TEMPLATES
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


# --- Structured Markdown -------------------------------------------------------------------
# Markdown built from its constructs (emphasis, nested lists and quotes, footnotes, links,
# images, tables, raw HTML) with `&`, `<`, `>` and quotes wherever they may go. Each run
# must end well inside hypothesis' deadline, reach the HTML with no element or attribute
# outside the allow-list, and fail, if it fails, with located lines only.

PLAIN_WORDS = ["AT&T", "x < 3", "5 > 3", "R&D", "plain", "Şuşa", "a/b", "1<2", "3>2"]
"""Text that Markdown leaves as it is (no quotes, dashes or emphasis for smarty to turn)."""
MARKUP_WORDS = ['"quoted"', "it's", "&amp;", "&lt;b&gt;", "a_b", "2*3", "[sic]", "(aside"]
WORDS = st.sampled_from([*PLAIN_WORDS, *MARKUP_WORDS, "{{ 7*7 }}", "\\*", "--", "..."])
URLS = st.sampled_from(
    [
        "https://example.com/a?b=1&c=<2>",
        "mailto:a@example.org",
        "javascript:alert(1)",
        "map.png",
        "../outside.png",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        'https://x.org/" onmouseover="alert(1)',
        "#note-1",
    ]
)
HTML_FRAGMENTS = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<style>p{display:none}</style>",
        "<b>bold</b>",
        "<span style='color:red' class='x'>s</span>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">j</a>',
        "<iframe src=x></iframe>",
        "<!-- comment -->",
        "<svg><script>1</script></svg>",
        '<a rel="attachment" href="briefing.yaml">a</a>',
        "</p><p>",
        '<link rel="stylesheet" href="x.css">',
        '<sup class="note-call" id="note-call-1">1</sup>',
        "<table><tr><td onclick=x>c</td></tr></table>",
        "<base href='https://evil.example/'>",
    ]
)
NOTE_LABELS = st.sampled_from(["1", "a", "<b>", 'x"y', "&"])

INLINE = st.recursive(
    st.one_of(
        WORDS,
        HTML_FRAGMENTS,
        NOTE_LABELS.map("[^{}]".format),
        st.sampled_from(["<https://example.org>", "<a@example.org>"]),
    ),
    lambda inner: st.one_of(
        inner.map("*{}*".format),
        inner.map("**{}**".format),
        inner.map("_{}_".format),
        inner.map("`{}`".format),
        st.builds("[{}]({})".format, inner, URLS),
        st.builds('[{}]({} "{}")'.format, inner, URLS, WORDS),
        st.builds("![{}]({})".format, inner, URLS),
        st.lists(inner, min_size=2, max_size=4).map(" ".join),
    ),
    max_leaves=10,
)


def _indent(text: str, prefix: str) -> str:
    return text.replace("\n", "\n" + " " * len(prefix))


BLOCK = st.recursive(
    INLINE,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(
            lambda items: "\n".join(f"- {_indent(item, '- ')}" for item in items)
        ),
        st.lists(inner, min_size=1, max_size=3).map(
            lambda items: "\n".join(f"1. {_indent(item, '1. ')}" for item in items)
        ),
        inner.map(lambda text: "> " + text.replace("\n", "\n> ")),
        st.lists(inner, min_size=2, max_size=3).map("\n\n".join),
        st.builds("| {} | {} |\n|---|---|\n| {} | x |".format, WORDS, WORDS, INLINE),
    ),
    max_leaves=6,
)
MARKDOWN = st.builds(
    lambda body, notes, references: "\n\n".join(
        [body]
        + [f"[^{label}]: {text}" for label, text in notes]
        + [f"[{label}]: {url}" for label, url in references]
    ),
    BLOCK,
    st.lists(st.tuples(NOTE_LABELS, INLINE), max_size=2),
    st.lists(st.tuples(st.sampled_from(["r", "map"]), URLS), max_size=2),
)


class _Markup(HTMLParser):
    """Every element and attribute actually present, and what is wrong with them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.bad: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            url = (value or "").strip().lower()
            if name.startswith("on") or name == "style" or name == "rel":
                self.bad.append(f"{tag} {name}")
            elif name in ("href", "src") and url.startswith(("javascript:", "data:", "file:")):
                self.bad.append(f"{tag} {name}={url[:30]}")


def _located(error: BriefgenError) -> bool:
    return all(LOCATED.match(line) for line in str(error).splitlines())


LOCATED = re.compile(r"^\S[^:]*:\d+(:\d+)?: \S")
ALLOWED = ALLOWED_TAGS | {"html", "head", "body"}


@settings(max_examples=150, deadline=10_000, suppress_health_check=[HealthCheck.too_slow])
@given(MARKDOWN)
def test_structured_markdown_reaches_html_only_through_the_allow_list(markdown: str) -> None:
    problem = prose_problem(markdown)
    assert problem is None or "\n" not in problem
    notes = Notes()
    html = str(render_markdown(markdown, notes))
    for part in [html, *map(str, notes.items)]:
        found = _Markup(part)
        assert found.tags <= ALLOWED, (found.tags - ALLOWED, markdown)
        assert not found.bad, (found.bad, markdown)


TEMPLATE_TAGS: set[str] = set()
TEMPLATE_BAD: set[str] = set()


@settings(max_examples=40, deadline=10_000, suppress_health_check=[HealthCheck.too_slow])
@given(MARKDOWN)
def test_structured_markdown_in_every_field_builds_html_or_fails_located(markdown: str) -> None:
    if not TEMPLATE_TAGS:  # what the templates print around the content, once
        baseline, _ = load_briefing(SEED)
        for kind in DOCUMENT_KINDS:
            printed = _Markup(RENDERER.render(kind, baseline))
            TEMPLATE_TAGS.update(printed.tags)
            TEMPLATE_BAD.update(printed.bad)  # the templates' own stylesheet links
    prose = json.dumps(markdown)
    text = GOOD.replace("summary: A short summary.", f"summary: {prose}") + "".join(
        f"{key}: {prose}\n" for key in ("bottom_line", "background", "thesis")
    )
    text += f"what_to_watch: [{prose}]\nglossary:\n  - term: T\n    definition: {prose}\n"
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "briefing.yaml").write_text(text, encoding="utf-8")
        try:
            briefing, _ = load_briefing(Path(folder), ["general"])
        except BriefgenError as error:
            assert _located(error), str(error)
            return
    for kind in DOCUMENT_KINDS:
        found = _Markup(RENDERER.render(kind, briefing))
        assert found.tags <= TEMPLATE_TAGS | ALLOWED, (found.tags - TEMPLATE_TAGS, markdown)
        assert set(found.bad) <= TEMPLATE_BAD, (set(found.bad) - TEMPLATE_BAD, markdown)


@settings(max_examples=60, deadline=10_000)
@given(st.lists(st.sampled_from(PLAIN_WORDS), min_size=1, max_size=6).map(" ".join))
def test_ampersands_and_angle_brackets_print_as_written_in_every_field(words: str) -> None:
    """`AT&T`, `x < 3`: plain fields print them as text, Markdown fields read back as text."""
    value = json.dumps(words)
    text = GOOD.replace("title: A minimal briefing", f"title: {value}")
    text = text.replace("summary: A short summary.", f"summary: {value}\nsubtitle: {value}")
    text = text.replace("label: The answer", f"label: {value}")
    text = text.replace("claim: Something is true.", f"claim: {value}")
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "briefing.yaml").write_text(text, encoding="utf-8")
        try:
            briefing, _ = load_briefing(Path(folder), ["general"])
        except BriefgenError as error:  # e.g. an empty value once stripped
            assert _located(error), str(error)
            return
    shown = " ".join(_Text(RENDERER.render("brief", briefing)).text.split())
    assert briefing.title in shown and briefing.key_facts[0].label in shown
    assert plain_text(briefing.summary) == " ".join(briefing.summary.split())


class _Text(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.skip = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skip += tag in ("style", "script", "title")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("style", "script", "title")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.text += data + " "
