"""Audiences: a folder of config and template overrides under `templates/audiences/`.

An audience's `audience.yaml` is laid over `templates/base/audience.yaml`, so it only
states what differs. Templates are looked up audience folder first, base last.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, field_validator
from ruamel.yaml.comments import CommentedMap

from briefgen.conformance import PdfStandard, combination_problem
from briefgen.documents import HandoutSection
from briefgen.errors import CommandLineError, did_you_mean
from briefgen.load import LoadedYaml, load_yaml
from briefgen.paths import CONFIG_NAME, audience_folder, audience_names, base_folder
from briefgen.schema import LanguageTag, Strict, Text, Url
from briefgen.validate import validate_model

COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"
Colour = Annotated[str, StringConstraints(pattern=COLOUR_PATTERN)]
FontFamily = Literal["Noto Serif", "Noto Sans"]


def placeholders(*names: str) -> AfterValidator:
    """A text that str.format fills in, allowed only these bare `{name}`s: anything else
    would reach into Python objects (`{day.__class__}`) or pad without bound
    (`{day:>1000000}`)."""
    import string

    allowed = ", ".join(f"{{{name}}}" for name in names[:-1]) + (
        f" and {{{names[-1]}}}" if len(names) > 1 else f"{{{names[-1]}}}"
    )

    def check(text: str) -> str:
        try:
            fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(text)]
        except ValueError:
            raise ValueError(
                f"has an unmatched {{ or }}; write {allowed}, and {{{{ or }}}} for a brace"
            ) from None
        for name, spec, conversion in fields:
            if name is not None and (name not in names or spec or conversion):
                shown = f"{{{name}{'!' + conversion if conversion else ''}"
                shown += f"{':' + spec if spec else ''}}}"
                raise ValueError(f'has "{shown[:40]}"; only {allowed} may be used, as they are')
        return text

    return AfterValidator(check)


DateFormat = Annotated[Text, placeholders("day", "month", "year")]


class Organisation(Strict):
    name: Text
    logo: Text | None = Field(None, description="An SVG or PNG in the audience folder.")


class Palette(Strict):
    accent: Colour = Field(description="Headings, rules, figures. Keep it dark enough for grey.")
    tint: Colour = Field(description="Background of the bottom-line box and cards.")
    ink: Colour
    muted: Colour


class Fonts(Strict):
    body: FontFamily
    headings: FontFamily


class Labels(Strict):
    """Every fixed word the templates print, so an audience can translate them."""

    policy_brief: Text
    handout: Text
    bottom_line: Text
    summary: Text
    key_facts: Text
    argument: Text
    author_argues: Text
    thesis: Text
    background: Text
    timeline: Text
    what_to_watch: Text
    questions: Text
    quotes: Text
    glossary: Text
    sources: Text
    source_article: Text
    further_reading: Text
    notes: Text
    contents: Text
    page: Text
    of: Text
    paragraph: Text
    author_not_named: Text
    publication_not_named: Text
    prepared: Text
    reference: Text
    more_in_handout: Text
    source_note: Text
    authors_argument: Text = Field(
        description="`argument` when the argued sources have several authors."
    )
    authors_argue: Text = Field(description="`author_argues` for several authors.")
    authors_quotes: Text = Field(description="`quotes` for several authors.")
    authors_source_note: Text = Field(description="`source_note` for several authors.")
    implications: Text
    recommendations: Text
    addressee: Text = Field(description="Before a recommendation's addressee, e.g. `For:`.")
    editor_assessment: Text = Field(
        description="Printed on every section written by the briefing's editor, not a source."
    )
    editor_item: Text = Field(description="Marks an editor's item in a section that cites sources.")
    speakers_quotes: Text = Field(description="`quotes` when the quotes name their speakers.")
    affiliation: Text
    licence: Text
    unofficial_translation: Text
    figures: Text
    figure: Text
    table: Text
    data_source: Text
    scan_links: Text


class BriefSettings(Strict):
    """What the one-page brief shows and how far it may shrink to fit."""

    max_facts: int = Field(ge=0, le=12)
    argument_depth: Literal[1, 2] = Field(description="1: points only; 2: with sub-points.")
    show_summary: bool
    show_timeline: bool
    show_quotes: bool
    show_what_to_watch: bool
    show_glossary: bool
    show_recommendations: bool = Field(
        description="Recommendations and implications, near the end."
    )
    body_size_pt: float = Field(ge=7, le=14)
    min_body_size_pt: float = Field(ge=7, le=14)
    facts_in_band: int = Field(
        ge=0,
        le=12,
        description="Key facts set as a band of cards under the bottom line (the rest go in "
        "the sidebar); the fit moves facts between band and sidebar to balance the columns.",
    )
    band_columns: int = Field(ge=1, le=6, description="Cards per row of the band.")


class HandoutSettings(Strict):
    sections: list[HandoutSection] = Field(min_length=1)

    @field_validator("sections")
    @classmethod
    def each_section_once(cls, sections: list[HandoutSection]) -> list[HandoutSection]:
        twice = next((name for i, name in enumerate(sections) if name in sections[:i]), None)
        if twice is not None:
            raise ValueError(f'names "{twice}" twice; list each section once, in print order')
        return sections


class StampSettings(Strict):
    """Marks laid over printed pages: copy control, draft, embargo and the version line.

    Each text is a format string; `{copy}`, `{copies}`, `{name}`, `{when}`, `{date}` and
    `{commit}` are filled in where the text names them.
    """

    numbered_copy: Annotated[Text, placeholders("copy", "copies")] = Field(
        description="Numbered copies, with {copy} and {copies}."
    )
    named_copy: Annotated[Text, placeholders("name", "copy", "copies")] = Field(
        description="Named copies, with {name}, {copy} and {copies}."
    )
    recipient_watermark: bool = Field(
        description="Also print the recipient's name as a light diagonal watermark."
    )
    draft: Text = Field(description="The watermark of a --draft build.")
    embargo: Annotated[Text, placeholders("when")] = Field(
        description="With {when}: the embargo's date and time."
    )
    version_line: bool = Field(description="Print the build date and git commit on every page.")
    version: Annotated[Text, placeholders("date")] = Field(
        description="The version line outside a git checkout, with {date}."
    )
    version_with_commit: Annotated[Text, placeholders("date", "commit")] = Field(
        description="In a git checkout, with {date} and {commit}."
    )


class QrSettings(Strict):
    """Small QR codes on the brief that open its online edition and its sources."""

    brief: bool = Field(description="Print the codes in the brief's footer.")
    handout: bool = Field(description="Print a code beside each source with a URL.")
    sources: bool = Field(description="A code for each source and further reading with a URL.")
    max_codes: int = Field(ge=0, le=8)
    online_edition: Url | None = Field(
        description="The online edition when the briefing names none; {reference} is "
        "replaced by the briefing's reference."
    )
    online_edition_caption: Text


class PackLabels(Strict):
    """Every fixed word a meeting pack prints."""

    meeting_pack: Text
    agenda: Text
    item: Text
    time: Text
    presenter: Text
    subject: Text
    page: Text
    no_papers: Text
    date: Text
    place: Text
    chair: Text
    attendees: Text
    distribution: Text
    blank_page: Text
    pack_page: Annotated[Text, placeholders("page", "pages")] = Field(
        description="With {page} and {pages}."
    )


class PackSettings(Strict):
    content_scale: float = Field(
        ge=0.8,
        le=1.0,
        description="Each document's pages are scaled by this to free the bands where the "
        "pack prints its banner, item label and page numbers.",
    )
    labels: PackLabels


class CitationSettings(Strict):
    """How notes and the sources section format citations: a CSL style through citeproc-py."""

    style: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=100)] = (
        Field(description="A CSL file, csl/<style>.csl, in the audience folder or templates/base/.")
    )
    locale: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] = Field(
        description="The CSL locale for terms such as “accessed” and “para.”, e.g. en-GB."
    )


class AudienceConfig(Strict):
    description: Text
    page_size: Literal["A4", "Letter"]
    marking: Text | None
    organisation: Organisation
    palette: Palette
    fonts: Fonts
    language: LanguageTag
    date_format: DateFormat = Field(description="With {day}, {month} and {year}, and nothing else.")
    months: list[Text] = Field(min_length=12, max_length=12)
    labels: Labels
    brief: BriefSettings
    handout: HandoutSettings
    marking_scale: list[Text] = Field(
        min_length=1, max_length=20, description="Handling markings, lowest first."
    )
    marking_level: Text | None = Field(
        description="This audience's handling marking, one of marking_scale (null: none)."
    )
    stamps: StampSettings
    pack: PackSettings
    citations: CitationSettings
    qr: QrSettings
    pdf_standard: PdfStandard | list[PdfStandard] = Field(
        description="`ua-1` (accessible), a PDF/A level such as `a-3b`, or a list of both."
    )

    @property
    def pdf_standards(self) -> list[str]:
        standard = self.pdf_standard
        return [standard] if isinstance(standard, str) else list(standard)

    def marking_rank(self, marking: str) -> int:
        """The position of `marking` on the scale; higher is more restricted."""
        return self.marking_scale.index(marking)


@dataclass(frozen=True)
class Audience:
    name: str
    folder: Path
    config: AudienceConfig
    search_path: tuple[Path, ...]
    """Template folders, most specific first: the audience, then base, then the root."""
    config_files: tuple[LoadedYaml, ...] = ()
    """The config files it was built from, base first, for checks that report lines."""

    def format_date(self, value: Any) -> str:
        month = self.config.months[value.month - 1]
        return self.config.date_format.format(day=value.day, month=month, year=value.year)

    def find(self, name: str) -> Path | None:
        """The first file called `name` on the search path."""
        for folder in self.search_path:
            if (folder / name).is_file():
                return folder / name
        return None


def _is_image(path: Path) -> bool:
    """Whether the file starts as a PNG, JPEG or SVG does (by its bytes, not its name)."""
    with path.open("rb") as stream:
        head = stream.read(4096)
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        return True
    return b"<svg" in head.lower()  # after an XML declaration, comments or a doctype


def load_audience(templates: Path, name: str) -> Audience:
    names = audience_names(templates)
    if name not in names:
        listing = ", ".join(names) or "none (create one with `briefgen new-audience NAME`)"
        raise CommandLineError(
            f'unknown audience "{name}".{did_you_mean(name, names)} Audiences: {listing}'
        )
    folder = audience_folder(templates, name)
    base = base_config(base_folder(templates) / CONFIG_NAME)
    own = load_yaml(folder / CONFIG_NAME, "audience config")
    # Only the audience's own keys can now be wrong, so errors point into its file.
    config = validate_model(LoadedYaml(own.path, deep_merge(base.data, own.data)), AudienceConfig)
    if config.organisation.logo and not (folder / config.organisation.logo).is_file():
        raise own.error(
            ("organisation", "logo"),
            f'logo "{config.organisation.logo}" not found in {folder.name}/; '
            "put the file next to audience.yaml",
        )
    if config.organisation.logo and not _is_image(folder / config.organisation.logo):
        raise own.error(
            ("organisation", "logo"),
            f'logo "{config.organisation.logo}" is not a PNG, JPEG or SVG image (it would '
            "print as nothing); export the logo as one of those",
        )
    if config.brief.min_body_size_pt > config.brief.body_size_pt:
        raise own.error(
            ("brief", "min_body_size_pt"), "min_body_size_pt must not exceed body_size_pt"
        )
    problem = combination_problem(config.pdf_standards)
    if problem:
        raise own.error(("pdf_standard",), f"pdf_standard: {problem}")
    check_marking_scale(config, own)
    search_path = (folder, base_folder(templates), templates)
    check_citation_settings(config, own, search_path)
    return Audience(name, folder, config, search_path, (base, own))


def check_citation_settings(
    config: AudienceConfig, own: LoadedYaml, search_path: tuple[Path, ...]
) -> None:
    """The CSL style file exists on the search path and citeproc-py has the locale."""
    from briefgen.citations import available_locales, available_styles, probe_style, style_file

    style = config.citations.style
    path = style_file(search_path, style)
    if path is None:
        styles = available_styles(search_path)
        raise own.error(
            ("citations", "style"),
            f'citation style "{style}" not found.{did_you_mean(style, styles)} Put {style}.csl '
            f"in {own.path.parent.name}/csl/ or templates/base/csl/; shipped: {', '.join(styles)}",
        )
    locales = available_locales()
    if config.citations.locale not in locales:
        locale = config.citations.locale
        raise own.error(
            ("citations", "locale"),
            f'citation locale "{locale}" is not one citeproc-py has.{did_you_mean(locale, locales)}'
            f" Choose one of: {', '.join(locales)}",
        )
    probe_style(path, config.citations.locale)  # a style that cannot cite: its own error


def check_marking_scale(config: AudienceConfig, own: LoadedYaml) -> None:
    """The scale names each marking once, and the audience's level is on it."""
    scale = config.marking_scale
    repeated = next((m for i, m in enumerate(scale) if m in scale[:i]), None)
    if repeated is not None:
        raise own.error(
            ("marking_scale", scale.index(repeated, scale.index(repeated) + 1)),
            f'"{repeated}" is on the marking scale twice; list each marking once, lowest first',
        )
    level = config.marking_level
    if level is not None and level not in scale:
        raise own.error(
            ("marking_level",),
            f'marking_level "{level}" is not on the marking scale.{did_you_mean(level, scale)} '
            f"Scale, lowest first: {', '.join(scale)}",
        )


_base_configs: dict[tuple[Path, int, int], LoadedYaml] = {}


def base_config(path: Path) -> LoadedYaml:
    """`base/audience.yaml`, parsed and checked once per version of the file.

    It must be complete on its own; every audience is laid over it.
    """
    try:
        stat = path.stat()
        key = (path.resolve(), stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = (path, 0, 0)  # load_yaml reports the missing file
    if key not in _base_configs:
        base = load_yaml(path, "audience config")
        validate_model(base, AudienceConfig)
        _base_configs[key] = base
    return _base_configs[key]


def deep_merge(base: CommentedMap, override: CommentedMap) -> CommentedMap:
    """`override` laid over `base`; mappings merge key by key, everything else replaces.

    The result keeps `override`'s line numbers for its own keys, so errors point there.
    """
    merged = CommentedMap()
    for key, value in base.items():
        merged[key] = value
    for key, value in override.items():
        if isinstance(value, CommentedMap) and isinstance(base.get(key), CommentedMap):
            merged[key] = deep_merge(base[key], value)
        else:
            merged[key] = value
    for key in merged:
        source = override if key in override else base
        position = (source.lc.data or {}).get(key, [0, 0, 0, 0])
        merged.lc.add_kv_line_col(key, list(position))
    return merged
