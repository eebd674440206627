"""Every file in templates/base/fonts is declared and used; maths, arrows and currencies print."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from briefgen.audience import load_audience
from briefgen.build import BuildOptions, DocumentResult, build_briefing
from briefgen.errors import BriefgenError
from briefgen.fonts import (
    fallback_families,
    families,
    font_face_css,
    fonts_folder,
    shipped_fonts,
)
from tests.conftest import TEMPLATES

MULTISCRIPT = Path(__file__).parent / "fixtures" / "multiscript"
SYMBOLS = "≈ − → ← ↑ ↓ × ± ≤ ≥ ° ‰ € £ ₼ ₽"
SYMBOL_FONT = "NotoSansMath-Regular.ttf"


def squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def pdffonts(path: Path) -> list[str]:
    """Embedded font names without the subset prefix, e.g. `Noto-Sans-Math-Bold`."""
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [line.split()[0].split("+")[-1] for line in lines]


def assert_only_shipped_fonts(path: Path, templates: Path = TEMPLATES) -> list[str]:
    """Every embedded font is a shipped family (Pango may embolden or slant one)."""
    shipped = sorted((squash(f) for f in families(templates)), key=len, reverse=True)
    embedded = pdffonts(path)
    for name in embedded:
        key = squash(name)
        family = next((f for f in shipped if key.startswith(f)), None)
        assert family is not None, f"{path.name}: {name} is not a shipped font"
        rest = key.removeprefix(family)
        assert rest in {"", "bold", "italic", "bolditalic", "semibold", "oblique", "boldoblique"}, (
            f"{path.name}: {name} is not a shipped font"
        )
    return embedded


def pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def with_symbols(folder: Path) -> Path:
    """The multiscript fixture with the symbols in the title, a prose field and a label."""
    briefing = folder / "briefing.yaml"
    text = briefing.read_text(encoding="utf-8")
    text = text.replace(
        "title: Şuşa, Ağdam and Xankəndi after the ceasefire", f'title: "Symbols {SYMBOLS}"', 1
    )
    text = text.replace("label: Azerbaijani name with ğ", f'label: "Label {SYMBOLS}"', 1)
    text = text.replace("İçəri Şəhər, Gəncə,", f"Prose {SYMBOLS} *{SYMBOLS}* İçəri Şəhər,", 1)
    briefing.write_text(text, encoding="utf-8")
    return folder


def build(folder: Path, out: Path, templates: Path = TEMPLATES) -> dict[str, DocumentResult]:
    audience = load_audience(templates, "general")
    options = BuildOptions(out=out, templates=templates)
    return {o.kind: o for o in build_briefing(folder, audience, options, [])}


# --- declaring the folder ----------------------------------------------------------------


def test_every_font_file_gets_a_font_face_rule() -> None:
    css = font_face_css(TEMPLATES)
    files = sorted(p.name for p in fonts_folder(TEMPLATES).glob("*.ttf"))
    assert css.count("@font-face") == len(files) == len(shipped_fonts(TEMPLATES))
    for name in files:
        assert f'/{name}")' in css


def test_weights_and_styles_come_from_the_files() -> None:
    faces = {f.path.name: f for f in shipped_fonts(TEMPLATES)}
    assert (faces["NotoSans-SemiBold.ttf"].family, faces["NotoSans-SemiBold.ttf"].weight) == (
        "Noto Sans",
        600,
    )
    assert faces["NotoSerif-BoldItalic.ttf"].italic
    assert not faces["NotoSerif-Bold.ttf"].italic


def test_fallback_lists_hold_every_shipped_family_and_nothing_else() -> None:
    stack = fallback_families("Noto Serif", TEMPLATES)
    assert stack[:2] == ["Noto Serif", "Noto Serif Armenian"]
    assert sorted(stack) == sorted(families(TEMPLATES))
    assert "Noto Sans Math" in stack
    assert not {"serif", "sans-serif"} & set(stack)


# --- printing ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def symbols_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, DocumentResult]:
    folder = tmp_path_factory.mktemp("symbols") / "symbols"
    shutil.copytree(MULTISCRIPT, folder)
    return build(with_symbols(folder), tmp_path_factory.mktemp("out"))


@pytest.mark.parametrize("kind", ["brief", "handout"])
def test_symbols_print_from_shipped_fonts(
    symbols_build: dict[str, DocumentResult], kind: str
) -> None:
    path = symbols_build[kind].path
    text = pdftotext(path)
    missing = [s for s in SYMBOLS.split() if s not in text]
    assert not missing, f"{kind}: {missing} not in the extracted text"
    embedded = assert_only_shipped_fonts(path)
    assert any(squash(name).startswith("notosansmath") for name in embedded), embedded


def test_a_font_file_added_to_the_folder_is_used(tmp_path: Path) -> None:
    """Without the symbol font ≈ is refused; dropping the file in is all it takes."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    symbol_font = fonts_folder(templates) / SYMBOL_FONT
    kept = tmp_path / SYMBOL_FONT
    shutil.move(symbol_font, kept)
    for extra in fonts_folder(templates).glob("NotoSansSymbols*"):
        extra.unlink()
    folder = tmp_path / "symbols"
    shutil.copytree(MULTISCRIPT, folder)
    with_symbols(folder)
    with pytest.raises(BriefgenError) as caught:
        build(folder, tmp_path / "out", templates)
    assert "U+2248" in str(caught.value)

    shutil.move(kept, symbol_font)
    outputs = build(folder, tmp_path / "out", templates)
    embedded = assert_only_shipped_fonts(outputs["handout"].path, templates)
    assert any(squash(name).startswith("notosansmath") for name in embedded), embedded
    assert "≈" in pdftotext(outputs["handout"].path)


def test_the_fonts_tables_are_read_once_then_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading 19 fonts' tables costs every build a tenth of a second; the user's cache
    keeps what was read, keyed by the files' names, sizes and times."""
    from briefgen import fonts

    monkeypatch.setenv("BRIEFGEN_CACHE", str(tmp_path / "cache"))
    fonts._read.cache_clear()
    fresh = shipped_fonts(TEMPLATES)
    (cached_file,) = (tmp_path / "cache" / "fonts").iterdir()
    fonts._read.cache_clear()

    def unread(path: Path) -> fonts.FontFile:
        raise AssertionError(f"read again: {path}")

    monkeypatch.setattr(fonts, "read_font", unread)
    assert shipped_fonts(TEMPLATES) == fresh
    # A damaged cache, or one naming impossible code points, is read afresh.
    impossible = {"file": "x", "family": "X", "weight": 400, "italic": False}
    for damaged in ("{not json", json.dumps([{**impossible, "ranges": [[0, 10**11]]}])):
        cached_file.write_text(damaged)
        fonts._read.cache_clear()
        monkeypatch.undo()
        monkeypatch.setenv("BRIEFGEN_CACHE", str(tmp_path / "cache"))
        assert shipped_fonts(TEMPLATES) == fresh
    fonts._read.cache_clear()
