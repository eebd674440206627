"""Stylesheets parsed once per process and handed to WeasyPrint ready-made.

WeasyPrint fetches and parses every `<link rel="stylesheet">` and `<style>` of every
document it lays out; the fit lays a brief out twice or more, and a batch repeats the same
base and audience CSS for every document. Here each stylesheet becomes a `weasyprint.CSS`
once (per file version, or per `<style>` text), through the same confined fetcher, and the
document's own elements are taken out of the parsed tree so they are not parsed again.

WeasyPrint 70 takes ready-made sheets only as `stylesheets=`, at the user origin; the
author origin is reserved for the `<link>` and `<style>` elements it parses itself. So all
of a document's sheets are passed there together, in document order, and only when
that cannot change the cascade: none of them has an `!important` (a user one outranks
the author's inline `style="… !important"`), an ID selector (WeasyPrint ranks one against
a `style` attribute by specificity among author rules), `@layer` (layer order is kept per
sheet), `@counter-style` or `@color-profile` (kept per document) or `@import`, and none is
left for WeasyPrint to judge by its media. Then the sheets rank among themselves as they
did, below every `style` attribute and above the user agent's defaults, as they did.
Otherwise the document keeps its elements and WeasyPrint parses them as written.

What fetching a sheet refused or warned about is kept with it and replayed into each
document's log, so a refused resource fails every build that uses the sheet.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
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
    author_only: bool = False
    """Whether it may cascade differently at the user origin (see above)."""


AUTHOR_ONLY_AT_RULES = frozenset({"import", "layer", "counter-style", "color-profile"})


def author_only(rules: Iterable[Any]) -> bool:
    """Whether these tinycss2 rules use anything that ranks differently at the user origin."""
    import tinycss2

    for rule in rules:
        if rule.type == "at-rule":
            name = rule.lower_at_keyword
            if name in AUTHOR_ONLY_AT_RULES:
                return True
            if rule.content is None:
                continue
            if name in ("page", "font-face"):  # declarations (and margin boxes)
                if _important(rule.content):
                    return True
            elif author_only(  # @media, @supports: nested rules
                tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
            ):
                return True
        elif rule.type == "qualified-rule" and (
            any(token.type == "hash" for token in rule.prelude) or _important(rule.content)
        ):
            return True
    return False


def _important(content: list[Any]) -> bool:
    import tinycss2

    for item in tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True):
        if item.type == "declaration" and item.important:
            return True
        if item.type == "at-rule" and item.content is not None and _important(item.content):
            return True  # @page margin boxes
    return False


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


def _parse(make_fetcher: Any, url: str | None = None, **source: Any) -> ParsedSheet:
    """One `CSS`, built through a fresh confined fetcher whose complaints are kept."""
    from io import BytesIO

    import tinycss2
    from weasyprint import CSS

    from briefgen.typeset import ResourceLog, collect_engine_warnings, shared_font_config

    global parses
    parses += 1
    log = ResourceLog()
    css = None
    only_author = False
    with collect_engine_warnings(log):
        try:
            fetcher = make_fetcher(log)
            if url is not None:
                response = fetcher.fetch(url)
                try:
                    data = response.read()
                finally:
                    response.close()
                rules, _ = tinycss2.parse_stylesheet_bytes(
                    data, skip_comments=True, skip_whitespace=True
                )
                source = {"file_obj": BytesIO(data), "base_url": url}
            else:
                rules = tinycss2.parse_stylesheet(
                    source["string"], skip_comments=True, skip_whitespace=True
                )
            only_author = author_only(rules)
            css = CSS(font_config=shared_font_config(), url_fetcher=fetcher, **source)
        except Exception as exc:  # as WeasyPrint does: a sheet that cannot load is skipped
            log.warnings.append(f"Failed to load stylesheet at {url}: {exc}")
    return ParsedSheet(
        css, tuple(log.refused), tuple(log.reasons.items()), tuple(log.warnings), only_author
    )


def take_stylesheets(html: Any, make_fetcher: Any, log: Any) -> list[Any]:
    """The parsed `weasyprint.HTML`'s stylesheets as `CSS` objects, in document order,
    removed from its tree, with what fetching them refused or warned about put in `log`;
    or none, with the tree untouched, when they must stay at the author origin."""
    sheets: list[ParsedSheet] = []
    taken: list[Any] = []
    root = html.etree_element
    for element in [e for e in root.iter() if e.tag in ("link", "style")]:
        media = (element.get("media") or "all").strip().lower()
        kind = (element.get("type") or "text/css").split(";")[0].strip().lower()
        if kind != "text/css":
            continue  # WeasyPrint skips it too
        if element.tag == "link":
            rels = (element.get("rel") or "").lower().split()
            if "stylesheet" not in rels or "alternate" in rels or not element.get("href"):
                continue
        if media not in ("all", "print"):
            return []  # left for WeasyPrint to judge, so all of them are
        sheets.append(_sheet(element, html.base_url or "", make_fetcher))
        taken.append(element)
    if any(parsed.author_only for parsed in sheets):
        return []
    parents = {child: parent for parent in root.iter() for child in parent}
    for element in taken:
        parents[element].remove(element)
    for parsed in sheets:
        log.refused.extend(parsed.refused)
        log.reasons.update(dict(parsed.reasons))
        log.warnings.extend(parsed.warnings)
    return [parsed.css for parsed in sheets if parsed.css is not None]


def _sheet(element: Any, base_url: str, make_fetcher: Any) -> ParsedSheet:
    """The element's stylesheet, parsed now or earlier in this process."""
    if element.tag == "link":
        url = urljoin(base_url, element.get("href"))
        key = _file_key(url)
        if key is not None and key in _linked:
            return _linked[key]
        parsed = _parse(make_fetcher, url=url)
        if key is not None:
            _linked[key] = parsed
        return parsed
    text = "".join(element.itertext())
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    inline_key = (digest, base_url)
    if inline_key in _inline:
        _inline.move_to_end(inline_key)
        return _inline[inline_key]
    parsed = _parse(make_fetcher, string=text, base_url=base_url or None)
    _inline[inline_key] = parsed
    while len(_inline) > MAX_INLINE_SHEETS:
        _inline.popitem(last=False)
    return parsed
