"""Stage 2: turn loaded YAML into checked models, with errors that point at the line."""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from briefgen.data import check_data
from briefgen.errors import BriefgenError, did_you_mean
from briefgen.load import (
    LoadedYaml,
    Location,
    file_in_folder,
    load_yaml,
    read_text,
    strings_in,
)
from briefgen.paths import BRIEFING_FILE, BRIEFING_NAME, BRIEFING_NAME_RULE, NAME_PATTERN, NAME_RULE
from briefgen.prose_limits import check_prose, markdown_fields, prose_problem
from briefgen.schema import Briefing, Locator, Source, SourceRef
from briefgen.source_text import Block, SourceText, normalize, parse_source_text

ModelT = TypeVar("ModelT", bound=BaseModel)

MAX_REPORTED_ERRORS = 100
"""Beyond this, `check` says how many more errors there are rather than listing them."""


class ContentErrors(BriefgenError):
    """Several problems in one file, printed one per line, first by position."""

    def __init__(self, errors: list[BriefgenError]) -> None:
        # One mistake reached twice (e.g. through a YAML alias) prints once.
        unique = {(e.path, e.line, e.column, e.message): e for e in reversed(errors)}
        errors = sorted(unique.values(), key=lambda e: (e.line or 0, e.column or 0))
        first = errors[0]
        super().__init__(first.message, first.path, first.line, first.column)
        self.errors = errors

    def __str__(self) -> str:
        lines = [BriefgenError.__str__(e) for e in self.errors[:MAX_REPORTED_ERRORS]]
        hidden = len(self.errors) - MAX_REPORTED_ERRORS
        if hidden > 0:
            lines.append(
                f"{self.errors[MAX_REPORTED_ERRORS].location()}: and {hidden} more error"
                f"{'s' if hidden > 1 else ''} after this point; fix those above and run "
                "`briefgen check` again"
            )
        return "\n".join(lines)


def validate_model(loaded: LoadedYaml, model: type[ModelT]) -> ModelT:
    """Validate `loaded` against `model`, reporting every problem with its line."""
    try:
        return model.model_validate(to_plain(loaded.data))
    except ValidationError as exc:
        errors: list[BriefgenError] = []
        seen: set[Location] = set()
        for detail in exc.errors():
            location = data_location(loaded.data, detail["loc"])
            if location in seen:  # a union reports once per member; keep the first
                continue
            seen.add(location)
            errors.append(loaded.error(location, explain(detail, model, location)))
        raise ContentErrors(drop_misspelt_missing(errors)) from None


def drop_misspelt_missing(errors: list[BriefgenError]) -> list[BriefgenError]:
    """`sumary:` is one mistake, so drop "summary is required" when a typo names it."""
    suggested = {
        (e.path, m[1]) for e in errors if (m := re.search(r'Did you mean "([^"]+)"', e.message))
    }
    kept = [
        e
        for e in errors
        if not (
            (m := re.match(r'"([^"]+)" is required', e.message)) and (e.path, m[1]) in suggested
        )
    ]
    return kept or errors


def to_plain(node: Any) -> Any:
    """ruamel's commented containers and scalar subclasses as plain Python values."""
    if isinstance(node, CommentedMap | dict):
        return {str(key): to_plain(value) for key, value in node.items()}
    if isinstance(node, CommentedSeq | list):
        return [to_plain(item) for item in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, dt.datetime):
        return dt.datetime(*node.timetuple()[:6])
    if isinstance(node, dt.date):
        return dt.date(node.year, node.month, node.day)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def data_location(data: Any, loc: tuple[int | str, ...]) -> Location:
    """Drop the parts of a pydantic location that name union members, not data keys."""
    result: list[str | int] = []
    node = data
    for part in loc:
        in_mapping = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_mapping or in_list:
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and _looks_like_key(part):
            result.append(part)  # a missing or unknown key: keep it for the message
            break
        else:
            continue
        result.append(part)
    return tuple(result)


def _looks_like_key(part: str) -> bool:
    return not re.match(r"^(function-|constrained-|literal\[|lax-|json-or-python)", part) and (
        part not in {"str", "int", "date", "float", "bool", "list", "dict"}
    )


def _type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"true/false ({value})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, dt.datetime):
        return f"a date and time ({value})"
    if isinstance(value, dt.date):
        return f"a date ({value})"
    if isinstance(value, set | frozenset):
        return "a set"
    return f'text ("{_short(str(value))}")'


def _short(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _key_name(location: Location) -> str:
    """How a message names the value at `location`: its key, or for a list's item its
    list and place (`recipients 3`, not `3`)."""
    if not location:
        return "this"
    if isinstance(location[-1], int):
        parent = next((str(part) for part in reversed(location) if isinstance(part, str)), "")
        return f"{parent} {location[-1] + 1}".strip() if parent else f"item {location[-1] + 1}"
    return str(location[-1])


def explain(detail: ErrorDetails, model: type[BaseModel], location: Location) -> str:
    """A message that says what is wrong and how to fix it."""
    kind = detail["type"]
    value = detail.get("input")
    ctx = detail.get("ctx") or {}
    key = _key_name(location)
    if kind == "missing":
        missing = str(detail["loc"][-1])
        return f'"{missing}" is required here; add it'
    if kind == "extra_forbidden":
        allowed = allowed_keys(model, location[:-1])
        hint = did_you_mean(key, allowed) or f" Allowed keys: {', '.join(allowed)}."
        return f'unknown key "{key}".{hint}'.replace("..", ".")
    if kind in {"string_type", "str_type"}:
        return f'"{key}" must be text, but it is {_type_name(value)}; quote it or write text'
    if kind == "list_type":
        return f'"{key}" must be a list of items starting with "- ", but it is {_type_name(value)}'
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return f'"{key}" must be a mapping of keys, but it is {_type_name(value)}'
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f'"{key}" must be a whole number, but it is {_type_name(value)}'
    if kind.startswith("date") or kind.startswith("datetime"):
        return f'"{key}" must be a date like 2024-05-31, but it is {_type_name(value)}'
    if kind == "string_too_short":
        return f'"{key}" is empty; write something or remove the key'
    if kind == "string_too_long":
        length = len(value) if isinstance(value, str) else "?"
        return (
            f'"{key}" is {length} characters, over the limit of {ctx.get("max_length")}; shorten it'
        )
    if kind == "too_short":
        return f'"{key}" needs at least {ctx.get("min_length")} item(s); add one'
    if kind == "too_long":
        return (
            f'"{key}" has {ctx.get("actual_length")} items, over the limit of '
            f"{ctx.get('max_length')}; remove some"
        )
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", '"')
        return f'"{key}" must be one of {expected}, but it is {_type_name(value)}'
    if kind == "string_pattern_mismatch":
        hint = pattern_hint(key, str(ctx.get("pattern", "")))
        return f'"{key}" has the wrong form ({_short(str(value))}); {hint}'
    if kind == "value_error":  # a check of our own: its message says what is wrong
        reason = str(ctx.get("error", detail["msg"]))
        return f'"{key}" {reason}'
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return f'"{key}" is {value}, out of range: {detail["msg"].lower()}; change it'
    return f'"{key}": {detail["msg"]}'


def pattern_hint(key: str, pattern: str = "") -> str:
    """How to write a value of `pattern` (the pattern decides, not the key's name)."""
    from briefgen.audience import COLOUR_PATTERN

    hints = {
        COLOUR_PATTERN: "write a colour as # and six hex digits, e.g. #1f3b5c",
        BRIEFING_NAME.pattern: f"write a briefing folder's name: {BRIEFING_NAME_RULE}",
        f"^{NAME_PATTERN}$": f"use {NAME_RULE}, e.g. ministers",
        r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$": (
            'use a language tag such as "en", "en-GB", "az" or "ru"'
        ),
        r"^[a-z0-9][a-z0-9_.-]*$": (
            "use lower-case letters, digits, '-', '_' and '.' only, e.g. icg-2020"
            if key == "id"
            else "use lower-case letters, digits, '-', '_' and '.' only, as in a file name"
        ),
        r"\.csv$": "name a .csv file in the briefing folder",
    }
    if key == "url" or pattern.startswith("^(https?"):
        return "write a web address starting with https:// (or http://, mailto:)"
    if pattern.startswith("^([01]?[0-9]"):
        return "write a time of day as HH:MM, e.g. 09:30"
    return hints.get(pattern, "check how it is written")


def allowed_keys(model: type[BaseModel], location: Location) -> list[str]:
    """The keys a mapping at `location` accepts, found by walking the model's fields."""
    current: Any = model
    for part in location:
        if isinstance(part, int):
            current = _list_item_type(current)
            continue
        sub = _model_in(current)
        fields = {f.alias or name: f for name, f in sub.model_fields.items()} if sub else {}
        if part not in fields:
            return []
        current = fields[part].annotation
    sub = _model_in(current)
    return [f.alias or name for name, f in sub.model_fields.items()] if sub else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _list_item_type(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is list:
        return typing.get_args(annotation)[0]
    if origin in {typing.Union, types.UnionType}:
        for arg in typing.get_args(annotation):
            if typing.get_origin(arg) is list:
                return typing.get_args(arg)[0]
    return annotation


# --- Briefings ---------------------------------------------------------------------------


def load_briefing(folder: Path, audiences: list[str] | None = None) -> tuple[Briefing, LoadedYaml]:
    """Load and fully check `folder/briefing.yaml`: schema, source quotes, audience names."""
    loaded = load_yaml(folder / BRIEFING_FILE)
    briefing = validate_model(loaded, Briefing)
    briefing, errors = check_citations(briefing, loaded, folder)
    briefing, data_errors = check_data(briefing, loaded, folder)
    errors += data_errors
    errors += check_prose(briefing, loaded)
    errors += check_images(briefing, loaded, folder) + check_alt_text(loaded)
    if audiences is not None:
        errors += check_audience_names(loaded, audiences)
    if errors:
        raise ContentErrors(errors)
    return briefing, loaded


def check_citations(
    briefing: Briefing, loaded: LoadedYaml, folder: Path
) -> tuple[Briefing, list[BriefgenError]]:
    """Every citation names a listed source; its quote is found once in the source's text.

    Returns the briefing with the paragraph of every located quote filled in as the
    citation's locator, so what prints is the number briefgen computed.
    """
    errors = check_source_ids(briefing, loaded)
    texts: dict[str, tuple[SourceText, str]] = {}  # id → (text, file name)
    for i, source in enumerate(briefing.sources):
        if source.text is not None:
            parsed = read_source_text(source, folder, loaded, ("sources", i, "text"))
            if isinstance(parsed, BriefgenError):
                errors.append(parsed)
            else:
                texts[source.id] = (parsed, source.text)
    only = briefing.sources[0].id if len(briefing.sources) == 1 else None
    located: dict[Location, SourceRef] = {}
    for location, ref, quoted in citations(briefing):
        source_id = ref.id or only
        if source_id is None or source_id not in texts:
            if ref.id is None and only is not None:
                located[location] = ref.model_copy(update={"id": only})
            continue
        try:
            locator = locate_quote(*texts[source_id], source_id, ref, quoted)
        except QuoteProblem as problem:
            where = (*location, *problem.key) if problem.key else (*location[:-1], "text")
            errors.append(loaded.error(where, problem.message))
        else:
            located[location] = ref.model_copy(update={"id": source_id, "locator": locator})
    return with_citations(briefing, located), errors


def check_source_ids(briefing: Briefing, loaded: LoadedYaml) -> list[BriefgenError]:
    """Source ids are unique, and every citation names one (or there is only one)."""
    errors: list[BriefgenError] = []
    ids: list[str] = []
    for i, source in enumerate(briefing.sources):
        if source.id in ids:
            errors.append(
                loaded.error(
                    ("sources", i, "id"),
                    f'source id "{source.id}" is used twice; give each source its own id',
                )
            )
        ids.append(source.id)
    listed = ", ".join(ids)
    for location, ref, _ in citations(briefing):
        if ref.id is None and len(ids) > 1:
            errors.append(
                loaded.error(
                    location,
                    f"this citation does not say which source it is from; add `id:` with one "
                    f"of: {listed}",
                )
            )
        elif ref.id is not None and ref.id not in ids:
            errors.append(
                loaded.error(
                    (*location, "id"),
                    f'unknown source id "{ref.id}".{did_you_mean(ref.id, ids)} '
                    f"Sources listed under `sources:`: {listed}.",
                )
            )
    return errors


def read_source_text(
    source: Source, folder: Path, loaded: LoadedYaml, location: Location
) -> SourceText | BriefgenError:
    path = file_in_folder(source.text or "", folder, loaded, location, "source text")
    if isinstance(path, BriefgenError):
        return path
    try:
        return parse_source_text(read_text(path, "source text"), source.title)
    except BriefgenError as exc:
        return loaded.error(location, f"{exc.message}: {source.text}")


class QuoteProblem(Exception):
    def __init__(self, message: str, key: Location = ()) -> None:
        super().__init__(message)
        self.message = message
        self.key = key
        """The citation's key at fault: `()` means its quote (or the quote item's text)."""


def locate_quote(
    text: SourceText, file: str, source_id: str, ref: SourceRef, quoted: str | None
) -> Locator | None:
    """The locator to print for `ref`; raises QuoteProblem saying why the quote fails."""
    source = f'source "{source_id}" ({file}'
    given = ref.locator.paragraph if ref.locator else None
    if quoted is None:
        if given is not None and given > text.paragraph_count:
            raise QuoteProblem(
                f"{source}) has {text.paragraph_count} paragraphs, not {given}; "
                f"add `quote:` and briefgen will find the paragraph",
                ("locator", "paragraph"),
            )
        return ref.locator
    found = text.find(quoted)
    if not found:
        closest = text.closest(quoted)
        hint = (
            f"; the closest words are at {file} line {closest[0].line}"
            f"{paragraph_note(closest[0])}: “{closest[1]}”"
            if closest
            else "; copy the words exactly from the source"
        )
        raise QuoteProblem(f"quote not found in {source}){hint}", ("quote",) if ref.quote else ())
    if len(found) > 1:
        lines = ", ".join(str(b.line) for b in found[:5])
        raise QuoteProblem(
            f"quote appears {len(found)} times in {source}, lines {lines}); quote more words so "
            "it points to one place",
            ("quote",) if ref.quote else (),
        )
    block = found[0]
    if given is not None and given != block.paragraph:
        actual = f"paragraph {block.paragraph}" if block.paragraph else "a heading"
        raise QuoteProblem(
            f"the quote is in {actual} of {source} line {block.line}), not paragraph {given}; "
            "remove `locator:` and briefgen numbers the paragraph itself",
            ("locator", "paragraph"),
        )
    if ref.locator is not None and ref.locator.paragraph is None:
        return ref.locator  # a page or section the editor gave wins over our count
    return Locator(paragraph=block.paragraph, page=None, section=None) if block.paragraph else None


def paragraph_note(block: Block) -> str:
    return f" (paragraph {block.paragraph})" if block.paragraph else ""


def citations(briefing: Briefing) -> list[tuple[Location, SourceRef, str | None]]:
    """Every citation, where it is, and the words it quotes (a quote item's own text)."""
    found: list[tuple[Location, SourceRef, str | None]] = []

    def add(location: Location, ref: SourceRef | None, quoted: str | None = None) -> None:
        if ref is not None:
            found.append(((*location, "source"), ref, quoted or ref.quote))

    for i, fact in enumerate(briefing.key_facts):
        add(("key_facts", i), fact.source)
    for i, point in enumerate(briefing.argument):
        add(("argument", i), point.source)
        for j, sub in enumerate(point.points):
            add(("argument", i, "points", j), sub.source)
    for i, event in enumerate(briefing.timeline):
        add(("timeline", i), event.source)
    for i, quote in enumerate(briefing.quotes):
        if quote.source.quote is not None and normalize(quote.source.quote) != normalize(
            quote.text
        ):
            add(("quotes", i), quote.source)  # a quote that cites other words: check both
        add(("quotes", i), quote.source, quote.text)
    for name in ("implications", "recommendations"):
        for i, item in enumerate(getattr(briefing, name)):
            add((name, i), item.source)
    for name in ("figures", "tables"):
        for i, block in enumerate(getattr(briefing, name)):
            add((name, i), block.source)
    return found


def with_citations(briefing: Briefing, located: dict[Location, SourceRef]) -> Briefing:
    """A copy of `briefing` with the citations at the given locations replaced."""

    def rebuild(node: Any, path: Location) -> Any:
        if path in located:
            return located[path]
        if not any(loc[: len(path)] == path for loc in located):
            return node
        if isinstance(node, list):
            return [rebuild(item, (*path, i)) for i, item in enumerate(node)]
        if isinstance(node, BaseModel):
            update = {
                name: rebuild(getattr(node, name), (*path, name))
                for name in type(node).model_fields
            }
            return node.model_copy(update=update)
        return node

    result: Briefing = rebuild(briefing, ())
    return result


def check_audience_names(loaded: LoadedYaml, audiences: list[str]) -> list[BriefgenError]:
    """`only_for` and `hide_for` must name audiences that exist."""
    return [
        loaded.error(
            location,
            f'unknown audience "{name}".{did_you_mean(name, audiences)} '
            f"Audiences: {', '.join(audiences)}.",
        )
        for location, name in strings_in(loaded.data)
        if len(location) >= 2 and location[-2] in {"only_for", "hide_for"} and name not in audiences
    ]


# --- Images ------------------------------------------------------------------------------

MAX_TOTAL_IMAGE_PIXELS = 100_000_000
"""Pixels of all the raster images one briefing prints: each is decoded once per document."""
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def check_images(briefing: Briefing, loaded: LoadedYaml, folder: Path) -> list[BriefgenError]:
    """Images in prose must be files in the briefing folder, present and of sane size.

    The images are found by rendering each field's Markdown, so every way of writing one
    (inline, reference-style, raw HTML, in a footnote) is seen. Checked here so `briefgen
    check` catches them; the PDF stage's URL fetcher refuses the same things again.
    """
    from urllib.parse import unquote

    from briefgen.markup import images_in
    from briefgen.svg_limits import svg_problem
    from briefgen.typeset import MAX_RESOURCE_BYTES, image_problem, image_size

    root = folder.resolve()
    errors: list[BriefgenError] = []
    pixels: dict[Path, int] = {}

    def problem(url: str) -> str | None:
        shown = _short(url, 60)
        if _SCHEME.match(url):
            return (
                f'image "{shown}" is a URL; only files in the briefing folder can '
                "be printed, so save the image there and write its file name"
            )
        if "?" in url or "#" in url:
            return f'image "{shown}" has a ?query or #fragment; write the plain file name'
        name = unquote(url)
        if "\x00" in name:
            return f'image "{shown}" has a NUL character in its name; fix the file name'
        try:
            path = (folder / name).resolve()
            if not path.is_relative_to(root):
                return (
                    f'image "{shown}" is outside the briefing folder; copy it into '
                    f"{folder.name}/ and write its file name"
                )
            if not path.is_file():
                return f'image "{shown}" not found in {folder.name}/; check the file name'
            if path.stat().st_size > MAX_RESOURCE_BYTES:
                return f'image "{shown}" is over {MAX_RESOURCE_BYTES:,} bytes; shrink it'
            data = path.read_bytes()
        except OSError as exc:
            return f'image "{shown}" cannot be read ({exc.strerror}); check the file name'
        found = image_problem(data) or svg_problem(data)
        if found:
            return f'"{shown}": {found}'
        width, height = image_size(data) or (0, 0)
        pixels[path] = width * height
        if sum(pixels.values()) > MAX_TOTAL_IMAGE_PIXELS:
            return (
                f'"{shown}": the images of this briefing add up to over '
                f"{MAX_TOTAL_IMAGE_PIXELS // 1_000_000} megapixels; scale them down"
            )
        return None

    for location, text in markdown_fields(briefing):
        if prose_problem(text):
            continue  # reported by check_prose; rendering it here would cost as much
        for url in dict.fromkeys(image.src for image in images_in(text)):
            message = problem(url.strip())
            if message:
                field = ".".join(map(str, location))
                errors.append(loaded.error(location, f"in {field}: {message}"))
    return errors


def check_alt_text(loaded: LoadedYaml) -> list[BriefgenError]:
    """Every image in prose says what it shows, or is explicitly marked decorative.

    Read from the rendered HTML, so `![alt](x)`, `![alt][label]` and raw `<img>` are one
    case. `![](x.png "decorative")` (the Markdown title) marks an image that carries no
    information: it prints with empty alt text and is an artifact in the PDF.
    """
    from briefgen.markup import images_in

    errors: list[BriefgenError] = []
    for location, text in strings_in(loaded.data):
        if "![" not in text and "<img" not in text.lower():
            continue
        if prose_problem(text):
            continue  # reported by check_prose; rendering it here would cost as much
        for image in images_in(text):
            if image.alt.strip() or image.decorative:
                continue
            field = ".".join(map(str, location))
            name = _short(image.src, 60)
            errors.append(
                loaded.error(
                    location,
                    f'in {field}: image "{name}" has no alt text; say what it shows, as in '
                    f"![Map of the corridor]({name}), or if it carries no information mark it "
                    f'decorative: ![]({name} "decorative")',
                )
            )
    return errors
