"""Content prose: Markdown to sanitized HTML, with footnotes typeset as page footnotes."""

from __future__ import annotations

import re
import secrets

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
        self.items.append(Markup(html))
        number = len(self.items)
        return Markup(
            f'<sup class="note-call" id="note-call-{number}">'
            f'<a href="#note-{number}">{number}</a></sup>'
        )


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


def sanitize(html: str) -> str:
    """Reduce HTML to the small allow-list above: no scripts, styles, forms or handlers."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def _markdown(text: str) -> str:
    return str(markdown.markdown(text, extensions=["smarty", "sane_lists"], output_format="html"))


def render_markdown(text: str, notes: Notes | None = None, inline: bool = False) -> Markup:
    """Markdown → safe HTML. `[^label]` footnotes become endnotes in `notes`, or are dropped."""
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
    html = sanitize(_markdown(body))
    if inline:
        html = unwrap_paragraph(html)

    def footnote(match: re.Match[str]) -> str:
        if notes is None:
            return ""
        return notes.add(unwrap_paragraph(sanitize(_markdown(definitions[order[int(match[1])]]))))

    def literal(match: re.Match[str]) -> str:
        return f"[^{order[int(match[1])]}]"

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
    return Markup("".join(parts).strip())


def unwrap_paragraph(html: str) -> str:
    html = html.strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def plain_text(text: str) -> str:
    """Markdown as plain text, for PDF metadata and fit checks."""
    html = _markdown(_FOOTNOTE_REF.sub("", _FOOTNOTE_DEF.sub("", text)))
    return " ".join(nh3.clean(html, tags=set()).split())
