"""Audiences: config layering, search path, and what each shipped audience prints."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from ruamel.yaml import YAML

from briefgen.audience import load_audience
from briefgen.build import BuildOptions, DocumentResult, build_briefing
from briefgen.errors import BriefgenError, CommandLineError
from briefgen.paths import audience_names
from briefgen.render_html import TemplateRenderer
from briefgen.validate import load_briefing
from tests.conftest import SEED, TEMPLATES, SeedBuild

PAGE_POINTS = {"A4": (595.28, 841.89), "Letter": (612.0, 792.0)}
SHIPPED = ["az", "general", "ministers", "press", "students"]


def page_texts(output: DocumentResult) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(output.path).pages]


def test_five_audiences_ship() -> None:
    assert set(SHIPPED) <= set(audience_names(TEMPLATES))


def test_search_path_is_audience_first_base_last() -> None:
    audience = load_audience(TEMPLATES, "press")
    assert audience.search_path[0] == TEMPLATES / "audiences" / "press"
    assert audience.search_path[1] == TEMPLATES / "base"
    assert audience.find("brief.html.j2") == TEMPLATES / "audiences/press/brief.html.j2"
    assert audience.find("handout.html.j2") == TEMPLATES / "base/handout.html.j2"


def test_audience_config_is_layered_over_base() -> None:
    ministers = load_audience(TEMPLATES, "ministers").config
    general = load_audience(TEMPLATES, "general").config
    assert ministers.marking and "OFFICIAL" in ministers.marking
    assert ministers.labels.summary == general.labels.summary  # inherited from base
    assert ministers.labels.bottom_line != general.labels.bottom_line  # overridden


@pytest.mark.parametrize("name", SHIPPED)
def test_page_size_and_language_match_config(seed_build: SeedBuild, name: str) -> None:
    config = load_audience(TEMPLATES, name).config
    width, height = PAGE_POINTS[config.page_size]
    for output in seed_build[name].values():
        reader = PdfReader(output.path)
        for page in reader.pages:
            box = page.mediabox
            assert float(box.width) == pytest.approx(width, abs=1)
            assert float(box.height) == pytest.approx(height, abs=1)
        root: Any = reader.trailer["/Root"]
        assert root["/Lang"] == config.language


@pytest.mark.parametrize("name", SHIPPED)
def test_marking_is_on_every_page_where_configured(seed_build: SeedBuild, name: str) -> None:
    marking = load_audience(TEMPLATES, name).config.marking
    for output in seed_build[name].values():
        for number, text in enumerate(page_texts(output), start=1):
            if marking:
                # Markings print in capitals; compare case-insensitively.
                assert marking.casefold() in text.casefold(), (name, output.kind, number)
            else:
                assert "OFFICIAL" not in text


def test_items_tagged_for_audiences_appear_only_there(
    seed_build: SeedBuild,
) -> None:
    hidden_in = {  # hide_for: [ministers]; `az` prints the seed's briefing.az.yaml
        "az": "Polis missiyası variantında ətraf rayonlar",
    }
    only = "Humanitarian truces agreed three times"  # only_for: [students, general]
    for name, outputs in seed_build.items():
        hidden = hidden_in.get(name, "Adjacent regions in the earlier police-mission option")
        handout = " ".join(page_texts(outputs["handout"]))
        assert (hidden in handout) == (name != "ministers"), name
        if name in {"students", "general"}:
            assert only.replace("'", "’") in handout or only in handout, name
        else:
            assert "three co-chairs assumed" not in handout, name


def test_localized_labels_and_dates(seed_build: SeedBuild) -> None:
    text = " ".join(page_texts(seed_build["az"]["handout"]))
    assert "25 noyabr 2026" in text
    assert "Müəllif belə hesab edir:" in text  # headings print in capitals
    assert "Səhifə 1 / " in text


def test_unknown_audience_lists_the_valid_ones() -> None:
    with pytest.raises(CommandLineError) as caught:
        load_audience(TEMPLATES, "minister")
    message = str(caught.value)
    assert 'Did you mean "ministers"?' in message
    for name in SHIPPED:
        assert name in message


def copy_templates(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATES, target)
    return target


def test_config_typo_reports_line_and_suggestion(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    config = templates / "audiences/press/audience.yaml"
    lines = config.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("page_size:"))
    lines[index] = lines[index].replace("page_size", "page_sise")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(BriefgenError) as caught:
        load_audience(templates, "press")
    error = caught.value
    assert error.path == config and error.line == index + 1
    assert 'unknown key "page_sise"' in error.message and '"page_size"' in error.message


def test_override_with_missing_variable_names_template_and_line(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    override = templates / "audiences/press/brief.html.j2"
    override.write_text(
        '{% extends "base/brief.html.j2" %}\n{% block title_block %}\n'
        "<h1>{{ briefing.no_such_field }}</h1>\n{% endblock %}\n",
        encoding="utf-8",
    )
    briefing, _ = load_briefing(SEED)
    with pytest.raises(BriefgenError) as caught:
        TemplateRenderer(load_audience(templates, "press")).render("brief", briefing)
    assert caught.value.path is not None and caught.value.path.name == "brief.html.j2"
    assert "audiences/press" in str(caught.value.path) and caught.value.line == 3
    assert "no_such_field" in caught.value.message


def test_new_audience_from_files_alone_builds(tmp_path: Path) -> None:
    """A new audience is a folder with an audience.yaml and, optionally, CSS: no Python."""
    templates = copy_templates(tmp_path)
    folder = templates / "audiences/board"
    folder.mkdir()
    (folder / "audience.yaml").write_text(
        "description: Board papers\npage_size: Letter\nmarking: BOARD — CONFIDENTIAL\n"
        "palette:\n  accent: '#333333'\n  tint: '#f1f1f1'\n  ink: '#111111'\n  muted: '#555555'\n"
        "brief:\n  max_facts: 3\n",
        encoding="utf-8",
    )
    (folder / "style.css").write_text(".title { letter-spacing: 0.02em; }\n", encoding="utf-8")
    audience = load_audience(templates, "board")
    outputs = build_briefing(
        SEED,
        audience,
        BuildOptions(out=tmp_path / "out", templates=templates),
        audience_names(templates),
    )
    brief = next(o for o in outputs if o.kind == "brief")
    reader = PdfReader(brief.path)
    assert len(reader.pages) == 1
    assert "BOARD — CONFIDENTIAL".casefold() in (reader.pages[0].extract_text() or "").casefold()
    assert float(reader.pages[0].mediabox.height) == pytest.approx(792, abs=1)


def test_shipped_configs_only_state_what_differs() -> None:
    """Audience files stay short because base/audience.yaml supplies the rest."""
    yaml = YAML(typ="safe")
    base = yaml.load((TEMPLATES / "base/audience.yaml").read_text(encoding="utf-8"))
    for name in SHIPPED:
        own = yaml.load((TEMPLATES / f"audiences/{name}/audience.yaml").read_text(encoding="utf-8"))
        assert set(own) <= set(base), name


@pytest.mark.parametrize(
    "date_format",
    ["{day.__class__.__mro__}", "{day:>1000000}", "{month!r}", "{0} {1}", "{year", "{weekday}"],
)
def test_date_format_allows_only_its_three_placeholders(tmp_path: Path, date_format: str) -> None:
    templates = copy_templates(tmp_path)
    config = templates / "audiences/press/audience.yaml"
    lines = config.read_text(encoding="utf-8").splitlines()
    config.write_text("\n".join([*lines, f'date_format: "{date_format}"']) + "\n")
    with pytest.raises(BriefgenError) as caught:
        load_audience(templates, "press")
    error = caught.value
    assert (error.path, error.line, error.column) == (config, len(lines) + 1, 1)
    assert error.message.startswith('"date_format" has ') and "{day}, {month} and {year}" in (
        error.message
    )


def test_date_format_with_literal_braces_prints_them(tmp_path: Path) -> None:
    import datetime as dt

    templates = copy_templates(tmp_path)
    config = templates / "audiences/press/audience.yaml"
    text = config.read_text(encoding="utf-8") + 'date_format: "{{{year}}} {day}.{month}"\n'
    config.write_text(text, encoding="utf-8")
    assert load_audience(templates, "press").format_date(dt.date(2026, 1, 2)) == "{2026} 2.January"


@pytest.mark.parametrize(
    ("yaml", "line_of_key"),
    [
        ('stamps:\n  embargo: "Until {when.__class__.__mro__}"', 2),
        ('stamps:\n  numbered_copy: "Copy {copy:>1000000}"', 2),
        ('stamps:\n  named_copy: "For {name!r}"', 2),
        ('stamps:\n  version_with_commit: "{date} {commit} {0}"', 2),
        ('pack:\n  labels:\n    pack_page: "{page} of {pages.real}"', 3),
    ],
)
def test_every_text_filled_by_str_format_allows_only_its_placeholders(
    tmp_path: Path, yaml: str, line_of_key: int
) -> None:
    templates = copy_templates(tmp_path)
    config = templates / "audiences/press/audience.yaml"
    lines = config.read_text(encoding="utf-8").splitlines()
    config.write_text("\n".join([*lines, yaml]) + "\n", encoding="utf-8")
    with pytest.raises(BriefgenError) as caught:
        load_audience(templates, "press")
    error = caught.value
    assert (error.path, error.line) == (config, len(lines) + line_of_key)
    assert " may be used, as they are" in error.message


def refusal_of_new_audience(
    tmp_path: Path, config: str, files: dict[str, str] | None = None
) -> tuple[BriefgenError, Path]:
    """The error loading a new audience `x` whose audience.yaml is `config` (with `files`
    beside it), and that file's path."""
    templates = copy_templates(tmp_path)
    folder = templates / "audiences" / "x"
    folder.mkdir()
    for name, text in (files or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "audience.yaml").write_text(config, encoding="utf-8")
    with pytest.raises(BriefgenError) as caught:
        load_audience(templates, "x")
    return caught.value, folder / "audience.yaml"


@pytest.mark.parametrize(
    ("setting", "hint"),
    [
        ('palette: {accent: "#fff"}', "write a colour as # and six hex digits"),
        ("citations: {style: Chicago, locale: en-GB}", "as in a file name"),
        ("citations: {style: chicago-notes-bibliography, locale: en_GB}", "language tag"),
    ],
)
def test_a_value_of_the_wrong_form_gets_the_hint_for_its_kind(
    tmp_path: Path, setting: str, hint: str
) -> None:
    """Every such value got the audience-name hint ("… e.g. ministers")."""
    error, _ = refusal_of_new_audience(tmp_path, setting + "\n")
    assert "has the wrong form" in error.message and hint in error.message
    assert "ministers" not in error.message


def test_a_handout_section_listed_twice_is_refused_at_its_line(tmp_path: Path) -> None:
    config = "handout:\n  sections: [summary, argument, summary]\n"
    error, path = refusal_of_new_audience(tmp_path, config)
    assert error.path == path and error.line == 2
    assert 'names "summary" twice' in error.message


def test_a_logo_that_is_not_an_image_is_refused_at_its_line(tmp_path: Path) -> None:
    """It printed as nothing, and only --strict noticed, blaming the briefing."""
    config = "organisation:\n  name: Unit\n  logo: logo.png\n"
    error, path = refusal_of_new_audience(tmp_path, config, {"logo.png": "not an image"})
    assert error.path == path and error.line == 3
    assert "is not a PNG, JPEG or SVG image" in error.message
