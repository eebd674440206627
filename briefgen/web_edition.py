"""The handout as one self-contained HTML page, fit to publish on a website.

The same HTML as the printed handout (same structure, headings and `lang` tags), with
every stylesheet inlined and every file it uses (fonts, the logo, images, charts)
embedded as a `data:` URI, plus a screen stylesheet (`css/web.css`). Only files the
PDF's fetcher would serve are embedded: under the allowed folders and within its size
limit. Nothing from the content is added: resources are embedded by their URL.

Fonts are subset, as the PDF's are, to the characters the page can show (HarfBuzz's
subsetter, every OpenType feature kept): the shipped fonts weigh 2.6 MB, a handout's
subsets some 200 KB.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_text
import mimetypes
import re
from dataclasses import dataclass, field
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
_SUBSET_TYPES = {".ttf", ".otf"}
"""Font files HarfBuzz subsets (sfnt); others are embedded whole."""
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})")
ALWAYS_KEPT = frozenset(range(0x20, 0x7F)) | {
    *(0xA0, 0xAD, 0x2010, 0x2011, 0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D),
    *(0x2022, 0x2026, 0x25AA, 0x25E6),
}
"""Characters a browser may draw that the text does not hold: ASCII (list numbers),
hyphens it inserts, the `quotes` property's marks, list bullets, an ellipsis."""


def web_edition(html: str, base: Path, allowed_roots: list[Path], web_css: Path | None) -> str:
    """`html` (a rendered handout) with everything it loads embedded."""
    roots = [root.resolve() for root in allowed_roots]
    base_url = base.resolve().as_uri() + "/"
    linked = {
        path: path.read_text(encoding="utf-8", errors="replace")
        for link in re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)
        if (path := local_file(urljoin(base_url, link), roots)) is not None
    }
    screen_css = (
        web_css.read_text(encoding="utf-8", errors="replace")
        if web_css and web_css.is_file()
        else ""
    )
    shown = shown_characters([html, *linked.values(), screen_css])

    def embed(url: str, relative_to: str) -> str:
        path = local_file(urljoin(relative_to, url), roots)
        if path is None:
            return url
        stat = path.stat()
        if path.suffix.lower() in _SUBSET_TYPES:
            return font_subset_uri(path, stat.st_size, stat.st_mtime_ns, shown)
        if stat.st_size > REMEMBERED_FILE_BYTES:
            return data_uri.__wrapped__(path, stat.st_size, stat.st_mtime_ns)
        return data_uri(path, stat.st_size, stat.st_mtime_ns)

    def css(text: str, relative_to: str) -> str:
        return _CSS_URL.sub(lambda m: f'url("{embed(m[2], relative_to)}")', text)

    def stylesheet(match: re.Match[str]) -> str:
        path = local_file(urljoin(base_url, match["link"]), roots)
        if path is None:
            return ""
        text = linked.get(path) or path.read_text(encoding="utf-8", errors="replace")
        return f"<style>\n{css(text, path.as_uri())}\n</style>"

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
    if web_css is not None and screen_css:
        rules = css(screen_css, web_css.resolve().as_uri())
        screen = f"<style>\n{rules}\n</style>\n"
    viewport = '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    return page.replace("</head>", viewport + screen + "</head>", 1)


@dataclass(frozen=True)
class Shown:
    """The characters a page may draw, compared by digest (a handout's are thousands)."""

    digest: str
    codes: tuple[int, ...] = field(compare=False, hash=False)


def shown_characters(texts: list[str]) -> Shown:
    """Every character the page may draw: its text (entities decoded), what its
    stylesheets generate (CSS escapes decoded), both cases of each (`text-transform`),
    and ALWAYS_KEPT. As a sorted tuple with its digest, to key remembered subsets."""
    codes = set(ALWAYS_KEPT)
    for text in texts:
        decoded = html_text.unescape(text)
        decoded += "".join(
            chr(int(m[1], 16)) for m in _CSS_ESCAPE.finditer(text) if int(m[1], 16) < 0x110000
        )
        for char in set(decoded):
            codes.update(ord(c) for c in char + char.upper() + char.lower())
    ordered = tuple(sorted(codes))
    return Shown(hashlib.sha256(repr(ordered).encode()).hexdigest(), ordered)


@lru_cache(maxsize=64)
def font_subset_uri(path: Path, size: int, mtime_ns: int, shown: Shown) -> str:
    """The font, reduced to the glyphs `shown` needs with every OpenType feature kept,
    as a `data:` URI; the whole font if HarfBuzz cannot subset it."""
    import uharfbuzz as hb

    kind = _FONT_TYPES[path.suffix.lower()]
    try:
        face = hb.Face(hb.Blob.from_file_path(str(path)))
        covered = set(face.unicodes)
        codes = covered.intersection(shown.codes)
        # A font with no glyph left is one Chromium refuses: the face then fails to
        # load. Where the page uses none of its characters, one of them is kept.
        wanted = hb.SubsetInput()
        wanted.unicode_set.update(codes or {min(covered, default=0x20)})
        wanted.layout_feature_tag_set.invert()  # an empty set inverted: every feature
        subset = hb.subset(face, wanted)
        data = subset.blob.data if subset is not None else b""
    except Exception:  # a font HarfBuzz cannot read: the browser gets it whole
        data = b""
    if not data:
        return data_uri.__wrapped__(path, size, mtime_ns)
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


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
