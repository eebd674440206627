"""Corrections after layout, the way a typesetter reads proofs: stage 4's second pass.

WeasyPrint lays a document out once; some faults can only be seen afterwards, and are
corrected by laying it out again with a stylesheet generated here, cascaded after the
document's own (`typeset.lay_out(extra_css=…)`). The sanitized HTML is never edited.

- **Ladders**: more than `MAX_HYPHEN_RUN` hyphenated lines in a row (WeasyPrint 70 has
  no `hyphenate-limit-lines`). The paragraphs with one are set again without automatic
  hyphenation, each picked by its place in the element tree (`:nth-child` from the root).
  A paragraph whose word is wider than its line keeps its hyphens: set without them, the
  word would break with no hyphen at all (`overflow-wrap: anywhere`), which is worse.
- **Runts**: a title, subtitle, heading or claim whose last line holds one word (when
  typography.no_runt could not glue the last two, e.g. a long pair). The block is set a
  hair narrower than its widest line, which brings a second word down.
- **A stranded last page**: a few endnotes (or any other scrap) alone on a last page
  filled less than `MIN_LAST_PAGE_FILL`. The handout is set again a little tighter, one
  step of `TIGHTER` at a time (the audience's `css/handout-tighter.css`, then the same
  with smaller type), and the first step that pulls the scrap back without
  costing a page, an underfilled page or type under preflight's limit is kept. When no
  step helps, the first layout stays and `briefgen preflight` warns.

The thresholds are preflight's, so the pass aims at exactly what preflight judges. A
handout with none of these faults costs one layout, as before.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from briefgen.page_boxes import Line, PageView, page_views, root_element, root_font_size
from briefgen.preflight import (
    MAX_HYPHEN_RUN,
    MIN_FILL,
    MIN_TYPE_WARNING_PT,
    PARAGRAPH_PITCH_EM,
    last_page_stranded,
)

MAX_LAYOUTS = 5
"""Layouts of one handout at most: the first, one to break ladders and runts, two
tighter steps, and one to correct what smaller type made."""
DISPLAY_TAGS = ("h1", "h2", "h3", "h4")
DISPLAY_CLASSES = ("title", "subtitle", "claim")
"""Blocks whose last line must not be one word alone (a runt)."""
PX_PER_PT = 4 / 3
"""WeasyPrint's computed lengths are CSS pixels."""


COVER_STYLESHEET = "css/handout-cover-compact.css"
"""The cover set compact, when it would run onto a second page: a template file."""
TIGHTER_STYLESHEET = "css/handout-tighter.css"
"""What setting the handout tighter changes (notes, spacing): a template file, found on
the audience's search path like the handout's own stylesheets."""


@dataclass(frozen=True)
class Tightening:
    """One step of setting the handout tighter: the tighter stylesheet, and the type."""

    describe: str
    type_scale: float = 1.0
    """The body type, as a share of what the document sets it at."""


TIGHTER: tuple[Tightening, ...] = (
    Tightening("set tighter (css/handout-tighter.css)"),
    Tightening("set tighter (css/handout-tighter.css) and type at 97%", 0.97),
)
"""Smallest change first; the type scale is the last resort (at 97%, type at 6.2 pt
stays above preflight's 6 pt)."""


@dataclass(frozen=True)
class Setting:
    """What the generated stylesheet changes: a step of `TIGHTER` (0 for none) and the
    paragraphs set without automatic hyphenation."""

    tighter: int = 0
    unhyphenated: frozenset[str] = frozenset()
    hyphenated: frozenset[str] = frozenset()
    """Paragraphs with a ladder that keep their hyphens: set without them, a word broke
    with no hyphen."""
    narrowed: tuple[tuple[str, float | None], ...] = ()
    """Display blocks set narrower to end their runt: (selector, width in CSS px), or
    width None where narrowing cost the block a line (a word broken, or pushed along)."""
    compact_cover: bool = False
    """The cover set compact (COVER_STYLESHEET): it ran onto a second page."""

    def css(self, root_size_px: float, tighter_css: str, cover_css: str = "") -> str:
        rules = [cover_css] if self.compact_cover else []
        if self.unhyphenated:
            selectors = ",\n".join(sorted(self.unhyphenated))
            rules.append(f"{selectors} {{ hyphens: manual !important; }}")
        for selector, width in self.narrowed:
            if width is not None:
                rules.append(f"{selector} {{ max-width: {width:.2f}px !important; }}")
        if self.tighter:
            step = TIGHTER[self.tighter - 1]
            rules.append(tighter_css)
            if step.type_scale != 1.0:
                size = root_size_px * step.type_scale
                rules.append(f"html {{ font-size: {size:.3f}px !important; }}")
        return "\n".join(rules)

    def describe(self) -> list[str]:
        steps = []
        if self.unhyphenated:
            steps.append(
                f"hyphenation off in {len(self.unhyphenated)} paragraph(s) "
                f"(over {MAX_HYPHEN_RUN} hyphenated lines in a row)"
            )
        mended = [width for _, width in self.narrowed if width is not None]
        if mended:
            steps.append(f"no runt: {len(mended)} title(s) or heading(s) set narrower")
        if self.compact_cover:
            steps.append("cover set compact (it ran onto a second page)")
        if self.tighter:
            steps.append(f"{TIGHTER[self.tighter - 1].describe} (last page was a scrap)")
        return steps

    def corrected(self, proof: Proof) -> Setting | None:
        """This setting with the ladders and the runts `proof` shows corrected too (a runt
        still there is narrowed further, unless that was given up); None when there is
        nothing new to correct."""
        ladders = proof.ladders - self.unhyphenated - self.hyphenated
        narrowed: dict[str, float | None] = dict(self.narrowed)
        runts = {
            sel: width
            for sel, width in proof.runts
            if sel not in narrowed or narrowed[sel] not in (None, width)
        }
        if not ladders and not runts:
            return None
        narrowed.update(runts)
        return replace(
            self,
            unhyphenated=self.unhyphenated | ladders,
            narrowed=tuple(sorted(narrowed.items())),
        )

    def without_failed(self, before: Proof, after: Proof) -> Setting | None:
        """This setting with each narrowing that cost its block a line in `after` given
        up, and each paragraph that broke a word without a hyphen in `after` hyphenated
        again; None if none did."""
        failed = {
            sel
            for sel, width in self.narrowed
            if width is not None
            and after.display_lines.get(sel, 0) > before.display_lines.get(sel, 0)
        }
        broken = (after.broken_words & self.unhyphenated) - before.broken_words
        if not failed and not broken:
            return None
        narrowed = tuple((sel, None if sel in failed else w) for sel, w in self.narrowed)
        return replace(
            self,
            unhyphenated=self.unhyphenated - broken,
            hyphenated=self.hyphenated | broken,
            narrowed=narrowed,
        )


@dataclass(frozen=True)
class Proof:
    """What a layout shows, read the way preflight reads the PDF."""

    pages: int
    fills: list[float]
    ladders: frozenset[str]
    """Selectors of the paragraphs with a hyphen ladder."""
    runts: tuple[tuple[str, float], ...]
    """Selectors of display blocks ending in a runt, with the width that mends each."""
    display_lines: dict[str, int]
    """How many lines each display block (title, heading, claim) takes."""
    smallest_pt: float
    broken_words: frozenset[str] = frozenset()
    """Selectors of the blocks with a word broken at a line's end without a hyphen."""
    cover_pages: int = 1
    """How many pages the cover (`.cover`) runs over."""

    @property
    def cover_spilled(self) -> bool:
        return self.cover_pages > 1

    @property
    def stranded(self) -> bool:
        return last_page_stranded(self.fills)

    @property
    def underfilled(self) -> int:
        return sum(1 for fill in self.fills[1:-1] if fill < MIN_FILL)


def read_proof(document: Any, views: list[PageView] | None = None) -> Proof:
    """What the layout `document` shows; `views`, its pages if already read."""
    views = views if views is not None else page_views(document)
    root = root_element(document)
    parents = {child: parent for parent in root.iter() for child in parent}

    def selector(element: Any) -> str:
        return structural_selector(root, element, parents)

    sizes = [ink.font_size for view in views for ink in view.inks if ink.text and ink.visible]
    display = display_blocks(views)
    found = [(element, width) for element, width, _ in display if width is not None]
    return Proof(
        len(views),
        [fill(view) for view in views],
        frozenset(selector(element) for element in hyphen_ladders(views)),
        tuple((selector(element), width) for element, width in found),
        {selector(element): lines for element, _, lines in display},
        min(sizes, default=0.0) / PX_PER_PT,
        frozenset(selector(element) for element in words_broken(views)),
        len({f.page for view in views for f in view.fragments if _is_cover(f.element)}) or 1,
    )


def _is_cover(element: Any) -> bool:
    return "cover" in str(element.get("class") or "").split()


def fill(view: PageView) -> float:
    """How much of the page area the flow and its footnotes take, 0 to 1."""
    used = view.content_height + view.footnotes
    return min(1.0, used / view.content.height) if view.content.height > 0 else 1.0


def _continues(upper: Line, lower: Line) -> bool:
    """Whether `lower` is the next line of the paragraph `upper` is in: the same block,
    or (as preflight sees the page) a line at the same size, a line's pitch below."""
    if upper.element is lower.element:
        return True
    size = max(upper.font_size, lower.font_size)
    pitch = lower.rect.y - upper.rect.y
    return (
        abs(upper.font_size - lower.font_size) <= 0.1 * size
        and 0 < pitch <= PARAGRAPH_PITCH_EM * size
        and abs(upper.rect.x - lower.rect.x) <= 2 * size
    )


def hyphen_ladders(views: list[PageView]) -> list[Any]:
    """The elements whose lines take part in a run of over `MAX_HYPHEN_RUN` hyphenated
    line ends, in document order."""
    found: dict[int, Any] = {}
    for view in views:
        run: list[Line] = []
        previous: Line | None = None
        for line in view.lines:
            if not line.hyphenated:
                run = []
            elif run and previous is run[-1] and _continues(previous, line):
                run.append(line)
            else:
                run = [line]
            if len(run) > MAX_HYPHEN_RUN:
                for member in run:
                    found.setdefault(id(member.element), member.element)
            previous = line
    return list(found.values())


def words_broken(views: list[PageView]) -> list[Any]:
    """The blocks with a line that ends inside a word, with no hyphen: what
    `overflow-wrap` does to a word wider than the line when it may not hyphenate it."""
    blocks: dict[int, tuple[Any, list[Line]]] = {}
    for view in views:
        for line in view.lines:
            blocks.setdefault(id(line.element), (line.element, []))[1].append(line)
    return [element for element, lines in blocks.values() if _breaks_a_word(element, lines)]


def _breaks_a_word(element: Any, lines: list[Line]) -> bool:
    """Whether a line of `element` ends between two letters that its text writes with no
    space or hyphen between them. Lines are matched to the text in order; where one does
    not match (generated text, a nested block), nothing is claimed."""
    text = "".join(element.itertext())
    places = [index for index, char in enumerate(text) if not char.isspace()]
    letters = "".join(text[index] for index in places)
    done = 0  # letters of `text` the lines so far printed
    for line in lines[:-1]:
        printed = "".join(line.text.split())
        if line.hyphenated and not letters.startswith(printed, done):
            printed = printed[:-1]  # the hyphen hyphenation inserted
        if not printed or not letters.startswith(printed, done):
            return False
        done += len(printed)
        if done >= len(places):
            return False
        before, after = places[done - 1], places[done]
        if after == before + 1 and _inside_word(text[before], text[after]) and not line.hyphenated:
            return True
    return False


def _inside_word(before: str, after: str) -> bool:
    """Letters of a script that spaces its words (a break between two Chinese characters
    is an ordinary one)."""
    return all(
        char.isalpha() and unicodedata.east_asian_width(char) not in ("W", "F")
        for char in (before, after)
    )


def is_display(element: Any) -> bool:
    classes = (element.get("class") or "").split()
    return element.tag in DISPLAY_TAGS or any(name in DISPLAY_CLASSES for name in classes)


def display_blocks(views: list[PageView]) -> list[tuple[Any, float | None, int]]:
    """Each display block with the width that mends its runt (None if it has none) and
    its number of lines. A runt: 3+ words, the last line one word. The width is a pixel
    short of the block's widest other line: set at it, one more word comes down."""
    blocks: dict[int, tuple[Any, list[Line]]] = {}
    for view in views:
        for line in view.lines:
            if is_display(line.element):
                blocks.setdefault(id(line.element), (line.element, []))[1].append(line)
    found: list[tuple[Any, float | None, int]] = []
    for element, lines in blocks.values():
        words = sum(len(line.text.split()) for line in lines)
        runt = len(lines) >= 2 and words >= 3 and len(lines[-1].text.split()) == 1
        width = max(line.used for line in lines[:-1]) - 1.0 if runt else None
        found.append((element, width, len(lines)))
    return found


def structural_selector(root: Any, element: Any, parents: dict[Any, Any] | None = None) -> str:
    """A selector for `element` alone, by its place among its parent's elements (as
    cssselect2 counts them, comments left out) on the path from the root. `parents` maps
    each element of `root`'s tree to its parent (made here when not given)."""
    if parents is None:
        parents = {child: parent for parent in root.iter() for child in parent}
    steps: list[str] = []
    while element is not root:
        parent = parents[element]
        siblings = [child for child in parent if isinstance(child.tag, str)]
        steps.append(f":nth-child({siblings.index(element) + 1})")
        element = parent
    return " > ".join([":root", *reversed(steps)])


@dataclass(frozen=True)
class Paginated:
    """The handout's layout after the corrections, with what they did."""

    laid_out: Any
    setting: Setting
    layouts: int
    stranded: bool
    """Whether the last page is still a stranded scrap (preflight will warn)."""

    def describe(self) -> str:
        steps = self.setting.describe()
        if self.stranded:
            steps.append("last page still a scrap: no tighter setting pulled it back")
        return ", ".join(steps)


def paginate_handout(
    lay_out: Callable[[str], Any], tighter_css: str, cover_css: str = ""
) -> Paginated:
    """The handout laid out by `lay_out(extra_css)`, again with ladders and runts
    corrected; with its cover compact (`cover_css`, the audience's COVER_STYLESHEET) when
    the cover ran onto a second page; and, when its last page is a stranded scrap,
    tighter (`tighter_css`, its TIGHTER_STYLESHEET); at most `MAX_LAYOUTS` layouts."""
    setting = Setting()
    laid_out = lay_out("")
    proof = read_proof(laid_out.document)
    root_size = root_font_size(laid_out.document)
    layouts = 1
    tried = 0  # the last step of TIGHTER tried
    cover_tried = False
    while layouts < MAX_LAYOUTS:
        corrected = setting.corrected(proof)
        if corrected is not None:
            candidate = corrected
        elif proof.cover_spilled and cover_css and not cover_tried:
            cover_tried = True
            candidate = replace(setting, compact_cover=True)
        elif proof.stranded and tried < len(TIGHTER):
            tried += 1
            candidate = replace(setting, tighter=tried)
        else:
            break
        attempt = lay_out(candidate.css(root_size, tighter_css, cover_css))
        layouts += 1
        checked = read_proof(attempt.document)
        failed = candidate.without_failed(proof, checked)
        if failed is not None:  # a narrower title broke a word or took a line more
            if layouts == MAX_LAYOUTS:
                break
            candidate = failed
            attempt = lay_out(candidate.css(root_size, tighter_css, cover_css))
            layouts += 1
            checked = read_proof(attempt.document)
        if candidate.compact_cover != setting.compact_cover:
            keep = checked.pages <= proof.pages and checked.cover_pages < proof.cover_pages
        else:
            keep = candidate.tighter == setting.tighter or better(checked, proof)
        if keep:
            setting, laid_out, proof = candidate, attempt, checked
    return Paginated(laid_out, setting, layouts, proof.stranded)


def better(tighter: Proof, before: Proof) -> bool:
    """Whether a tighter layout pulled the scrap back at no cost elsewhere."""
    return (
        not tighter.stranded
        and tighter.pages <= before.pages
        and tighter.underfilled <= before.underfilled
        and tighter.smallest_pt >= min(before.smallest_pt, MIN_TYPE_WARNING_PT)
    )


def correct_brief(
    laid_out: Any,
    lay_out: Callable[[str], Any],
    prints_whole: Callable[[Any], bool],
    views: list[PageView] | None = None,
) -> tuple[Any, list[str]]:
    """The fitted brief (its page `views` if already read), laid out again with its
    ladders and runts corrected if it then still `prints_whole` (one page, nothing cut);
    otherwise as it was. Returns the layout and what was done."""
    proof = read_proof(laid_out.document, views)
    setting = Setting().corrected(proof)
    if setting is None:
        return laid_out, []
    attempt = lay_out(setting.css(root_font_size(laid_out.document), ""))
    if setting.without_failed(proof, read_proof(attempt.document)) is not None:
        return laid_out, []  # one layout more would be needed: keep the fitted one
    if not prints_whole(attempt):
        return laid_out, []
    return attempt, setting.describe()
