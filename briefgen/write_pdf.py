"""Stage 4: HTML → PDF with WeasyPrint, loading resources only from allowed folders."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from briefgen.output import write_atomically

if TYPE_CHECKING:
    from weasyprint import Document
    from weasyprint.urls import URLFetcherResponse

MAX_DATA_URI_BYTES = 512_000
"""Inline `data:` resources beyond this are refused: a logo is a few kilobytes."""


@dataclass
class ResourceLog:
    """What WeasyPrint refused or complained about while rendering one document."""

    refused: list[str] = field(default_factory=list)
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


def make_fetcher(allowed_roots: list[Path], log: ResourceLog) -> Any:
    """A URL fetcher that serves files under `allowed_roots` and small data: URIs only."""
    from weasyprint.urls import URLFetcher

    roots = [root.resolve() for root in allowed_roots]

    class GuardedFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                if len(url) > MAX_DATA_URI_BYTES:
                    return self.refuse(url, f"data: URI over {MAX_DATA_URI_BYTES:,} bytes")
            elif scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if not any(path.is_relative_to(root) for root in roots):
                    return self.refuse(url, "outside the templates and briefing folders")
            else:
                return self.refuse(url, "network access is disabled")
            return super().fetch(url, headers)

        def refuse(self, url: str, why: str) -> URLFetcherResponse:
            log.refused.append(url)
            raise ValueError(f"refused {shorten(url)}: {why}")

    return GuardedFetcher(timeout=1, allowed_protocols=("file", "data"))


def shorten(url: str, limit: int = 80) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"


@dataclass
class LaidOut:
    document: Document
    log: ResourceLog

    @property
    def pages(self) -> int:
        return len(self.document.pages)


def lay_out(html: str, base_url: Path, allowed_roots: list[Path]) -> LaidOut:
    """Parse and paginate `html`; nothing is written yet."""
    from weasyprint import HTML

    log = ResourceLog()
    with collect_engine_warnings(log):
        document = HTML(
            string=html,
            base_url=str(base_url),
            url_fetcher=make_fetcher(allowed_roots, log),
        ).render(pdf_tags=True)
    return LaidOut(document, log)


def pdf_bytes(laid_out: LaidOut, html: str) -> bytes:
    """The PDF, with an identifier derived from the HTML so equal input gives equal bytes."""
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    with collect_engine_warnings(laid_out.log):
        data = laid_out.document.write_pdf(pdf_identifier=identifier, pdf_tags=True)
    assert isinstance(data, bytes)
    return data


def write_pdf(laid_out: LaidOut, html: str, target: Path) -> int:
    """Write the PDF atomically; returns its size in bytes."""
    data = pdf_bytes(laid_out, html)
    write_atomically(target, data)
    return len(data)
