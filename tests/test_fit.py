"""The one-page budget: an overlong brief is fitted with nothing cut, or fails saying why.

The overflow fixtures are the seed briefing made longer in one place each, written to
`tmp_path` with ruamel so the rest of the file (and its checked quotes) stays real. The
oracle for "nothing cut" is the PDF's own text against the briefing, never the fit's code.
"""

from __future__ import annotations

import copy
import ctypes
import itertools
import json
import math
import re
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pypdf import PdfReader
from ruamel.yaml import YAML

from briefgen.audience import Audience, load_audience
from briefgen.batch import run_build
from briefgen.build import BuildOptions, DocumentResult, build_briefing
from briefgen.errors import BriefgenError
from briefgen.fit import (
    FACTS_SECTION,
    TIGHT_SPACING,
    DoesNotFit,
    FitMemo,
    FittedBrief,
    Fitter,
    ItemId,
    ItemKind,
    Measure,
    Piece,
    Plan,
    Rung,
    build_ladder,
    content_key,
    describe,
    fit_brief,
    linear_fit,
    make_plan,
)
from briefgen.incremental import MANIFEST_NAME
from briefgen.paths import audience_names
from briefgen.render_html import TemplateRenderer
from briefgen.schema import Briefing
from briefgen.typeset import LaidOut, lay_out
from briefgen.validate import load_briefing
from tests.conftest import SEED, TEMPLATES
from tests.fit_corpus import generated_briefing

AUDIENCE = "general"
FILLER = (
    "The agreement's terms, the deployment's scope and the reactions in Baku, Yerevan and "
    "Moscow are set out in the handout, paragraph by paragraph, with their sources. "
)


def squash(text: str) -> str:
    """Text without white space, hyphens and quotes: line breaks and typography don't matter."""
    dropped = "-\u00ad\u2010\u2011'\"\u2018\u2019\u201c\u201d"
    return "".join(ch for ch in text if not ch.isspace() and ch not in dropped).casefold()


def pdf_text(path: Path) -> str:
    return squash(" ".join(page.extract_text() or "" for page in PdfReader(path).pages))


# --- the ladder and its report, without rendering ------------------------------------------


def fact(index: int) -> ItemId:
    return ItemId(ItemKind.FACT, index)


def point(claim: int, sub: int) -> ItemId:
    return ItemId(ItemKind.SUB_POINT, claim, sub)


def synthetic_measure(main: float, side: float) -> Measure:
    """A brief whose sidebar holds four 20 px fact cards; the band fits four in a row."""
    cards = [Piece(fact(i), FACTS_SECTION, 20.0, ()) for i in range(4)]
    return Measure(
        available=500,
        regions={
            "top": (Piece(None, None, 50.0, ()),),
            "main": (
                Piece(None, None, main - 30, ()),
                Piece(point(0, 1), None, 15.0, ()),
                Piece(point(0, 2), None, 15.0, ()),
            ),
            "side": (
                Piece(None, None, side - 80 - 10 - 12, ()),
                Piece(FACTS_SECTION, None, 10.0, ()),
                *cards,
                Piece(ItemId(ItemKind.WATCH, 0), None, 12.0, ()),
            ),
        },
        band_cards={fact(i): 30.0 for i in range(4)},
        band_overhead=5,
        band_gap=3,
        band_columns=4,
        items={
            point(0, 1): ("main", 15.0),
            point(0, 2): ("main", 15.0),
            ItemId(ItemKind.WATCH, 0): ("side", 12.0),
        },
    )


PLAN = Plan(
    body_size_pt=10,
    min_body_size_pt=9.5,
    default_band=0,
    band_choices=(0, 4),
    droppable=(point(0, 1), fact(3), point(0, 2), ItemId(ItemKind.WATCH, 0)),
    fact_order=tuple(fact(i) for i in range(4)),
)


def dropped_in_order(rungs: list[Rung]) -> list[ItemId]:
    return [
        next(iter(b.dropped - a.dropped))
        for a, b in itertools.pairwise(rungs)
        if b.dropped - a.dropped
    ]


def test_ladder_balances_before_shrinking_then_drops_from_the_taller_column() -> None:
    # The sidebar is the long column: moving its facts to the band is the first step.
    rungs = build_ladder(synthetic_measure(main=430, side=480), PLAN)
    assert rungs[0] == Rung(10, 1.0, 0)
    assert rungs[1] == Rung(10, 1.0, 4)
    assert rungs[2] == Rung(10, TIGHT_SPACING, 4)
    assert [r.body_size_pt for r in rungs[3:5]] == [9.75, 9.5]
    # With the facts in the band, the main column is the taller: its sub-points go first,
    # last first, and the sidebar's watch item only after them.
    drops = dropped_in_order(rungs)
    assert drops[:2] == [point(0, 2), point(0, 1)]
    assert drops.index(ItemId(ItemKind.WATCH, 0)) > 1
    # Fewest drops first, then the largest type: after each drop the ladder starts again
    # from the natural size and spacing, so the type regrows into the room the item left.
    first_drop = next(i for i, rung in enumerate(rungs) if rung.dropped)
    assert rungs[first_drop - 1] == Rung(9.5, TIGHT_SPACING, 4)
    assert rungs[first_drop : first_drop + 4] == [
        Rung(10, 1.0, 4, frozenset({point(0, 2)})),
        Rung(10, TIGHT_SPACING, 4, frozenset({point(0, 2)})),
        Rung(9.75, TIGHT_SPACING, 4, frozenset({point(0, 2)})),
        Rung(9.5, TIGHT_SPACING, 4, frozenset({point(0, 2)})),
    ]
    assert len(rungs) == 1 + 4 * (len(PLAN.droppable) + 1)


def test_ladder_keeps_the_layout_when_balancing_would_not_help() -> None:
    rungs = build_ladder(synthetic_measure(main=600, side=200), PLAN)
    assert [r.band for r in rungs] == [0] * len(rungs)
    # Only the main column overflows, so its items are dropped before the sidebar's.
    assert dropped_in_order(rungs)[:2] == [point(0, 2), point(0, 1)]


def test_fit_report_names_each_step() -> None:
    briefing, _ = load_briefing(SEED)
    plan = PLAN
    assert describe(Rung(10), plan, briefing) == []
    assert describe(Rung(10, TIGHT_SPACING), plan, briefing) == ["tightened spacing"]
    assert describe(Rung(9.5, TIGHT_SPACING, 4), plan, briefing) == [
        "moved 4 fact(s) to the band",
        "tightened spacing",
        "body 10pt → 9.5pt",
    ]
    steps = describe(Rung(9.5, TIGHT_SPACING, 0, frozenset({fact(4), point(0, 5)})), plan, briefing)
    assert steps[-1] == 'dropped 2 low-priority item(s): fact "2012"; sub-point 1.6'


def test_item_ids_round_trip() -> None:
    for item in (fact(3), point(1, 4), ItemId(ItemKind.QUESTION, 0)):
        assert ItemId.parse(str(item)) == item
    assert ItemId.parse("argument.0.points.5") is None


# --- overflow fixtures, rendered ---------------------------------------------------------------


def variant(tmp_path: Path, slug: str, change: Callable[[Any], None]) -> Path:
    """The seed briefing with `change` applied to its YAML data, in its own folder."""
    yaml = YAML(typ="rt")
    yaml.width = 4096
    data = yaml.load((SEED / "briefing.yaml").read_text(encoding="utf-8"))
    change(data)
    folder = tmp_path / slug
    folder.mkdir()
    shutil.copy(SEED / "article.txt", folder / "article.txt")
    with (folder / "briefing.yaml").open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    return folder


def long_summary(data: Any) -> None:
    data["summary"] = str(data["summary"]) + " " + FILLER * 4


def many_facts(data: Any) -> None:
    """Every fact card two lines longer; the low-priority ones are the ladder's last resort."""
    for item in data["key_facts"]:
        item["label"] = str(item["label"]) + ", as the article states it, in its own words"


def long_title(data: Any) -> None:
    """A title a third of the page tall, and a long bottom line: the top of the page,
    not any section, is what does not fit."""
    data["title"] = " ".join([str(data["title"])] * 7)
    data["bottom_line"] = " ".join([str(data["bottom_line"])] * 3)


def long_argument(data: Any) -> None:
    extra = copy.deepcopy(data["argument"])
    for claim in extra:
        claim["claim"] = "Restated: " + str(claim["claim"])
    data["argument"] += extra


@pytest.fixture(scope="module")
def general() -> Audience:
    return load_audience(TEMPLATES, AUDIENCE)


def build(
    folder: Path, audience: Audience, out: Path, templates: Path = TEMPLATES
) -> list[DocumentResult]:
    options = BuildOptions(out=out, templates=templates)
    return build_briefing(folder, audience, options, audience_names(templates))


@pytest.mark.parametrize(
    ("slug", "change", "fits"),
    [
        ("long-summary", long_summary, True),
        ("many-facts", many_facts, True),
        ("long-argument", long_argument, False),
        ("long-title", long_title, False),
    ],
)
def test_overflow_is_fitted_whole_or_fails_saying_what_to_shorten(
    tmp_path: Path, general: Audience, slug: str, change: Callable[[Any], None], fits: bool
) -> None:
    folder = variant(tmp_path, slug, change)
    out = tmp_path / "out"
    brief_pdf = out / slug / AUDIENCE / "brief.pdf"
    try:
        outputs = build(folder, general, out)
    except BriefgenError as exc:
        assert not fits, f"{slug}: expected a fit, got {exc}"
        message = str(exc)
        assert re.search(r"briefing\.yaml:1:1: \[general\] the brief does not fit", message)
        assert re.search(r"about \d+ mm taller than the page", message), message
        assert re.search(r"main column is \d+ mm and the sidebar \d+ mm", message), message
        assert re.search(r"Longest sections: [a-z ]+ \d+ mm, [a-z ]+ \d+ mm", message), message
        assert "Shorten those" in message and "priority: low" in message
        assert "in: [handout]" in message
        if slug == "long-argument":
            assert "Longest sections: argument" in message, message
        if slug == "long-title":
            assert "Longest sections: title and bottom line" in message, message
        assert not brief_pdf.exists(), "a brief that does not fit must not be written"
        return
    assert fits, f"{slug}: expected a refusal"
    assert len(PdfReader(brief_pdf).pages) == 1
    brief = next(o for o in outputs if o.kind == "brief")
    assert brief.fitted, "an overlong brief must say what the ladder did"
    # The oracle: everything the audience is meant to see, from the briefing itself. Items
    # of normal or high priority are never dropped; low ones only if the report names them.
    briefing, _ = load_briefing(folder)
    text = pdf_text(brief_pdf)
    settings = general.config.brief
    facts = [f for f in briefing.key_facts if f.shown_to(AUDIENCE)]
    ranked = sorted(facts, key=lambda f: ["high", "normal", "low"].index(f.priority))
    for item in ranked[: settings.max_facts]:
        if item.priority == "low" and f'"{item.figure}"' in brief.fitted:
            continue
        assert squash(item.figure) in text and squash(item.label) in text, item.figure
    for claim in briefing.argument:
        assert squash(claim.claim) in text, claim.claim
        for sub in claim.points:
            if sub.priority != "low":
                assert squash(sub.short or sub.text)[:40] in text, sub.short


def test_columns_are_balanced_before_the_type_shrinks(tmp_path: Path, general: Audience) -> None:
    """The seed's sidebar is the long column: facts move to the band, and the type is
    shrunk only as far as both columns need."""
    out = tmp_path / "out"
    outputs = build(SEED, general, out)
    brief = next(o for o in outputs if o.kind == "brief")
    assert brief.fitted.startswith("moved"), brief.fitted
    html = (out / SEED.name / AUDIENCE / "brief.html").read_text("utf-8")
    assert 'data-region="band"' in html


def extra_low_priority_claim(data: Any) -> None:
    """The first claim again, with its sub-points, as one low-priority claim at the end."""
    extra = copy.deepcopy(data["argument"][0])
    extra["claim"] = "Restated: " + str(extra["claim"])
    extra["priority"] = "low"
    for sub in extra["points"]:
        sub["priority"] = "normal"
    data["argument"].append(extra)


def body_size_pt(pdf: Path) -> float:
    """The size most of the page's text is set in, read from the PDF."""
    sizes: Counter[float] = Counter()
    document = pdfium.PdfDocument(pdf)
    for page in document:
        text = page.get_textpage()
        matrix = pdfium_c.FS_MATRIX()
        for index in range(text.count_chars()):
            if text.get_text_range(index, 1).isspace():
                continue
            pdfium_c.FPDFText_GetMatrix(text.raw, index, ctypes.byref(matrix))
            scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
            sizes[round(pdfium_c.FPDFText_GetFontSize(text.raw, index) * scale, 2)] += 1
    document.close()
    return sizes.most_common(1)[0][0]


def test_after_a_drop_the_type_regrows_into_the_room_it_left(
    tmp_path: Path, general: Audience
) -> None:
    """A claim too many, of low priority: it is dropped, and the brief is then set at the
    largest size that fits without it, not left at the smallest with a gap at the foot."""
    folder = variant(tmp_path, "extra-claim", extra_low_priority_claim)
    out = tmp_path / "out"
    brief = next(o for o in build(folder, general, out) if o.kind == "brief")
    claims = len(load_briefing(folder)[0].argument)
    assert f"argument point {claims}" in brief.fitted, brief.fitted
    size = body_size_pt(out / "extra-claim" / AUDIENCE / "brief.pdf")
    assert size > general.config.brief.min_body_size_pt, (size, brief.fitted)


def test_a_dropped_chart_comes_back_flatter_where_its_room_allows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The press brief of the U.S. power mix has no room for its chart at full height,
    and dropping it left a blank at the foot. Allowed flatter, the chart is back, on one
    page, with its caption, and the report says how flat."""
    from briefgen import fit

    press = load_audience(TEMPLATES, "press")
    folder = tmp_path / "power-mix"
    shutil.copytree(SEED.parent / "us-power-mix-1960-2008", folder)
    caption = squash("Utility net generation by source")
    results = {}
    for scales in ((), (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3)):
        monkeypatch.setattr(fit, "CHART_SCALES", scales)
        out = tmp_path / f"out-{len(scales)}"
        results[scales] = next(o for o in build(folder, press, out) if o.kind == "brief")
    dropped, flatter = results.values()
    assert 'chart "Utility net generation' in dropped.fitted, dropped.fitted
    assert caption not in pdf_text(dropped.path)
    assert "charts drawn at" in flatter.fitted and "dropped" not in flatter.fitted
    assert len(PdfReader(flatter.path).pages) == 1
    assert caption in pdf_text(flatter.path)


# --- what was printed: hidden, clipped, off the page, in the background colour -------------


def audience_with_style(tmp_path: Path, css: str) -> tuple[Path, Audience]:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    folder = templates / "audiences" / "hiding"
    shutil.copytree(templates / "audiences" / AUDIENCE, folder)
    (folder / "style.css").write_text(css, encoding="utf-8")
    return templates, load_audience(templates, "hiding")


@pytest.mark.parametrize(
    ("css", "declaration", "reason"),
    [
        (".outline .claim { visibility: hidden; }", "visibility: hidden", "hidden"),
        (
            ".main-column { max-height: 40mm; overflow: hidden; }",
            "overflow: hidden",
            "clipped by a box whose overflow is hidden",
        ),
        (".summary p { position: relative; left: 300mm; }", "left: 300mm", "outside the page"),
        (
            ".bottom-line p { color: var(--tint); }",
            "color: var(--tint)",
            "drawn in the background colour",
        ),
    ],
    ids=["hidden", "clipped", "outside", "background"],
)
def test_text_a_reader_cannot_see_fails_the_build_at_the_rule(
    tmp_path: Path, css: str, declaration: str, reason: str
) -> None:
    templates, audience = audience_with_style(
        tmp_path, "/* the audience's look */\n\n" + css + "\n"
    )
    with pytest.raises(BriefgenError) as caught:
        build(SEED, audience, tmp_path / "out", templates)
    message = str(caught.value)
    assert message.startswith(f"{templates / 'audiences' / 'hiding' / 'style.css'}:3:"), message
    assert f"is {reason}" in message and f"`{declaration}`" in message, message
    assert not (tmp_path / "out" / SEED.name / "hiding" / "brief.pdf").exists()


def test_a_word_running_out_of_its_column_fails_at_its_field(tmp_path: Path) -> None:
    """Where a stylesheet lets words overflow, a 19,000-character word runs outside its
    box: that text is not printed, and the error points at the field."""
    templates, audience = audience_with_style(tmp_path, "body { overflow-wrap: normal; }\n")

    def long_word(data: Any) -> None:
        data["summary"] = "An unbreakable " + "x" * 19_000 + " word."

    folder = variant(tmp_path, "long-word", long_word)
    with pytest.raises(BriefgenError) as caught:
        build(folder, audience, tmp_path / "out", templates)
    message = str(caught.value)
    line = next(
        n
        for n, text in enumerate((folder / "briefing.yaml").read_text("utf-8").splitlines(), 1)
        if text.startswith("summary:")
    )
    assert re.match(rf".*briefing\.yaml:{line}:\d+: \[hiding\] the brief does not show", message)
    assert "running outside its box" in message, message


# --- the fast fit against the linear ladder ---------------------------------------------------


def corpus() -> list[tuple[str, Briefing, str]]:
    seed, _ = load_briefing(SEED)
    names = audience_names(TEMPLATES)
    cases = [("seed", seed, name) for name in names]
    cases += [(f"generated-{i}", generated_briefing(i), names[i % len(names)]) for i in range(20)]
    return cases


def test_fast_fit_chooses_the_rung_the_linear_ladder_does() -> None:
    """On the seed (every audience) and 20 generated briefings: the same rung, or the same
    refusal, in no more layouts than the linear ladder."""
    audiences = {name: load_audience(TEMPLATES, name) for name in audience_names(TEMPLATES)}
    renderers = {name: TemplateRenderer(a) for name, a in audiences.items()}
    results = []
    for label, briefing, name in corpus():
        renderer = renderers[name]

        def render(
            rung: Rung, renderer: TemplateRenderer = renderer, b: Briefing = briefing
        ) -> str:
            return renderer.render("brief", b, rung)

        def lay_out_seed(html: str) -> LaidOut:
            return lay_out(html, SEED, [TEMPLATES, SEED])

        outcome = []
        for fit in (fit_brief, linear_fit):
            try:
                fitted = fit(briefing, audiences[name], render, lay_out_seed)
                outcome.append((fitted.index, fitted.layouts))
            except DoesNotFit:
                outcome.append((-1, 0))
        (fast, fast_layouts), (linear, linear_layouts) = outcome
        results.append((label, name, fast, linear, fast_layouts, linear_layouts))
    mismatches = [r for r in results if r[2] != r[3]]
    assert not mismatches, mismatches
    assert sum(r[4] for r in results) < sum(r[5] for r in results) / 2, results


# --- the next build starts from what the last one chose ---------------------------------------


def fit_seed(
    audience: Audience, briefing: Briefing, last: FitMemo | None = None, inputs: str = "same"
) -> FittedBrief:
    renderer = TemplateRenderer(audience)
    return fit_brief(
        briefing,
        audience,
        lambda rung: renderer.render("brief", briefing, rung),
        lambda html: lay_out(html, SEED, [TEMPLATES, SEED]),
        last=last,
        layout_inputs=inputs,
    )


def test_the_last_rung_is_laid_out_alone_when_the_ladder_is_the_same(general: Audience) -> None:
    briefing, _ = load_briefing(SEED)
    fresh = fit_seed(general, briefing)
    assert fresh.memo is not None and fresh.memo.layouts == fresh.layouts > 1
    again = fit_seed(general, briefing, fresh.memo)
    assert (again.rung, again.index, again.layouts, again.html) == (
        fresh.rung,
        fresh.index,
        1,
        fresh.html,
    )
    # Another stylesheet, font or image (named by the layout inputs) is another ladder.
    other = fit_seed(general, briefing, fresh.memo, inputs="a stylesheet changed")
    assert other.layouts > 1 and (other.rung, other.index) == (fresh.rung, fresh.index)


def test_a_stale_memo_is_where_the_search_starts_never_its_answer(general: Audience) -> None:
    """Memos from other content, of the first rung and of the last (every low-priority
    item dropped, smallest type, both of which fit or not whatever the content): the
    rung chosen is the fresh one."""
    briefing, _ = load_briefing(SEED)
    fresh = fit_seed(general, briefing)
    plan = make_plan(briefing, general)
    everything = tuple(content_key(briefing, item) for item in plan.droppable)
    assert everything, "the seed has low-priority items for the general audience"
    memos = [
        FitMemo("other content", 0, plan.body_size_pt, 1.0, plan.default_band, (), 2),
        FitMemo("other content", 99, plan.min_body_size_pt, TIGHT_SPACING, 4, everything, 2),
    ]
    for memo in memos:
        fitted = fit_seed(general, briefing, memo)
        assert (fitted.rung, fitted.index, fitted.html) == (fresh.rung, fresh.index, fresh.html)


def test_a_rebuild_after_an_edit_is_the_fresh_build(tmp_path: Path) -> None:
    """Build, edit the briefing, rebuild over the first build (whose manifest remembers
    the rungs chosen for the old content), and build the edited briefing afresh: the
    rebuilt briefs are the fresh ones, byte for byte."""
    folder = variant(tmp_path, "edited", long_summary)
    audiences = ["general", "press"]

    def build_into(out: Path) -> None:
        run_build(TEMPLATES, tmp_path, [folder], audiences, out, kinds=("brief",), progress=False)

    build_into(tmp_path / "out")
    before = {a: manifest_fit(tmp_path / "out", a) for a in audiences}
    text = (folder / "briefing.yaml").read_text("utf-8")
    (folder / "briefing.yaml").write_text(text.replace(FILLER * 4, "").rstrip() + "\n", "utf-8")
    build_into(tmp_path / "out")
    build_into(tmp_path / "fresh")
    for audience in audiences:
        rebuilt, fresh = (tmp_path / out / "edited" / audience for out in ("out", "fresh"))
        assert (rebuilt / "brief.html").read_bytes() == (fresh / "brief.html").read_bytes()
        memo, fresh_memo = (
            manifest_fit(tmp_path / "out", audience),
            manifest_fit(tmp_path / "fresh", audience),
        )
        assert memo["index"] == fresh_memo["index"]
        assert memo["index"] != before[audience]["index"], "the edit must move the rung"


def manifest_fit(out: Path, audience: str) -> dict[str, Any]:
    manifest = json.loads((out / "edited" / audience / MANIFEST_NAME).read_text("utf-8"))
    fit: dict[str, Any] = manifest["documents"]["brief"]["fit"]
    return fit


def test_a_model_far_off_costs_a_bounded_number_of_layouts() -> None:
    """Twenty low-priority timeline events on a brief that prints its timeline: the model
    predicts nothing fits, and the search walked the ladder a rung at a time (35 layouts
    here, thousands with a few hundred items, and the memory of each). The answer is
    still the linear ladder's: the rung before it and the last rung of the drop set
    before it overflow."""
    seed, _ = load_briefing(SEED)
    data: dict[str, Any] = seed.model_dump(by_alias=True, exclude_none=True)
    data["timeline"] = data.get("timeline", []) + [
        {"when": str(1900 + i), "event": f"Event {i} happened.", "priority": "low"}
        for i in range(20)
    ]
    briefing = Briefing.model_validate(data)
    audience = load_audience(TEMPLATES, "students")
    renderer = TemplateRenderer(audience)

    def render(rung: Rung) -> str:
        return renderer.render("brief", briefing, rung)

    def lay_out_seed(html: str) -> LaidOut:
        return lay_out(html, SEED, [TEMPLATES, SEED])

    fitted = fit_brief(briefing, audience, render, lay_out_seed)
    checker = Fitter(briefing, audience, render, lay_out_seed)
    ladder = build_ladder(checker.measure(), checker.plan)
    assert ladder[fitted.index] == fitted.rung
    bound = 2 * math.ceil(math.log2(len(ladder))) + 8  # a few guided, then halving
    assert fitted.layouts <= bound < fitted.index
    before = ladder[fitted.index - 1]
    assert not checker.attempt(before).fits
    previous_set = max(i for i, rung in enumerate(ladder) if rung.dropped < fitted.rung.dropped)
    assert not checker.attempt(ladder[previous_set]).fits
