"""Where things live in a project: file and folder names, found without heavy imports.

Kept to the standard library so that planning a build (and a no-op build) stays fast.
"""

from __future__ import annotations

import re
from pathlib import Path

from briefgen.errors import BriefgenError

BRIEFING_FILE = "briefing.yaml"
CONFIG_NAME = "audience.yaml"
BASE_FOLDER = "base"
AUDIENCES_FOLDER = "audiences"

NAME_PATTERN = r"[a-z0-9][a-z0-9_-]*"
"""Briefing folders and audiences (also as `only_for`/`hide_for` entries): lower-case
letters, digits, `-` and `_`, so they are safe in paths, URLs and CSS classes."""
NAME_RULE = "lower-case letters, digits, - and _, starting with a letter or digit"


def is_name(text: str) -> bool:
    return re.fullmatch(NAME_PATTERN, text) is not None


def base_folder(templates: Path) -> Path:
    return templates / BASE_FOLDER


def audience_folder(templates: Path, name: str) -> Path:
    return templates / AUDIENCES_FOLDER / name


def find_briefings(paths: list[Path], content: Path) -> list[Path]:
    """Briefing folders from the command line, or every one under `content/`.

    Hidden folders under `content/` are skipped; a briefing folder's name becomes a
    folder and URL of the output, so it must be a name (see `NAME_PATTERN`).
    """
    if not paths:
        if not content.is_dir():
            raise BriefgenError(
                "no content folder; pass a briefing folder or create content/", content
            )
        found = sorted(p.parent for p in content.glob(f"*/{BRIEFING_FILE}"))
        return [check_folder_name(f) for f in found if not f.name.startswith(".")]
    folders: list[Path] = []
    for path in paths:
        folder = path.parent if path.name == BRIEFING_FILE else path
        if not (folder / BRIEFING_FILE).is_file():
            raise BriefgenError(
                f"no {BRIEFING_FILE} here; a briefing is a folder holding one", folder
            )
        if folder.resolve() not in {f.resolve() for f in folders}:
            folders.append(check_folder_name(folder))
    return folders


def check_folder_name(folder: Path) -> Path:
    name = folder.resolve().name
    if not is_name(name):
        raise BriefgenError(
            f'briefing folder name "{name[:60]}" must be {NAME_RULE}; rename the folder', folder
        )
    return folder


def audience_names(templates: Path) -> list[str]:
    """The audiences under `templates`: folders holding an audience.yaml."""
    folder = templates / AUDIENCES_FOLDER
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / CONFIG_NAME).is_file())
