"""Stage 4: HTML → PDF with WeasyPrint, loading resources only from allowed folders."""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from briefgen.conformance import DEFAULT_STANDARD, complete_tagging, finisher, pdf_variant
from briefgen.svg_limits import svg_problem

if TYPE_CHECKING:
    from weasyprint import Document
    from weasyprint.urls import URLFetcherResponse

MAX_DATA_URI_BYTES = 512_000
"""Inline `data:` resources beyond this are refused: a logo is a few kilobytes."""
MAX_RESOURCE_BYTES = 20_000_000
"""Any one file (image, font, stylesheet) beyond this is refused unread."""
MAX_IMAGE_SIDE = 10_000
MAX_IMAGE_PIXELS = 40_000_000
"""Raster images beyond these are refused from their header, before anything decodes
them: 40 megapixels is already about 160 MB of memory once decoded."""
DEFAULT_STANDARDS: list[str] = [DEFAULT_STANDARD]
_NOT_IMAGES = (".css", ".ttf", ".otf", ".woff", ".woff2", ".txt")


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a raster image from its header, or None if it is not one."""
    import warnings
    from io import BytesIO

    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(BytesIO(data)) as image:
                return image.size
        except Image.DecompressionBombError:
            return MAX_IMAGE_SIDE + 1, MAX_IMAGE_SIDE + 1
        except Exception:  # not a raster image Pillow knows
            return None


def image_problem(data: bytes) -> str | None:
    """Why a raster image is too large to print, from its header; None if fine or no image."""
    import warnings
    from io import BytesIO

    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(BytesIO(data)) as image:
                width, height = image.size
        except Image.DecompressionBombError:
            return "image has absurd dimensions; scale it down below 10,000 pixels a side"
        except Exception:  # not a raster image Pillow knows: WeasyPrint will judge it
            return None
    if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        return (
            f"image is {width:,}×{height:,} pixels, over the limit of {MAX_IMAGE_SIDE:,} a side "
            f"and {MAX_IMAGE_PIXELS // 1_000_000} megapixels; scale it down"
        )
    return None


@dataclass
class ResourceLog:
    """What WeasyPrint refused or complained about while rendering one document."""

    refused: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    """Why each refused URL was refused, for the error message."""
    warnings: list[str] = field(default_factory=list)


class _Collector(logging.Handler):
    def __init__(self, log: ResourceLog) -> None:
        super().__init__(logging.WARNING)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        self.log.warnings.append(" ".join(record.getMessage().split()))


@contextmanager
def collect_engine_warnings(log: ResourceLog) -> Iterator[None]:
    """Route the `weasyprint` logger into `log` instead of stderr, for this block only."""
    logger = logging.getLogger("weasyprint")
    handler = _Collector(log)
    previous = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = previous


def make_fetcher(allowed_roots: list[Path], log: ResourceLog, svg_fonts: str | None = None) -> Any:
    """A URL fetcher that serves files under `allowed_roots` and small data: URIs only.

    With `svg_fonts`, an SVG file's text is set in those families (`briefgen/svg.py`), so
    WeasyPrint never falls back to a machine font for it.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = [root.resolve() for root in allowed_roots]

    class GuardedFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                if len(url) > MAX_DATA_URI_BYTES:
                    return self.refuse(url, f"data: URI over {MAX_DATA_URI_BYTES:,} bytes")
            elif scheme == "file":
                if urlsplit(url).query:  # each spelling of a file is read and decoded anew
                    return self.refuse(url, "a file name with a ?query")
                name = unquote(urlsplit(url).path)
                if "\x00" in name:
                    return self.refuse(url, "NUL character in the file name")
                path = Path(name).resolve()
                if not any(path.is_relative_to(root) for root in roots):
                    return self.refuse(url, "outside the templates and briefing folders")
                if path.is_file() and path.stat().st_size > MAX_RESOURCE_BYTES:
                    return self.refuse(url, f"file over {MAX_RESOURCE_BYTES:,} bytes")
            else:
                return self.refuse(url, "network access is disabled")
            response = super().fetch(url, headers)
            if svg_fonts and scheme == "file" and urlsplit(url).path.lower().endswith(".svg"):
                return self.shipped_fonts_svg(response)
            if urlsplit(url).path.lower().endswith(_NOT_IMAGES):
                return response
            try:
                body = response.read(MAX_RESOURCE_BYTES + 1)
            finally:
                response.close()
            problem = (
                (image_problem(body) or svg_problem(body))
                if len(body) <= MAX_RESOURCE_BYTES
                else "too large"
            )
            if problem:
                return self.refuse(url, problem)
            return URLFetcherResponse(response.url, body, response.headers, response.status)

        def shipped_fonts_svg(self, response: URLFetcherResponse) -> URLFetcherResponse:
            from briefgen.svg import SvgProblem, with_font_family

            assert svg_fonts is not None
            try:
                body = response.read(MAX_RESOURCE_BYTES + 1)
            finally:
                response.close()
            with contextlib.suppress(SvgProblem):  # not XML: WeasyPrint reports it
                body = with_font_family(body, svg_fonts)
            return URLFetcherResponse(response.url, body, response.headers, response.status)

        def refuse(self, url: str, why: str) -> URLFetcherResponse:
            log.refused.append(url)
            log.reasons[url] = why
            raise ValueError(f"refused {shorten(url)}: {why}")

    return GuardedFetcher(timeout=1, allowed_protocols=("file", "data"))


def shorten(url: str, limit: int = 80) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"


@dataclass
class LaidOut:
    document: Document
    log: ResourceLog
    standards: list[str]

    @property
    def pages(self) -> int:
        return len(self.document.pages)


_font_config: Any = None


def shared_font_config() -> Any:
    """One WeasyPrint font configuration per process, shared by every layout.

    Loading the @font-face files costs about half of a brief's layout time; the
    configuration caches each face, so later layouts (and forked workers, when
    `warm_up` ran before the fork) skip it.
    """
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
        atexit.register(_release_font_config)
    return _font_config


def _release_font_config() -> None:
    """Drop the configuration while its module still works: left to interpreter
    shutdown, its `__del__` finds `rmtree` gone and prints a traceback."""
    global _font_config
    _font_config = None


def warm_up(font_faces: str, allowed_roots: list[Path]) -> None:
    """Load the `@font-face` rules into the shared configuration, e.g. before forking."""
    from weasyprint import CSS

    log = ResourceLog()
    with collect_engine_warnings(log):
        CSS(
            string=font_faces,
            font_config=shared_font_config(),
            url_fetcher=make_fetcher(allowed_roots, log),
        )


def lay_out(
    html: str,
    base_url: Path,
    allowed_roots: list[Path],
    standards: list[str] = DEFAULT_STANDARDS,
    svg_fonts: str | None = None,
    extra_css: str = "",
) -> LaidOut:
    """Parse and paginate `html` for the PDF `standards`; nothing is written yet.

    `svg_fonts` (`fonts.svg_font_family`) replaces every font-family in SVG images.
    `extra_css` is a stylesheet briefgen generated (`pagination.py`), cascaded after the
    document's own: it adjusts the layout without touching the sanitized HTML.
    """
    from weasyprint import CSS, HTML

    from briefgen.css_cache import take_stylesheets

    log = ResourceLog()
    with collect_engine_warnings(log):
        source = HTML(
            string=html,
            base_url=str(base_url),
            url_fetcher=make_fetcher(allowed_roots, log, svg_fonts),
        )
        # Parsed once per process and handed over ready-made (see css_cache.py).
        sheets = take_stylesheets(
            source, lambda sheet_log: make_fetcher(allowed_roots, sheet_log, svg_fonts), log
        )
        if extra_css:
            sheets.append(CSS(string=extra_css, url_fetcher=make_fetcher(allowed_roots, log)))
        document = source.render(
            stylesheets=sheets,
            font_config=shared_font_config(),
            pdf_tags=True,
            pdf_variant=pdf_variant(standards),
        )
    return LaidOut(document, log, standards)


def pdf_bytes(laid_out: LaidOut, html: str) -> bytes:
    """The PDF, with an identifier derived from the HTML so equal input gives equal bytes."""
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    with collect_engine_warnings(laid_out.log), complete_tagging():
        data = laid_out.document.write_pdf(
            pdf_identifier=identifier,
            pdf_tags=True,
            pdf_variant=pdf_variant(laid_out.standards),
            finisher=finisher(laid_out.standards),
        )
    assert isinstance(data, bytes)
    return data


# Attributes through which an HTML page makes WeasyPrint fetch something (links to
# follow, `<a href>`, are not fetched, except attachments, which the sanitizer removes).
_FETCHED = {
    "img": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
    "feimage": ("href", "xlink:href"),
    "link": ("href",),
    "object": ("data",),
    "embed": ("src",),
    "source": ("src",),
    "video": ("poster",),
    "audio": ("src",),
    "input": ("src",),
}
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|@import\s+["']([^"']+)""")


def fetched_urls(html: str) -> list[str]:
    """Every URL a layout of `html` would fetch from its markup and inline CSS, in order."""
    from html.parser import HTMLParser

    urls: list[str] = []

    class Collector(HTMLParser):
        in_style = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            names = _FETCHED.get(tag, ())
            for name, value in attrs:
                if value and name in names:
                    urls.append(value.strip())
                elif value and name == "style":
                    urls.extend(css_urls(value))
            self.in_style = tag == "style"

        def handle_endtag(self, tag: str) -> None:
            self.in_style = False

        def handle_data(self, data: str) -> None:
            if self.in_style:
                urls.extend(css_urls(data))

    Collector(convert_charrefs=True).feed(html)
    return [url for url in dict.fromkeys(urls) if url and not url.startswith("#")]


def css_urls(css: str) -> list[str]:
    return [next(group for group in match.groups() if group) for match in _CSS_URL.finditer(css)]


def fetch_resources(html: str, base_url: Path, allowed_roots: list[Path]) -> ResourceLog:
    """Ask the guarded fetcher for everything `html` references, without laying it out.

    What `briefgen check` runs instead of a layout: any URL the fetcher would refuse
    during the build is refused here too, with the same reason.
    """
    from urllib.parse import urljoin

    log = ResourceLog()
    fetcher = make_fetcher(allowed_roots, log)
    base = base_url.resolve().as_uri() + "/"
    queue = [urljoin(base, url) for url in fetched_urls(html)]
    seen: set[str] = set()
    while queue and len(seen) < MAX_CHECKED_URLS:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            fetcher.fetch(url).close()
        except Exception:  # refusals are logged by the fetcher; a missing file is not ours
            continue
        # What an allowed stylesheet asks for in turn (url(), @import) is checked too.
        parts = urlsplit(url)
        if parts.scheme == "file" and parts.path.endswith(".css"):
            try:
                css = Path(unquote(parts.path)).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            queue += [urljoin(url, found) for found in css_urls(css)]
    return log


MAX_CHECKED_URLS = 500
"""Resources `fetch_resources` asks for at most, stylesheets' own included."""

_AT_LINE = re.compile(r"\bat (\d+):(\d+)\b")


def stylesheet_warnings(
    urls: list[str], allowed_roots: list[Path]
) -> list[tuple[Path, int | None, int | None, str]]:
    """What WeasyPrint ignores or complains about in each stylesheet, with its position:
    (file, line, column, message)."""
    from weasyprint import CSS

    found: list[tuple[Path, int | None, int | None, str]] = []
    for url in urls:
        log = ResourceLog()
        with collect_engine_warnings(log):
            CSS(url=url, url_fetcher=make_fetcher(allowed_roots, log), font_config=None)
        path = Path(unquote(urlsplit(url).path))
        for warning in log.warnings:
            at = _AT_LINE.search(warning)
            message = _AT_LINE.sub("", warning).replace(" ,", ",").rstrip(". ")
            line, column = (int(at[1]), int(at[2])) if at else (None, None)
            found.append((path, line, column, message[:1].lower() + message[1:]))
    return found
