"""Untrusted content: nothing injected reaches the HTML, nothing outside the project is read,
failed builds keep the old output, and the same input gives the same bytes."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from briefgen import build as build_module
from briefgen import output, typeset
from briefgen.audience import load_audience
from briefgen.build import BuildOptions, build_briefing
from briefgen.documents import DOCUMENT_KINDS
from briefgen.errors import BriefgenError
from briefgen.markup import render_markdown
from briefgen.paths import audience_names
from briefgen.render_html import TemplateRenderer
from briefgen.schema import Briefing
from briefgen.typeset import LaidOut, lay_out, pdf_bytes
from tests.conftest import SEED, TEMPLATES

MINI = """title: A minimal briefing
date: 2026-01-02
sources:
  - id: article
    title: The article
summary: {summary}
key_facts:
  - figure: "42"
    label: The answer
    source: {{locator: {{paragraph: 1}}}}
argument:
  - claim: Something is true.
"""

HOSTILE = [
    "<script>alert(1)</script>",
    "<style>body{display:none}</style>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    '<iframe src="https://evil.example"></iframe>',
    '<img src="x.png" onerror="alert(1)">',
    '<p onclick="alert(1)" style="color:red">x</p>',
    '<form action="https://evil.example"><input name="q"><button>go</button></form>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<svg><image href="file:///etc/passwd"/></svg>',
    '<a rel="attachment" href="file:///etc/passwd">x</a>',
    '<meta http-equiv="refresh" content="0">',
    "<!-- comment --><base href='https://evil.example/'>",
]
FORBIDDEN = [
    "<script",
    "<style",
    "javascript:",
    "<iframe",
    "onerror",
    "onclick",
    "<form",
    "<input",
    "<button",
    "<object",
    "<embed",
    "<link",
    "<svg",
    "file:",
    "attachment",
    "<meta",
    "<base",
    "<!--",
    "style=",
]


def general() -> Any:
    return load_audience(TEMPLATES, "general")


def briefing(**prose: str | list[str]) -> Briefing:
    data: dict[str, Any] = {
        "title": "T",
        "date": "2026-01-02",
        "sources": [{"id": "a", "title": "A"}],
        "summary": "S",
        "key_facts": [{"figure": "1", "label": "L", "source": {"locator": {"paragraph": 1}}}],
        "argument": [{"claim": "C"}],
    }
    data.update(prose)
    return Briefing.model_validate(data)


# --- 1. No HTML injection ----------------------------------------------------------------


@pytest.mark.parametrize("attack", HOSTILE)
def test_markdown_sanitizer_strips_active_content(attack: str) -> None:
    html = str(render_markdown(attack))
    for bad in FORBIDDEN:
        assert bad not in html.lower(), (attack, html)


class Elements(HTMLParser):
    """Tags and attributes actually present in a document, not text that looks like them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.bad_attributes: list[tuple[str, str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        for name, value in attrs:
            url = (value or "").strip().lower()
            if name.startswith("on") or (
                url.startswith(("javascript:", "file:", "http"))
                and (name in {"src", "href", "xlink:href", "data", "action"})
            ):
                self.bad_attributes.append((tag, name, url[:40]))


ACTIVE_TAGS = {
    "script",
    "style",
    "iframe",
    "form",
    "input",
    "button",
    "object",
    "embed",
    "link",
    "meta",
    "base",
    "svg",
    "image",
}


def test_hostile_prose_never_reaches_the_rendered_documents() -> None:
    renderer = TemplateRenderer(general())
    attack = " ".join(HOSTILE)
    content = briefing(
        summary=attack,
        bottom_line=attack,
        background=attack,
        thesis=attack,
        title=attack[:400],
        subtitle=attack[:400],
        what_to_watch=HOSTILE,
        questions=HOSTILE,
    )
    for kind in DOCUMENT_KINDS:
        baseline = Elements(renderer.render(kind, briefing()))
        found = Elements(renderer.render(kind, content))
        for tag in ACTIVE_TAGS:
            assert found.tags[tag] <= baseline.tags[tag], (kind, tag)
        assert found.bad_attributes == baseline.bad_attributes, kind


def test_plain_text_fields_are_escaped() -> None:
    html = TemplateRenderer(general()).render("brief", briefing(title="<b>bold</b> & co"))
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in html and "<b>bold</b>" not in html


# --- 2. No template injection ------------------------------------------------------------


def test_template_syntax_in_content_prints_literally() -> None:
    payload = "{{ 7 * 7 }} {% for x in [1] %}loop{% endfor %} {{ config }} {# c #}"
    renderer = TemplateRenderer(general())
    for kind in DOCUMENT_KINDS:
        html = renderer.render(kind, briefing(title=payload, summary=payload))
        assert "{{ 7 * 7 }}" in html and "{% for x in [1] %}" in html, kind
        assert "49" not in html.replace("2026", "")


# --- 3. Resources only from where they belong --------------------------------------------


def refused(html: str, folder: Path) -> LaidOut:
    """Lay out and write (attachments are only fetched when writing)."""
    laid_out = lay_out(html, folder, [TEMPLATES, folder])
    pdf_bytes(laid_out, html)
    return laid_out


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="file:///etc/hostname">',
        '<img src="../outside.png">',
        '<img src="https://example.com/x.png">',
        "<style>body { background: url(file:///etc/hostname) }</style>",
        "<style>@import url(https://example.com/x.css);</style>",
        '<link rel="attachment" href="file:///etc/hostname">',
        '<img src="inside.svg">',  # an SVG in the folder that references a file outside
        '<img src="data:image/png;base64,' + "A" * 600_000 + '">',
    ],
)
def test_fetcher_refuses_everything_outside(markup: str, tmp_path: Path) -> None:
    folder = tmp_path / "brief"
    folder.mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "outside.png")
    (folder / "inside.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="10" height="10"><image xlink:href="../outside.png" width="10" height="10"/></svg>'
    )
    laid_out = refused(f"<html><body><p>x</p>{markup}</body></html>", folder)
    assert laid_out.log.refused, laid_out.log
    assert all(url in laid_out.log.reasons for url in laid_out.log.refused)


def test_fetcher_refuses_huge_images_from_the_header(tmp_path: Path) -> None:
    Image.new("1", (50_000, 8)).save(tmp_path / "wide.png")
    laid_out = refused('<img src="wide.png">', tmp_path)
    assert "pixels" in next(iter(laid_out.log.reasons.values()))


def test_fetcher_serves_files_in_the_folder(tmp_path: Path) -> None:
    Image.new("RGB", (40, 20), "red").save(tmp_path / "ok.png")
    laid_out = refused('<html lang="en"><img src="ok.png" alt="a map"></html>', tmp_path)
    assert not laid_out.log.refused and not laid_out.log.warnings, laid_out.log


def write_mini(folder: Path, summary: str = "A short summary.") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "briefing.yaml").write_text(MINI.format(summary=summary), encoding="utf-8")
    return folder


def build(folder: Path, out: Path, strict: bool = True) -> list[Any]:
    known = audience_names(TEMPLATES)
    return build_briefing(
        folder,
        load_audience(TEMPLATES, "general"),
        BuildOptions(out=out, templates=TEMPLATES, strict=strict),
        known,
    )


@contextmanager
def assert_no_logs() -> Iterator[list[LaidOut]]:
    """Fail if WeasyPrint warns or refuses anything while laying out documents in this block."""
    seen: list[LaidOut] = []
    original = typeset.lay_out

    def watched(*args: Any, **kwargs: Any) -> LaidOut:
        result = original(*args, **kwargs)
        seen.append(result)
        return result

    setattr(build_module, "lay_out", watched)  # noqa: B010 (build's own name for it)
    try:
        yield seen
    finally:
        setattr(build_module, "lay_out", original)  # noqa: B010
    problems = [
        (lo.log.warnings, lo.log.refused) for lo in seen if lo.log.warnings or lo.log.refused
    ]
    assert seen and not problems, problems


@pytest.mark.slow
def test_seed_builds_without_any_engine_warning(tmp_path: Path) -> None:
    with assert_no_logs():
        build(SEED, tmp_path)


@pytest.mark.slow
def test_markdown_image_inside_the_folder_prints(tmp_path: Path) -> None:
    folder = write_mini(tmp_path / "img", "A map ![map](map.png) here.")
    Image.new("RGB", (40, 20), "red").save(folder / "map.png")
    with assert_no_logs():
        outputs = build(folder, tmp_path / "out")
    assert b"/Subtype /Image" in outputs[1].path.read_bytes()


def test_markdown_image_outside_is_one_located_error(tmp_path: Path) -> None:
    folder = write_mini(tmp_path / "img", "A map ![map](../map.png) here.")
    with pytest.raises(BriefgenError) as info:
        build(folder, tmp_path / "out")
    text = str(info.value)
    assert "\n" not in text and ":6:" in text and "in summary" in text and "outside" in text


# --- 5 and 6. Atomic and reproducible output ---------------------------------------------


def test_write_atomically_keeps_the_old_file_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "brief.pdf"
    output.write_atomically(target, b"old")

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        output.write_atomically(target, b"new and longer")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["brief.pdf"], "temporary file left behind"


@pytest.mark.slow
def test_builds_are_reproducible_and_failed_builds_keep_old_output(tmp_path: Path) -> None:
    folder = write_mini(tmp_path / "mini")
    first = {o.path.name: o.path.read_bytes() for o in build(folder, tmp_path / "a")}
    again = {o.path.name: o.path.read_bytes() for o in build(folder, tmp_path / "b")}
    assert first == again, "same input, different bytes"
    before = {p.name: p.read_bytes() for p in (tmp_path / "a" / "mini" / "general").iterdir()}
    # A valid edit, so the new brief can be made, and a late failure: the handout's
    # template raises only while rendering, after the brief is laid out.
    yaml = folder / "briefing.yaml"
    yaml.write_text(yaml.read_text().replace("Something is true.", "Something else is true."))
    broken = tmp_path / "templates"
    shutil.copytree(TEMPLATES, broken)
    (broken / "base" / "handout.html.j2").write_text("{{ briefing.nope }}")
    with pytest.raises(BriefgenError):
        build_briefing(
            folder,
            load_audience(broken, "general"),
            BuildOptions(out=tmp_path / "a", templates=broken),
            audience_names(broken),
        )
    after = {p.name: p.read_bytes() for p in (tmp_path / "a" / "mini" / "general").iterdir()}
    assert after == before, "the new brief was written without its handout"


# --- Text is never cut ---------------------------------------------------------------------


def characters_right_of_the_page(pdf: Path) -> tuple[int, list[str]]:
    """How many characters sit beyond any page's right margin, and each page's text."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    outside, texts = 0, []
    for page in document:
        width = page.get_width()
        text = page.get_textpage()
        texts.append(text.get_text_range())
        for index in range(text.count_chars()):
            _, _, right, _ = text.get_charbox(index)
            outside += right > width - 10  # within 10 pt of the edge: past any margin
    document.close()
    return outside, texts


@pytest.mark.slow
def test_long_words_break_instead_of_running_off_the_page(tmp_path: Path) -> None:
    word = "".join(f"{i:x}" for i in range(60))[:150]  # no hyphen or space anywhere
    folder = write_mini(tmp_path / "long", f"Before {word} after.")
    config = (folder / "briefing.yaml").read_text(encoding="utf-8")
    digest = "sha256:" + "0123456789abcdef" * 4
    config = config.replace("label: The answer", f"label: Hash {digest[:64]}")
    (folder / "briefing.yaml").write_text(config, encoding="utf-8")
    for document in build(folder, tmp_path / "out"):
        outside, texts = characters_right_of_the_page(document.path)
        assert outside == 0, document.path.name
        # Hyphenation may split the word with a hyphen that is not part of the text.
        flat = "".join("".join(texts).translate({0x2010: None, 0xAD: None, 0x2: None}).split())
        assert word in flat and digest[:64] in flat, document.path.name


# --- SVGs and file names the fetcher refuses ----------------------------------------------


def use_bomb(levels: int = 9, fan_out: int = 10) -> str:
    """`levels` nested groups of `fan_out` <use> of the group before: fan_out**levels draws."""
    groups = ['<g id="g0"><rect width="1" height="1"/></g>']
    for level in range(1, levels + 1):
        uses = f'<use xlink:href="#g{level - 1}"/>' * fan_out
        groups.append(f'<g id="g{level}">{uses}</g>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="10" height="10"><defs>{"".join(groups)}</defs>'
        f'<use xlink:href="#g{levels}"/></svg>'
    )


@pytest.mark.parametrize(
    ("svg", "reason"),
    [
        (use_bomb(), "<use>"),
        (use_bomb(levels=9, fan_out=1), "<use>"),  # a chain deeper than allowed
        (
            '<svg xmlns="http://www.w3.org/2000/svg"><image href="http://example.com/x.png"/>'
            "</svg>",
            "refers to",
        ),
        (
            '<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(x.svg#p)"/></svg>',
            "x.svg",
        ),
        ('<!DOCTYPE svg [<!ENTITY a "aaaaaaaa">]><svg>&a;&a;</svg>', "entities"),
        (
            '<svg xmlns="http://www.w3.org/2000/svg">' + "<rect/>" * 6_000 + "</svg>",
            "elements",
        ),
    ],
)
def test_fetcher_refuses_svgs_that_draw_too_much_or_reach_outside(
    tmp_path: Path, svg: str, reason: str
) -> None:
    (tmp_path / "chart.svg").write_text(svg, encoding="utf-8")
    (tmp_path / "chart-named-as.png").write_text(svg, encoding="utf-8")  # sniffed, not named
    for name in ("chart.svg", "chart-named-as.png"):
        laid_out = refused(f'<html><body><img src="{name}"></body></html>', tmp_path)
        assert [url.rsplit("/", 1)[1] for url in laid_out.log.refused] == [name]
        assert reason in next(iter(laid_out.log.reasons.values()))


def test_fetcher_draws_a_modest_svg(tmp_path: Path) -> None:
    (tmp_path / "chart.svg").write_text(use_bomb(levels=2, fan_out=10), encoding="utf-8")
    laid_out = refused('<html lang="en"><img src="chart.svg" alt="a chart"></html>', tmp_path)
    assert not laid_out.log.refused and not laid_out.log.warnings, laid_out.log


def test_fetcher_refuses_a_query_string_on_a_file(tmp_path: Path) -> None:
    """`big.png?1`, `?2`, … would each be read and decoded as a new image."""
    Image.new("RGB", (40, 20), "red").save(tmp_path / "big.png")
    laid_out = refused('<img src="big.png?1"><img src="big.png?2">', tmp_path)
    assert len(laid_out.log.refused) == 2
    assert all("query" in reason for reason in laid_out.log.reasons.values())


@pytest.mark.slow
def test_ampersands_and_angle_brackets_reach_the_pdf_metadata_as_text(tmp_path: Path) -> None:
    from pypdf import PdfReader

    summary = "AT&T signed; R&D rose, x < 3 and 5 > 3."
    folder = write_mini(tmp_path / "amp", json.dumps(summary))
    config = (folder / "briefing.yaml").read_text(encoding="utf-8")
    config = config.replace("title: A minimal briefing", 'title: "Q&A: 1 < 2"')
    (folder / "briefing.yaml").write_text(config, encoding="utf-8")
    for document in build(folder, tmp_path / "out"):
        metadata = PdfReader(document.path).metadata
        assert metadata is not None
        assert metadata.subject == summary, document.path.name
        assert metadata.title is not None and metadata.title.startswith("Q&A: 1 < 2")
        text = " ".join(characters_right_of_the_page(document.path)[1])
        assert "&amp;" not in text and "&lt;" not in text
