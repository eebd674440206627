"""Stylesheets parsed once per process and handed to WeasyPrint ready-made.

WeasyPrint fetches and parses every `<link rel="stylesheet">` and `<style>` of every
document it lays out; the fit lays a brief out twice or more, and a batch repeats the same
base and audience CSS for every document. Here each stylesheet becomes a `weasyprint.CSS`
once (per file version, or per `<style>` text), through the same confined fetcher, and the
document's own elements are taken out of the parsed tree so they are not parsed again.

The sheets are passed as `stylesheets=` (the user origin) in document order, all of them,
so the cascade among them is what it was; only the user agent's defaults rank below them,
as they did. What fetching a sheet refused or warned about is kept with it and replayed
into each document's log, so a refused resource fails every build that uses the sheet.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

MAX_INLINE_SHEETS = 256
"""`<style>` texts kept parsed: one per audience and rung of the fit ladder, roughly."""


@dataclass(frozen=True)
class ParsedSheet:
    css: Any | None
    """None when the sheet could not be fetched (the reason is in `warnings`)."""
    refused: tuple[str, ...]
    reasons: tuple[tuple[str, str], ...]
    warnings: tuple[str, ...]


_linked: dict[tuple[str, int, int], ParsedSheet] = {}
_inline: OrderedDict[tuple[str, str], ParsedSheet] = OrderedDict()
parses = 0
"""How many stylesheets this process has parsed (the tests count these, not seconds)."""


def _file_key(url: str) -> tuple[str, int, int] | None:
    if urlsplit(url).scheme != "file":
        return None
    try:
        stat = Path(unquote(urlsplit(url).path)).stat()
    except OSError:
        return None
    return (url, stat.st_mtime_ns, stat.st_size)


def _parse(make_fetcher: Any, **source: Any) -> ParsedSheet:
    """One `CSS`, built through a fresh confined fetcher whose complaints are kept."""
    from weasyprint import CSS

    from briefgen.typeset import ResourceLog, collect_engine_warnings, shared_font_config

    global parses
    parses += 1
    log = ResourceLog()
    css = None
    with collect_engine_warnings(log):
        try:
            css = CSS(font_config=shared_font_config(), url_fetcher=make_fetcher(log), **source)
        except Exception as exc:  # as WeasyPrint does: a sheet that cannot load is skipped
            log.warnings.append(f"Failed to load stylesheet at {source.get('url')}: {exc}")
    return ParsedSheet(css, tuple(log.refused), tuple(log.reasons.items()), tuple(log.warnings))


def take_stylesheets(html: Any, make_fetcher: Any, log: Any) -> list[Any]:
    """The parsed `weasyprint.HTML`'s stylesheets as `CSS` objects, in document order,
    removed from its tree; what fetching them refused or warned about goes into `log`."""
    sheets: list[ParsedSheet] = []
    root = html.etree_element
    parents = {child: parent for parent in root.iter() for child in parent}
    for element in [e for e in root.iter() if e.tag in ("link", "style")]:
        media = (element.get("media") or "all").strip().lower()
        kind = (element.get("type") or "text/css").split(";")[0].strip().lower()
        if kind != "text/css" or media not in ("all", "print"):
            continue  # left for WeasyPrint to judge
        if element.tag == "link":
            rels = (element.get("rel") or "").lower().split()
            if "stylesheet" not in rels or "alternate" in rels or not element.get("href"):
                continue
            url = urljoin(html.base_url or "", element.get("href"))
            key = _file_key(url)
            if key is None or key not in _linked:
                parsed = _parse(make_fetcher, url=url)
                if key is not None:
                    _linked[key] = parsed
            else:
                parsed = _linked[key]
        else:
            text = "".join(element.itertext())
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            inline_key = (digest, html.base_url or "")
            if inline_key in _inline:
                _inline.move_to_end(inline_key)
                parsed = _inline[inline_key]
            else:
                parsed = _parse(make_fetcher, string=text, base_url=html.base_url)
                _inline[inline_key] = parsed
                while len(_inline) > MAX_INLINE_SHEETS:
                    _inline.popitem(last=False)
        sheets.append(parsed)
        parents[element].remove(element)
    for parsed in sheets:
        log.refused.extend(parsed.refused)
        log.reasons.update(dict(parsed.reasons))
        log.warnings.extend(parsed.warnings)
    return [parsed.css for parsed in sheets if parsed.css is not None]
