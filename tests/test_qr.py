"""QR codes on the brief, decoded back from the rendered page by an independent reader."""

from __future__ import annotations

import shutil
from pathlib import Path

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
def brief_with_links(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("qr")
    folder = root / SEED.name
    shutil.copytree(SEED, folder)
    path = folder / "briefing.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = "\nsources:\n  - id: article\n"
    assert anchor in text, "the seed's first source has moved; update this fixture"
    text = text.replace(anchor, f"\nonline_edition: {EDITION}{anchor}    url: {ARTICLE}\n", 1)
    text += f"further_reading:\n  - title: Ceasefire monitoring\n    url: {FURTHER}\n"
    path.write_text(text, encoding="utf-8")
    audience = load_audience(TEMPLATES, "general")
    options = BuildOptions(out=root / "build", templates=TEMPLATES)
    outputs = build_briefing(folder, audience, options, audience_names(TEMPLATES))
    return next(o.path for o in outputs if o.kind == "brief")


def decoded(pdf: Path, dpi: int = 300) -> list[str]:
    page = pypdfium2.PdfDocument(str(pdf))[0]
    image = page.render(scale=dpi / 72).to_pil()
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_codes_decode_to_the_edition_and_the_sources(brief_with_links: Path) -> None:
    assert sorted(decoded(brief_with_links)) == sorted([EDITION, ARTICLE, FURTHER])


def test_codes_are_vectors_not_images(brief_with_links: Path) -> None:
    import pikepdf

    with pikepdf.open(brief_with_links) as pdf:
        images = [
            name
            for page in pdf.pages
            for name, xobject in page.resources.get("/XObject", {}).items()
            if xobject.get("/Subtype") == pikepdf.Name.Image
        ]
    assert len(images) <= 1, "only the logo may be a raster image"


def test_each_code_has_a_caption(brief_with_links: Path) -> None:
    from pypdf import PdfReader

    text = " ".join((PdfReader(brief_with_links).pages[0].extract_text() or "").split())
    for caption in ("Online edition", "Source article", "Further reading"):
        assert caption in text, caption


def test_no_links_no_codes(seed_build: dict[str, dict[str, object]]) -> None:
    """The seed names no URL, so its brief prints no code."""
    brief = seed_build["general"]["brief"]
    assert decoded(brief.path, dpi=150) == []  # type: ignore[attr-defined]
