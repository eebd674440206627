"""The command line: wires the stages together and turns user errors into one line each."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from briefgen.audience import AUDIENCES_FOLDER, audience_names, load_audience
from briefgen.build import BuildOptions, build_briefing, find_briefings, summary_table
from briefgen.errors import BriefgenError, UsageError, display_path
from briefgen.glyphs import check_audience_glyphs, check_briefing_glyphs
from briefgen.validate import load_briefing

folder_paths = click.argument(
    "paths", nargs=-1, type=click.Path(path_type=Path, exists=True, file_okay=True)
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="briefgen")
@click.option(
    "--templates",
    type=click.Path(path_type=Path, file_okay=False),
    default="templates",
    show_default=True,
    help="Template folder: base/ plus audiences/.",
)
@click.option(
    "--content",
    type=click.Path(path_type=Path, file_okay=False),
    default="content",
    show_default=True,
    help="Where briefing folders live when no PATH is given.",
)
@click.pass_context
def cli(ctx: click.Context, templates: Path, content: Path) -> None:
    """Printable policy briefs and handouts from content/<slug>/briefing.yaml."""
    ctx.obj = {"templates": templates, "content": content}


def _audiences(ctx: click.Context) -> list[str]:
    templates: Path = ctx.obj["templates"]
    names = audience_names(templates)
    if not names:
        raise UsageError(
            f"no audiences in {display_path(templates / AUDIENCES_FOLDER)}; run from the project "
            "folder or pass --templates"
        )
    return names


@cli.command()
@folder_paths
@click.option(
    "--audience", "-a", "audiences", multiple=True, metavar="NAME",
    help="Build only this audience (repeatable). Default: every audience.",
)
@click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), default="build", show_default=True
)
@click.option("--strict", is_flag=True, help="Fail on any WeasyPrint warning.")
@click.pass_context
def build(
    ctx: click.Context, paths: tuple[Path, ...], audiences: tuple[str, ...], out: Path, strict: bool
) -> None:
    """Build brief.pdf and handout.pdf for each briefing and audience."""
    known = _audiences(ctx)
    chosen = [load_audience(ctx.obj["templates"], name) for name in (audiences or known)]
    folders = find_briefings(list(paths), ctx.obj["content"])
    options = BuildOptions(out=out, templates=ctx.obj["templates"], strict=strict)
    outputs = []
    total = len(folders) * len(chosen)
    for index, (folder, audience) in enumerate(
        ((f, a) for f in folders for a in chosen), start=1
    ):
        click.echo(f"[{index}/{total}] {folder.name} · {audience.name}", err=True)
        outputs += build_briefing(folder, audience, options, known)
    click.echo(summary_table(outputs))


@cli.command()
@folder_paths
@click.pass_context
def check(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Validate briefings and audiences without rendering anything."""
    known = _audiences(ctx)
    for name in known:
        check_audience_glyphs(load_audience(ctx.obj["templates"], name), ctx.obj["templates"])
    folders = find_briefings(list(paths), ctx.obj["content"])
    for folder in folders:
        _, loaded = load_briefing(folder, known)
        check_briefing_glyphs(loaded, ctx.obj["templates"])
        click.echo(f"ok  {display_path(folder / 'briefing.yaml')}")


@cli.command("audiences")
@click.pass_context
def list_audiences(ctx: click.Context) -> None:
    """List the audiences with their descriptions."""
    for name in _audiences(ctx):
        config = load_audience(ctx.obj["templates"], name).config
        click.echo(f"{name:<14} {config.page_size:<6} {config.description}")


@cli.command("new-audience")
@click.argument("name")
@click.option("--from", "source", default="general", show_default=True, metavar="EXISTING")
@click.pass_context
def new_audience(ctx: click.Context, name: str, source: str) -> None:
    """Scaffold a new audience by copying an existing one, ready to edit."""
    import re

    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise UsageError(f'audience name "{name}" must be lower-case letters, digits, - or _')
    templates: Path = ctx.obj["templates"]
    original = load_audience(templates, source)
    target = templates / AUDIENCES_FOLDER / name
    if target.exists():
        raise UsageError(f"{display_path(target)} already exists; pick another name")
    shutil.copytree(original.folder, target)
    click.echo(f"created {display_path(target)} from {source}; edit audience.yaml, then run")
    click.echo(f"  briefgen build --audience {name}")


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except BriefgenError as exc:
        click.echo(str(exc), err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
