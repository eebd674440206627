"""Stamps: the marks laid over finished pages (banner, item label, page number, copy mark,
draft and recipient watermarks, embargo, version line).

They are drawn by WeasyPrint from `stamps.html.j2` with the shipped fonts, one page of
stamps per page of the document, then laid over it by `assemble`. The version line never
reads the clock: its date is `SOURCE_DATE_EPOCH` or the git commit's date, so a rebuild of
the same inputs gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from briefgen.audience import Audience
from briefgen.errors import BriefgenError, CommandLineError

STAMPS_TEMPLATE = "stamps.html.j2"
STYLESHEETS = ("css/stamps.css",)


@dataclass(frozen=True)
class PageStamp:
    """What is printed over one page; every field is optional."""

    width: float
    height: float
    """The page size in points."""
    recto: bool = True
    """Right-hand page: the item label and page number go to the outer (right) edge."""
    banner: str | None = None
    item: str | None = None
    number: str | None = None
    copy: str | None = None
    embargo: str | None = None
    version: str | None = None
    blank: str | None = None
    watermarks: tuple[str, ...] = ()
    faint: tuple[str, ...] = ()
    """Lighter, smaller diagonal lines, e.g. the recipient's name."""
    notes_at_top: bool = False
    """Embargo and version at the top: a single document's own footer fills the bottom."""


@dataclass(frozen=True)
class Version:
    """When and from what a document was built, for the version line."""

    date: dt.date
    commit: str | None = None


@dataclass(frozen=True)
class Stamps:
    """Marks requested for one output: draft, embargo, version and copy control."""

    draft: bool = False
    embargo: dt.datetime | None = None
    version: Version | None = None
    copy: str | None = None
    recipient: str | None = None

    @property
    def active(self) -> bool:
        return self.draft or self.embargo is not None or self.version is not None

    def key(self) -> str:
        """What the marks depend on, for the build manifest: other marks, other bytes."""
        version = self.version
        return "|".join(
            [
                "draft" if self.draft else "",
                self.embargo.isoformat() if self.embargo else "",
                f"{version.date}:{version.commit}" if version else "",
                self.copy or "",
                self.recipient or "",
            ]
        )

    def embargo_line(self, audience: Audience) -> str | None:
        if self.embargo is None:
            return None
        when = f"{audience.format_date(self.embargo.date())}, {self.embargo:%H:%M}"
        return audience.config.stamps.embargo.format(when=when)

    def version_line(self, audience: Audience) -> str | None:
        settings = audience.config.stamps
        if self.version is None or not settings.version_line:
            return None
        date = self.version.date.isoformat()
        if self.version.commit:
            return settings.version_with_commit.format(date=date, commit=self.version.commit)
        return settings.version.format(date=date)

    def watermarks(self, audience: Audience) -> tuple[str, ...]:
        return (audience.config.stamps.draft,) if self.draft else ()

    def faint(self, audience: Audience) -> tuple[str, ...]:
        if self.recipient and audience.config.stamps.recipient_watermark:
            return (self.recipient,)
        return ()


def parse_embargo(text: str) -> dt.datetime:
    """`2026-12-01 09:00` (or with a T) as a datetime; a usage error otherwise."""
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandLineError(
            f'--embargo "{text}" is not a date and time; write it like "2026-12-01 09:00"'
        ) from None


def build_version(folder: Path, fallback: dt.date | None) -> Version:
    """The build date and commit, from inputs only.

    The date is `SOURCE_DATE_EPOCH` (the reproducible-builds convention) when set, else
    the date of the checked-out commit, else `fallback`. The commit is the short id of
    HEAD when `folder` is in a git checkout, marked `-dirty` if tracked files changed.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    commit, commit_date = _git_head(folder)
    if epoch is not None:
        try:
            date = dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            raise CommandLineError(
                f'SOURCE_DATE_EPOCH="{epoch[:40]}" is not a date as seconds since 1970 (e.g. '
                "1767225600); unset or fix it"
            ) from None
    elif commit_date is not None:
        date = commit_date
    elif fallback is not None:
        date = fallback
    else:
        raise CommandLineError(
            "the version line needs a build date that does not come from the clock: build "
            "in a git checkout or set SOURCE_DATE_EPOCH"
        )
    return Version(date, commit)


def _git_head(folder: Path) -> tuple[str | None, dt.date | None]:
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(folder), *args],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    head = git("log", "-1", "--format=%h %cs", "--abbrev=7")
    if not head:
        return None, None
    commit, date = head.split()
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += "-dirty"
    return commit, dt.date.fromisoformat(date)


def stamp_document(data: bytes, audience: Audience, templates: Path, stamps: Stamps) -> bytes:
    """A single brief or handout with the requested marks (draft, embargo, version) laid
    over every page."""
    import io

    import pikepdf

    from briefgen.assemble import stamp

    with pikepdf.open(io.BytesIO(data)) as pdf:
        sizes = [tuple(float(v) for v in page.mediabox[2:]) for page in pdf.pages]
    pages = [
        PageStamp(
            width=width,
            height=height,
            recto=index % 2 == 0,
            embargo=stamps.embargo_line(audience),
            version=stamps.version_line(audience),
            watermarks=stamps.watermarks(audience),
            notes_at_top=True,
        )
        for index, (width, height) in enumerate(sizes)
    ]
    return stamp(data, render_stamps(pages, audience, templates))


def render_stamps(pages: list[PageStamp], audience: Audience, templates: Path) -> bytes:
    """One PDF page of stamps per entry of `pages`, each the size of its page."""
    from briefgen.fonts import font_face_css, font_stack
    from briefgen.render_html import TemplateRenderer
    from briefgen.typeset import collect_engine_warnings, make_fetcher, shared_font_config

    renderer = TemplateRenderer(audience)
    sizes = sorted({(page.width, page.height) for page in pages})
    html = renderer.render_template(
        STAMPS_TEMPLATE,
        {
            "pages": pages,
            "sizes": sizes,
            "size_of": {size: index for index, size in enumerate(sizes)},
            "audience": audience.config,
            "font_faces": Markup(font_face_css(templates)),
            "font_stack": lambda family: Markup(font_stack(family, templates)),
            "stylesheets": [
                found.resolve().as_uri()
                for name in STYLESHEETS
                if (found := audience.find(name)) is not None
            ],
        },
    )
    from weasyprint import HTML

    from briefgen.typeset import ResourceLog

    log = ResourceLog()
    with collect_engine_warnings(log):
        document = HTML(
            string=html,
            base_url=str(templates),
            url_fetcher=make_fetcher([templates], log),
        ).render(font_config=shared_font_config())
        data = document.write_pdf(pdf_identifier=b"briefgen-stamps")
    if len(document.pages) != len(pages):
        raise BriefgenError(
            f"the stamps template made {len(document.pages)} pages for {len(pages)}; keep each "
            "page's marks inside its sheet",
            audience.find(STAMPS_TEMPLATE),
        )
    assert isinstance(data, bytes)
    return data
