"""The handout as one self-contained HTML page, fit to publish on a website.

The same HTML as the printed handout (same structure, headings and `lang` tags), with
every stylesheet inlined and every file it uses (fonts, the logo, images, charts)
embedded as a `data:` URI, plus a screen stylesheet (`css/web.css`). Only files the
PDF's fetcher would serve are embedded: under the allowed folders and within its size
limit. Nothing from the content is added: resources are embedded by their URL.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from briefgen.typeset import MAX_RESOURCE_BYTES

WEB_STYLESHEET = "css/web.css"
REMEMBERED_FILE_BYTES = 512 * 1024
"""Files up to this size (the shipped fonts) are encoded once per process: at most
`data_uri`'s 48 of them, some 32 MiB."""

_EMBEDDED = re.compile(
    r'<link rel="stylesheet" href="(?P<link>[^"]+)">|<style>(?P<style>.*?)</style>|<img\b[^>]*>',
    re.S,
)
_CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")
_SRC = re.compile(r'\ssrc="([^"]+)"')
_FONT_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2"}


def web_edition(html: str, base: Path, allowed_roots: list[Path], web_css: Path | None) -> str:
    """`html` (a rendered handout) with everything it loads embedded."""
    roots = [root.resolve() for root in allowed_roots]
    base_url = base.resolve().as_uri() + "/"

    def embed(url: str, relative_to: str) -> str:
        path = local_file(urljoin(relative_to, url), roots)
        if path is None:
            return url
        stat = path.stat()
        if stat.st_size > REMEMBERED_FILE_BYTES:
            return data_uri.__wrapped__(path, stat.st_size, stat.st_mtime_ns)
        return data_uri(path, stat.st_size, stat.st_mtime_ns)

    def css(text: str, relative_to: str) -> str:
        return _CSS_URL.sub(lambda m: f'url("{embed(m[2], relative_to)}")', text)

    def stylesheet(match: re.Match[str]) -> str:
        path = local_file(urljoin(base_url, match["link"]), roots)
        if path is None:
            return ""
        return f"<style>\n{css(path.read_text(encoding='utf-8'), path.as_uri())}\n</style>"

    def image(match: re.Match[str]) -> str:
        return _SRC.sub(lambda m: f' src="{embed(m[1], base_url)}"', match[0])

    def embedded(match: re.Match[str]) -> str:
        if match["link"] is not None:
            return stylesheet(match)
        if match["style"] is not None:
            return f"<style>{css(match['style'], base_url)}</style>"
        return image(match)

    # One pass over the HTML as rendered: once its fonts are in, it is megabytes long.
    page = _EMBEDDED.sub(embedded, html)
    screen = ""
    if web_css is not None and web_css.is_file():
        rules = css(web_css.read_text(encoding="utf-8"), web_css.resolve().as_uri())
        screen = f"<style>\n{rules}\n</style>\n"
    viewport = '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    return page.replace("</head>", viewport + screen + "</head>", 1)


@lru_cache(maxsize=48)
def data_uri(path: Path, size: int, mtime_ns: int) -> str:
    """The file as a `data:` URI, encoded once per process while it stays the same file
    (every handout embeds the same fonts)."""
    kind = _FONT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{kind or 'application/octet-stream'};base64,{data}"


def local_file(url: str, roots: list[Path]) -> Path | None:
    """The file a `file:` URL names, if it lies under `roots` and is small enough."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    name = unquote(parts.path)
    if "\x00" in name:
        return None
    path = Path(name).resolve()
    if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
        return None
    if path.stat().st_size > MAX_RESOURCE_BYTES:
        return None
    return path
