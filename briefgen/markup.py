"""Content prose: Markdown to sanitized HTML, with footnotes collected as endnotes."""

from __future__ import annotations

import re
import secrets
from html import escape, unescape

import markdown
import nh3
from markupsafe import Markup


class Notes:
    """Numbered endnotes collected while a document renders, printed in a Notes section.

    Endnotes rather than CSS page footnotes: WeasyPrint lost page footnotes placed
    inside long list items, and a lost source note is worse than a turned page.
    """

    def __init__(self) -> None:
        self.items: list[Markup] = []
        self._pending: dict[str, Markup] = {}

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
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "img": {"src", "alt", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]*(.*(?:\n(?:[ \t]{2,}.*|[ \t]*$))*)", re.M)
_FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")
# Placeholders survive Markdown and the sanitizer untouched; the nonce keeps content from
# forging one.
_TOKEN = f"BGFN{secrets.token_hex(6)}X"


def sanitize(html: str, note_numbers: range = range(0)) -> str:
    """Reduce HTML to the small allow-list above: no scripts, styles, forms or handlers.

    The only attributes beyond the allow-list are those of this field's own note calls,
    each allowed with its exact value, so content cannot forge or retarget one.
    """
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values={
            "sup": {
                "class": {NOTE_CALL_CLASS} if note_numbers else set(),
                "id": {note_call_id(n) for n in note_numbers},
            }
        },
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def _markdown(text: str) -> str:
    return str(markdown.markdown(text, extensions=["smarty", "sane_lists"], output_format="html"))


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
    html = _markdown(body)
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

    # Calls go into text only: a reference inside a link title or other attribute is
    # dropped, and one inside `code` stays the literal text it was.
    token = re.compile(rf"{_TOKEN}(\d+){_TOKEN}")
    parts = re.split(r"(<[^>]*>)", html)
    in_code = False
    for index, part in enumerate(parts):
        if part.startswith("<"):
            in_code = part.startswith("<code") or (in_code and not part.startswith("</code"))
            parts[index] = token.sub("", part)
        else:
            parts[index] = token.sub(literal if in_code else footnote, part)
    note_numbers = range(first_number, first_number + len(numbers))
    html = sanitize("".join(parts), note_numbers)
    if inline:
        html = unwrap_paragraph(html)
    return Markup(html.strip())


def unwrap_paragraph(html: str) -> str:
    html = html.strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def plain_text(text: str) -> str:
    """Markdown as plain text, for PDF metadata and fit checks."""
    html = _markdown(_FOOTNOTE_REF.sub("", _FOOTNOTE_DEF.sub("", text)))
    # nh3 returns HTML: entities such as `&amp;` must become characters again.
    return " ".join(unescape(nh3.clean(html, tags=set())).split())


def image_sources(text: str) -> list[str]:
    """The `src` of every image the Markdown `text` shows, footnotes included, as written:
    what `briefgen check` must find in the briefing folder before anything renders."""
    from html.parser import HTMLParser

    sources: list[str] = []

    class Images(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "img":
                sources.extend(value for name, value in attrs if name == "src" and value)

    definitions = [match[2] for match in _FOOTNOTE_DEF.finditer(text)]
    for part in [_FOOTNOTE_DEF.sub("", text), *definitions]:
        parser = Images()
        parser.feed(_markdown(part))
        parser.close()
    return sources
