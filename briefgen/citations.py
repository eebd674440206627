"""Citations as printed, formatted by a CSL style through citeproc-py.

Each audience names a CSL style and locale (`citations:` in audience.yaml). Notes print
the style's citation of their own source with the locator (the paragraph briefgen
computed, or the page or section given) and the quoted words; the sources section prints
each source's full reference in the same style. Nothing here formats a reference by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
import threading
import warnings
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from markupsafe import Markup

from briefgen.errors import BriefgenError
from briefgen.markup import breakable_address, sanitize
from briefgen.schema import Author, Briefing, Citation, Source, SourceRef
from briefgen.typography import ENGLISH_QUOTES, QUOTED_SPAN, Quotes, quoted, smart_quotes

if TYPE_CHECKING:
    from citeproc import CitationStylesStyle

CSL_FOLDER = "csl"
"""Styles live in `csl/<name>.csl`, in the audience folder or `templates/base/`."""


def style_file(search_path: tuple[Path, ...], style: str) -> Path | None:
    """The first `csl/<style>.csl` on the audience's template search path."""
    for folder in search_path:
        candidate = folder / CSL_FOLDER / f"{style}.csl"
        if candidate.is_file():
            return candidate
    return None


def available_styles(search_path: tuple[Path, ...]) -> list[str]:
    return sorted({p.stem for folder in search_path for p in (folder / CSL_FOLDER).glob("*.csl")})


def available_locales() -> list[str]:
    from importlib.resources import files

    folder = files("citeproc") / "data" / "locales"
    return sorted(
        p.name[len("locales-") : -len(".xml")]
        for p in folder.iterdir()
        if p.name.startswith("locales-") and p.name.endswith(".xml")
    )


_MACROS: dict[int, dict[str, Any]] = {}
"""Each loaded style's macros by name, keyed by its root element (kept alive below)."""


@cache  # never evicted, so the roots `_MACROS` is keyed by stay alive
def _style(path: Path, version: int, locale: str) -> CitationStylesStyle:
    from citeproc import CitationStylesStyle

    _patch_citeproc()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            style = CitationStylesStyle(str(path), locale=locale, validate=False)
    except Exception as exc:  # lxml and citeproc raise many kinds for a broken style
        raise BriefgenError(f"cannot read this CSL style: {exc}", path) from None
    macros = style.root.xpath_search("cs:macro")
    _MACROS[id(style.root)] = {macro.get("name"): macro for macro in macros}
    return style


def probe_style(path: Path, locale: str) -> None:
    """Format one note and one bibliography entry with the style, so that a style that
    parses but cannot cite (no layout, a macro that calls itself) is an error at its own
    file, not at the template line that first asked for a citation."""
    stat = path.stat()
    _probe(path.resolve(), stat.st_mtime_ns, locale)


@cache
def _probe(path: Path, version: int, locale: str) -> None:
    from citeproc import Citation as CslCitation
    from citeproc import CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    style = load_style(path, locale)
    work: dict[str, Any] = {"id": "probe", "type": "report", "title": "Probe"}
    work["issued"] = {"date-parts": [[2024]]}
    work["author"] = [{"family": "Author", "given": "Ann"}]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bibliography = CitationStylesBibliography(style, CiteProcJSON([work]), formatter.html)
            citation = CslCitation([CitationItem("probe")])
            bibliography.register(citation)
            bibliography.cite(citation, lambda item: None)
            bibliography.bibliography()
    except RecursionError:
        raise BriefgenError(
            "this CSL style cannot format a citation: a macro calls itself", path
        ) from None
    except Exception as exc:  # citeproc-py raises many kinds for a style it cannot run
        message = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise BriefgenError(
            f"this CSL style cannot format a citation ({type(exc).__name__}: {message}); "
            "check its <citation> and <bibliography> layouts",
            path,
        ) from None


def load_style(path: Path, locale: str) -> CitationStylesStyle:
    """The parsed style, once per file version and locale (styles are large to parse)."""
    return _style(path.resolve(), path.stat().st_mtime_ns, locale)


def _patch_citeproc() -> None:
    """Repairs to citeproc-py 0.11, applied once.

    - CSL says a variable used in `<substitute>` is empty for the rest of the entry.
      citeproc-py records only a substitute's own variable, not those its macro renders,
      so an anonymous work printed its title twice ("‘T’, ‘T’, para. 2"). This records
      `title` too when the substituting macro renders it.
    - It finds a macro by an XPath search over the whole style on every use; a large
      style such as Chicago's then takes a second per handout. Macros are looked up in
      a table built when the style is loaded.
    - It prints a `<label variable="…"/>` whose variable the work does not have, so
      Chicago gave every newspaper article "Edition." and every subsequent note of a
      journal article ", edition". CSL prints a label only beside its variable.
    - It ignores a name's `initialize="false"`, so Chicago's bibliography printed
      "Okafor, D." for Dana Okafor wherever the style sets `initialize-with`.
    - It counts a locator as plural wherever two numbers appear in it, so a section
      named "Annual maxima, 2008–2024" printed as "sects": a locator is plural only when
      it is a list or range of numbers ("3–5", "12, 14").
    - It asks the same XPath questions (`xpath_search`, `get_root`) and walks the same
      subtrees (`calls_variable`) for every citation; a style's tree never changes once loaded,
      so each element's answers are kept (`_ANSWERS`), which halves a citation's time.
    """
    from citeproc import model

    if getattr(model.Substitute, "_briefgen_patched", False):
        return
    original = model.Substitute.add_to_repressed_list
    find_macro = model.CitationStylesElement.get_macro

    def get_macro(self: Any, name: str) -> Any:
        found = _MACROS.get(id(self.get_root()), {}).get(name)
        return found if found is not None else find_macro(self, name)

    model.CitationStylesElement.get_macro = get_macro

    def add_to_repressed_list(self: Any, child: Any, context: Any) -> None:
        original(self, child, context)
        if child.get("macro") and "title" in _macro_variables(child, child.get("macro")):
            repressed = context.get_layout().repressed
            for tag in (f"{{{model.CitationStylesElement.nsmap['cs']}}}text",):
                repressed.setdefault(tag, []).append("title")

    model.Substitute.add_to_repressed_list = add_to_repressed_list

    label_process = model.Label.process

    def process_label(self: Any, item: Any, variable: Any = None, *args: Any, **kw: Any) -> Any:
        # A label of its own (a `variable` given is a name label, printed with its names).
        if variable is None and not _has_variable(item, self.get("variable")):
            return None
        return label_process(self, item, variable, *args, **kw)

    model.Label.process = process_label

    name_option = model.Name.get_option

    def get_name_option(self: Any, name: str, context: Any = None, sort_options: Any = None) -> Any:
        if name == "initialize-with" and str(self.get("initialize", "true")).lower() == "false":
            return None  # CSL 1.0.1's `initialize="false"`: full given names
        return name_option(self, name, context, sort_options)

    model.Name.get_option = get_name_option

    is_plural = model.Label._is_plural

    def label_is_plural(self: Any, item: Any) -> bool:
        if self.get("variable") == "locator" and not _NUMBERS.fullmatch(
            str(item.locator.identifier)
        ):
            return False  # a named section ("Annual maxima, 2008–2024") is one section
        return bool(is_plural(self, item))

    model.Label._is_plural = label_is_plural

    search = model.CitationStylesElement.xpath_search

    def xpath_search(self: Any, expression: str) -> list[Any]:
        return list(_answer(self, expression, lambda: search(self, expression)))

    model.CitationStylesElement.xpath_search = xpath_search
    root_of = model.CitationStylesElement.get_root
    model.CitationStylesElement.get_root = lambda self: _answer(self, "root", lambda: root_of(self))
    pending = [model.CitationStylesElement]
    while pending:
        element_class = pending.pop()
        pending += element_class.__subclasses__()
        if "calls_variable" in element_class.__dict__:
            element_class.calls_variable = _answered(element_class.calls_variable)
    model.Substitute._briefgen_patched = True


_NUMBERS = re.compile(
    r"\s*[\dIVXLCDMivxlcdm]+[a-z]?(?:\s*(?:[-–—,&]|and)\s*[\dIVXLCDMivxlcdm]+[a-z]?)+\s*"
)
"""A locator that lists or spans numbers (`3–5`, `12, 14`): only such a locator is left
to citeproc-py's own test of whether it is plural."""


def _has_variable(item: Any, variable: str | None) -> bool:
    """Whether the cited work has `variable` (the locator counts when it is given)."""
    from citeproc.source import VariableError

    if variable is None:
        return False
    if variable == "locator":
        return bool(item.has_locator)
    try:
        item.reference[variable.replace("-", "_")]
    except VariableError:
        return False
    return True


_ANSWERS: dict[tuple[Any, str], Any] = {}
"""What citeproc-py found for a style element, by element and question. Holding the
element also keeps lxml's Python object for it alive, so it is the same object next time
(citeproc-py keeps state on some, such as the layout's `repressed`)."""
answers_found = 0
"""How many answers were worked out rather than remembered (the tests count these)."""


def _answer(element: Any, question: str, work_out: Callable[[], Any]) -> Any:
    global answers_found
    key = (element, question)
    if key not in _ANSWERS:
        answers_found += 1
        _ANSWERS[key] = work_out()
    return _ANSWERS[key]


def _answered(method: Callable[[Any], bool]) -> Callable[[Any], bool]:
    def calls_variable(self: Any) -> bool:
        return bool(_answer(self, "calls_variable", lambda: method(self)))

    return calls_variable


_MACRO_VARIABLES: dict[tuple[int, str], frozenset[str]] = {}


def _macro_variables(element: Any, name: str) -> frozenset[str]:
    """Every variable a macro can render, following the macros it calls (memoised)."""
    key = (id(element.get_root()), name)
    if key not in _MACRO_VARIABLES:
        found: set[str] = set()
        pending, seen = [name], {name}
        while pending:
            for node in element.get_macro(pending.pop()).iter():
                if not isinstance(node.tag, str):
                    continue
                found.update((node.get("variable") or "").split())
                called = node.get("macro")
                if called and called not in seen:
                    seen.add(called)
                    pending.append(called)
        _MACRO_VARIABLES[key] = frozenset(found)
    return _MACRO_VARIABLES[key]


def _date(value: dt.date | int | str) -> dict[str, Any]:
    if isinstance(value, dt.date):
        return {"date-parts": [[value.year, value.month, value.day]]}
    if isinstance(value, int):
        return {"date-parts": [[value]]}
    return {"literal": html.escape(value, quote=False)}


def csl_name(author: Author) -> dict[str, str]:
    """A name the style may invert ("de Waal, Thomas") when its family part is known;
    otherwise, and for organisations, a literal printed as written."""
    name = html.escape(smart_quotes(author.name), quote=False)
    if not author.family or author.family == author.name:
        return {"literal": name}
    given = author.name[: -len(author.family)].strip()
    return {"family": html.escape(author.family, quote=False), "given": html.escape(given)}


_QUOTED_RUN = re.compile(r"(?<!\S)\S*[‘“«][^’”»]+[’”»]\S*")
"""Whitespace-delimited words holding a quoted span, such as `(‘Caşcaval de Săveni’`."""


_NAME_PARTICLES = re.compile(
    r"(?<!\S)(?:(?:al|bin|da|das|de|degli|del|della|den|der|des|di|dos|du|ibn|la|le|"
    r"ten|ter|van|von|zu)(?:\s+|$))+"
)
"""Lowercase particles of a family name (`de Waal`, `van der Berg`), when a capital
follows: title case would print `De Waal`."""


def _nocase(text: str) -> str:
    return f'<span class="nocase">{text}</span>'


def _keep_case(title: str) -> str:
    """A name quoted in a title (`‘Caşcaval de Săveni’`, not `De`) or a family name's
    particle (`Frans de Waal`) keeps its case when a style title-cases the rest. The
    protected run ends at whitespace on both sides: citeproc-py joins the words of each
    piece with spaces."""

    def particles(match: re.Match[str]) -> str:
        if not title[match.end() : match.end() + 1].isupper():
            return match[0]
        words = match[0].rstrip()
        return _nocase(words) + match[0][len(words) :]

    return _NAME_PARTICLES.sub(particles, _QUOTED_RUN.sub(lambda m: _nocase(m[0]), title))


OPEN_MARK, CLOSE_MARK = "\ue000", "\ue001"
"""A title's own quotes while the style formats it: which quotes they become depends on
whether the style quotes the title (private-use characters, never printed)."""


def _mark_quotes(title: str) -> str:
    return QUOTED_SPAN.sub(lambda m: f"{OPEN_MARK}{m[1] or m[2]}{CLOSE_MARK}", title)


_QUOTE_TERMS = ("open-quote", "close-quote", "open-inner-quote", "close-inner-quote")


@cache  # one per style object, which `_style` keeps for the process
def style_quotes(style: CitationStylesStyle) -> Quotes:
    """The quotation marks of the style's locale."""

    def term(name: str, default: str) -> str:
        try:
            found = style.root.get_term(name)
        except (IndexError, AttributeError):
            return default
        return str(found.text) if found is not None and found.text else default

    english = ENGLISH_QUOTES
    defaults = (english.open, english.close, english.inner_open, english.inner_close)
    return Quotes(
        *(term(name, default) for name, default in zip(_QUOTE_TERMS, defaults, strict=True))
    )


@cache
def language_quotes(language: str) -> Quotes:
    """The quotation marks of `language` (« » in French, „ “ in German), from the CSL
    locale files citeproc-py ships: the language's own, else its primary dialect's,
    else English."""
    from importlib.resources import files

    from citeproc import PRIMARY_DIALECTS
    from lxml import etree

    primary = language.split("-")[0].lower()
    folder = files("citeproc") / "data" / "locales"
    for code in (language, PRIMARY_DIALECTS.get(primary)):
        locale = folder / f"locales-{code}.xml"
        if code is None or not locale.is_file():
            continue
        root = etree.fromstring(locale.read_bytes())
        terms = {
            term.get("name"): term.text or ""
            for term in root.iter("{http://purl.org/net/xbiblio/csl}term")
            if term.get("name") in _QUOTE_TERMS and term.get("form") is None
        }
        # Some locales (Arabic, Hebrew) give typewriter quotes: English curly ones print.
        if all(terms.get(name) and terms[name].strip() not in "\"'" for name in _QUOTE_TERMS):
            return Quotes(*(terms[name] for name in _QUOTE_TERMS))
    return ENGLISH_QUOTES


def settle_quotes(formatted: str, quotes: Quotes) -> str:
    """A title's own quotes (`_mark_quotes`) as the locale's inner quotes where the style
    has put the title in quotes, else as its outer ones: ‘“Slow Boring” and …’ in
    British English, “‘Slow Boring’ and …” in American English.

    Depth counts the style's quotes; a closing quote followed by a letter is an
    apostrophe (`Waal’s`), which in British English is the same character."""
    if OPEN_MARK not in formatted:
        return formatted
    printed: list[str] = []
    depth = 0
    inner: list[bool] = []
    at = 0
    while at < len(formatted):
        rest = formatted[at:]
        char = formatted[at]
        if char == OPEN_MARK:
            inner.append(depth > 0)
            printed.append(quotes.inner_open if inner[-1] else quotes.open)
        elif char == CLOSE_MARK:
            printed.append(quotes.inner_close if inner and inner.pop() else quotes.close)
        elif rest.startswith(quotes.open):
            depth += 1
            printed.append(quotes.open)
            at += len(quotes.open)
            continue
        elif rest.startswith(quotes.close) and depth > 0:
            after = formatted[at + len(quotes.close) : at + len(quotes.close) + 1]
            if not after.isalpha():
                depth -= 1
            printed.append(quotes.close)
            at += len(quotes.close)
            continue
        else:
            printed.append(char)
        at += 1
    return "".join(printed)


def csl_item(key: str, work: Citation, language: str | None = None) -> dict[str, Any]:
    """A work as CSL-JSON. Values are escaped: citeproc-py's HTML output does not."""

    def text(value: str) -> str:
        return html.escape(smart_quotes(value), quote=False)

    item: dict[str, Any] = {
        "id": key,
        "type": work.type,
        "title": _mark_quotes(_keep_case(text(work.title))),
    }
    if work.short_title:
        item["title-short"] = _mark_quotes(text(work.short_title))
    if work.authors:
        item["author"] = [csl_name(a) for a in work.authors]
    optional = {
        "container-title": work.container,
        "publisher": work.publisher,
        "URL": work.url,
    }
    item.update({k: text(v) for k, v in optional.items() if v})
    if work.published is not None:
        item["issued"] = _date(work.published)
    if work.accessed is not None:
        item["accessed"] = _date(work.accessed)
    if work.language or language:
        item["language"] = work.language or language
    return item


def _linked(formatted: str, url: str | None) -> str:
    """The work's URL as a link that is never hyphenated and breaks only at / . -"""
    if not url:
        return formatted
    escaped = html.escape(url, quote=False)
    link = f'<a href="{html.escape(url)}">{breakable_address(url)}</a>'
    return formatted.replace(escaped, link, 1)


MAX_FORMATTED = 4096
"""Formatted citations kept per process: every note, short form and entry of a few dozen
documents."""

_formatted: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
cites = 0
"""How many citations citeproc-py has formatted in this process (the tests count these)."""


_formatted_lock = threading.Lock()
"""`watch` renders previews in server threads while it rebuilds PDFs."""


FormattedT = TypeVar("FormattedT", str, Markup)


def _remembered(key: tuple[Any, ...], make: Callable[[], FormattedT]) -> tuple[FormattedT, bool]:
    """`make()`, once per key in this process (least recently used forgotten first), and
    whether it was made now."""
    with _formatted_lock:
        if key in _formatted:
            _formatted.move_to_end(key)
            found: FormattedT = _formatted[key]
            return found, False
    value = make()
    with _formatted_lock:
        _formatted[key] = value
        while len(_formatted) > MAX_FORMATTED:
            _formatted.popitem(last=False)
    return value, True


def _ref_key(ref: SourceRef | None) -> tuple[Any, ...]:
    if ref is None:
        return ()
    locator = ref.locator
    return (ref.id, (locator.kind, locator.value) if locator is not None else None)


@dataclass(frozen=True)
class _History:
    """How much of the notes before it a style's note can depend on, in citeproc-py:
    the order of first citation if it prints citation numbers (else only which sources
    were cited), and the latest note ("ibid"); every note if it asks for "near-note"."""

    numbered: bool
    lookback: int | None


@cache  # one per style object, which `_style` keeps for the process
def _history(style: CitationStylesStyle) -> _History:
    variables: set[str] = set()
    positions: set[str] = set()
    for element in style.root.iter():
        if isinstance(element.tag, str):
            variables.update((element.get("variable") or "").split())
            positions.update((element.get("position") or "").split())
    return _History("citation-number" in variables, None if "near-note" in positions else 1)


class Citations:
    """What the templates call: `cite.note(ref)`, `cite.entry(source)`, `cite.short(ref)`.

    One object per rendered document: the style's first/subsequent note forms follow the
    order in which the template asks for notes.

    Formatting is slow (citeproc-py walks the style's XML for every citation), and the fit
    renders a brief several times and every audience cites the same sources, so each
    result is remembered per process. A short form or an entry depends only on the style
    and the works; a note also on the notes before it: which sources were cited, in what
    order (citation numbers), and the latest few notes ("ibid", "near-note"). That is
    part of its key, and a note formatted afresh first replays the notes it skipped.
    """

    def __init__(self, briefing: Briefing, style: CitationStylesStyle, paragraph_sign: str) -> None:
        from citeproc import CitationStylesBibliography, formatter
        from citeproc.source.json import CiteProcJSON

        self.style = style
        self.paragraph_sign = paragraph_sign
        self.sources = {source.id: source for source in briefing.sources}
        self.main = briefing.sources[0]
        items = [csl_item(s.id, s, briefing.language) for s in briefing.sources]
        items += [
            csl_item(f"further-{i}", work, briefing.language)
            for i, work in enumerate(briefing.further_reading)
        ]
        self.further = {id(work): f"further-{i}" for i, work in enumerate(briefing.further_reading)}
        self.data = CiteProcJSON(items)
        self.formatter = formatter.html
        self.notes = CitationStylesBibliography(style, self.data, formatter.html)
        # The style (parsed once per process and kept: `_style`) and the works.
        works = json.dumps(items, sort_keys=True, ensure_ascii=False, default=str)
        self.works = (id(style), hashlib.sha256(works.encode("utf-8")).hexdigest())
        self.history = _history(style)
        self.cited: list[str] = []
        """Sources in the order of their first note."""
        self.recent: deque[tuple[str, Any]] = deque(maxlen=self.history.lookback)
        """The latest notes, as far back as the style looks."""
        self.skipped: list[tuple[str, SourceRef]] = []
        """Notes taken from memory, not yet cited into `self.notes`."""

    def source_of(self, ref: SourceRef) -> Source:
        return self.sources[ref.id] if ref.id is not None else self.main

    def _cite(self, bibliography: Any, key: str, ref: SourceRef | None) -> str:
        from citeproc import Citation as CslCitation
        from citeproc import CitationItem
        from citeproc.source import Locator

        global cites
        cites += 1
        extra: dict[str, Any] = {}
        if ref is not None and ref.locator is not None:
            extra["locator"] = Locator(ref.locator.kind, html.escape(ref.locator.value))
        citation = CslCitation([CitationItem(key, **extra)])
        bibliography.register(citation)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            formatted = str(bibliography.cite(citation, lambda item: None))
        return settle_quotes(formatted, style_quotes(self.style))

    def note(self, ref: SourceRef) -> Markup:
        """An endnote: the style's citation of the source, where in it, the words quoted."""
        source = self.source_of(ref)
        where = (ref.locator.kind, ref.locator.value) if ref.locator is not None else None
        # What citeproc-py's note depends on besides the work (`_History`); a test
        # compares remembered notes with fresh ones over random histories.
        before = self.cited if self.history.numbered else sorted(self.cited)
        state = (tuple(before), tuple(self.recent))
        key = ("note", *self.works, state, source.id, where)
        if source.id not in self.cited:
            self.cited.append(source.id)
        self.recent.append((source.id, where))

        def make() -> str:
            for skipped_id, skipped_ref in self.skipped:  # the style counts earlier notes
                self._cite(self.notes, skipped_id, skipped_ref)
            self.skipped.clear()
            return self._cite(self.notes, source.id, ref)

        citation, made = _remembered(key, make)
        if not made:
            self.skipped.append((source.id, ref))
        formatted = _linked(citation, source.url)
        if ref.quote:
            formatted += f" {quoted(ref.quote, style_quotes(self.style))}"
        return Markup(sanitize(formatted))

    def short(self, ref: SourceRef | Source) -> Markup:
        """The style's short (subsequent) citation, e.g. under a pull quote or on the brief.

        Cited once in full first, so the style gives its short form; for an author-date
        style that is simply its in-text citation.
        """
        source = ref if isinstance(ref, Source) else self.source_of(ref)
        cited = ref if isinstance(ref, SourceRef) else None
        key = ("short", *self.works, source.id, *_ref_key(cited))

        def make() -> Markup:
            from citeproc import CitationStylesBibliography

            fresh = CitationStylesBibliography(self.style, self.data, self.formatter)
            self._cite(fresh, source.id, None)
            formatted = self._cite(fresh, source.id, cited)
            return Markup(sanitize(formatted.strip().rstrip(".")))

        return _remembered(key, make)[0]

    def entry(self, work: Citation) -> Markup:
        """The work's full reference: the style's bibliography entry."""
        key = work.id if isinstance(work, Source) else self.further[id(work)]

        def make() -> Markup:
            from citeproc import CitationStylesBibliography

            fresh = CitationStylesBibliography(self.style, self.data, self.formatter)
            first_note = self._cite(fresh, key, None)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                quotes = style_quotes(self.style)
                entries = [settle_quotes(str(e), quotes) for e in fresh.bibliography()]
            # citeproc-py drops some anonymous works from the bibliography; the style's
            # first citation names the same details.
            formatted = entries[0] if entries else first_note
            return Markup(sanitize(_linked(formatted.strip(), work.url)))

        return _remembered(("entry", *self.works, key), make)[0]
