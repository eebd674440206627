"""PDF/UA and PDF/A: every shipped PDF is checked by `pdfua` and by walking its structure tree.

veraPDF (Java) is not available here; `pdfua` checks 16 of the 106 machine-checkable
PDF/UA-1 rules, and the assertions below add the ones it does not cover.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from briefgen.audience import load_audience
from briefgen.build import DocumentResult as Output
from briefgen.conformance import PDF_STANDARDS, combination_problem, pdf_variant
from briefgen.errors import BriefgenError
from tests.conftest import SEED, TEMPLATES

pytestmark = pytest.mark.slow


def outputs(seed_build: dict[str, dict[str, Output]]) -> Iterator[tuple[str, Output]]:
    for audience, documents in sorted(seed_build.items()):
        for kind in ("brief", "handout"):
            yield audience, documents[kind]


@pytest.fixture
def pdfua_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    """pdfua 0.1.3 asks a pikepdf Array for `.is_integer`, which pikepdf 10 answers with
    ValueError, so its empty-heading rule (UA-14-001) is skipped on every real heading.
    This is the predicate it means; with it the rule runs instead of being skipped."""
    import pdfua.document
    import pdfua.rules.structure

    def as_integer(value: object) -> int | None:
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else None

    monkeypatch.setattr(pdfua.document, "as_integer", as_integer)
    monkeypatch.setattr(pdfua.rules.structure, "as_integer", as_integer)


@pytest.mark.usefixtures("pdfua_fixed")
def test_pdfua_checker_finds_nothing_and_skips_nothing(
    seed_build: dict[str, dict[str, Output]],
) -> None:
    from pdfua import validate

    for audience, output in outputs(seed_build):
        report = validate(str(output.path))
        found = [f"{f.rule_id}: {f.message}" for f in report.findings]
        skipped = [f"{o.rule_id}: {o.skipped_reason}" for o in report.skipped]
        assert not found, f"{audience}/{output.kind}: {found}"
        assert not skipped, f"{audience}/{output.kind}: rules not evaluated: {skipped}"


# --- The structure tree ------------------------------------------------------------------


@dataclass
class Element:
    role: str
    language: str
    """The element's own /Lang, else its parents', else the catalogue's."""
    own_language: str | None
    obj: Any
    children: list[Element] = field(default_factory=list)


@dataclass
class Tree:
    pdf: pikepdf.Pdf
    elements: list[Element]
    """Every structure element, in reading (depth-first) order."""
    reachable_mcids: set[tuple[int, int]]
    """(page object number, MCID) of every content item the tree reaches."""


def read_tree(path: Path) -> Tree:
    pdf = pikepdf.open(path)
    catalog_language = str(pdf.Root.Lang)
    elements: list[Element] = []
    mcids: set[tuple[int, int]] = set()

    def walk(node: Any, language: str, page: Any) -> None:
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid, language, page)
            return
        if isinstance(node, int):
            mcids.add((page.objgen[0], int(node)))
            return
        if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
            if isinstance(node, pikepdf.Dictionary) and node.get("/Type") == "/MCR":
                mcids.add((node.Pg.objgen[0], int(node.MCID)))
            return
        own = str(node.Lang) if "/Lang" in node else None
        element = Element(str(node.S)[1:], own or language, own, node)
        elements.append(element)
        if "/K" in node:
            walk(node.K, element.language, node.get("/Pg", page))

    walk(pdf.Root.StructTreeRoot.K, catalog_language, None)
    return Tree(pdf, elements, mcids)


def marked_content(page: pikepdf.Page) -> Iterator[tuple[str, dict[str, Any]]]:
    """(tag, properties) of every marked-content sequence that a page's content opens."""
    instructions: list[Any] = pikepdf.parse_content_stream(page)
    for operands, operator in instructions:
        if str(operator) == "BDC":
            tag, properties = operands
            yield str(tag)[1:], dict(properties.items()) if hasattr(properties, "items") else {}
        elif str(operator) == "BMC":
            yield str(operands[0])[1:], {}


def alternative_text(element: Element) -> str:
    return str(element.obj.get("/Alt", element.obj.get("/ActualText", "")))


def test_structure_tree_of_every_pdf(seed_build: dict[str, dict[str, Output]]) -> None:
    for audience, output in outputs(seed_build):
        where = f"{audience}/{output.kind}"
        tree = read_tree(output.path)
        roles = [e.role for e in tree.elements]

        # Catalogue: language, title shown in the window, reading order for tabbing.
        assert re.fullmatch(r"[a-z]{2,3}(-\w+)*", str(tree.pdf.Root.Lang)), where
        preferences: Any = tree.pdf.Root.ViewerPreferences
        assert preferences.DisplayDocTitle is True, where
        assert str(tree.pdf.docinfo.Title).strip(), where
        mark_info: Any = tree.pdf.Root.MarkInfo
        assert mark_info.Marked is True, where
        assert all(page.obj.get("/Tabs") == "/S" for page in tree.pdf.pages), where

        # Every figure has a text alternative.
        for element in tree.elements:
            if element.role == "Figure":
                assert alternative_text(element).strip(), f"{where}: Figure without /Alt"

        # Headings start at H1 and never skip a level on the way down.
        levels = [int(role[1]) for role in roles if re.fullmatch(r"H[1-6]", role)]
        assert levels and levels[0] == 1, f"{where}: {levels}"
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, f"{where}: heading H{before} followed by H{after}"

        # Every link annotation says where it goes.
        for page in tree.pdf.pages:
            for annotation in page.obj.get("/Annots", []):
                if annotation.get("/Subtype") == "/Link":
                    assert str(annotation.get("/Contents", "")).strip(), where

        # Every piece of marked content is in the tree or is an artifact.
        for page in tree.pdf.pages:
            for tag, properties in marked_content(page):
                if "/MCID" in properties:
                    item = (int(page.objgen[0]), int(properties["/MCID"]))
                    assert item in tree.reachable_mcids, f"{where}: {tag} {item} not in the tree"
                else:
                    assert tag == "Artifact", f"{where}: marked content {tag} without MCID"

        # Roles: lists, list items and their bodies; sections and paragraphs.
        for role in ("L", "LI", "LBody", "P", "H1", "H2"):
            assert role in roles, f"{where}: no {role}"
        if output.kind == "handout":
            for role in ("Sect", "Link", "H3"):
                assert role in roles, f"{where}: no {role}"


def test_page_furniture_is_artifact(seed_build: dict[str, dict[str, Output]]) -> None:
    """Running header, organisation and "Page X of Y" print on every handout page but
    are /Artifact /Pagination, never part of the text a screen reader reads."""
    for audience, documents in seed_build.items():
        marked = bool(load_audience(TEMPLATES, audience).config.marking)
        pdf = pikepdf.open(documents["handout"].path)
        for number, page in enumerate(pdf.pages, start=1):
            furniture = [
                properties
                for tag, properties in marked_content(page)
                if tag == "Artifact" and properties.get("/Type") == "/Pagination"
            ]
            # The organisation and the page number on every page, the running title and
            # the marking (if any) from page 2.
            expected = 2 if number == 1 else 3 + marked
            assert len(furniture) >= expected, f"{audience} handout page {number}: {furniture}"


def test_languages_are_tagged_where_they_differ(
    seed_build: dict[str, dict[str, Output]],
) -> None:
    """The catalogue has the audience's language and every section heading (a label) keeps
    it. The title is in the content's language: the seed's English, or the audience's
    language where the seed has a translation overlay for it, whose untranslated parts
    (the article's own words, its title) are tagged `en`."""
    from briefgen.translation import overlay_files

    translated = set(overlay_files(SEED))
    for audience, documents in seed_build.items():
        config = load_audience(TEMPLATES, audience).config
        content = config.language if config.language in translated else "en"
        for kind in ("brief", "handout"):
            tree = read_tree(documents[kind].path)
            assert str(tree.pdf.Root.Lang) == config.language
            by_role: dict[str, set[str]] = {}
            for element in tree.elements:
                by_role.setdefault(element.role, set()).add(element.language)
            assert by_role["H1"] == {content}, f"{audience}/{kind}: title {by_role['H1']}"
            assert by_role["H2"] == {config.language}, f"{audience}/{kind}: {by_role['H2']}"
            own = {e.own_language for e in tree.elements}
            if config.language == "en":
                assert own == {None}, "nothing differs"
            else:
                assert "en" in own, f"{audience}/{kind}: nothing tagged en"


# --- Declared standards ------------------------------------------------------------------


def test_xmp_declares_each_audience_standard(seed_build: dict[str, dict[str, Output]]) -> None:
    for audience, output in outputs(seed_build):
        standards = load_audience(TEMPLATES, audience).config.pdf_standards
        pdf = pikepdf.open(output.path)
        metadata = pdf.open_metadata()
        ua = [s for s in standards if s.startswith("ua-")]
        archival = [s for s in standards if s.startswith("a-")]
        if ua:
            assert metadata.get("pdfuaid:part") == ua[0][3:], f"{audience}/{output.kind}"
        if archival:
            assert metadata.get("pdfaid:part") == archival[0][2], f"{audience}"
            assert metadata.get("pdfaid:conformance") == archival[0][3].upper()
            assert "/OutputIntents" in pdf.Root
        assert metadata.get("dc:title"), f"{audience}/{output.kind}"


def test_shipped_audiences_include_an_archival_one() -> None:
    """Archives want PDF/A: at least one shipped audience writes PDF/A and PDF/UA at once."""
    from briefgen.paths import audience_names

    combined = [
        name
        for name in audience_names(TEMPLATES)
        if len(load_audience(TEMPLATES, name).config.pdf_standards) == 2
    ]
    assert combined


def test_every_standard_is_one_weasyprint_writes() -> None:
    from weasyprint.pdf import VARIANTS

    for standard in PDF_STANDARDS:
        assert pdf_variant([standard]) in VARIANTS


@pytest.mark.parametrize(
    ("standards", "problem"),
    [
        (["ua-1"], None),
        (["a-3b"], None),
        (["ua-1", "a-3b"], None),
        (["a-2u", "ua-1"], None),
        (["ua-2", "a-4f"], None),
        (["ua-1", "a-4u"], "cannot be combined"),
        (["ua-1", "a-1b"], "cannot be combined"),
        (["a-2b", "a-3b"], "at most one"),
        ([], "at least one"),
    ],
)
def test_combinations(standards: list[str], problem: str | None) -> None:
    found = combination_problem(standards)
    assert (found is None) if problem is None else (problem in (found or ""))


def make_audience(tmp_path: Path, text: str) -> Path:
    import shutil

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES / "base", templates / "base")
    (templates / "audiences" / "archive").mkdir(parents=True)
    (templates / "audiences" / "archive" / "audience.yaml").write_text(text)
    return templates


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pdf_standard: [ua-1, a-4u]\n", "2:1: pdf_standard: ua-1 (PDF 1.7) cannot be combined"),
        ("pdf_standard: pdf-a\n", '2:1: "pdf_standard" must be one of "ua-1"'),
    ],
)
def test_bad_standard_is_a_located_error(tmp_path: Path, text: str, message: str) -> None:
    templates = make_audience(tmp_path, "description: Archive\n" + text)
    with pytest.raises(BriefgenError) as caught:
        load_audience(templates, "archive")
    assert f"audience.yaml:{message}" in str(caught.value)


def test_described_image_is_a_figure_and_decorative_image_an_artifact(tmp_path: Path) -> None:
    from PIL import Image

    from tests.test_safety import build, write_mini

    folder = write_mini(
        tmp_path / "images",
        'A map ![Map of the corridor](map.png) and a rule ![](rule.png "decorative").',
    )
    Image.new("RGB", (40, 20), "red").save(folder / "map.png")
    Image.new("RGB", (40, 2), "grey").save(folder / "rule.png")
    handout = build(folder, tmp_path / "out")[1].path
    tree = read_tree(handout)
    figures = [alternative_text(e) for e in tree.elements if e.role == "Figure"]
    # The summary prints on the cover and in its section: two figures, one description.
    assert figures and set(figures) == {"Map of the corridor"}
    layout = [
        properties
        for page in tree.pdf.pages
        for tag, properties in marked_content(page)
        if tag == "Artifact" and properties.get("/Type") == "/Layout"
    ]
    assert layout, "the decorative image is not an artifact"
    assert b'title="decorative"' not in handout.with_suffix(".html").read_bytes()
