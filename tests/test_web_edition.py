"""The handout's web edition: one self-contained page, the same structure and languages,
and no axe-core violations in a real headless Chromium."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SeedBuild

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE_CORE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
"""axe-core 4.14.1 from npm (`npm pack axe-core@4.14.1`, MPL-2.0, licence beside it):
axe-selenium-python 2.1.6, the newest this index has, bundles 3.1.1, which has no WCAG 2.1
or 2.2 rules."""
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
"""Every WCAG A and AA rule up to 2.2, and axe's best practices (landmarks, heading order)."""


pytestmark = pytest.mark.slow


def web_editions(seed_build: SeedBuild) -> Iterator[tuple[str, Path]]:
    for audience, documents in sorted(seed_build.items()):
        yield audience, documents["handout"].path.with_name("handout.web.html")


def test_web_edition_is_self_contained(seed_build: SeedBuild) -> None:
    for audience, page in web_editions(seed_build):
        html = page.read_text(encoding="utf-8")
        assert "file:" not in html, audience
        for url in re.findall(r'\s(?:src|href)="([^"]*)"', html):
            assert url.startswith(("data:", "#", "https:", "http:", "mailto:")), (audience, url)
        assert "<link" not in html and "@font-face" in html and "data:font/ttf;base64" in html


def test_web_edition_keeps_structure_and_languages(seed_build: SeedBuild) -> None:
    for audience, page in web_editions(seed_build):
        web = page.read_text(encoding="utf-8")
        printed = page.with_name("handout.html").read_text(encoding="utf-8")

        def body(html: str) -> str:
            """The body, resources aside: the print HTML links them, the web page embeds them."""
            return re.sub(r'\ssrc="[^"]*"', "", html[html.index("<body") :])

        assert body(web) == body(printed), audience
        assert re.search(r'<html lang="[^"]+">', web)[0] in printed  # type: ignore[index]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs Debian's chromium and chromium-driver (scripts/system-deps test)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(240)
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


def axe_violations(driver: Any, page: Path) -> list[dict[str, Any]]:
    from axe_selenium_python import Axe

    driver.get(page.as_uri())
    axe = Axe(driver, script_url=str(AXE_CORE))
    axe.inject()
    assert driver.execute_script("return axe.version") == "4.14.1"
    results = axe.run(options=json.dumps({"runOnly": {"type": "tag", "values": AXE_TAGS}}))
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def test_axe_finds_no_violations(seed_build: SeedBuild, chromium: Any) -> None:
    for audience, page in web_editions(seed_build):
        found = [
            f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in axe_violations(chromium, page)
        ]
        assert not found, f"{audience}: {found}"


def embedded_fonts(html: str) -> list[bytes]:
    import base64

    return [
        base64.b64decode(data)
        for data in re.findall(r"data:font/ttf;base64,([A-Za-z0-9+/=]+)", html)
    ]


def test_fonts_are_subset_to_every_character_the_page_shows(seed_build: SeedBuild) -> None:
    """Each embedded font keeps every character of the page's text that the shipped font
    has (what the browser would otherwise draw in a fallback), and the page weighs a
    tenth of what the whole fonts did."""
    import html as html_text
    import io

    from fontTools.ttLib import TTFont

    from tests.conftest import TEMPLATES

    shipped = [TTFont(path) for path in sorted((TEMPLATES / "base" / "fonts").glob("*.ttf"))]
    whole = sum(path.stat().st_size for path in (TEMPLATES / "base" / "fonts").glob("*.ttf"))
    for audience, page in web_editions(seed_build):
        web = page.read_text(encoding="utf-8")
        text = {
            ord(c) for c in html_text.unescape(re.sub(r"<[^>]+>", " ", web[web.index("<body") :]))
        }
        fonts = [TTFont(io.BytesIO(data)) for data in embedded_fonts(web)]
        assert len(fonts) == len(shipped), audience
        for font in fonts:
            name = font["name"].getDebugName(6)  # the PostScript name, which subsets keep
            original = next(f for f in shipped if f["name"].getDebugName(6) == name)
            missing = (text & set(original.getBestCmap())) - set(font.getBestCmap())
            assert not missing, (audience, name, sorted(map(chr, missing))[:10])
        assert len(web.encode()) < whole / 4, (audience, len(web.encode()))


def test_every_font_face_loads_in_a_browser(seed_build: SeedBuild, chromium: Any) -> None:
    """A subset HarfBuzz wrote must still be a font Chromium accepts."""
    for audience, page in web_editions(seed_build):
        chromium.get(page.as_uri())
        statuses = chromium.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            const faces = [...document.fonts];
            Promise.allSettled(faces.map((face) => face.load()))
              .then(() => done(faces.map((face) => face.family + ' ' + face.weight + ' '
                                                   + face.style + ': ' + face.status)));
            """
        )
        failed = [s for s in statuses if not s.endswith(": loaded")]
        assert statuses and not failed, (audience, failed)
