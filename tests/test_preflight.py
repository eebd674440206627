"""`briefgen preflight`: each check catches its fault in a PDF made to have it, and the
seed's PDFs for every audience pass with no errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from briefgen.cli import cli
from briefgen.documents import DocumentKind
from briefgen.preflight import (
    Report,
    contrast_ratio,
    find_pdfs,
    preflight,
    shipped_font_names,
)
from tests.conftest import TEMPLATES, SeedBuild

FONTS = TEMPLATES / "base" / "fonts"
SHIPPED = shipped_font_names(TEMPLATES)
PROSE = (
    "The agreement deploys a peacekeeping mission in most of the former autonomous region "
    "and the corridor that connects it with the neighbouring country, for an initial term "
    "of five years that renews itself unless one of the parties objects. "
)


def make_pdf(folder: Path, body: str, css: str = "", name: str = "doc.pdf") -> Path:
    """A PDF from HTML set in the shipped Noto fonts, as briefgen's templates are."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    faces = "".join(
        f'@font-face {{ font-family: "Noto Serif"; src: url("{(FONTS / file).as_uri()}"); '
        f"font-weight: {weight}; }}"
        for file, weight in (("NotoSerif-Regular.ttf", 400), ("NotoSerif-Bold.ttf", 700))
    )
    style = CSS(
        string=faces + 'body { font-family: "Noto Serif"; font-size: 10pt; } ' + css,
        font_config=fonts,
    )
    path = folder / name
    HTML(string=f"<html lang='en'><body>{body}</body></html>", base_url=str(folder)).write_pdf(
        path, stylesheets=[style], font_config=fonts
    )
    return path


def checks(report: Report, severity: str = "error") -> set[str]:
    return {f.check for f in report.findings if f.severity == severity}


def test_clean_prose_has_no_findings(tmp_path: Path) -> None:
    report = preflight(make_pdf(tmp_path, f"<p>{PROSE * 3}</p>"), SHIPPED)
    assert report.findings == []
    assert report.pages[0].smallest_type_pt == pytest.approx(10, abs=0.05)
    assert report.pages[0].lowest_contrast is not None and report.pages[0].lowest_contrast > 15


def test_text_cut_by_overflow_hidden_is_an_error(tmp_path: Path) -> None:
    body = f'<div style="height: 14pt; width: 60mm; overflow: hidden">{PROSE}</div>'
    assert "clipped" in checks(preflight(make_pdf(tmp_path, body), SHIPPED))


def test_text_off_the_page_is_an_error(tmp_path: Path) -> None:
    body = f'<p style="margin-left: -40mm">{PROSE}</p>'
    assert "outside" in checks(preflight(make_pdf(tmp_path, body), SHIPPED))


@pytest.mark.parametrize(("colour", "background"), [("#ffffff", "#ffffff"), ("#c9ced6", "#eef2f7")])
def test_text_in_the_background_colour_is_an_error(
    tmp_path: Path, colour: str, background: str
) -> None:
    body = (
        f"<p>{PROSE}</p>"
        f'<div style="background: {background}; padding: 4mm">'
        f'<p style="color: {colour}">{PROSE}</p></div>'
    )
    assert "contrast" in checks(preflight(make_pdf(tmp_path, body), SHIPPED))


def test_contrast_is_measured_in_grey() -> None:
    # Pure red and pure green differ in colour but print as different greys; two colours
    # of the same luma are the same grey: contrast 1.
    assert contrast_ratio(76.2, 76.2) == pytest.approx(1.0)
    assert contrast_ratio(0, 255) == pytest.approx(21.0)


def test_a_font_not_shipped_is_an_error(tmp_path: Path) -> None:
    machine_fonts = subprocess.run(["fc-list"], capture_output=True, text=True).stdout
    if not machine_fonts.strip():
        pytest.skip("this machine has no fonts of its own to fall back on")
    body = f'<p style="font-family: monospace">{PROSE}</p>'
    report = preflight(make_pdf(tmp_path, body), SHIPPED)
    assert "fonts" in checks(report)
    assert report.fonts_not_shipped


def test_small_type_is_an_error(tmp_path: Path) -> None:
    body = f'<p style="font-size: 4pt">{PROSE}</p>'
    assert "type" in checks(preflight(make_pdf(tmp_path, body), SHIPPED))


def test_three_hyphenated_lines_in_a_row_are_an_error(tmp_path: Path) -> None:
    ladder = "<p>peace-<br>keeping-<br>mission-<br>mandate and more words</p>"
    two = "<p>peace-<br>keeping-<br>mission and more words</p>"
    assert "hyphenation" in checks(preflight(make_pdf(tmp_path, ladder), SHIPPED))
    report = preflight(make_pdf(tmp_path, two, name="two.pdf"), SHIPPED)
    assert "hyphenation" not in checks(report)
    assert report.pages[0].longest_hyphen_run == 2


def test_a_low_resolution_image_is_a_warning(tmp_path: Path) -> None:
    Image.new("RGB", (40, 30), "#1d3f66").save(tmp_path / "small.png")
    body = f'<p>{PROSE}</p><img src="small.png" style="width: 80mm">'
    report = preflight(make_pdf(tmp_path, body), SHIPPED)
    assert "images" in checks(report, "warning")
    assert report.lowest_image_ppi is not None and report.lowest_image_ppi < 30


def test_a_runt_in_a_title_is_an_error(tmp_path: Path) -> None:
    title = "Peacekeepers deployed along the corridor after the ceasefire agreement"
    style = "font-size: 30pt; width: 120mm"
    runt = f'<h1 style="{style}">{title} signed</h1><p>{PROSE}</p>'
    glued = f'<h1 style="{style}">{title}&nbsp;signed</h1><p>{PROSE}</p>'
    assert "runt" in checks(preflight(make_pdf(tmp_path, runt), SHIPPED))
    assert "runt" not in checks(preflight(make_pdf(tmp_path, glued, name="g.pdf"), SHIPPED))


def prose(sentences: int, start: int = 0) -> str:
    """Sentences told apart by a word (headers differ only by numbers), so no line of one
    page looks like a running header repeated on another."""
    names = ["Ana", "Boris", "Chen", "Dilnoza", "Emre", "Farid", "Gohar", "Hasan", "Ilya", "Jana"]
    return "".join(
        f"{PROSE[:-2]}, said {names[(start + i) % 10]} {names[(start + i) // 10 % 10]}. "
        for i in range(sentences)
    )


def test_a_short_middle_page_is_an_error(tmp_path: Path) -> None:
    body = (
        f'<p style="break-after: page">{prose(30)}</p>'
        + f'<p style="break-after: page">{prose(5, 40)}</p>'
        + f"<p>{prose(30, 50)}</p>"  # plain text: it could have filled the page before
    )
    report = preflight(make_pdf(tmp_path, body), SHIPPED)
    flagged = [f.page for f in report.findings if f.check == "fill" and f.severity == "error"]
    assert 3 in flagged  # five sentences, then a forced break
    assert 1 not in flagged  # the cover may be short
    assert len(report.pages) not in flagged  # and so may the last page


def test_a_block_too_tall_for_the_space_left_excuses_a_short_page(tmp_path: Path) -> None:
    body = (
        f"<p>{prose(30)}</p>"
        + '<div style="height: 200mm; background: #eef2f7; break-inside: avoid"></div>'
        + f"<p>{prose(30, 50)}</p>"
    )
    report = preflight(make_pdf(tmp_path, body), SHIPPED)
    assert report.pages[1].fill < 0.6
    assert "fill" not in checks(report)


SMALL_PAGE = (
    "@page { size: 100mm 60mm; margin: 5mm; } body, p, div { line-height: 12pt; margin: 0; }"
)
PAGE_AREA_PT = 50 * 72 / 25.4


def with_lines_left(lines: int) -> str:
    """A blank block that leaves room for `lines` lines of 12 pt at the foot of page 1."""
    return f'<div style="height: {PAGE_AREA_PT - 12 * lines - 2:.1f}pt"></div>'


def test_a_paragraph_split_one_line_from_the_end_leaves_a_widow(tmp_path: Path) -> None:
    css = SMALL_PAGE + " p { orphans: 1; widows: 1; }"
    widow = with_lines_left(4) + f"<p>{prose(1)}</p>"  # five lines: four, then one
    report = preflight(make_pdf(tmp_path, widow, css), SHIPPED)
    assert (report.widows, report.orphans) == (1, 0)
    kept = preflight(make_pdf(tmp_path, widow, SMALL_PAGE, name="kept.pdf"), SHIPPED)
    assert (kept.widows, kept.orphans) == (0, 0)  # widows: 2 moves a second line over


def test_a_paragraph_split_after_its_first_line_leaves_an_orphan(tmp_path: Path) -> None:
    css = SMALL_PAGE + " p { orphans: 1; widows: 1; }"
    orphan = with_lines_left(1) + f"<p>{prose(1)}</p>"
    report = preflight(make_pdf(tmp_path, orphan, css), SHIPPED)
    assert (report.widows, report.orphans) == (0, 1)


def test_one_line_items_split_over_a_page_are_neither(tmp_path: Path) -> None:
    """Rows of a list or timeline, and a line of figures ending a note, are not a paragraph
    split one line and one."""
    rows = "".join(
        f'<div style="margin-bottom: 6pt">Row {i} of the timeline</div>' for i in range(9)
    )
    figures = with_lines_left(2) + "<p>Net generation in thousand MWh<br>100.2 383.7</p>"
    for name, body in (("rows.pdf", rows), ("figures.pdf", figures + f"<p>{prose(2)}</p>")):
        report = preflight(make_pdf(tmp_path, body, SMALL_PAGE, name=name), SHIPPED)
        assert len(report.pages) == 2, name
        assert (report.widows, report.orphans) == (0, 0), name


def test_find_pdfs_searches_folders_and_refuses_other_files(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.pdf").write_bytes(b"%PDF-1.7")
    (tmp_path / "notes.txt").write_text("x")
    assert [p.name for p in find_pdfs([tmp_path])] == ["x.pdf"]
    with pytest.raises(Exception, match="neither a PDF nor a folder"):
        find_pdfs([tmp_path / "notes.txt"])


def test_a_missing_build_folder_says_to_build_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Exception, match="build does not exist; run `briefgen build` first"):
        find_pdfs([Path("build")])


def test_command_exit_status_and_json(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    broken = tmp_path / "broken"
    clean.mkdir()
    broken.mkdir()
    make_pdf(clean, f"<p>{PROSE}</p>")
    make_pdf(broken, f'<p style="font-size: 4pt">{PROSE}</p>')
    runner = CliRunner()
    templates = ["--templates", str(TEMPLATES)]
    ok = runner.invoke(cli, [*templates, "preflight", str(clean)])
    assert ok.exit_code == 0, ok.output
    assert "0 error(s)" in ok.output
    bad = runner.invoke(cli, [*templates, "preflight", "--json", str(clean), str(broken)])
    assert bad.exit_code == 1
    data = json.loads(bad.output)
    assert data["errors"] == 1
    assert [f["check"] for f in data["files"][1]["errors"]] == ["type"]
    empty = runner.invoke(cli, [*templates, "preflight", str(tmp_path / "clean" / "..")])
    assert empty.exit_code == 1  # the folder holds both
    none = tmp_path / "none"
    none.mkdir()
    assert runner.invoke(cli, [*templates, "preflight", str(none)]).exit_code == 2


def test_every_audience_of_the_seed_passes(seed_build: SeedBuild) -> None:
    for audience, outputs in seed_build.items():
        for kind, output in outputs.items():
            report = preflight(output.path, SHIPPED)
            assert report.errors == [], (audience, kind, report.errors)
            assert report.fonts_not_shipped == []


def test_a_shipped_font_slanted_or_emboldened_by_pango_is_still_shipped() -> None:
    from briefgen.preflight import _is_shipped, _normalise_font

    assert _is_shipped(_normalise_font("ABCDEF+Noto-Sans-Math-Bold"), SHIPPED)
    assert _is_shipped(_normalise_font("Noto-Serif-Armenian-Italic"), SHIPPED)
    assert not _is_shipped(_normalise_font("XKQQSR+DejaVu-Sans-Bold"), SHIPPED)


@pytest.mark.parametrize("kind", ["brief", "handout"])
def test_a_code_span_prints_in_a_shipped_font(tmp_path: Path, kind: DocumentKind) -> None:
    """`<z>` in backticks is a `code` element: set in the user agent's monospace, a font
    of the machine, every such document failed preflight."""
    from briefgen.audience import load_audience
    from briefgen.render_html import TemplateRenderer
    from briefgen.schema import Briefing
    from briefgen.typeset import lay_out, pdf_bytes
    from briefgen.validate import load_briefing
    from tests.conftest import SEED

    machine_fonts = subprocess.run(["fc-list"], capture_output=True, text=True).stdout
    if not machine_fonts.strip():
        pytest.skip("this machine has no fonts of its own to fall back on")
    seed, _ = load_briefing(SEED)
    data = seed.model_dump(by_alias=True, exclude_none=True)
    data["summary"] = "The parties wrote `<z>` and `a<b` in the text. " + data["summary"]
    briefing = Briefing.model_validate(data)
    html = TemplateRenderer(load_audience(TEMPLATES, "general")).render(kind, briefing)
    assert "<code>" in html
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(pdf_bytes(lay_out(html, SEED, [TEMPLATES, SEED]), html))
    report = preflight(path, SHIPPED)
    assert "fonts" not in checks(report), report.fonts_not_shipped
