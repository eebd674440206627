"""Stage 3: briefing + audience → HTML, through Jinja templates on the audience's search path."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import jinja2.sandbox
from markupsafe import Markup

from briefgen.audience import Audience, Labels
from briefgen.bidi import isolate_right_to_left
from briefgen.charts import ChartStyle, chart_image
from briefgen.citations import Citations, language_quotes, load_style, style_file
from briefgen.data import table_view
from briefgen.documents import HANDOUT_SECTIONS, DocumentKind, HandoutSection
from briefgen.errors import BriefgenError, did_you_mean
from briefgen.fit import Rung, select
from briefgen.fonts import font_face_css, font_stack
from briefgen.markup import (
    Notes,
    breakable_address,
    plain_text,
    printed_address,
    render_markdown,
)
from briefgen.paths import user_cache_folder
from briefgen.qr import qr_codes, source_codes
from briefgen.schema import Briefing
from briefgen.timeline import STRIP_FONT_EM, timeline_layout
from briefgen.translation import LanguageText, plain
from briefgen.typography import curl_printed, no_runt, quoted, smart_quotes

if TYPE_CHECKING:
    from citeproc import CitationStylesStyle

TEMPLATE_NAMES: dict[DocumentKind, str] = {"brief": "brief.html.j2", "handout": "handout.html.j2"}
CHART_SIZE: dict[DocumentKind, tuple[float, float]] = {"brief": (112, 0.34), "handout": (165, 0.46)}
"""Charts are drawn at the width in mm they print (the brief's main column, the handout's
text block), so their type comes out at its drawn size; flatter on the crowded brief."""


def chart_size(kind: DocumentKind, rung: Rung) -> tuple[float, float]:
    """A chart's width in mm and aspect on `kind`, flattened on the brief at `rung`."""
    width, aspect = CHART_SIZE[kind]
    return width, aspect * (rung.chart_scale if kind == "brief" else 1.0)


def available_sections(briefing: Briefing) -> list[HandoutSection]:
    """Handout sections that have something to print, in `HANDOUT_SECTIONS` order.

    Each section is the briefing field of the same name; `sources` always prints (the
    source article is required).
    """
    return [
        name
        for name in HANDOUT_SECTIONS
        if name == "sources" or getattr(briefing, name) or (name == "figures" and briefing.tables)
    ]


def handout_sections(briefing: Briefing, audience: Audience) -> list[HandoutSection]:
    """The sections this audience's handout prints, in its order, empty ones left out."""
    available = available_sections(briefing)
    return [name for name in audience.config.handout.sections if name in available]


def argued_by_several(briefing: Briefing) -> bool:
    """Whether "the authors" (plural) argue: the sources the argument cites, or else the
    main source, name more than one author between them."""
    cited = {
        ref.id or briefing.sources[0].id
        for point in briefing.argument
        for ref in [point.source, *(sub.source for sub in point.points)]
        if ref is not None
    }
    sources = [s for s in briefing.sources if s.id in cited] or briefing.sources[:1]
    return len({author.name for source in sources for author in source.authors}) > 1


def section_titles(briefing: Briefing, labels: Labels) -> dict[str, str]:
    """Each section's heading, in number with the authors it speaks of."""
    titles: dict[str, str] = {name: str(getattr(labels, name)) for name in HANDOUT_SECTIONS}
    if argued_by_several(briefing):
        titles.update(argument=labels.authors_argument, quotes=labels.authors_quotes)
    if any(quote.speaker for quote in briefing.quotes):
        titles["quotes"] = labels.speakers_quotes
    return titles


def markdown_filter(inline: bool) -> Any:
    """A filter that renders Markdown and files its footnotes in the render's `notes`."""

    @jinja2.pass_context
    def render(context: jinja2.runtime.Context, text: str) -> Markup:
        notes = context.get("notes")
        return render_markdown(text, notes if isinstance(notes, Notes) else None, inline=inline)

    return render


@lru_cache(maxsize=4096)
def _markdown_without_notes(text: str, inline: bool) -> Markup:
    """Markdown rendered once per process, not once per rung of the fit ladder."""
    return render_markdown(text, None, inline=inline)


TEMPLATE_CACHE = "templates"
"""The user cache's folder for compiled templates."""


class _SharedBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in memory and shared by every audience's environment, and
    on disk in the user's cache (`paths.user_cache_folder`), so the next build does not
    compile them again either.

    Base templates are the same files for all audiences, so they compile once per
    process; Jinja checks each file's checksum, so an edited template recompiles.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}
        self.disk: jinja2.FileSystemBytecodeCache | None = None
        self.disk_tried = False

    def _on_disk(self) -> jinja2.FileSystemBytecodeCache | None:
        if not self.disk_tried:
            self.disk_tried = True
            folder = user_cache_folder(TEMPLATE_CACHE)
            if folder is not None:  # else memory alone will do
                self.disk = jinja2.FileSystemBytecodeCache(str(folder))
        return self.disk

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])
            return
        disk = self._on_disk()
        if disk is None:
            return
        try:
            disk.load_bytecode(bucket)
        except Exception:  # a damaged cache file is compiled again, never trusted
            bucket.reset()
        if bucket.code is not None:
            self.compiled[bucket.key] = bucket.bytecode_to_string()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()
        disk = self._on_disk()
        if disk is not None:
            with suppress(OSError):
                disk.dump_bytecode(bucket)


_BYTECODE = _SharedBytecode()


MAX_REPEATED = 100_000
"""Items or characters a template may make by `*` or `**`: `"x" * 1500000000` took
6 GB. (The sandbox bounds `range` likewise.)"""


class ConfinedLoader(jinja2.FileSystemLoader):
    """The search path's templates, and only files inside the templates folder: a link to
    a file elsewhere (`ln -s /etc/passwd brief.html.j2`) is refused, not printed; a file
    that is not UTF-8 is a located error."""

    def __init__(self, search_path: list[Path], root: Path) -> None:
        super().__init__([str(p) for p in search_path])
        self.root = root.resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        try:
            source, filename, uptodate = super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            found = next(
                (Path(f) / template for f in self.searchpath if (Path(f) / template).is_file()),
                None,
            )
            raise BriefgenError(
                f"this template is not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
                f"offset {exc.start}); save it as UTF-8",
                found or template,
            ) from None
        if not Path(filename).resolve().is_relative_to(self.root):
            raise BriefgenError(
                f"this template links to {Path(filename).resolve()}, outside the templates "
                "folder; copy the file in instead of linking to it",
                filename,
            )
        return source, filename, uptodate


class Sandbox(jinja2.sandbox.SandboxedEnvironment):
    """Templates are configuration, yet a shared audience folder may come from anyone:
    no access to Python's internals, `range` bounded, and `*`/`**` bounded too."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise jinja2.exceptions.SecurityError(f"a power of {right} is too large for a template")
        sequences = (str, list, tuple)
        sized, count = (left, right) if isinstance(left, sequences) else (right, left)
        repeats = isinstance(sized, sequences) and isinstance(count, int)
        if operator == "*" and repeats and len(sized) * count > MAX_REPEATED:
            raise jinja2.exceptions.SecurityError(
                f"repeating {len(sized)} item(s) {count:,} times is too much for a template "
                f"(over {MAX_REPEATED:,})"
            )
        return super().call_binop(context, operator, left, right)


def attribute_text(value: Any) -> Any:
    """The `text` filter, for attributes and `<title>` (whence the PDF's metadata): plain
    text with curly quotes, and ordinary spaces where prose keeps words together."""
    if not isinstance(value, str) or isinstance(value, Markup):
        return value
    return Markup.escape(smart_quotes(plain(value)))


def _inside_block(tree: Any, block: Any) -> bool:
    """Whether `block` is nested in another block of `tree` (a new block inside an
    overridden one is the template's own, not an override)."""
    from jinja2 import nodes

    return any(block in outer.find_all(nodes.Block) for outer in tree.find_all(nodes.Block))


class TemplateRenderer:
    """A Jinja environment for one audience: strict, autoescaped, audience folder first."""

    def __init__(self, audience: Audience) -> None:
        self.audience = audience
        self.templates = audience.search_path[1].parent
        config = audience.config
        self.chart_style = ChartStyle(
            config.palette.accent, config.palette.ink, config.palette.muted, config.fonts.headings
        )
        self.env = Sandbox(
            loader=ConfinedLoader(list(audience.search_path), self.templates),
            undefined=jinja2.StrictUndefined,
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            bytecode_cache=_BYTECODE,
            finalize=finalize_printed,
        )
        self.env.filters.update(
            md=markdown_filter(inline=False),
            md_inline=markdown_filter(inline=True),
            md_brief=lambda text: _markdown_without_notes(text, True),
            md_without_notes=lambda text: _markdown_without_notes(text, False),
            plain=lru_cache(maxsize=1024)(plain_text),
            text=attribute_text,
            date=audience.format_date,
            css_string=css_string,
            timeline_layout=timeline_layout,
            address=lambda url: Markup(breakable_address(printed_address(url))),
            no_runt=keep_language(no_runt),
        )
        self.env.globals["timeline_strip_em"] = STRIP_FONT_EM

    def compile(self) -> None:
        """Compile the templates now, e.g. before forking workers that will use them."""
        audience_folder, base_folder = self.audience.search_path[:2]
        names = [p.relative_to(audience_folder).as_posix() for p in audience_folder.rglob("*.j2")]
        for path in base_folder.rglob("*.j2"):
            relative = path.relative_to(base_folder).as_posix()
            # Each file once: by its search-path name, or as `base/…` (which an override
            # extends) when the audience has its own.
            names.append(f"{base_folder.name}/{relative}" if relative in names else relative)
        for name in sorted(set(names)):
            with self.template_errors(name):
                self.env.get_template(name)
        for path in audience_folder.rglob("*.j2"):
            self.check_overridden_blocks(path.relative_to(audience_folder).as_posix())

    def blocks_of(self, name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        """The blocks template `name` defines, its parents' included."""
        from jinja2 import nodes

        if name in seen:  # a template extending itself is Jinja's error to report
            return set()
        source = self.env.loader.get_source(self.env, name)[0]  # type: ignore[union-attr]
        tree = self.env.parse(source)
        blocks = {block.name for block in tree.find_all(nodes.Block)}
        for extends in tree.find_all(nodes.Extends):
            if isinstance(extends.template, nodes.Const):
                blocks |= self.blocks_of(str(extends.template.value), seen | {name})
        return blocks

    def check_overridden_blocks(self, name: str) -> None:
        """An audience template's block that its parent does not have would be silently
        ignored (a typo such as `quote` for `quotes`): a located error instead."""
        from jinja2 import nodes

        source, filename, _ = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
        tree = self.env.parse(source)
        parents = [
            str(e.template.value)
            for e in tree.find_all(nodes.Extends)
            if isinstance(e.template, nodes.Const)
        ]
        if not parents:
            return
        known = set().union(*(self.blocks_of(parent, frozenset({name})) for parent in parents))
        for block in tree.find_all(nodes.Block):
            if block.name not in known and not _inside_block(tree, block):
                raise BriefgenError(
                    f'block "{block.name}" is not in {parents[0]}, so it would never print.'
                    f"{did_you_mean(block.name, sorted(known))} Its blocks: "
                    f"{', '.join(sorted(known))}",
                    filename,
                    block.lineno,
                )

    def render(self, kind: DocumentKind, briefing: Briefing, rung: Rung | None = None) -> str:
        """The document's HTML; for the brief, at `rung` of the fit ladder."""
        config = self.audience.config
        rung = rung or Rung(config.brief.body_size_pt)
        selection = select(briefing, self.audience, kind, rung)
        shown = selection.briefing
        notes = Notes()
        context = {
            "kind": kind,
            "briefing": shown,
            "band_facts": selection.band_facts,
            "side_facts": selection.side_facts,
            "page_size": rung.page_size(config.page_size),
            "audience": config,
            "audience_name": self.audience.name,
            "labels": config.labels,
            "fit": rung,
            "stylesheets": self.stylesheets(kind),
            "logo_url": self.logo_url(),
            "available_sections": available_sections(shown),
            "sections": handout_sections(shown, self.audience),
            "section_titles": section_titles(shown, config.labels),
            "several_authors": argued_by_several(shown),
            "notes": notes,
            "translated_from": getattr(shown, "translated_from", None),
            "qr_codes": qr_codes(shown, self.audience) if kind == "brief" else [],
            "source_codes": source_codes(shown, self.audience) if kind == "handout" else {},
            "cite": Citations(shown, self.citation_style(), config.labels.paragraph),
            "font_faces": Markup(font_face_css(self.templates)),
            "font_stack": lambda family: Markup(font_stack(family, self.templates)),
            "data_table": lambda table: table_view(table, shown.language),
            "quoted": lambda text: quoted(
                text, language_quotes(shown.language), getattr(text, "lang", None)
            ),
            "chart_src": lambda chart: chart_image(
                chart, chart_size(kind, rung), self.chart_style, self.templates, shown.language
            ),
        }
        return notes.resolve(self.render_template(TEMPLATE_NAMES[kind], context))

    def render_template(self, name: str, context: dict[str, Any]) -> str:
        with self.template_errors(name):
            return self.env.get_template(name).render(context)

    @contextmanager
    def template_errors(self, name: str) -> Iterator[None]:
        """Jinja's errors, and errors raised while running a template, as one located line."""
        try:
            yield
        except jinja2.TemplateSyntaxError as exc:
            raise BriefgenError(
                f"template syntax error: {exc.message}", exc.filename or name, exc.lineno
            ) from None
        except jinja2.TemplateNotFound as exc:
            where, line = template_frame(exc)
            raise BriefgenError(
                f'template "{exc.name}" not found on the search path '
                f"({', '.join(str(p) for p in self.audience.search_path[:2])})",
                where or name,
                line,
            ) from None
        except jinja2.UndefinedError as exc:
            where, line = template_frame(exc)
            raise BriefgenError(
                f"template error: {exc.message}; check the variable or block name",
                where or name,
                line,
            ) from None
        except BriefgenError:
            raise
        except Exception as exc:
            # Raised while running a template (e.g. `{{ 1 // 0 }}`): the template's fault.
            where, line = template_frame(exc)
            if where is None:
                raise
            raise BriefgenError(
                f"template error: {type(exc).__name__}: {exc}", where, line
            ) from None

    def citation_style(self) -> CitationStylesStyle:
        """The audience's CSL style, parsed once per process (load_audience checked it)."""
        settings = self.audience.config.citations
        path = style_file(self.audience.search_path, settings.style)
        if path is None:
            raise BriefgenError(
                f'citation style "{settings.style}" not found', self.audience.folder
            )
        return load_style(path, settings.locale)

    def stylesheets(self, kind: DocumentKind) -> list[str]:
        """Base CSS then the audience's `style.css`, as file URLs.

        The fonts' `@font-face` rules are generated from the font files (`font_faces`).
        """
        return [path.resolve().as_uri() for path in self.stylesheet_paths(kind)]

    def stylesheet_paths(self, kind: DocumentKind) -> list[Path]:
        names = ["css/common.css", f"css/{kind}.css"]
        found = [path for name in names if (path := self.audience.find(name)) is not None]
        own = self.audience.folder / "style.css"
        return [*found, own] if own.is_file() else found

    def logo_url(self) -> str | None:
        logo = self.audience.config.organisation.logo
        return (self.audience.folder / logo).resolve().as_uri() if logo else None


def template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line in a Jinja traceback."""
    where: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".j2", ".html", ".jinja")):
            where = (frame.filename, frame.lineno)
    return where


def finalize_printed(value: Any) -> Any:
    """Jinja's `finalize`: curly quotes, right-to-left runs isolated, and a string in
    another language than the page (see translation.py) still tagged with it."""
    printed = isolate_printed(curl_printed(value))
    if isinstance(value, LanguageText) and not isinstance(printed, LanguageText):
        return LanguageText(printed, value.lang)
    return printed


def keep_language(make_html: Callable[[str], Markup]) -> Callable[[str], Markup]:
    """A filter that turns text into HTML, wrapping it in `<span lang>` when the text is
    in another language than the page."""

    def wrapped(text: str) -> Markup:
        html = make_html(text)
        if isinstance(text, LanguageText):
            return Markup('<span lang="{}">{}</span>').format(text.lang, html)
        return html

    return wrapped


def isolate_printed(value: Any) -> Any:
    """Every plain string a template prints, with right-to-left runs isolated (see bidi.py).

    Markup is already final (Markdown isolates its own text nodes), and web addresses are
    left alone so that an isolate never lands inside a link target.
    """
    if isinstance(value, str) and not isinstance(value, Markup) and "://" not in value:
        isolated = isolate_right_to_left(value)
        if isinstance(value, LanguageText):
            return LanguageText(isolated, value.lang)
        return isolated
    return value


def css_string(value: str) -> Markup:
    """A value made safe inside a CSS string literal in double quotes."""
    escaped = "".join(
        f"\\{ord(ch):x} " if ch in '"\\\n\r<>' or ord(ch) < 32 else ch
        for ch in isolate_right_to_left(smart_quotes(str(value)))
    )
    return Markup(f'"{escaped}"')
