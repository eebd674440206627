"""Where things live in a project: file and folder names, found without heavy imports.

Kept to the standard library so that planning a build (and a no-op build) stays fast.
"""

from __future__ import annotations

from pathlib import Path

from briefgen.errors import BriefgenError

BRIEFING_FILE = "briefing.yaml"
CONFIG_NAME = "audience.yaml"
BASE_FOLDER = "base"
AUDIENCES_FOLDER = "audiences"


def find_briefings(paths: list[Path], content: Path) -> list[Path]:
    """Briefing folders from the command line, or every one under `content/`."""
    if not paths:
        if not content.is_dir():
            raise BriefgenError(
                "no content folder; pass a briefing folder or create content/", content
            )
        return sorted(p.parent for p in content.glob(f"*/{BRIEFING_FILE}"))
    folders: list[Path] = []
    for path in paths:
        folder = path.parent if path.name == BRIEFING_FILE else path
        if not (folder / BRIEFING_FILE).is_file():
            raise BriefgenError(
                f"no {BRIEFING_FILE} here; a briefing is a folder holding one", folder
            )
        if folder.resolve() not in {f.resolve() for f in folders}:
            folders.append(folder)
    return folders


def audience_names(templates: Path) -> list[str]:
    """The audiences under `templates`: folders holding an audience.yaml."""
    folder = templates / AUDIENCES_FOLDER
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / CONFIG_NAME).is_file())
