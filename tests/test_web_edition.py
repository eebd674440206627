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
