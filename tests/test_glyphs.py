"""Every character prints from the shipped fonts, or the build stops before rendering."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from briefgen.audience import load_audience
from briefgen.build import BuildOptions, DocumentResult, build_briefing
from briefgen.errors import BriefgenError
from briefgen.fonts import fonts_folder
from briefgen.glyphs import (
    check_audience_glyphs,
    check_briefing_glyphs,
    covered_codepoints,
    missing_characters,
)
from briefgen.paths import audience_names
from briefgen.validate import load_briefing
from tests.conftest import ROOT, SEED, TEMPLATES, run_cli

MULTISCRIPT = Path(__file__).parent / "fixtures" / "multiscript"
NAMES = [
    "Şuşa", "Ağdam", "Xankəndi", "Qəbələ", "Laçın", "İçəri Şəhər",
    "Нагорный Карабах", "миротворцы", "Ստեփանակերտ", "Հայաստան",
]  # fmt: skip


def squash(text: str) -> str:
    return "".join(text.replace("\u2010", "").replace("-", "").split())


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


# --- the check itself ---------------------------------------------------------------------


def test_shipped_fonts_cover_azerbaijani_russian_and_armenian() -> None:
    covered = covered_codepoints(TEMPLATES)
    assert missing_characters("".join(NAMES) + "ƏĞIŞÇÖÜəğışçöüİ“”‘’–—…", covered) == []
    assert covered_codepoints(TEMPLATES) is covered, "cmaps are read once per process"


def test_invisible_characters_need_no_glyph() -> None:
    covered = covered_codepoints(TEMPLATES)
    assert missing_characters("a\nb\tc\u00ad\u200d\r", covered) == []
    assert missing_characters("😀 中 😀", covered) == ["😀", "中"]


def test_seed_and_shipped_audiences_pass() -> None:
    _, loaded = load_briefing(SEED)
    check_briefing_glyphs(loaded, TEMPLATES)
    for name in audience_names(TEMPLATES):
        check_audience_glyphs(load_audience(TEMPLATES, name), TEMPLATES)


def test_template_text_is_covered() -> None:
    """Fixed text in templates and CSS (outside comments) must print from the shipped fonts."""
    covered = covered_codepoints(TEMPLATES)
    comments = re.compile(r"/\*.*?\*/|\{#.*?#\}|<!--.*?-->", re.S)
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in {".j2", ".css", ".html"}:
            continue
        text = comments.sub("", path.read_text(encoding="utf-8"))
        # CSS escapes such as "\2014" print a character too.
        text += "".join(chr(int(h, 16)) for h in re.findall(r"\\([0-9a-fA-F]{2,6})\s?", text))
        assert missing_characters(text, covered) == [], path.relative_to(ROOT)


@pytest.fixture
def copied_fixture(tmp_path: Path) -> Path:
    folder = tmp_path / "multiscript"
    shutil.copytree(MULTISCRIPT, folder)
    return folder


@pytest.mark.parametrize(
    ("old", "new", "char", "field"),
    [
        (
            "Armenian name of the city",
            "Armenian 😀 name of the city",
            "U+1F600",
            "glossary.0.definition",
        ),
        (
            "label: Azerbaijani name with ğ",
            "label: Azerbaijani name with 中",
            "U+4E2D",
            "key_facts.1.label",
        ),
    ],
)
def test_uncovered_character_fails_before_rendering_with_the_field_line(
    copied_fixture: Path, tmp_path: Path, old: str, new: str, char: str, field: str
) -> None:
    path = copied_fixture / "briefing.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    line = line_of(path, new)
    key = field.rsplit(".", 1)[-1]
    column = path.read_text(encoding="utf-8").splitlines()[line - 1].index(f"{key}:") + 1
    audience = load_audience(TEMPLATES, "general")
    out = tmp_path / "out"
    with pytest.raises(BriefgenError) as caught:
        build_briefing(copied_fixture, audience, BuildOptions(out=out, templates=TEMPLATES), [])
    message = str(caught.value)
    assert f"briefing.yaml:{line}:{column}: {field}:" in message
    assert char in message and "no shipped font" in message
    assert not out.exists(), "nothing may be rendered or written"


def test_check_command_reports_the_character_and_exits_1(copied_fixture: Path) -> None:
    path = copied_fixture / "briefing.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("TEST-MULTI-01", "TEST-😀-01"), encoding="utf-8")
    result = run_cli("--templates", str(TEMPLATES), "check", str(copied_fixture))
    assert result.exit_code == 1, result.stderr
    line = line_of(path, "TEST-😀-01")
    assert f"briefing.yaml:{line}:1: reference: no shipped font has a glyph for" in result.stderr
    assert '"😀" (U+1F600 GRINNING FACE)' in result.stderr


def test_audience_text_is_checked_with_its_own_line(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES / "base", templates / "base")
    shutil.copytree(TEMPLATES / "audiences" / "general", templates / "audiences" / "general")
    config = templates / "audiences" / "general" / "audience.yaml"
    with config.open("a", encoding="utf-8") as f:
        f.write("marking: 機密\nlabels:\n  summary: Summary ᚠ\n")
    audience = load_audience(templates, "general")
    with pytest.raises(BriefgenError) as caught:
        check_audience_glyphs(audience, templates)
    message = str(caught.value)
    assert f"audience.yaml:{line_of(config, 'marking:')}:1: marking:" in message
    assert '"機" (U+6A5F' in message
    assert f"audience.yaml:{line_of(config, 'summary: Summary')}:3: labels.summary:" in message
    assert "U+16A0" in message


# --- the rendered PDF -----------------------------------------------------------------------


def shipped_fonts() -> dict[str, frozenset[int]]:
    """Shipped font files by the name WeasyPrint embeds them under, normalised."""
    fonts = {}
    for path in fonts_folder(TEMPLATES).glob("*.ttf"):
        with TTFont(path, lazy=True) as font:
            fonts[normalise(path.stem)] = frozenset(font.getBestCmap())
    return fonts


def normalise(name: str) -> str:
    """`NotoSans-Regular`, `ABCDEF+Noto-Sans` → `notosans`; synthetic slant kept apart."""
    name = name.split("+")[-1].lstrip("/").lower().replace("-", "").replace(" ", "")
    return name.removesuffix("regular")


def embedded_fonts(path: Path) -> dict[str, str]:
    """Each embedded font's name and the characters its ToUnicode map says it draws."""
    found: dict[str, str] = {}
    for page in PdfReader(path).pages:
        resources: Any = page["/Resources"].get_object()
        for ref in resources.get("/Font", {}).values():
            font = ref.get_object()
            chars = ""
            if "/ToUnicode" in font:
                cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
                for target in re.findall(r"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]+)>", cmap):
                    if len(target) % 4 == 0:
                        chars += bytes.fromhex(target).decode("utf-16-be", "replace")
            name = str(font["/BaseFont"])
            found[name] = found.get(name, "") + chars
    return found


@pytest.fixture(scope="module")
def multiscript_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, DocumentResult]:
    out = tmp_path_factory.mktemp("multiscript")
    audience = load_audience(TEMPLATES, "general")
    outputs = build_briefing(MULTISCRIPT, audience, BuildOptions(out=out, templates=TEMPLATES), [])
    return {o.kind: o for o in outputs}


@pytest.mark.parametrize("kind", ["brief", "handout"])
def test_multiscript_prints_only_with_shipped_fonts(
    multiscript_build: dict[str, DocumentResult], kind: str
) -> None:
    shipped = shipped_fonts()
    for name, chars in embedded_fonts(multiscript_build[kind].path).items():
        key = normalise(name)
        base = key.removesuffix("oblique")  # Pango slants a font that has no italic
        assert key in shipped or base in shipped, f"{name} is not a shipped font"
        drawn = {c for c in chars if c not in "\uffff\ufffd" and not c.isspace()}
        covered = shipped.get(key, shipped.get(base)) or frozenset()
        foreign = sorted(c for c in drawn if ord(c) not in covered)
        assert not foreign, f"{name} draws {foreign}, which the shipped file lacks: a machine font"


@pytest.mark.parametrize("kind", ["brief", "handout"])
def test_multiscript_names_are_in_the_extracted_text(
    multiscript_build: dict[str, DocumentResult], kind: str
) -> None:
    reader = PdfReader(multiscript_build[kind].path)
    text = squash(" ".join(page.extract_text() or "" for page in reader.pages))
    missing = [name for name in NAMES if squash(name) not in text]
    assert not missing, missing
