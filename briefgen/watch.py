"""`briefgen watch`: a live HTML preview for authors, with PDFs rebuilt in the background.

The preview is the same Jinja output as the build, rendered on request (no WeasyPrint,
so it is instant) with two changes made only here, never in build output: `file://`
URLs of stylesheets, fonts and logos become routes this server answers from templates/
and the briefing folder alone, and a small script polls `/__version` and reloads the
page when watchfiles reports a change. Errors are shown on the page; the server keeps
running. PDFs are rebuilt by an incremental `briefgen build` in a child process.
"""

from __future__ import annotations

import contextlib
import errno
import html
import mimetypes
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import click

from briefgen.documents import DOCUMENT_KINDS, DocumentKind
from briefgen.errors import BriefgenError, CommandLineError
from briefgen.paths import audience_names, find_briefings

RELOAD_SCRIPT = """
<script nonce="{nonce}">/* briefgen watch: live reload (preview only) */
(function () {{
  var seen = {version};
  setInterval(function () {{
    fetch("/__version", {{cache: "no-store"}}).then(function (r) {{ return r.text(); }})
      .then(function (v) {{ if (+v !== seen) {{ location.reload(); }} }}, function () {{}});
  }}, 300);
}})();
</script>
"""


def content_security_policy(nonce: str) -> str:
    """Scripts: only the reload client, by its per-response nonce; everything else only from
    this server. Inline styles stay allowed: the templates set the palette in a <style>."""
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; connect-src 'self'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>briefgen: error</title>
<style>body {{ font: 16px/1.5 sans-serif; margin: 2em; }}
pre {{ white-space: pre-wrap; color: #8b0000; background: #fff0f0; padding: 1em; }}</style>
</head><body><h1>This briefing does not build</h1>
<pre class="briefgen-error">{error}</pre>
<p>Fix the file and save; this page reloads by itself.</p>{script}</body></html>
"""


class Preview:
    """What the server knows: where things are and the current change generation."""

    def __init__(self, templates: Path, folders: list[Path], audience: str | None) -> None:
        self.templates = templates.resolve()
        self.folders = {folder.name: folder.resolve() for folder in folders}
        self.audience = audience
        self.version = 0
        self.lock = threading.Lock()
        self.referenced: dict[tuple[str, str, str], set[str]] = {}
        """Per preview page, the briefing-folder files it links to: the only ones served."""

    def bump(self) -> None:
        with self.lock:
            self.version += 1

    def audiences(self) -> list[str]:
        return [self.audience] if self.audience else audience_names(self.templates)

    def index(self, nonce: str) -> str:
        def link(slug: str, name: str, kind: str) -> str:
            url = f"/preview/{quote(slug, safe='')}/{quote(name, safe='')}/{kind}"
            return f'<a href="{html.escape(url)}">{kind}</a>'

        links = "".join(
            f"<li>{html.escape(slug)} · {html.escape(name)}: "
            f"{link(slug, name, 'brief')} · {link(slug, name, 'handout')}</li>"
            for slug in self.folders
            for name in self.audiences()
        )
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>briefgen watch'
            f"</title></head><body><h1>briefgen watch</h1><ul>{links}</ul>"
            f"{self.reload_script(nonce)}</body></html>"
        )

    def reload_script(self, nonce: str, version: int | None = None) -> str:
        return RELOAD_SCRIPT.format(
            nonce=nonce, version=self.version if version is None else version
        )

    def render(self, slug: str, audience: str, kind: DocumentKind, nonce: str) -> str:
        """The document's HTML as the build would write it, adapted for the browser."""
        version = self.version
        script = self.reload_script(nonce, version)
        try:
            page = self._render(slug, audience, kind)
        except BriefgenError as exc:
            return ERROR_PAGE.format(error=html.escape(str(exc)), script=script)
        page = page.replace(self.templates.as_uri() + "/", "/templates/")
        page = page.replace(self.folders[slug].as_uri() + "/", f"/content/{slug}/")
        # Images in prose are relative to the briefing folder, as WeasyPrint reads them.
        page = re.sub(
            r"""(<img\b[^>]*?\bsrc=")(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)""",
            lambda match: f"{match[1]}/content/{quote(slug)}/",
            page,
        )
        own_files = re.findall(rf"""/content/{re.escape(slug)}/([^"'\s()<>]+)""", page)
        self.referenced[slug, audience, kind] = {
            unquote(re.split(r"[?#]", name)[0]) for name in own_files
        }
        return page.replace("</body>", script + "</body>") if "</body>" in page else page + script

    def _render(self, slug: str, audience: str, kind: DocumentKind) -> str:
        """Checked as `build` and `check` do (the same `prepare`), then rendered."""
        from briefgen.build import BuildOptions, check_document, document_html, prepare

        folder = self.folders[slug]
        prepared = prepare(self.templates, [folder], [audience], audience_names(self.templates))
        problem = prepared.problem_for(folder, audience)
        if problem is not None:
            raise problem.error
        inputs = prepared.inputs[folder, audience]
        check_document(inputs, kind, BuildOptions(Path(), self.templates))
        return document_html(inputs, kind)

    def static_file(self, path: str) -> Path | None:
        """A file under templates/ or a briefing folder, or None: no way out of either."""
        parts = path.strip("/").split("/")
        if parts[0] == "templates":
            root, rest = self.templates, parts[1:]
        elif parts[0] == "content" and len(parts) > 1 and parts[1] in self.folders:
            root, rest = self.folders[parts[1]], parts[2:]
            # A briefing folder may hold files the author never meant to publish.
            shown = set().union(
                *(files for (slug, *_), files in self.referenced.items() if slug == parts[1])
            )
            if "/".join(rest) not in shown:
                return None
        else:
            return None
        try:
            candidate = root.joinpath(*rest).resolve()
            if not candidate.is_relative_to(root) or not candidate.is_file():
                return None
        except (ValueError, OSError):  # an embedded NUL byte, a name too long, …
            return None
        return candidate


def allowed_hosts(port: int) -> set[str]:
    """Host headers a browser sends for this server; anything else may be DNS rebinding."""
    names = ("127.0.0.1", "localhost", "[::1]")
    hosts = {f"{name}:{port}" for name in names}
    return hosts | set(names) if port == 80 else hosts


def make_handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.nonce = secrets.token_urlsafe(16)  # a fresh one for each response
            address = self.server.server_address
            port = address[1] if isinstance(address, tuple) else 0
            host = (self.headers.get("Host") or "").strip().lower()
            if host not in allowed_hosts(port):
                # A page on another site whose name now resolves to 127.0.0.1.
                self.send_error(HTTPStatus.MISDIRECTED_REQUEST, "unexpected Host header")
                return
            path = unquote(urlsplit(self.path).path)
            if "\x00" in path:
                self.send_error(HTTPStatus.BAD_REQUEST)
            elif path == "/__version":
                self.send(str(preview.version).encode(), "text/plain")
            elif path == "/":
                self.send(preview.index(self.nonce).encode(), "text/html; charset=utf-8")
            elif path.startswith("/preview/"):
                parts = path.split("/")[2:]
                kind = next((k for k in DOCUMENT_KINDS if parts[2:] == [k]), None)
                if (
                    len(parts) == 3
                    and kind is not None
                    and parts[0] in preview.folders
                    and parts[1] in preview.audiences()
                ):
                    page = preview.render(parts[0], parts[1], kind, self.nonce)
                    self.send(page.encode("utf-8"), "text/html; charset=utf-8")
                else:
                    self.send_error(HTTPStatus.NOT_FOUND)
            else:
                found = preview.static_file(path)
                if found is None:
                    self.send_error(HTTPStatus.NOT_FOUND)
                else:
                    try:
                        body = found.read_bytes()
                    except OSError:  # deleted or replaced since static_file looked
                        self.send_error(HTTPStatus.NOT_FOUND)
                        return
                    media_type = mimetypes.guess_type(found.name)[0]
                    self.send(body, media_type or "application/octet-stream")

        nonce = secrets.token_urlsafe(16)

        def send_response(self, code: int, message: str | None = None) -> None:
            super().send_response(code, message)
            # On every response, errors included: nothing this server sends may run
            # script but the reload client, or be read as another type than it says.
            self.send_header("Content-Security-Policy", content_security_policy(self.nonce))
            self.send_header("X-Content-Type-Options", "nosniff")

        def send(self, body: bytes, content_type: str) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            # The browser may navigate away (a reload) before the body arrives.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            if os.environ.get("BRIEFGEN_WATCH_LOG"):
                super().log_message(format, *args)

    return Handler


class PdfRebuilder:
    """Runs an incremental `briefgen build` in a child process, one at a time, coalescing
    changes that arrive while it runs; errors are printed, never fatal."""

    def __init__(self, command: list[str]) -> None:
        # Niced, so the preview (and the browser showing it) stays responsive. `nice` execs
        # the command, so the child's pid is the build's own and terminate() reaches it.
        nice = shutil.which("nice")
        self.command = [nice, "-n", "10", *command] if nice else command
        self.wanted = threading.Event()
        self.stopping = threading.Event()
        # Held while starting a build and by stop(): no build starts once stop() has run.
        self.lock = threading.Lock()
        self.process: subprocess.Popen[str] | None = None
        self.thread = threading.Thread(target=self.loop, name="pdf-rebuild", daemon=True)

    def start(self) -> None:
        self.wanted.set()
        self.thread.start()

    def request(self) -> None:
        self.wanted.set()

    def loop(self) -> None:
        while not self.stopping.is_set():
            if not self.wanted.wait(timeout=0.2):
                continue
            self.wanted.clear()
            with self.lock:
                if self.stopping.is_set():
                    return
                process = self.process = subprocess.Popen(
                    self.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
                )
            _, stderr = process.communicate()
            if self.stopping.is_set():
                return
            if process.returncode == 0:
                click.echo("PDFs up to date", err=True)
            else:
                last = (stderr.strip().splitlines() or ["build failed"])[-1]
                click.echo(f"PDF build failed: {last}", err=True)

    def stop(self) -> None:
        with self.lock:
            self.stopping.set()
            process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.thread.is_alive():
            self.thread.join(timeout=5)


def watch_changes(
    preview: Preview, rebuilder: PdfRebuilder, paths: list[Path], stop: threading.Event
) -> None:
    import watchfiles

    for changes in watchfiles.watch(
        *paths, debounce=200, step=50, stop_event=stop, raise_interrupt=False
    ):
        preview.bump()
        names = sorted({Path(p).name for _, p in changes})
        click.echo(f"changed: {', '.join(names[:3])}{' …' if len(names) > 3 else ''}", err=True)
        rebuilder.request()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(
    templates: Path,
    content: Path,
    path: Path | None,
    port: int,
    audience: str | None,
    out: Path,
) -> None:
    """Serve until Ctrl-C; then stop the watcher and any running PDF build cleanly."""
    folders = find_briefings([path] if path else [], content)
    if audience is not None and audience not in audience_names(templates):
        from briefgen.audience import load_audience

        load_audience(templates, audience)  # raises "unknown audience" with suggestions
    preview = Preview(templates, folders, audience)
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(preview))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CommandLineError(
                f"port {port} is already in use; pass another with --port N (0 picks a free one)"
            ) from None
        if exc.errno == errno.EACCES:
            raise CommandLineError(f"not allowed to listen on port {port}; pass --port N") from None
        raise
    server.daemon_threads = True
    command = [
        sys.executable,
        "-m",
        "briefgen",
        "--templates",
        str(templates),
        "--content",
        str(content),
        "build",
        *[str(f) for f in folders],
        "--out",
        str(out),
        *(["--audience", audience] if audience else []),
    ]
    rebuilder = PdfRebuilder(command)
    stop = threading.Event()
    watcher = threading.Thread(
        target=watch_changes,
        args=(preview, rebuilder, [templates, *folders], stop),
        name="watch",
        daemon=True,
    )
    watcher.start()
    rebuilder.start()
    host, real_port = server.server_address[:2]
    host = host.decode() if isinstance(host, bytes) else host
    click.echo(f"serving http://{host}:{real_port}/ — Ctrl-C to stop", err=True)
    # `kill`, a service manager or a CI time-out stop it as Ctrl-C does, with the same
    # clean teardown, also where SIGINT is ignored (under nohup).
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        rebuilder.stop()
        server.server_close()
        watcher.join(timeout=5)
        click.echo("stopped", err=True)
