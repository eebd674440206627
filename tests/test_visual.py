"""Visual regression: every page of the seed briefing's PDFs against approved images.

Pages are rasterised in grayscale at a low resolution, enough to see a moved block, a
lost section or a changed font, small enough to keep in git. When a page differs, the
actual image and a difference image go to build/visual-diff/ for review; if the change
is wanted, `make approve` (pytest --approve) regenerates the approved images.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops

from briefgen.build import DocumentResult
from briefgen.paths import audience_names
from tests.conftest import ROOT, TEMPLATES

DPI = 50
APPROVED = Path(__file__).parent / "approved"
DIFF_DIR = ROOT / "build" / "visual-diff"

PIXEL_THRESHOLD = 48
"""A pixel differs when its gray level moves by more than this (of 255)."""
MAX_MEAN_DIFFERENCE = 1.0
"""Mean absolute gray-level difference over the page, out of 255."""
MAX_DIFFERING_SHARE = 0.002
"""Share of differing pixels: a line of text moving is well above this, sub-pixel noise below."""


GRAY_LEVELS = 16
"""Gray levels kept: halves the PNG size and is still plenty to see a page change."""


def render_pages(pdf: Path) -> list[Image.Image]:
    """Each page as a grayscale image with `GRAY_LEVELS` levels."""
    step = 255 / (GRAY_LEVELS - 1)
    document = pdfium.PdfDocument(pdf)
    try:
        return [
            page.render(scale=DPI / 72, grayscale=True)
            .to_pil()
            .convert("L")
            .point(lambda v: round(round(v / step) * step))
            for page in document
        ]
    finally:
        document.close()


def compare(actual: Image.Image, approved: Image.Image) -> tuple[float, float]:
    """(mean absolute difference out of 255, share of pixels differing beyond the threshold)."""
    if actual.size != approved.size:
        return 255.0, 1.0
    difference = ImageChops.difference(actual, approved)
    histogram = difference.histogram()
    pixels = actual.width * actual.height
    mean = sum(level * count for level, count in enumerate(histogram)) / pixels
    differing = sum(histogram[PIXEL_THRESHOLD + 1 :]) / pixels
    return mean, differing


def difference_image(actual: Image.Image, approved: Image.Image) -> Image.Image:
    """The actual page faded, with pixels that changed in red, for a quick look."""
    if actual.size != approved.size:
        approved = approved.resize(actual.size)
    changed = ImageChops.difference(actual, approved).point(
        lambda v: 255 if v > PIXEL_THRESHOLD else 0
    )
    faded = actual.point(lambda v: 155 + v * 100 // 255).convert("RGB")
    red = Image.new("RGB", actual.size, (220, 0, 0))
    return Image.composite(red, faded, changed)


def save_small(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)


@pytest.mark.parametrize("kind", ["brief", "handout"])
@pytest.mark.parametrize("audience", audience_names(TEMPLATES))
def test_pages_match_approved_images(
    seed_build: dict[str, dict[str, DocumentResult]], approve: bool, audience: str, kind: str
) -> None:
    pages = render_pages(seed_build[audience][kind].path)
    folder = APPROVED / audience
    names = [f"{kind}-{number}.png" for number in range(1, len(pages) + 1)]

    if approve:
        for stale in folder.glob(f"{kind}-*.png"):
            if stale.name not in names:
                stale.unlink()
        for name, page in zip(names, pages, strict=True):
            save_small(page, folder / name)
        return

    approved_count = len(list(folder.glob(f"{kind}-*.png")))
    failures = []
    for name, page in zip(names, pages, strict=True):
        path = folder / name
        if not path.is_file():
            failures.append(
                f"{path.relative_to(ROOT)} is missing: run `make approve` to create the approved "
                "images, after looking at the PDFs"
            )
            continue
        with Image.open(path) as image:
            approved_page = image.convert("L")
        mean, differing = compare(page, approved_page)
        if mean > MAX_MEAN_DIFFERENCE or differing > MAX_DIFFERING_SHARE:
            stem = DIFF_DIR / audience / Path(name).stem
            save_small(page, stem.with_name(f"{stem.name}-actual.png"))
            save_small(
                difference_image(page, approved_page), stem.with_name(f"{stem.name}-diff.png")
            )
            failures.append(
                f"{audience}/{name} differs: mean {mean:.2f}/255, {differing:.2%} of pixels "
                f"changed; see {stem.relative_to(ROOT)}-actual.png and -diff.png. If the change "
                "is intended, run `make approve`"
            )
    if approved_count > len(pages):
        failures.append(
            f"{audience}/{kind} has {len(pages)} page(s) but {approved_count} approved images; "
            "a page went missing, or run `make approve` if that is intended"
        )
    assert not failures, "\n".join(failures)


def test_comparison_flags_a_changed_block_but_not_noise() -> None:
    with Image.open(APPROVED / "general" / "brief-1.png") as image:
        page = image.convert("L")
    noisy = page.point(lambda v: min(255, v + 8))
    assert compare(noisy, page)[1] == 0
    changed = page.copy()
    changed.paste(0, (40, 40, 140, 50))  # about one line of a dozen words turned black
    mean, differing = compare(changed, page)
    assert differing > MAX_DIFFERING_SHARE or mean > MAX_MEAN_DIFFERENCE
    assert difference_image(changed, page).getpixel((60, 45)) == (220, 0, 0)
    assert compare(page.resize((10, 10)), page) == (255.0, 1.0)
