"""`briefgen check` is a build that writes nothing: what would stop a build stops it,
every error of every audience is reported, and `watch` previews through the same path."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from briefgen.watch import Preview
from tests.conftest import TEMPLATES, run_cli
from tests.test_validate import GOOD


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    (tmp_path / "content" / "mini").mkdir(parents=True)
    (tmp_path / "content" / "mini" / "briefing.yaml").write_text(GOOD, encoding="utf-8")
    return tmp_path


def check(project: Path, *args: str) -> tuple[int, list[str], str]:
    """Exit status, error lines and standard output of `briefgen check ARGS`."""
    result = run_cli("check", *args, cwd=project)
    return result.exit_code, result.stderr.splitlines(), result.stdout


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def break_block(path: Path, block: str, expression: str) -> int:
    """Put `expression` at the start of `{% block BLOCK %}` in `path`; its line number."""
    text = path.read_text()
    marker = f"{{% block {block} %}}"
    assert marker in text, (path, marker)
    path.write_text(text.replace(marker, marker + expression, 1))
    return line_of(path, marker + expression)


def test_a_good_project_passes(project: Path) -> None:
    assert check(project) == (0, [], "ok  content/mini/briefing.yaml\n")


def test_a_template_that_fails_only_when_run_fails_check(project: Path) -> None:
    """It compiles, so only rendering the documents, as a build does, finds it."""
    template = project / "templates" / "base" / "handout.html.j2"
    line = break_block(template, "summary", "{{ 1 // 0 }}")
    status, errors, out = check(project)
    assert status == 1 and out == ""
    assert errors == [
        f"templates/base/handout.html.j2:{line}: template error: ZeroDivisionError: "
        "integer division or modulo by zero"
    ]


def test_a_template_syntax_error_fails_check(project: Path) -> None:
    template = project / "templates" / "audiences" / "press" / "brief.html.j2"
    template.write_text(template.read_text() + "\n{% if %}\n")
    status, errors, _ = check(project)
    assert status == 1
    assert len(errors) == 1 and re.fullmatch(
        r"templates/audiences/press/brief\.html\.j2:\d+: template syntax error: .+", errors[0]
    ), errors


def test_a_character_no_font_has_fails_check(project: Path) -> None:
    yaml = project / "content" / "mini" / "briefing.yaml"
    yaml.write_text(GOOD.replace("A short summary.", "A short summary 🂡."))
    status, errors, _ = check(project)
    assert status == 1
    assert len(errors) == 1
    assert errors[0].startswith(f"content/mini/briefing.yaml:{line_of(yaml, '🂡')}:1: summary:")
    assert "U+1F0A1" in errors[0]


def test_an_image_the_resource_guard_refuses_fails_check(project: Path) -> None:
    """An audience logo outside templates/: the config names an existing file, but the
    fetcher refuses it when the documents are made, so check must too."""
    Image.new("RGB", (8, 8)).save(project / "outside.png")
    config = project / "templates" / "audiences" / "general" / "audience.yaml"
    config.write_text(
        config.read_text() + "\norganisation:\n  name: Org\n  logo: ../../../outside.png\n"
    )
    status, errors, _ = check(project)
    assert status == 1
    assert len(errors) == 1, errors
    assert errors == [
        f"templates/audiences/general/audience.yaml:{line_of(config, 'logo:')}:3: "
        "organisation.logo: outside.png was refused (outside the templates and briefing "
        "folders); an audience may use files in its own folder only"
    ]


def test_an_image_in_the_briefing_outside_its_folder_fails_check(project: Path) -> None:
    Image.new("RGB", (8, 8)).save(project / "map.png")
    yaml = project / "content" / "mini" / "briefing.yaml"
    yaml.write_text(GOOD.replace("A short summary.", "See ![map](../../map.png)."))
    status, errors, _ = check(project)
    assert status == 1
    line = line_of(yaml, "map.png")
    assert len(errors) == 1 and errors[0].startswith(
        f"content/mini/briefing.yaml:{line}:1: in summary"
    )


def test_every_error_of_every_audience_is_reported(project: Path) -> None:
    audiences = project / "templates" / "audiences"
    press = audiences / "press" / "brief.html.j2"
    press.write_text(press.read_text() + "\n{% if %}\n")
    override = audiences / "ministers" / "brief.html.j2"
    override.write_text(
        '{% extends "base/brief.html.j2" %}\n{% block facts_band %}{% endblock %}\n'
    )
    ministers = break_block(override, "facts_band", "{{ nope() }}")
    second = project / "content" / "second"
    second.mkdir()
    (second / "briefing.yaml").write_text(GOOD.replace("summary:", "sumary:"))
    line = line_of(second / "briefing.yaml", "sumary:")
    status, errors, out = check(project)
    assert status == 1 and out == ""
    assert errors[0].startswith("templates/audiences/press/brief.html.j2:")
    assert errors[1] == (
        f'content/second/briefing.yaml:{line}:1: unknown key "sumary". Did you mean "summary"?'
    )
    assert errors[2].startswith(f"templates/audiences/ministers/brief.html.j2:{ministers}: ")
    assert len(errors) == 3, errors


@pytest.mark.slow
def test_render_lays_out_and_fits_as_a_build_does(project: Path) -> None:
    """A brief that cannot fit one page passes the plain check and fails `--render`."""
    points = "".join(f"  - claim: Point number {n} of a very long argument.\n" for n in range(60))
    yaml = project / "content" / "mini" / "briefing.yaml"
    yaml.write_text(GOOD.replace("  - claim: Something is true.\n", points))
    assert check(project)[0] == 0
    status, errors, _ = check(project, "--render", "-j", "2")
    assert status == 1
    assert errors and all("the brief does not fit on one page" in e for e in errors), errors


def test_watch_previews_through_the_same_checks(project: Path) -> None:
    """The preview shows the error a build would stop at, here a glyph no font has."""
    folder = project / "content" / "mini"
    (folder / "briefing.yaml").write_text(GOOD.replace("A short summary.", "Cards 🂡."))
    preview = Preview(project / "templates", [folder], "general")
    page = preview.render("mini", "general", "brief", nonce="n")
    assert "briefgen-error" in page and "U+1F0A1" in page


def test_a_template_linked_to_a_file_outside_the_templates_fails_check(
    project: Path, tmp_path: Path
) -> None:
    """`ln -s /etc/passwd brief.html.j2` printed the file into the brief."""
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n", encoding="utf-8")
    template = project / "templates" / "audiences" / "press" / "brief.html.j2"
    template.unlink()
    template.symlink_to(secret)
    status, errors, _ = check(project)
    assert status == 1
    assert errors == [
        f"templates/audiences/press/brief.html.j2: this template links to {secret.resolve()}, "
        "outside the templates folder; copy the file in instead of linking to it"
    ]


def test_a_template_that_is_not_utf8_fails_check_at_its_file(project: Path) -> None:
    template = project / "templates" / "audiences" / "press" / "brief.html.j2"
    template.write_bytes(b'{% extends "base/brief.html.j2" %}\xff')
    status, errors, _ = check(project)
    assert status == 1
    assert errors == [
        "templates/audiences/press/brief.html.j2: this template is not UTF-8 text (byte 0xff "
        "at offset 34); save it as UTF-8"
    ]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ('{% set s = "x" * 1500000000 %}', "repeating 1 item(s) 1,500,000,000 times"),
        ("{{ 2 ** 100000000 }}", "a power of 100000000 is too large"),
        ("{% for i in range(10 ** 9) %}{% endfor %}", "Range too big"),
        ("{{ briefing.__class__.__mro__ }}", "__class__"),
    ],
)
def test_a_template_cannot_exhaust_the_machine_or_reach_python(
    project: Path, expression: str, message: str
) -> None:
    """Templates run sandboxed: `"x" * 1500000000` took 6 GB and 52 s."""
    template = project / "templates" / "base" / "handout.html.j2"
    line = break_block(template, "summary", expression)
    status, errors, _ = check(project)
    assert status == 1 and len(errors) == 1, errors
    assert errors[0].startswith(f"templates/base/handout.html.j2:{line}: ") and message in errors[0]


def test_a_stylesheet_asking_for_a_file_outside_fails_check_at_its_line(project: Path) -> None:
    """check followed the HTML's links but not what a stylesheet asks for in turn."""
    style = project / "templates" / "audiences" / "press" / "style.css"
    style.write_text('@import url("/etc/passwd");\n' + style.read_text(), encoding="utf-8")
    status, errors, _ = check(project)
    assert status == 1 and errors, errors
    assert errors[0].startswith("templates/audiences/press/style.css:1: [press/"), errors
    assert "file:///etc/passwd, which was refused" in errors[0]


def test_a_stylesheet_that_is_not_utf8_fails_check_at_its_byte(project: Path) -> None:
    """It gave an internal error at build time, and check said ok."""
    style = project / "templates" / "audiences" / "press" / "style.css"
    lines = style.read_text().count("\n")
    style.write_bytes(style.read_bytes() + b".x { color: red; } /* \xff */\n")
    status, errors, _ = check(project)
    assert status == 1
    assert errors == [
        f"templates/audiences/press/style.css:{lines + 1}:23: byte 0xff is not UTF-8; save the "
        "file as UTF-8"
    ]


def test_an_override_of_a_block_the_base_lacks_fails_check(project: Path) -> None:
    """A typo such as `quote` for `quotes` was silently ignored."""
    template = project / "templates" / "audiences" / "press" / "brief.html.j2"
    template.write_text(
        template.read_text() + "\n{% block quote %}<p>Ours</p>{% endblock %}\n", encoding="utf-8"
    )
    line = line_of(template, "{% block quote %}")
    status, errors, _ = check(project)
    assert status == 1 and len(errors) == 1, errors
    assert errors[0].startswith(
        f'templates/audiences/press/brief.html.j2:{line}: block "quote" is not in '
        'base/brief.html.j2, so it would never print. Did you mean "quotes"?'
    ), errors
