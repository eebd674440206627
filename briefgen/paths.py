"""Where things live in a project: file and folder names, found without heavy imports.

Kept to the standard library so that planning a build (and a no-op build) stays fast.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from briefgen.errors import BriefgenError

BRIEFING_FILE = "briefing.yaml"
CONFIG_NAME = "audience.yaml"
BASE_FOLDER = "base"
AUDIENCES_FOLDER = "audiences"
BRIEFING_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
"""A briefing folder's name: it becomes a folder under build/, part of preview URLs and
of the build manifest's keys, so it is kept to characters that are safe in all three."""
BRIEFING_NAME_RULE = "letters, digits, - and _ only (at most 100, starting with a letter or digit)"

NAME_PATTERN = r"[a-z0-9][a-z0-9_-]*"
"""An audience's name, also as an `only_for`/`hide_for` entry: lower-case, since it is
typed in YAML lists, and safe in paths, URLs and CSS classes."""
NAME_RULE = "lower-case letters, digits, - and _, starting with a letter or digit"


CACHE_ENV = "BRIEFGEN_CACHE"
"""Where briefgen keeps what it derived from files that rarely change (compiled templates,
the shipped fonts' tables): this folder if set, else `$XDG_CACHE_HOME/briefgen`, else
`~/.cache/briefgen`. Deleting it only costs the next build the time to make it again."""


def user_cache_folder(part: str) -> Path | None:
    """A folder of the user's cache for `part`, made private if new; None if it cannot
    be made (a read-only home, say), and the build goes on without it."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        root = Path(chosen)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = (Path(xdg) if xdg else Path.home() / ".cache") / "briefgen"
    folder = root / part
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        status = folder.stat()
    except (OSError, RuntimeError):  # RuntimeError: no home folder to expand
        return None
    # Compiled templates run as code: a folder someone else can write to is not used.
    owner = getattr(os, "getuid", None)
    if owner is not None and (status.st_uid != owner() or status.st_mode & 0o022):
        return None
    return folder if os.access(folder, os.W_OK) else None


def is_name(text: str) -> bool:
    return re.fullmatch(NAME_PATTERN, text) is not None


def base_folder(templates: Path) -> Path:
    return templates / BASE_FOLDER


def audience_folder(templates: Path, name: str) -> Path:
    return templates / AUDIENCES_FOLDER / name


def find_briefings(paths: list[Path], content: Path) -> list[Path]:
    """Briefing folders from the command line, or every one under `content/`."""
    if not paths:
        if not content.is_dir():
            raise BriefgenError(
                "no content folder; pass a briefing folder or create content/", content
            )
        # Hidden folders (.git, editors' scratch, build leftovers) are not briefings.
        found = [p.parent for p in content.glob(f"[!.]*/{BRIEFING_FILE}")]
        for folder in found:
            check_briefing_name(folder)
        return sorted(found)
    folders: list[Path] = []
    for path in paths:
        folder = path.parent if path.name == BRIEFING_FILE else path
        if not (folder / BRIEFING_FILE).is_file():
            raise BriefgenError(
                f"no {BRIEFING_FILE} here; a briefing is a folder holding one", folder
            )
        check_briefing_name(folder)
        if folder.resolve() not in {f.resolve() for f in folders}:
            folders.append(folder)
    return folders


def check_briefing_name(folder: Path) -> None:
    """The folder's name is one briefgen can use, and its briefing file is its own (not a
    link to a file elsewhere, which the build would otherwise read)."""
    resolved = folder.resolve()
    if not (folder / BRIEFING_FILE).resolve().is_relative_to(resolved):
        raise BriefgenError(
            f"{BRIEFING_FILE} links to a file outside its folder; copy the file in instead",
            folder / BRIEFING_FILE,
        )
    if not BRIEFING_NAME.fullmatch(resolved.name):
        shown = "".join(c if c.isprintable() else "?" for c in resolved.name[:60])
        raise BriefgenError(
            f'briefing folder name "{shown}" is not allowed: it names the output folder and '
            f"the preview page, so rename the folder using {BRIEFING_NAME_RULE}",
            resolved.parent,
        )


def audience_names(templates: Path) -> list[str]:
    """The audiences under `templates`: folders holding an audience.yaml."""
    folder = templates / AUDIENCES_FOLDER  # every audience_folder(templates, name)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / CONFIG_NAME).is_file())
