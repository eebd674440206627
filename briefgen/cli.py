"""The command line: wires the stages together and turns user errors into one line each."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from briefgen.batch import audience_list, run_build, run_check
from briefgen.documents import DOCUMENT_KINDS, DocumentKind
from briefgen.errors import BriefgenError, CommandLineError, Interrupted, display_path
from briefgen.paths import BRIEFING_FILE, NAME_RULE, audience_folder, is_name
from briefgen.summary import DocumentResult, summary_table

if TYPE_CHECKING:
    from briefgen.stamp import Stamps

# The rendering stack (pydantic models, Jinja, WeasyPrint) is imported inside the
# commands that need it, so an up-to-date `briefgen build` stays fast.

folder_paths = click.argument(
    "paths", nargs=-1, type=click.Path(path_type=Path, exists=True, file_okay=True)
)


class BriefgenGroup(click.Group):
    """click's group, with Ctrl-C reported as "interrupted" and exit status 130, and
    any other failure as one line: a file the system refused (`path: why`), or an
    internal error, whose traceback `--debug` prints."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted() from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OSError as exc:
            if (ctx.obj or {}).get("debug"):
                raise
            why = exc.strerror or str(exc)
            raise BriefgenError(
                f"{why[:1].lower()}{why[1:]}; check the path and its permissions", exc.filename
            ) from None
        except Exception as exc:
            if (ctx.obj or {}).get("debug"):
                raise
            message = " ".join(str(exc).split())[:200]
            raise BriefgenError(
                f"internal error: {type(exc).__name__}: {message} (run with --debug for the "
                "traceback, and report it)"
            ) from None


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
@click.option("--debug", is_flag=True, help="Print the traceback of a failed document.")
@click.pass_context
def cli(ctx: click.Context, templates: Path, content: Path, debug: bool) -> None:
    """Printable policy briefs and handouts from content/<slug>/briefing.yaml."""
    ctx.obj = {"templates": templates, "content": content, "debug": debug}


jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Parallel workers. Default: one per core.",
)
strict_option = click.option("--strict", is_flag=True, help="Fail on any WeasyPrint warning.")


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
    "--only",
    type=click.Choice(DOCUMENT_KINDS),
    default=None,
    help="Build only briefs or only handouts.",
)
@click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), default="build", show_default=True
)
@strict_option
@click.option("--force", is_flag=True, help="Rebuild even outputs whose inputs have not changed.")
@jobs_option
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
    only: DocumentKind | None,
    out: Path,
    strict: bool,
    force: bool,
    jobs: int | None,
    draft: bool,
    embargo: str | None,
    version_line: bool,
) -> None:
    """Build brief.pdf and handout.pdf for each briefing and audience.

    Outputs whose inputs are unchanged since the last build are skipped (each output
    folder records what it was built from); --force rebuilds them anyway. A document
    that cannot be built is listed with its reason while the rest build; the command
    then exits 1. The documents of one briefing and audience are replaced together.
    """
    results = run_build(
        ctx.obj["templates"],
        ctx.obj["content"],
        list(paths),
        list(audiences),
        out,
        kinds=(only,) if only else DOCUMENT_KINDS,
        strict=strict,
        force=force,
        workers=jobs,
        debug=ctx.obj["debug"],
        stamps=_stamps(ctx, draft, embargo, version_line)
        if draft or embargo or version_line
        else None,
    )
    click.echo(summary_table(results))
    if any(result.failed for result in results):
        ctx.exit(1)


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
        lambda folders, audience: built_for_pack(
            run_build(
                ctx.obj["templates"],
                ctx.obj["content"],
                folders,
                [audience],
                out,
                strict=strict,
                force=force,
                debug=ctx.obj["debug"],
            )
        ),
    )
    for path in written:
        click.echo(f"wrote {display_path(path)}")


def _stamps(ctx: click.Context, draft: bool, embargo: str | None, version_line: bool) -> Stamps:
    from briefgen.stamp import Stamps, build_version, parse_embargo

    root = Path(ctx.obj["templates"]).resolve().parent
    return Stamps(
        draft=draft,
        embargo=parse_embargo(embargo) if embargo else None,
        version=build_version(root, None) if version_line else None,
    )


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


def built_for_pack(results: list[DocumentResult]) -> list[DocumentResult]:
    """A pack needs every one of its documents: one that was not built stops it."""
    failed = [r for r in results if r.failed]
    if failed:
        raise BriefgenError(
            f"{len(failed)} document(s) of the pack could not be built (see above): "
            f"{failed[0].reason}"
        )
    return results


@cli.command()
@folder_paths
@click.option(
    "--render", is_flag=True, help="Also lay out and fit every document, as a build does."
)
@strict_option
@jobs_option
@click.pass_context
def check(
    ctx: click.Context, paths: tuple[Path, ...], render: bool, strict: bool, jobs: int | None
) -> None:
    """Check briefings and audiences exactly as a build would, writing nothing.

    Loads, validates, checks every character against the shipped fonts, compiles and
    runs the templates and asks the resource guard about every file the documents use;
    with --render, lays out and fits them too. Reports every error of every audience.
    Fields a translation overlay (briefing.<language>.yaml) leaves untranslated are
    listed; with --strict they are errors.
    """
    passed = run_check(
        ctx.obj["templates"],
        ctx.obj["content"],
        list(paths),
        render=render,
        strict=strict,
        workers=jobs,
        debug=ctx.obj["debug"],
        on_ok=lambda folder: click.echo(f"ok  {display_path(folder / BRIEFING_FILE)}"),
    )
    if not passed:
        ctx.exit(1)


@cli.command("audiences")
@click.pass_context
def list_audiences(ctx: click.Context) -> None:
    """List the audiences with their descriptions."""
    from briefgen.audience import load_audience

    for name in audience_list(ctx.obj["templates"]):
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
    click.echo(f"  {invocation()} build --audience {name}")


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
    click.echo(f"  {invocation()} check {display_path(target.parent)}")


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


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True, file_okay=True))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def preflight(ctx: click.Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Print-quality report on built PDFs (PATH: PDFs or folders; default build/).

    Fill of each page, hyphenation, widows, orphans and runts, smallest type, text off
    the page or clipped, fonts not shipped, image resolution and grey contrast. Exits 1
    if any PDF has an error; warnings alone exit 0.
    """
    from briefgen.preflight import (
        find_pdfs,
        preflight,
        report_json,
        report_table,
        shipped_font_names,
    )

    pdfs = find_pdfs(list(paths) or [Path("build")])
    shipped = shipped_font_names(ctx.obj["templates"])
    reports = [preflight(pdf, shipped) for pdf in pdfs]
    click.echo(report_json(reports) if as_json else report_table(reports))
    if any(report.errors for report in reports):
        ctx.exit(1)


def invocation() -> str:
    """The command that runs briefgen here, as the user can type it again: `briefgen` if
    that is the one on PATH, else the path it was started by (`.venv/bin/briefgen`)."""
    started = Path(sys.argv[0])
    if started.name == "__main__.py":
        return f"{display_path(Path(sys.executable))} -m briefgen"
    on_path = shutil.which("briefgen")
    if on_path and started.exists() and Path(on_path).resolve() == started.resolve():
        return "briefgen"
    return display_path(started) if started.name == "briefgen" else "briefgen"


def main() -> None:
    """The installed `briefgen` command: click prints user errors as one line each."""
    cli(prog_name="briefgen")
