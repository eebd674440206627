"""Incremental builds: a manifest of what each output was built from.

Each output folder `build/<slug>/<audience>/` records, in `.briefgen-manifest.json`,
a hash of the inputs of each of its documents — the briefing folder, the audience's
template search path and briefgen's own source — so an unchanged output is skipped
without importing the rendering stack. Only the standard library is imported here,
which is what keeps a no-op build fast.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from briefgen.documents import DOCUMENT_KINDS, DocumentKind
from briefgen.output import write_atomically
from briefgen.paths import audience_folder, base_folder
from briefgen.summary import DocumentResult

MANIFEST_NAME = ".briefgen-manifest.json"
MANIFEST_VERSION = 2


def _files(folder: Path, recursive: bool = True) -> list[Path]:
    if not folder.is_dir():
        return []
    found = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(
        p
        for p in found
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


HASHES_NAME = ".briefgen-hashes.json"
RACY_SECONDS = 2.0
"""A file changed this recently may change again within the same mtime tick, so its hash
is not remembered (git's "racy" rule)."""


class FileHashes:
    """Each input file's hash, remembered with its size and mtime: a file whose size and
    mtime are unchanged is not read again. A cache in the output folder; losing it only
    costs a re-hash."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.known: dict[str, list[Any]] = {}
        self.changed = False
        self.read = 0
        """Files read and hashed in this run, for tests and the benchmark."""
        if path is not None:
            try:
                data = json.loads(path.read_text("utf-8"))
                if isinstance(data, dict):
                    self.known = data
            except (OSError, ValueError):
                self.known = {}

    def of(self, path: Path) -> bytes:
        stat = path.stat()
        key = str(path.resolve())
        entry = self.known.get(key)
        if entry and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            return bytes.fromhex(entry[2])
        self.read += 1
        digest = hashlib.sha256(path.read_bytes()).digest()
        if time.time() - stat.st_mtime > RACY_SECONDS:
            self.known[key] = [stat.st_size, stat.st_mtime_ns, digest.hex()]
            self.changed = True
        return digest

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        with contextlib.suppress(OSError):  # a cache: the build goes on without it
            write_atomically(self.path, json.dumps(self.known).encode("utf-8"))


def hash_files(files: list[Path], root: Path, digest: Any, hashes: FileHashes) -> None:
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashes.of(path))


def package_hash(hashes: FileHashes) -> str:
    """briefgen's version and source: a code change rebuilds everything."""
    from briefgen import __version__

    package = Path(__file__).parent
    digest = hashlib.sha256(__version__.encode())
    hash_files(sorted(package.glob("*.py")), package, digest, hashes)
    return digest.hexdigest()


def tree_hash(
    root: Path, hashes: FileHashes, recursive: bool = True, cache: dict[Any, str] | None = None
) -> str:
    """The hash of every (non-hidden) file under `root`, names included."""
    key = (root, recursive)
    if cache is not None and key in cache:
        return cache[key]
    digest = hashlib.sha256()
    hash_files(_files(root, recursive), root, digest, hashes)
    result = digest.hexdigest()
    if cache is not None:
        cache[key] = result
    return result


def input_hash(
    folder: Path,
    templates: Path,
    audience: str,
    cache: dict[Any, str] | None = None,
    hashes: FileHashes | None = None,
) -> str:
    """Everything one briefing × audience is built from: the briefing folder, the
    audience folder, base/, files at the top of templates/, and briefgen itself."""
    hashes = hashes or FileHashes()
    parts = [
        tree_hash(folder, hashes, cache=cache),
        _template_hash(templates, audience, cache, hashes),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def layout_hash(
    folder: Path,
    templates: Path,
    audience: str,
    cache: dict[Any, str] | None = None,
    hashes: FileHashes | None = None,
) -> str:
    """Everything a brief's layout depends on besides the briefing's YAML files (whose
    effect shows in the brief's HTML): the other files of the briefing folder (images,
    data), the templates and briefgen itself. The fit keys what it remembers with it."""
    hashes = hashes or FileHashes()
    digest = hashlib.sha256()
    files = [path for path in _files(folder) if path.suffix not in YAML_SUFFIXES]
    hash_files(files, folder, digest, hashes)
    parts = [digest.hexdigest(), _template_hash(templates, audience, cache, hashes)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


YAML_SUFFIXES = (".yaml", ".yml")


def _template_hash(
    templates: Path, audience: str, cache: dict[Any, str] | None, hashes: FileHashes
) -> str:
    """The audience folder, base/, files at the top of templates/, and briefgen itself."""
    if cache is not None and "package" not in cache:
        cache["package"] = package_hash(hashes)
    parts = [
        tree_hash(audience_folder(templates, audience), hashes, cache=cache),
        tree_hash(base_folder(templates), hashes, cache=cache),
        tree_hash(templates, hashes, recursive=False, cache=cache),
        cache["package"] if cache is not None else package_hash(hashes),
    ]
    return "\n".join(parts)


@dataclass(frozen=True)
class Job:
    """One document to build: a briefing folder, an audience name and a kind."""

    folder: Path
    audience: str
    kind: DocumentKind
    inputs: str
    layout_inputs: str = ""
    """`layout_hash`: what the fit's memo is keyed with (briefs only)."""
    last_fit: str = ""
    """The fit's memo from the last build of this brief, as JSON; empty for none."""

    @property
    def key(self) -> str:
        return f"{self.folder.name}/{self.audience}/{self.kind}"


@dataclass
class Record:
    """How one document was built: from which inputs, and what came out."""

    inputs: str
    pages: int
    size: int
    seconds: float
    fitted: str = ""
    fit: dict[str, Any] | None = None
    """The brief's fit memo (`fit.FitMemo`): where the next build's fit starts."""


class Manifest:
    """What each output folder was built from, read from the folders themselves.

    Every `out/<slug>/<audience>/` holds its own `.briefgen-manifest.json`, written and
    replaced together with the documents it describes (`output.replace_set`), so the
    record and the files on disk can never disagree, even after a killed build. A
    missing or broken record means "build again".
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self._sets: dict[tuple[str, str], dict[DocumentKind, Record]] = {}

    def folder(self, slug: str, audience: str) -> Path:
        return self.out / slug / audience

    def target(self, job: Job) -> Path:
        return self.folder(job.folder.name, job.audience) / f"{job.kind}.pdf"

    def records(self, slug: str, audience: str) -> dict[DocumentKind, Record]:
        """The records of one output folder, by document kind."""
        key = (slug, audience)
        if key not in self._sets:
            self._sets[key] = read_records(self.folder(slug, audience) / MANIFEST_NAME)
        return self._sets[key]

    def record(self, job: Job) -> Record | None:
        return self.records(job.folder.name, job.audience).get(job.kind)

    def is_fresh(self, job: Job) -> bool:
        record = self.record(job)
        pdf = self.target(job)
        return (
            record is not None
            and record.inputs == job.inputs
            and pdf.is_file()
            and pdf.with_suffix(".html").is_file()
        )

    def up_to_date(self, job: Job) -> DocumentResult:
        record = self.record(job)
        assert record is not None
        return DocumentResult(
            job.folder.name,
            job.audience,
            job.kind,
            self.target(job),
            record.pages,
            record.size,
            record.seconds,
            record.fitted,
            "up to date",
        )

    def updated(self, slug: str, audience: str, new: dict[DocumentKind, Record]) -> bytes:
        """The folder's manifest with `new` replacing its kinds, to write with the files."""
        records = {**self.records(slug, audience), **new}
        data = {
            "version": MANIFEST_VERSION,
            "documents": {kind: asdict(record) for kind, record in sorted(records.items())},
        }
        return (json.dumps(data, indent=1) + "\n").encode("utf-8")

    def remember(self, slug: str, audience: str, new: dict[DocumentKind, Record]) -> None:
        """Once the folder is replaced, its records are `new` laid over the old."""
        self._sets[slug, audience] = {**self.records(slug, audience), **new}


def read_records(path: Path) -> dict[DocumentKind, Record]:
    try:
        data = json.loads(path.read_text("utf-8"))
        if data.get("version") != MANIFEST_VERSION:
            return {}
        documents = data["documents"]
        return {kind: Record(**documents[kind]) for kind in DOCUMENT_KINDS if kind in documents}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def plan(
    folders: list[Path],
    templates: Path,
    audiences: list[str],
    manifest: Manifest,
    force: bool,
    kinds: tuple[DocumentKind, ...] = DOCUMENT_KINDS,
    variant: str = "",
) -> tuple[list[Job], list[DocumentResult]]:
    """Split every output into jobs to build and outputs that are already current.

    `variant` names what else shapes the output (the stamps asked for), so a draft and a
    final build of the same inputs are different outputs."""
    cache: dict[Any, str] = {}
    hashes = FileHashes(manifest.out / HASHES_NAME)
    stale: list[Job] = []
    fresh: list[DocumentResult] = []
    for folder in folders:
        for audience in audiences:
            inputs = input_hash(folder, templates, audience, cache, hashes)
            if variant:
                inputs = hashlib.sha256(f"{inputs}\n{variant}".encode()).hexdigest()
            for kind in kinds:
                job = Job(folder, audience, kind, inputs)
                if not force and manifest.is_fresh(job):
                    fresh.append(manifest.up_to_date(job))
                elif kind == "brief":
                    layout = layout_hash(folder, templates, audience, cache, hashes)
                    stale.append(
                        replace(job, layout_inputs=layout, last_fit=last_fit(manifest, job))
                    )
                else:
                    stale.append(job)
    hashes.save()
    return stale, fresh


def last_fit(manifest: Manifest, job: Job) -> str:
    """The fit memo the last build of `job` recorded, as JSON, or "" for none."""
    record = manifest.record(job)
    return json.dumps(record.fit) if record is not None and record.fit else ""


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
