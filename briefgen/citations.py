"""Citations as printed: each note and each sources entry names its own source."""

from __future__ import annotations

from markupsafe import Markup, escape

from briefgen.markup import breakable_address
from briefgen.schema import Briefing, Source, SourceRef
from briefgen.typography import smart_quotes


class Citations:
    """What the templates call to print a citation: `cite.note(ref)`, `cite.entry(source)`."""

    def __init__(self, briefing: Briefing, paragraph_sign: str) -> None:
        self.sources = {source.id: source for source in briefing.sources}
        self.main = briefing.sources[0]
        self.paragraph_sign = paragraph_sign

    def source_of(self, ref: SourceRef) -> Source:
        return self.sources[ref.id] if ref.id is not None else self.main

    def locator(self, ref: SourceRef) -> str:
        if ref.locator is None:
            return ""
        if ref.locator.kind == "paragraph":
            return f"{self.paragraph_sign}{ref.locator.value}"
        return ref.locator.value

    def short(self, ref: SourceRef) -> Markup:
        """The source's title and the locator, e.g. under a pull quote."""
        parts = [escape(smart_quotes(self.source_of(ref).title))]
        if ref.locator is not None:
            parts.append(escape(self.locator(ref)))
        return Markup(", ").join(parts)

    def note(self, ref: SourceRef) -> Markup:
        """An endnote: the source, where in it, and the words quoted."""
        text = self.short(ref)
        if ref.quote:
            text += Markup(": “{}”").format(smart_quotes(ref.quote))
        return text

    def entry(self, source: Source) -> Markup:
        """The source's reference in the sources section."""
        parts = [Markup("“{}”").format(smart_quotes(source.title))]
        parts += [escape(smart_quotes(a.name)) for a in source.authors]
        parts += [escape(smart_quotes(x)) for x in (source.container, source.publisher) if x]
        if source.published:
            parts.append(escape(str(source.published)))
        if source.url:
            address = Markup(breakable_address(source.url))  # never hyphenated
            parts.append(Markup('<a href="{}">{}</a>').format(source.url, address))
        return Markup(", ").join(parts)
