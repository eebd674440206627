"""What a build produced, and the table printed at its end.

Kept free of the rendering stack so that an up-to-date build can report without
importing Jinja, pydantic models or WeasyPrint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from briefgen.documents import DocumentKind
from briefgen.errors import display_path

Status = Literal["built", "up to date", "refused", "not written"]
"""`refused`: this document failed; `not written`: it was made, but another document
of its briefing × audience was refused, so the set was left as it was."""
NOTHING = "—"


@dataclass(frozen=True)
class DocumentResult:
    """One document of a build: written, already current, or not written and why."""

    slug: str
    audience: str
    kind: DocumentKind
    path: Path
    pages: int
    size: int
    seconds: float
    fitted: str = ""
    status: Status = "built"
    reason: str = ""
    """For `refused` and `not written`: the one-line reason."""

    @property
    def failed(self) -> bool:
        return self.status in ("refused", "not written")


def summary_table(results: list[DocumentResult]) -> str:
    """Files, pages, sizes, times and fit steps, or the reason a document was refused.

    Up-to-date files show no time: nothing was spent on them in this build.
    """
    rows = [("file", "pages", "size", "time", "status", "fitted / reason")]
    for r in results:
        made = r.status == "built"
        rows.append(
            (
                display_path(r.path),
                str(r.pages) if not r.failed else NOTHING,
                f"{r.size / 1024:.0f} KiB" if not r.failed else NOTHING,
                f"{r.seconds:.2f} s" if made else NOTHING,
                r.status,
                r.reason or r.fitted or (NOTHING if r.kind == "brief" else ""),
            )
        )
    last = len(rows[0]) - 1
    widths = [max(len(row[i]) for row in rows) for i in range(last)]
    lines = [
        "  ".join(
            cell.ljust(widths[i]) if i < last else cell for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]
    counts = {status: sum(r.status == status for r in results) for status in STATUS_ORDER}
    lines.append(
        ", ".join(f"{n} {status}" for status, n in counts.items() if n or status in SHOWN_ALWAYS)
    )
    return "\n".join(lines)


STATUS_ORDER: tuple[Status, ...] = ("built", "up to date", "refused", "not written")
SHOWN_ALWAYS = ("built", "up to date")
