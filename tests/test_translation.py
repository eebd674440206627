"""Translation overlays: validated with lines, untranslated fields listed, languages tagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.audience import load_audience
from briefgen.errors import BriefgenError
from briefgen.translation import LanguageText, load_translations, overlay_model, translated
from briefgen.validate import ContentErrors, load_briefing
from tests.conftest import SEED, TEMPLATES, run_cli

BRIEFING = """title: A minimal briefing
subtitle: Why it matters
date: 2026-01-02
sources:
  - id: article
    title: The article
summary: A short summary.
key_facts:
  - figure: "42"
    label: The answer
    source: {locator: {paragraph: 1}}
  - figure: "7"
    label: Days of the week
    source: {locator: {paragraph: 1}}
argument:
  - claim: Something is true.
quotes:
  - text: the words as said
    source: {locator: {paragraph: 1}}
"""

OVERLAY = """title: Minimal arayış
summary: Qısa xülasə.
key_facts:
  - label: Cavab
  - {}
quotes:
  - text: deyilən sözlər
"""


def briefing_folder(tmp_path: Path, overlay: str = OVERLAY, name: str = "briefing.az.yaml") -> Path:
    folder = tmp_path / "mini"
    folder.mkdir(exist_ok=True)
    (folder / "briefing.yaml").write_text(BRIEFING, encoding="utf-8")
    (folder / name).write_text(overlay, encoding="utf-8")
    return folder


def overlay_errors(folder: Path) -> list[str]:
    briefing, loaded = load_briefing(folder)
    with pytest.raises(BriefgenError) as caught:
        load_translations(folder, briefing, loaded)
    error = caught.value
    return [str(e) for e in (error.errors if isinstance(error, ContentErrors) else [error])]


@pytest.mark.parametrize(
    ("overlay", "expected"),
    [
        ("titel: X\n", 'briefing.az.yaml:1:1: unknown key "titel". Did you mean "title"?'),
        ("date: 2026-02-02\n", 'briefing.az.yaml:1:1: unknown key "date"'),
        ("key_facts:\n  - source: x\n", 'briefing.az.yaml:2:5: unknown key "source"'),
        (
            "key_facts:\n  - label: a\n  - label: b\n  - label: c\n",
            "briefing.az.yaml:4:5: key_facts has 3 items here but 2 in briefing.yaml",
        ),
        ("background: Fon.\n", "briefing.az.yaml:1:1: background: briefing.yaml has nothing"),
        ("title: 42\n", 'briefing.az.yaml:1:1: "title" must be text'),
    ],
)
def test_overlay_mistakes_are_located(tmp_path: Path, overlay: str, expected: str) -> None:
    errors = overlay_errors(briefing_folder(tmp_path, overlay))
    assert any(expected in error for error in errors), errors


def test_overlay_named_without_a_language_tag_is_refused(tmp_path: Path) -> None:
    folder = briefing_folder(tmp_path, name="briefing.Azeri.yaml")
    assert "briefing.<language>.yaml" in overlay_errors(folder)[0]


def test_overlay_mirrors_only_text_fields() -> None:
    fields = overlay_model().model_fields
    assert {"title", "summary", "key_facts", "quotes", "glossary"} <= set(fields)
    assert not {"date", "sources", "language", "reference"} & set(fields)


def test_check_lists_untranslated_fields_and_strict_refuses(tmp_path: Path) -> None:
    folder = briefing_folder(tmp_path)
    result = run_cli("--templates", str(TEMPLATES), "check", str(folder))
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    # subtitle, both figures, the second label and the claim: each at its line in briefing.yaml.
    assert len(lines) == 5, lines
    assert lines[0].endswith(
        "briefing.yaml:2:1: subtitle is not translated in briefing.az.yaml; add its az text "
        "there (prints in the original language) [untranslated]"
    )
    assert any(":13:5: key_facts.1.label is not translated" in line for line in lines)
    strict = run_cli("--templates", str(TEMPLATES), "check", "--strict", str(folder))
    assert strict.exit_code == 1
    assert len(strict.stderr.strip().splitlines()) == 5


def test_translation_replaces_text_and_tags_the_rest(tmp_path: Path) -> None:
    folder = briefing_folder(tmp_path)
    briefing, loaded = load_briefing(folder)
    result = translated(briefing, load_translations(folder, briefing, loaded)["az"])
    assert result.language == "az" and result.translated_from == "en"
    assert result.title == "Minimal arayış" and not isinstance(result.title, LanguageText)
    assert isinstance(result.subtitle, LanguageText) and result.subtitle.lang == "en"
    assert result.key_facts[0].label == "Cavab"
    assert isinstance(result.key_facts[1].label, LanguageText)
    # The quote keeps the original words, tagged; the translation goes beside them.
    assert result.quotes[0].text == "the words as said"
    assert isinstance(result.quotes[0].text, LanguageText)
    assert result.quotes[0].translation == "deyilən sözlər"


@pytest.mark.slow
def test_translated_audience_prints_the_overlay(tmp_path: Path) -> None:
    from briefgen.build import BuildOptions, build_briefing
    from briefgen.paths import audience_names

    folder = briefing_folder(tmp_path)
    outputs = build_briefing(
        folder,
        load_audience(TEMPLATES, "az"),
        BuildOptions(out=tmp_path / "out", templates=TEMPLATES),
        audience_names(TEMPLATES),
    )
    handout = outputs[1].path.with_suffix(".html").read_text(encoding="utf-8")
    assert '<h1 class="title">Minimal arayış</h1>' in handout
    assert '<p class="subtitle"><span lang="en">Why ' in handout  # last words glued
    assert "Qeyri-rəsmi tərcümə" in handout
    assert '“<span lang="en">the words as said</span>”' in handout
    assert '<p class="quote-translation">deyilən sözlər</p>' in handout
    assert "<title>Minimal arayış — " in handout


def test_seed_translation_is_complete() -> None:
    """The shipped Azerbaijani overlay translates every field: `check --strict` passes."""
    assert (SEED / "briefing.az.yaml").is_file()
    result = run_cli("--templates", str(TEMPLATES), "check", "--strict", str(SEED))
    assert result.exit_code == 0, result.stderr
    assert not result.stderr
