"""The command line: wires the stages together and turns user errors into one line each."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import click

from briefgen.errors import CommandLineError, Interrupted, display_path
from briefgen.paths import (
    AUDIENCES_FOLDER,
    BRIEFING_FILE,
    NAME_RULE,
    audience_folder,
    audience_names,
    find_briefings,
    is_name,
)
from briefgen.summary import DocumentResult, summary_table

if TYPE_CHECKING:
    from briefgen.incremental import Job
    from briefgen.stamp import Stamps

# The rendering stack (pydantic models, Jinja, WeasyPrint) is imported inside the
# commands that need it, so an up-to-date `briefgen build` stays fast.

folder_paths = click.argument(
    "paths", nargs=-1, type=click.Path(path_type=Path, exists=True, file_okay=True)
)


class BriefgenGroup(click.Group):
    """click's group, with Ctrl-C reported as "interrupted" and exit status 130."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted() from None


@click.group(cls=BriefgenGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    return _audience_list(ctx.obj["templates"])


def _audience_list(templates: Path) -> list[str]:
    names = audience_names(templates)
    if not names:
        raise CommandLineError(
            f"no audiences in {display_path(templates / AUDIENCES_FOLDER)}; run from the project "
            "folder or pass --templates"
        )
    return names


@cli.command()
@folder_paths
@click.option(
    "--audience",
    "-a",
    "audiences",
    multiple=True,
    metavar="NAME",
    help="Build only this audience (repeatable). Default: every audience.",
)
@click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), default="build", show_default=True
)
@click.option("--strict", is_flag=True, help="Fail on any WeasyPrint warning.")
@click.option("--force", is_flag=True, help="Rebuild even outputs whose inputs have not changed.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Parallel workers. Default: one per core.",
)
@click.option("--draft", is_flag=True, help="Print a DRAFT watermark on every page.")
@click.option("--embargo", metavar='"YYYY-MM-DD HH:MM"', help="Print an embargo on every page.")
@click.option(
    "--version-line", is_flag=True, help="Print the build date and git commit on every page."
)
@click.pass_context
def build(
    ctx: click.Context,
    paths: tuple[Path, ...],
    audiences: tuple[str, ...],
    out: Path,
    strict: bool,
    force: bool,
    jobs: int | None,
    draft: bool,
    embargo: str | None,
    version_line: bool,
) -> None:
    """Build brief.pdf and handout.pdf for each briefing and audience.

    Outputs whose inputs are unchanged since the last build are skipped
    (see build/.briefgen-manifest.json); --force rebuilds them anyway.
    """
    outputs = run_build(
        ctx.obj["templates"],
        ctx.obj["content"],
        list(paths),
        list(audiences),
        out,
        strict=strict,
        force=force,
        workers=jobs,
        stamps=_stamps(ctx, draft, embargo, version_line)
        if draft or embargo or version_line
        else None,
    )
    click.echo(summary_table(outputs))


def _stamps(ctx: click.Context, draft: bool, embargo: str | None, version_line: bool) -> Stamps:
    from briefgen.stamp import Stamps, build_version, parse_embargo

    root = Path(ctx.obj["templates"]).resolve().parent
    return Stamps(
        draft=draft,
        embargo=parse_embargo(embargo) if embargo else None,
        version=build_version(root, None) if version_line else None,
    )


def run_build(
    templates: Path,
    content: Path,
    paths: list[Path],
    audiences: list[str],
    out: Path,
    strict: bool = False,
    force: bool = False,
    workers: int | None = None,
    progress: bool = True,
    stamps: Stamps | None = None,
) -> list[DocumentResult]:
    """Plan with the manifest, build what is stale in parallel, and record the results."""
    from briefgen.incremental import Manifest, default_workers, plan

    known = _audience_list(templates)
    names = list(dict.fromkeys(audiences)) or known  # `-a press -a press` builds once
    if any(name not in known for name in names):
        from briefgen.audience import load_audience

        for name in names:
            load_audience(templates, name)  # raises the "unknown audience" message
    folders = find_briefings(paths, content)
    manifest = Manifest(out)
    variant = stamps.key() if stamps is not None and stamps.active else ""
    stale, fresh = plan(folders, templates, names, manifest, force, variant)
    if not stale:
        return fresh
    from briefgen.audience import load_audience
    from briefgen.build import BuildOptions, run_jobs

    loaded = {name: load_audience(templates, name) for name in sorted({j.audience for j in stale})}
    options = BuildOptions(out=out, templates=templates, strict=strict, stamps=stamps)
    count = workers or default_workers()
    if progress:
        click.echo(
            f"building {len(stale)} document(s) with {min(count, len(stale))} worker(s)"
            + (f"; {len(fresh)} up to date" if fresh else ""),
            err=True,
        )
    done = 0

    def on_done(job: Job, output: DocumentResult) -> None:
        nonlocal done
        done += 1
        manifest.record(job, output)
        if progress:
            click.echo(f"[{done}/{len(stale)}] {job.key} {output.seconds:.1f} s", err=True)

    try:
        built = run_jobs(stale, loaded, options, known, count, on_done)
    finally:
        manifest.save()
    return sorted(fresh + built, key=lambda o: (o.slug, o.audience, o.kind))


@cli.command()
@click.argument("meeting_file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), default="build", show_default=True
)
@click.option("--copies", type=click.IntRange(0, 500), default=None, help="Numbered copies.")
@click.option(
    "--recipient",
    "--recipients",
    "recipients",
    multiple=True,
    metavar="NAME",
    help="A named copy (repeatable). Default: the meeting file's recipients.",
)
@click.option("--draft", is_flag=True, help="Print a DRAFT watermark on every page.")
@click.option("--embargo", metavar='"YYYY-MM-DD HH:MM"', help="Print an embargo on every page.")
@click.option("--booklet", is_flag=True, help="Also write each PDF as an A5 booklet on A4.")
@click.option("--strict", is_flag=True, help="Fail on any WeasyPrint warning.")
@click.option("--force", is_flag=True, help="Rebuild the documents even if up to date.")
@click.pass_context
def pack(
    ctx: click.Context,
    meeting_file: Path,
    out: Path,
    copies: int | None,
    recipients: tuple[str, ...],
    draft: bool,
    embargo: str | None,
    booklet: bool,
    strict: bool,
    force: bool,
) -> None:
    """Assemble build/meetings/NAME/pack.pdf, and its copies, from meetings/NAME.yaml."""
    from briefgen.pack import PackOptions, make_pack
    from briefgen.stamp import Stamps, parse_embargo

    stamps = Stamps(draft=draft, embargo=parse_embargo(embargo) if embargo else None)
    written = make_pack(
        meeting_file,
        ctx.obj["templates"],
        ctx.obj["content"],
        out,
        PackOptions(copies, recipients, stamps, booklet),
        lambda folders, audience: run_build(
            ctx.obj["templates"], ctx.obj["content"], folders, [audience], out, strict, force
        ),
    )
    for path in written:
        click.echo(f"wrote {display_path(path)}")


@cli.command("booklet")
@click.argument("pdf", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Default: NAME-booklet.pdf.",
)
def booklet_command(pdf: Path, out: Path | None) -> None:
    """Impose a handout or pack as a saddle-stitched booklet: A5 pages on A4 sheets."""
    from briefgen.booklet import impose_file

    click.echo(f"wrote {display_path(impose_file(pdf, out))}")


@cli.command()
@folder_paths
@click.pass_context
def check(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Validate briefings and audiences without rendering anything."""
    from briefgen.audience import load_audience
    from briefgen.glyphs import check_audience_glyphs, check_briefing_glyphs
    from briefgen.validate import load_briefing

    known = _audiences(ctx)
    for name in known:
        check_audience_glyphs(load_audience(ctx.obj["templates"], name), ctx.obj["templates"])
    folders = find_briefings(list(paths), ctx.obj["content"])
    for folder in folders:
        _, loaded = load_briefing(folder, known)
        check_briefing_glyphs(loaded, ctx.obj["templates"])
        click.echo(f"ok  {display_path(folder / BRIEFING_FILE)}")


@cli.command("audiences")
@click.pass_context
def list_audiences(ctx: click.Context) -> None:
    """List the audiences with their descriptions."""
    from briefgen.audience import load_audience

    for name in _audiences(ctx):
        config = load_audience(ctx.obj["templates"], name).config
        click.echo(f"{name:<14} {config.page_size:<6} {config.description}")


@cli.command("new-audience")
@click.argument("name")
@click.option("--from", "source", default="general", show_default=True, metavar="EXISTING")
@click.pass_context
def new_audience(ctx: click.Context, name: str, source: str) -> None:
    """Scaffold a new audience by copying an existing one, ready to edit."""
    from briefgen.audience import load_audience

    if not is_name(name):
        raise CommandLineError(f'audience name "{name}" must be {NAME_RULE}')
    templates: Path = ctx.obj["templates"]
    original = load_audience(templates, source)
    target = audience_folder(templates, name)
    if target.exists():
        raise CommandLineError(f"{display_path(target)} already exists; pick another name")
    shutil.copytree(original.folder, target)
    click.echo(f"created {display_path(target)} from {source}; edit audience.yaml, then run")
    click.echo(f"  briefgen build --audience {name}")


@cli.command("new")
@click.argument("slug")
@click.pass_context
def new_briefing(ctx: click.Context, slug: str) -> None:
    """Scaffold content/SLUG/briefing.yaml, commented and linked to the JSON Schema."""
    import datetime as dt

    from briefgen.scaffold import new_briefing as scaffold

    root = Path(ctx.obj["templates"]).parent
    target = scaffold(ctx.obj["content"], slug, root, dt.date.today().isoformat())
    click.echo(f"created {display_path(target)}; edit it, then run")
    click.echo(f"  briefgen check {display_path(target.parent)}")


@cli.command("schema")
@click.pass_context
def write_schema(ctx: click.Context) -> None:
    """Write the briefing and meeting JSON Schemas to schema/ for editors."""
    from briefgen.scaffold import MEETING_SCHEMA_PATH
    from briefgen.scaffold import write_schema as write

    root = Path(ctx.obj["templates"]).parent
    click.echo(f"wrote {display_path(write(root))}")
    click.echo(f"wrote {display_path(root / MEETING_SCHEMA_PATH)}")


@cli.command()
@click.argument("path", required=False, type=click.Path(path_type=Path, exists=True))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--audience", "-a", default=None, metavar="NAME", help="Audience to preview.")
@click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), default="build", show_default=True
)
@click.pass_context
def watch(
    ctx: click.Context, path: Path | None, port: int, audience: str | None, out: Path
) -> None:
    """Serve a live HTML preview on 127.0.0.1 and rebuild PDFs on every change."""
    from briefgen.watch import serve

    serve(
        templates=ctx.obj["templates"],
        content=ctx.obj["content"],
        path=path,
        port=port,
        audience=audience,
        out=out,
    )


def main() -> None:
    """The installed `briefgen` command: click prints user errors as one line each."""
    cli(prog_name="briefgen")
