"""`briefgen watch` in a real headless Chromium: live reload, errors on the page, safe routes."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from briefgen.watch import PdfRebuilder
from tests.conftest import ROOT, SEED, TEMPLATES, run_cli
from tests.test_validate import GOOD

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SLUG = SEED.name


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    """`briefgen watch` on a free loopback port in a temp copy of the project."""
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    shutil.copytree(SEED, tmp_path / "content" / SLUG)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "watch.log"
    with log.open("w") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "briefgen", "watch", "--port", "0", "--audience", "general"],
            cwd=tmp_path,
            env=env,
            stderr=stream,
            stdout=subprocess.DEVNULL,
            text=True,
        )
    deadline = time.monotonic() + 90
    while not (match := re.search(r"http://127\.0\.0\.1:\d+/", log.read_text())):
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    yield match.group(0), tmp_path, process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # works even where SIGINT is ignored (nohup)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def status(url: str, host: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_preview_serves_assets_but_nothing_outside(
    server: tuple[str, Path, subprocess.Popen[str]],
) -> None:
    base, _, _ = server
    with urllib.request.urlopen(f"{base}preview/{SLUG}/general/handout", timeout=120) as response:
        page = response.read().decode()
    assert "briefgen-error" not in page, page
    assert "file://" not in page
    assert "/templates/base/css/common.css" in page
    assert status(f"{base}templates/base/css/common.css") == 200
    assert status(f"{base}templates/base/fonts/NotoSerif-Regular.ttf") == 200
    # In the briefing folder, but no preview page shows it.
    assert status(f"{base}content/{SLUG}/article.txt") == 404
    for bad in (
        "templates/../../etc/passwd",
        "templates/%2e%2e/%2e%2e/etc/passwd",
        f"content/{SLUG}/../../templates/base/audience.yaml",
        "content/x/y",
        "etc/passwd",
    ):
        assert status(base + bad) == 404, bad


def test_preview_refuses_foreign_host_headers(
    server: tuple[str, Path, subprocess.Popen[str]],
) -> None:
    """A DNS-rebinding page (evil.example now resolving to 127.0.0.1) reads nothing."""
    base, _, _ = server
    port = base.rstrip("/").rsplit(":", 1)[1]
    for path in ("", "__version", f"preview/{SLUG}/general/brief", f"content/{SLUG}/article.txt"):
        assert status(base + path, host=f"evil.example:{port}") == 421, path
        assert status(base + path, host="127.0.0.1:1") == 421, path
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LocalHost:{port}", f"[::1]:{port}"):
        assert status(base, host=host) == 200, host


def test_preview_answers_nul_bytes_and_long_names_without_crashing(
    server: tuple[str, Path, subprocess.Popen[str]],
) -> None:
    base, project, process = server
    for bad in (
        "templates/base/css/common.css%00",
        f"content/{SLUG}/logo%00.png",
        "%00",
        f"preview/{SLUG}/general/brief%00",
    ):
        assert status(base + bad) in (400, 404), bad
    assert status(base + "templates/" + "a" * 5000) == 404
    assert status(f"{base}templates/base/css/common.css") == 200
    assert process.poll() is None
    assert "Traceback" not in (project / "watch.log").read_text()


def headers(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return int(response.status), dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), ""


def test_every_response_allows_only_the_reload_script_and_no_sniffing(
    server: tuple[str, Path, subprocess.Popen[str]],
) -> None:
    base, _, _ = server
    for path in ("", f"preview/{SLUG}/general/brief", "templates/base/css/common.css", "nope"):
        code, sent, body = headers(base + path)
        assert code in (200, 404), path
        assert sent["X-Content-Type-Options"] == "nosniff", path
        policy = sent["Content-Security-Policy"]
        assert (
            "default-src 'none'" in policy
            and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        ), path
        nonce = re.search(r"script-src 'nonce-([\w-]+)'", policy)
        assert nonce, policy
        scripts = re.findall(r"<script\b[^>]*>", body)
        assert all(f'nonce="{nonce[1]}"' in tag for tag in scripts), (path, scripts)
        assert len(scripts) == (1 if code == 200 and "css" not in path else 0), path


def test_index_escapes_names_in_attributes(tmp_path: Path) -> None:
    from briefgen.watch import Preview

    hostile = 'x"><img src=x onerror=alert(document.domain)>'
    folder = tmp_path / hostile
    folder.mkdir()
    page = Preview(TEMPLATES, [folder], "general").index("n0nce")
    assert "<img" not in page and "onerror=alert" not in page.replace("%3D", "=").split('"')[0]
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert len(hrefs) == 2 and all('"' not in h and ">" not in h and "<" not in h for h in hrefs)
    assert "&lt;img" in page  # the link text, escaped


def test_briefing_files_are_served_only_when_a_page_shows_them(tmp_path: Path) -> None:
    from PIL import Image

    from briefgen.watch import Preview

    folder = tmp_path / "topic"
    folder.mkdir()
    (folder / "briefing.yaml").write_text(
        GOOD.replace("summary: A short summary.", "summary: A map ![a map](map.png)")
    )
    Image.new("RGB", (4, 4)).save(folder / "map.png")
    (folder / "private.txt").write_text("notes")
    preview = Preview(TEMPLATES, [folder], "general")
    assert preview.static_file("/content/topic/map.png") is None  # no page rendered yet
    page = preview.render("topic", "general", "handout", "n0nce")
    assert "/content/topic/map.png" in page
    assert preview.static_file("/content/topic/map.png") == (folder / "map.png").resolve()
    assert preview.static_file("/content/topic/private.txt") is None
    assert preview.static_file("/content/topic/briefing.yaml") is None


def test_port_in_use_is_a_usage_error(tmp_path: Path) -> None:
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    shutil.copytree(SEED, tmp_path / "content" / SLUG)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("watch", "--port", str(port), cwd=tmp_path)
    assert result.exit_code == 2
    err = result.stderr
    assert err.count("\n") == 1, err
    assert f"port {port} is already in use" in err and "--port" in err, err


def test_rebuilder_runs_builds_niced(tmp_path: Path) -> None:
    if shutil.which("nice") is None:
        pytest.skip("no nice(1) on this system")
    record = tmp_path / "niceness"
    script = f"import os; open({str(record)!r}, 'w').write(str(os.nice(0)))"
    rebuilder = PdfRebuilder([sys.executable, "-c", script])
    rebuilder.start()
    deadline = time.monotonic() + 60
    while not (record.exists() and record.read_text()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    rebuilder.stop()
    assert int(record.read_text()) == min(os.nice(0) + 10, 19)


def test_rebuilder_starts_no_build_after_stop() -> None:
    """Ctrl-C lands after the loop took a change but before it starts the build: the
    check made under the lock sees the stop, and no build starts."""
    rebuilder = PdfRebuilder(["sleep", "3"])

    class StopOnTake(threading.Event):
        def clear(self) -> None:
            super().clear()
            rebuilder.stop()

    rebuilder.wanted = StopOnTake()
    rebuilder.wanted.set()
    rebuilder.loop()
    assert rebuilder.process is None


def test_a_stop_racing_a_starting_build_ends_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the build is being started: stop() waits for the lock, so it sees the
    new process and ends it, instead of missing it and leaving it to run."""
    rebuilder = PdfRebuilder([sys.executable, "-c", "import time; time.sleep(5)"])
    real_popen = subprocess.Popen
    stopper = threading.Thread(target=rebuilder.stop)

    def popen(*args: Any, **kwargs: Any) -> Any:
        stopper.start()
        stopper.join(timeout=1)  # blocked on the lock, or already finished without it
        return real_popen(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    rebuilder.wanted.set()
    rebuilder.loop()
    stopper.join(timeout=10)
    assert rebuilder.process is not None
    assert rebuilder.process.returncode == -signal.SIGTERM, "the build ran to its end"


def test_rebuilder_stop_ends_a_running_build() -> None:
    rebuilder = PdfRebuilder(["sleep", "30"])
    rebuilder.start()
    deadline = time.monotonic() + 60
    while rebuilder.process is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process = rebuilder.process
    rebuilder.stop()
    assert process.poll() is not None
    assert not rebuilder.thread.is_alive()


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_stops_cleanly_on_ctrl_c_and_sigterm(
    server: tuple[str, Path, subprocess.Popen[str]], stop_signal: signal.Signals
) -> None:
    _, project, process = server
    process.send_signal(stop_signal)
    assert process.wait(timeout=60) == 0
    assert "stopped" in (project / "watch.log").read_text()


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[object]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs Debian's chromium and chromium-driver (scripts/system-deps test)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    options.page_load_strategy = "eager"  # reloads need not wait for every font
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def test_page_reloads_on_edit_and_shows_errors(
    server: tuple[str, Path, subprocess.Popen[str]], browser: object
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver: Any = browser
    base, project, _ = server
    yaml = project / "content" / SLUG / "briefing.yaml"
    driver.get(f"{base}preview/{SLUG}/general/brief")
    title = driver.find_element(By.CSS_SELECTOR, "h1.title")
    assert title.text == "Russian peacekeepers in Azerbaijan"
    # The stylesheet came through the server's own route and applied.
    assert driver.execute_script(
        "return document.styleSheets.length > 0 && document.styleSheets[0].cssRules.length > 0"
    )

    text = yaml.read_text()
    yaml.write_text(
        text.replace(
            "title: Russian peacekeepers in Azerbaijan", "title: Peacekeepers, revised title", 1
        )
    )
    WebDriverWait(driver, 90).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "h1.title").text == "Peacekeepers, revised title"
    )

    yaml.write_text(text.replace("summary:", "sumary:", 1))
    WebDriverWait(driver, 90).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "pre.briefgen-error")
    )
    error = driver.find_element(By.CSS_SELECTOR, "pre.briefgen-error").text
    assert re.search(r"briefing\.yaml:\d+:\d+: unknown key \"sumary\"", error), error

    # Fixing the file brings the preview back, with the server still running.
    yaml.write_text(text)
    WebDriverWait(driver, 90).until(lambda d: d.find_elements(By.CSS_SELECTOR, "h1.title"))
