"""Translation overlays: `briefing.<language>.yaml` beside `briefing.yaml`.

An overlay mirrors the briefing's structure and holds translated versions of any of its
text fields; everything else (sources, dates, audiences, citations) stays in the main
file. An audience whose `language` matches the overlay prints the translation; a field
the overlay leaves out prints in the original language and is tagged with it, so a
screen reader and the hyphenator know. Quotes keep their original words, with the
translation printed beside them. `briefgen check` lists untranslated fields, and
`--strict` makes them errors.

The overlay's models are derived from the briefing's, so a field added to `schema.py`
is translatable without touching this file.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from markupsafe import Markup
from pydantic import BaseModel, StringConstraints, create_model

from briefgen.errors import BriefgenError
from briefgen.load import LoadedYaml, Location, load_yaml
from briefgen.schema import MAX_PROSE_CHARS, Briefing, Citation, Quote, Source, Strict
from briefgen.validate import ContentErrors, validate_model

OVERLAY_NAME = re.compile(r"^briefing\.([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.yaml$")
"""`briefing.az.yaml`, `briefing.pt-BR.yaml`: the language tag sits in the file name."""

NOT_TRANSLATED = frozenset(
    {
        "id",
        "url",
        "online_edition",
        "language",
        "date",
        "reference",
        "only_for",
        "hide_for",
        "priority",
        "type",
        "accessed",
        "published",
        "licence",
        "sources",
        "source",
        "locator",
        "name",
        "translation",
    }
)
"""Fields an overlay cannot change: identifiers, addresses, dates, audience steering, the
sources and every citation (quotes from a source are its words), and people's names. A
quote's translation is the overlay's `text` for that quote."""
CITATION_FIELDS = frozenset(Citation.model_fields)
"""A cited work keeps its published title, authors and container in every language."""
TECHNICAL = frozenset({"id", "url", "online_edition", "language", "only_for", "hide_for", "alt"})
"""Strings never printed as prose, so never tagged with a language (alt text goes into an
attribute, where a tag cannot)."""

TranslatedText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PROSE_CHARS)
]


class LanguageText(str):
    """A string in another language than the text around it: prints as `<span lang>`.

    Templates print it like any string; autoescape calls `__html__`. Where a value goes
    into an attribute or `<title>`, templates pass it through the `text` filter.
    """

    lang: str

    def __new__(cls, value: str, lang: str) -> LanguageText:
        made = super().__new__(cls, value)
        made.lang = lang
        return made

    def __html__(self) -> Markup:
        return Markup('<span lang="{}">{}</span>').format(self.lang, str.__str__(self))


def plain(value: Any) -> Any:
    """The value as a plain string, for attributes and `<title>` (the `text` filter)."""
    return str.__str__(value) if isinstance(value, str) else value


# --- The overlay's models ----------------------------------------------------------------


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in {typing.Union, types.UnionType}:
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0], True
        return None, True  # e.g. `date | Text`: not a translatable shape
    return annotation, False


def _is_text(annotation: Any) -> bool:
    if typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation is str


def translatable_fields(model: type[BaseModel]) -> dict[str, Any]:
    """`{field: kind}`, kind being "text", a model, or ("list", "text" | model)."""
    fields: dict[str, Any] = {}
    if issubclass(model, Source):
        return fields  # a source is cited, never translated
    citation = issubclass(model, Citation)
    for name, info in model.model_fields.items():
        if name in NOT_TRANSLATED or (citation and name in CITATION_FIELDS):
            continue
        annotation, _ = _strip_optional(info.annotation)
        if annotation is None:
            continue
        if typing.get_origin(annotation) is list:
            item = typing.get_args(annotation)[0]
            if _is_text(item):
                fields[name] = ("list", "text")
            elif isinstance(item, type) and issubclass(item, BaseModel):
                fields[name] = ("list", item)
        elif _is_text(annotation):
            fields[name] = "text"
        elif (
            isinstance(annotation, type)
            and issubclass(annotation, BaseModel)
            and translatable_fields(annotation)
        ):
            fields[name] = annotation
    return fields


@cache
def overlay_model(model: type[BaseModel] = Briefing) -> type[BaseModel]:
    """The overlay's model for `model`: its translatable fields, all optional."""
    definitions: dict[str, Any] = {}
    for name, kind in translatable_fields(model).items():
        if kind == "text":
            definitions[name] = (TranslatedText | None, None)
        elif isinstance(kind, tuple):
            item = TranslatedText if kind[1] == "text" else overlay_model(kind[1])
            definitions[name] = (list[item | None] | None, None)  # type: ignore[valid-type]
        else:
            definitions[name] = (overlay_model(kind) | None, None)
    made: type[BaseModel] = create_model(
        f"{model.__name__}Translation", __base__=Strict, **definitions
    )
    return made


# --- Loading and checking ----------------------------------------------------------------


@dataclass(frozen=True)
class Translation:
    language: str
    overlay: BaseModel
    loaded: LoadedYaml
    untranslated: tuple[Location, ...]
    """Fields of the briefing with text that the overlay does not translate."""


def overlay_files(folder: Path) -> dict[str, Path]:
    """`{language: path}` of the overlays in a briefing folder."""
    found = {}
    for path in sorted(folder.glob("briefing.*.yaml")):
        match = OVERLAY_NAME.match(path.name)
        if match is None:
            raise BriefgenError(
                "a translation overlay is named briefing.<language>.yaml with a language tag "
                "such as az, ru or pt-BR; rename this file",
                path,
            )
        found[match[1]] = path
    return found


def load_translations(
    folder: Path, briefing: Briefing, loaded: LoadedYaml
) -> dict[str, Translation]:
    """Every overlay in `folder`, validated against the model and the main file."""
    translations = {}
    for language, path in overlay_files(folder).items():
        overlay_loaded = load_yaml(path, "translation overlay")
        overlay = validate_model(overlay_loaded, overlay_model())
        errors = mismatches(overlay_loaded, overlay, briefing, ())
        if language == briefing.language:
            errors.insert(
                0,
                BriefgenError(
                    f"the briefing is already in {language}; an overlay translates it into "
                    "another language",
                    path,
                ),
            )
        if errors:
            raise ContentErrors(errors)
        untranslated = tuple(missing(overlay, briefing, ()))
        translations[language] = Translation(language, overlay, overlay_loaded, untranslated)
    return translations


def mismatches(
    loaded: LoadedYaml, overlay: BaseModel, original: BaseModel, location: Location
) -> list[BriefgenError]:
    """Translations of things the main file does not have: extra items, absent fields."""
    errors: list[BriefgenError] = []
    kinds = translatable_fields(type(original))
    for name in type(overlay).model_fields:
        given = getattr(overlay, name)
        if given is None:
            continue
        here = (*location, name)
        value = getattr(original, name)
        if value in (None, [], ""):
            errors.append(
                loaded.error(
                    here,
                    f"{'.'.join(map(str, here))}: briefing.yaml has nothing here "
                    "to translate; remove it or add the original first",
                )
            )
            continue
        kind = kinds[name]
        if isinstance(kind, tuple):
            if len(given) > len(value):
                errors.append(
                    loaded.error(
                        (*here, len(value)),
                        f"{'.'.join(map(str, here))} has {len(given)} items here but "
                        f"{len(value)} in briefing.yaml; translate each item in its place "
                        "(`- {}` or `- null` skips one)",
                    )
                )
            if kind[1] != "text":
                for index, item in enumerate(given[: len(value)]):
                    if item is not None:
                        errors += mismatches(loaded, item, value[index], (*here, index))
        elif kind != "text":
            errors += mismatches(loaded, given, value, here)
    return errors


def missing(overlay: BaseModel | None, original: BaseModel, location: Location) -> list[Location]:
    """Locations of translatable text in `original` that `overlay` leaves untranslated."""
    found: list[Location] = []
    for name, kind in translatable_fields(type(original)).items():
        value = getattr(original, name)
        given = getattr(overlay, name, None) if overlay is not None else None
        here = (*location, name)
        if value in (None, [], ""):
            continue
        if kind == "text":
            if given is None:
                found.append(here)
        elif isinstance(kind, tuple):
            for index, item in enumerate(value):
                item_given = given[index] if given is not None and index < len(given) else None
                if kind[1] == "text":
                    if item_given is None:
                        found.append((*here, index))
                else:
                    found += missing(item_given, item, (*here, index))
        else:
            found += missing(given, value, here)
    return found


def untranslated_report(
    translations: dict[str, Translation], loaded: LoadedYaml, strict: bool
) -> list[BriefgenError]:
    """One located line per untranslated field, pointing at the original in briefing.yaml."""
    lines = []
    for language, translation in sorted(translations.items()):
        for location in translation.untranslated:
            field = ".".join(map(str, location))
            lines.append(
                loaded.error(
                    location,
                    f"{field} is not translated in {translation.loaded.path.name}; "
                    f"add its {language} text there"
                    + ("" if strict else " (prints in the original language)"),
                )
            )
    return lines


# --- Applying ----------------------------------------------------------------------------


def translation_for(translations: dict[str, Translation], language: str) -> Translation | None:
    """The overlay for an audience language: the exact tag, else the same primary language."""
    if language in translations:
        return translations[language]
    primary = language.split("-")[0]
    return next(
        (t for tag, t in sorted(translations.items()) if tag.split("-")[0] == primary), None
    )


class TranslatedBriefing(Briefing):
    """A briefing printed from a translation overlay; templates mark it as unofficial."""

    translated_from: str


def translated(briefing: Briefing, translation: Translation) -> TranslatedBriefing:
    """The briefing in the overlay's language; what stays untranslated is tagged as such."""
    result = _apply(briefing, translation.overlay, briefing.language)
    fields = {name: getattr(result, name) for name in type(result).model_fields}
    fields["language"] = translation.language
    # Built without validation: the values are checked already, and validating again
    # would turn the tagged strings back into plain ones.
    return TranslatedBriefing.model_construct(**fields, translated_from=briefing.language)


def for_language(
    briefing: Briefing, translations: dict[str, Translation], language: str
) -> Briefing:
    """What an audience printing in `language` reads: the translation if there is one."""
    if language == briefing.language:
        return briefing
    translation = translation_for(translations, language)
    return translated(briefing, translation) if translation else briefing


def _apply(original: BaseModel, overlay: BaseModel | None, language: str) -> BaseModel:
    kinds = translatable_fields(type(original))
    updates: dict[str, Any] = {}
    for name in type(original).model_fields:
        value = getattr(original, name)
        given = getattr(overlay, name, None) if overlay is not None and name in kinds else None
        if isinstance(original, Quote) and name == "text":
            # The original words stay, tagged; the translation prints beside them.
            updates["translation"] = given or original.translation
            updates[name] = LanguageText(value, language)
        elif isinstance(original, Quote) and name == "translation":
            continue
        else:
            updates[name] = _apply_value(value, given, language, name)
    return original.model_copy(update=updates)


def _apply_value(value: Any, given: Any, language: str, name: str) -> Any:
    if isinstance(value, BaseModel):
        return _apply(value, given if isinstance(given, BaseModel) else None, language)
    if isinstance(value, list):
        return [
            _apply_value(item, given[i] if given and i < len(given) else None, language, name)
            for i, item in enumerate(value)
        ]
    if isinstance(value, str):
        if given is not None:
            return str(given)
        return value if name in TECHNICAL else LanguageText(value, language)
    return value
