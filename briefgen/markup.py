"""Content prose: Markdown to sanitized HTML, with footnotes collected as endnotes."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from html import escape, unescape
from html.parser import HTMLParser

import markdown
import nh3
from lxml.html.defs import tags as HTML_ELEMENTS
from markupsafe import Markup

from briefgen.bidi import isolate_right_to_left
from briefgen.typography import keep_together


class Notes:
    """Numbered endnotes collected while a document renders, printed in a Notes section.

    Endnotes rather than CSS page footnotes: WeasyPrint lost page footnotes placed
    inside long list items, and a lost source note is worse than a turned page.
    """

    def __init__(self) -> None:
        self.items: list[Markup] = []
        self._pending: dict[str, Markup] = {}
        self._numbers: dict[str, int] = {}

    def if_any(self, html: str | Markup) -> Markup:
        """`html` (e.g. a contents entry) kept only if the document ends up with notes.

        Contents come before the notes are collected, so this leaves a placeholder that
        `resolve` fills once the whole document has rendered.
        """
        token = f"{_TOKEN}pending{len(self._pending)}{_TOKEN}"
        self._pending[token] = Markup(html)
        return Markup(token)

    def resolve(self, html: str) -> str:
        for token, pending in self._pending.items():
            html = html.replace(token, pending if self.items else "")
        return html

    def add(self, html: str | Markup) -> Markup:
        """File a note and return its first call, which the note links back to."""
        self.items.append(Markup(html))
        return self.call(len(self.items), first=True)

    def add_once(self, html: str | Markup) -> Markup:
        """File a note unless the same note is already filed; then call that one.

        For web addresses: a page linked five times is one note, not five.
        """
        number = self._numbers.get(str(html))
        if number is not None:
            return self.call(number)
        call = self.add(html)
        self._numbers[str(html)] = len(self.items)
        return call

    @staticmethod
    def call(number: int, first: bool = False) -> Markup:
        """The superscript note number; only the first call carries the id."""
        id_attribute = f' id="{note_call_id(number)}"' if first else ""
        return Markup(
            f'<sup class="{NOTE_CALL_CLASS}"{id_attribute}>'
            f'<a href="#note-{number}">{number}</a></sup>'
        )


NOTE_CALL_CLASS = "note-call"


def note_call_id(number: int) -> str:
    return f"note-call-{number}"


ALLOWED_TAGS = {
    "p",
    "em",
    "strong",
    "b",
    "i",
    "a",
    "ul",
    "ol",
    "li",
    "code",
    "sup",
    "sub",
    "br",
    "blockquote",
    "abbr",
    "img",
    "span",
    "q",
    "cite",
    "s",
    "small",
    "wbr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "img": {"src", "alt", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
URL_CLASS = "url"
TABLE_CLASS = "data-table"
ALLOWED_ATTRIBUTE_VALUES = {
    "span": {"class": {URL_CLASS}},
    "table": {"class": {TABLE_CLASS}},
    "th": {"scope": {"col", "row"}, "align": {"left", "center", "right"}},
    "td": {"align": {"left", "center", "right"}},
}
"""Attributes allowed with these exact values only: briefgen's own classes and the
alignment that Markdown tables write."""

_FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]*(.*(?:\n(?:[ \t]{2,}.*|[ \t]*$))*)", re.M)
_FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")
# Placeholders survive Markdown and the sanitizer untouched; the nonce keeps content from
# forging one.
_TOKEN = f"BGFN{secrets.token_hex(6)}X"


def sanitize(html: str, note_numbers: range = range(0), language: str | None = None) -> str:
    """Reduce HTML to the small allow-list above: no scripts, styles, forms or handlers.

    The only attributes beyond the allow-list are those of this field's own note calls,
    each allowed with its exact value, so content cannot forge or retarget one. nh3 keeps
    `lang` on any element, so a field in another `language` is tagged by a `div` (allowed
    for that field only) or a `span`.
    """
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS | ({"div"} if language else set()),
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values={
            **ALLOWED_ATTRIBUTE_VALUES,
            "sup": {
                "class": {NOTE_CALL_CLASS} if note_numbers else set(),
                "id": {note_call_id(n) for n in note_numbers},
            },
        },
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


DECORATIVE = "decorative"
"""The image title that marks an image as carrying no information: `![](x.png "decorative")`."""
_DECORATIVE_IMAGE = re.compile(r'(<img\b[^>]*?)\s+title="decorative"', re.I)


@dataclass(frozen=True)
class Image:
    src: str
    alt: str
    decorative: bool


class _ImageFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[Image] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            values = {name: value or "" for name, value in attrs}
            title = values.get("title", "").strip().casefold()
            self.images.append(
                Image(values.get("src", ""), values.get("alt", ""), title == DECORATIVE)
            )


def images_in(text: str) -> list[Image]:
    """The images a Markdown field shows, with their alt text, as it would render."""
    finder = _ImageFinder()
    # Footnote definitions render on their own, as render_markdown does: read whole, the
    # Markdown parser would take `[^1]: …` for a link definition and drop its images.
    definitions = [match[2] for match in _FOOTNOTE_DEF.finditer(text)]
    for part in [_FOOTNOTE_DEF.sub("", text), *definitions]:
        finder.feed(_markdown(part))
    finder.close()
    return finder.images


@lru_cache(maxsize=1024)
def _markdown(text: str) -> str:
    """Markdown → HTML, before sanitizing. Cached: every audience and document renders the
    same fields again, and the Markdown parser is the slow part (forked workers inherit
    what the parent's checks already parsed)."""
    html = markdown.markdown(
        text,
        extensions=["smarty", "sane_lists", "tables"],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    html = _HEADER_CELL.sub('<th scope="col"', str(html))
    return html.replace("<table>", f'<table class="{TABLE_CLASS}">')


_TAG_NAME = re.compile(r"</?([^\s/>!?]+)")
"""The name in what Markdown passed through as raw HTML: a tag only if it names an HTML
element, otherwise the author's own text."""
_FOREIGN_ROOTS = {"svg", "math"}
HTML_BOOLEAN_ATTRIBUTES = {
    "allowfullscreen", "async", "autofocus", "autoplay", "checked", "controls", "default",
    "defer", "disabled", "formnovalidate", "hidden", "inert", "ismap", "itemscope", "loop",
    "multiple", "muted", "nomodule", "novalidate", "open", "playsinline", "readonly",
    "required", "reversed", "selected",
}  # fmt: skip
"""The attributes HTML writes without a value; any other bare word in a tag is prose."""


def _is_authors_text(part: str, name: str) -> bool:
    """Whether a part Markdown passed through as raw HTML is the author's text: it names
    no HTML element (`<Reuters>`), or it has words no tag has (`a<b and c>d`, where the
    sanitizer would delete " and c" and set "d" in bold)."""
    if name.lower() not in HTML_ELEMENTS:
        return True
    reader = _BareAttributes()
    reader.feed(part)
    reader.close()
    return any(word not in HTML_BOOLEAN_ATTRIBUTES for word in reader.bare)


class _BareAttributes(HTMLParser):
    """The attributes of a start tag that are written without a value."""

    def __init__(self) -> None:
        super().__init__()
        self.bare: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.bare += [name for name, value in attrs if value is None]


CONTENT_DELETED = {
    "svg": "write its words as text, or put a chart in `figures:`",
    "math": "write the formula as text, e.g. x² + y² = r²",
    "script": "remove it: nothing runs in a briefing",
    "style": "remove it: an audience's look is set in its style.css",
}
"""Raw HTML elements whose content the sanitizer deletes with them (foreign roots, and
what nh3 cleans with its content), and how to say the same in prose."""
_CONTENT_DELETED_TAG = re.compile(r"<(" + "|".join(CONTENT_DELETED) + r")\b", re.I)


def content_deleted(text: str) -> str | None:
    """The first raw element in Markdown `text` whose words would silently not print
    (`<svg>`, `<math>`, `<script>`, `<style>`), or None. Code spans are escaped, so a
    `` `<svg>` `` written as code is text and passes."""
    found = _CONTENT_DELETED_TAG.search(_markdown(text))
    return found[1].lower() if found else None


_HEADER_CELL = re.compile(r"<th(?=[\s>])(?![^>]*\bscope=)")
"""Header cells of a Markdown table (they are only ever in its first row) get scope="col"."""

# --- Addresses in print --------------------------------------------------------------------

_URL_BREAK = re.compile(r"(?<=/)(?!/)|(?=[.\-_?#%~=&])|(?<=[=&])")
"""Where an address may break, as Chicago breaks URLs: after a slash (not inside `//`),
before a dot, hyphen, underscore, `?`, `#`, `%` or `~`, before or after `=` and `&`. A
segment with none of them longer than its line still breaks where it must (CSS `.url`).

A break before `-` keeps the hyphen at the start of the next line, where nobody reads it
as a hyphenation and pdftotext does not join it away."""
_WORD_JOINER = "\u2060"
_NO_BREAK_AFTER = {char: char + _WORD_JOINER for char in "-?"}
"""A word joiner (invisible, never extracted) after `-` and `?` cancels the line break
that Unicode allows there by default."""
_BARE_ADDRESS = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]'*]"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}"
)
_HREF = re.compile(r"""\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def breakable_address(address: str) -> str:
    """`address` (a URL or e-mail address) as HTML that is never hyphenated (CSS `.url`)
    and breaks where `_URL_BREAK` allows, where <wbr> is put."""
    pieces = [escape(piece) for piece in _URL_BREAK.split(address) if piece]
    html = "<wbr>".join(pieces)
    for char, kept in _NO_BREAK_AFTER.items():
        html = html.replace(char, kept)
    return f'<span class="{URL_CLASS}">{html}</span>'


def printed_address(href: str) -> str:
    """What a reader types: the web address as it is, a mail address without `mailto:`."""
    return href.removeprefix("mailto:")


def is_printable_link(href: str) -> bool:
    return href.split(":", 1)[0].lower() in ALLOWED_URL_SCHEMES and ":" in href


def same_address(text: str, href: str) -> bool:
    """Link text that already is the address, so it need not be printed twice."""
    shown = " ".join(text.split()).rstrip("/").lower()
    target = printed_address(href).rstrip("/").lower()
    return shown in {target, target.split("://", 1)[-1]}


def render_markdown(text: str, notes: Notes | None = None, inline: bool = False) -> Markup:
    """Markdown → safe HTML. `[^label]` footnotes become endnotes in `notes`, or are dropped.

    Everything briefgen adds (note calls, literal labels in code) goes in before the
    one final sanitize, so nothing reaches the page that the allow-list did not see.
    A note referenced several times is printed once; later calls point at it.
    """
    definitions: dict[str, str] = {}

    def keep_definition(match: re.Match[str]) -> str:
        definitions[match[1]] = " ".join(match[2].split())
        return ""

    body = _FOOTNOTE_DEF.sub(keep_definition, text)
    order: list[str] = []

    def placeholder(match: re.Match[str]) -> str:
        label = match[1]
        if label not in definitions:
            return match[0]
        order.append(label)
        return f"{_TOKEN}{len(order) - 1}{_TOKEN}"

    body = _FOOTNOTE_REF.sub(placeholder, body)
    # A decorative image keeps empty alt text and loses the marker title.
    html = _DECORATIVE_IMAGE.sub(r"\1", _markdown(body))
    first_number = len(notes.items) + 1 if notes is not None else 1
    numbers: dict[str, int] = {}

    def footnote(match: re.Match[str]) -> str:
        label = order[int(match[1])]
        if notes is None:
            return ""
        if label in numbers:
            return Notes.call(numbers[label])
        call = notes.add(render_markdown(definitions[label], inline=True))
        numbers[label] = len(notes.items)
        return call

    def literal(match: re.Match[str]) -> str:
        return escape(f"[^{order[int(match[1])]}]")

    def address_note(href: str) -> str:
        """On paper a link is its address: an endnote where there are notes, else inline."""
        address = breakable_address(printed_address(href))
        link = f'<a href="{escape(href)}">{address}</a>'
        if notes is None:
            return f" ({link})"
        return str(notes.add_once(sanitize(link)))

    # Calls go into text only: a reference inside a link title or other attribute is
    # dropped, and one inside `code` stays the literal text it was.
    token = re.compile(rf"{_TOKEN}(\d+){_TOKEN}")
    parts = re.split(r"(<[^>]*>)", html)
    in_code = False
    foreign = 0  # inside raw <svg> or <math>, whose own element names are not HTML's
    link: tuple[str, int] | None = None  # the open link's address and where it starts
    for index, part in enumerate(parts):
        name = _TAG_NAME.match(part)
        if name and name[1].lower() in _FOREIGN_ROOTS:
            foreign += -1 if part.startswith("</") else 0 if part.endswith("/>") else 1
        if name and not foreign and _is_authors_text(part, name[1]):
            # `x<z y>`, `<Kyiv>` or `a<b and c>d` is the author's text, not HTML: the
            # sanitizer would delete it, so it is kept as text.
            parts[index] = escape(token.sub("", part))
        elif part.startswith("<"):
            in_code = part.startswith("<code") or (in_code and not part.startswith("</code"))
            parts[index] = part = token.sub("", part)
            href = _HREF.search(part)
            if re.match(r"<a\b", part, re.I) and href:
                address = unescape(next(g for g in href.groups() if g is not None))
                link = (address, index) if is_printable_link(address) else None
            elif re.match(r"</a\s*>", part, re.I) and link is not None:
                address, start = link
                inside = parts[start + 1 : index]
                text = unescape("".join(p for p in inside if not p.startswith("<")))
                if not same_address(text, address):
                    parts[index] = part + address_note(address)
                elif all(not p.startswith("<") for p in inside):
                    parts[start + 1 : index] = [breakable_address(text), *[""] * (len(inside) - 1)]
                link = None
        else:
            # Right-to-left runs are isolated in text, never across tags.
            part = token.sub(literal if in_code else footnote, isolate_right_to_left(part))
            part = part if in_code else keep_together(part)
            if not in_code and link is None:
                part = _BARE_ADDRESS.sub(lambda m: breakable_address(unescape(m[0])), part)
            parts[index] = part
    note_numbers = range(first_number, len(notes.items) + 1 if notes is not None else 1)
    language = getattr(text, "lang", None)
    if language is None:
        html = sanitize("".join(parts), note_numbers)
        return Markup((unwrap_paragraph(html) if inline else html).strip())
    # Text in another language than the page around it (an untranslated field, see
    # translation.py) is wrapped and tagged before the one final sanitize.
    html = "".join(parts)
    html = (
        f'<span lang="{language}">{unwrap_paragraph(html)}</span>'
        if inline
        else (f'<div lang="{language}">{html}</div>')
    )
    return Markup(sanitize(html, note_numbers, language).strip())


def unwrap_paragraph(html: str) -> str:
    html = html.strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def plain_text(text: str) -> str:
    """Markdown as plain text, for PDF metadata and fit checks: the words the brief
    prints, so a link's address in brackets too."""
    html = str(render_markdown(text, None, inline=True))
    # nh3 returns HTML: entities such as `&amp;` must become characters again.
    text = unescape(nh3.clean(html, tags=set())).replace(_WORD_JOINER, "")
    return " ".join(text.split())
