"""QR codes to the links, decoded back from the rendered pages by an independent reader."""

from __future__ import annotations

import shutil
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
import zxingcpp

from briefgen.audience import load_audience
from briefgen.build import BuildOptions, build_briefing
from briefgen.paths import audience_names
from tests.conftest import SEED, TEMPLATES

EDITION = "https://example.org/briefs/russian-peacekeepers?edition=2026-11"
ARTICLE = "https://example.org/articles/russian-peacekeepers-azerbaijan"
FURTHER = "https://example.net/research/south-caucasus/ceasefire-monitoring"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The seed with an online edition and two URLs, for an audience that prints codes on
    the brief too (a copy of the templates with `qr.brief: true` in the base config)."""
    root = tmp_path_factory.mktemp("qr")
    templates = root / "templates"
    shutil.copytree(TEMPLATES, templates)
    config = templates / "base" / "audience.yaml"
    text = config.read_text(encoding="utf-8")
    assert "\n  brief: false" in text
    config.write_text(text.replace("\n  brief: false", "\n  brief: true", 1), encoding="utf-8")
    folder = root / SEED.name
    shutil.copytree(SEED, folder)
    path = folder / "briefing.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = "\nsources:\n  - id: article\n"
    assert anchor in text, "the seed's first source has moved; update this fixture"
    text = text.replace(anchor, f"\nonline_edition: {EDITION}{anchor}    url: {ARTICLE}\n", 1)
    text += f"further_reading:\n  - title: Ceasefire monitoring\n    url: {FURTHER}\n"
    path.write_text(text, encoding="utf-8")
    audience = load_audience(templates, "general")
    options = BuildOptions(out=root / "build", templates=templates)
    outputs = build_briefing(folder, audience, options, audience_names(templates))
    return {o.kind: o.path for o in outputs}


def decoded(pdf: Path, dpi: int = 300) -> list[str]:
    found = []
    for page in pypdfium2.PdfDocument(str(pdf)):
        image = page.render(scale=dpi / 72).to_pil()
        found += [result.text for result in zxingcpp.read_barcodes(image)]
    return found


def test_brief_codes_decode_to_the_edition_and_the_sources(built: dict[str, Path]) -> None:
    assert sorted(decoded(built["brief"])) == sorted([EDITION, ARTICLE, FURTHER])


def test_handout_prints_a_code_beside_each_source_with_a_url(built: dict[str, Path]) -> None:
    assert sorted(decoded(built["handout"], dpi=200)) == sorted([ARTICLE, FURTHER])


def test_codes_are_vectors_not_images(built: dict[str, Path]) -> None:
    with pikepdf.open(built["brief"]) as pdf:
        images = [
            name
            for page in pdf.pages
            for name, xobject in page.resources.get("/XObject", {}).items()
            if xobject.get("/Subtype") == pikepdf.Name.Image
        ]
    assert len(images) <= 1, "only the logo may be a raster image"


def test_each_brief_code_has_a_caption(built: dict[str, Path]) -> None:
    from pypdf import PdfReader

    text = " ".join((PdfReader(built["brief"]).pages[0].extract_text() or "").split())
    for caption in ("Online edition", "Source article", "Further reading"):
        assert caption in text, caption


def test_the_shipped_briefs_print_no_code_unless_the_audience_asks(
    seed_build: dict[str, dict[str, object]],
) -> None:
    """`qr.brief` is off in the shipped audiences: the footer's source line keeps its width."""
    brief = seed_build["general"]["brief"]
    assert decoded(brief.path, dpi=150) == []  # type: ignore[attr-defined]


def test_codes_carry_alt_text_for_screen_readers(built: dict[str, Path]) -> None:
    alts: list[str] = []
    with pikepdf.open(built["handout"]) as pdf:
        pending = [pdf.Root.StructTreeRoot.K]
        while pending:
            node = pending.pop()
            if isinstance(node, pikepdf.Array):
                pending.extend(node)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                if pikepdf.Name.Figure == node.S and "/Alt" in node:
                    alts.append(str(node.Alt))
                if "/K" in node:
                    pending.append(node.K)
    for url in (ARTICLE, FURTHER):
        assert f"Scan to open: {url}" in alts, alts
