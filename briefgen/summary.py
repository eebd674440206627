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

Status = Literal["built", "up to date"]


@dataclass(frozen=True)
class DocumentResult:
    """One written (or already current) document, for the summary table."""

    slug: str
    audience: str
    kind: DocumentKind
    path: Path
    pages: int
    size: int
    seconds: float
    fitted: str = ""
    status: Status = "built"


def summary_table(outputs: list[DocumentResult]) -> str:
    """Files, pages, sizes, times and fit steps; up-to-date files show the time they took."""
    rows = [("file", "pages", "size", "time", "status", "fitted")]
    for o in outputs:
        rows.append(
            (
                display_path(o.path),
                str(o.pages),
                f"{o.size / 1024:.0f} KiB",
                f"{o.seconds:.2f} s",
                o.status,
                o.fitted or ("—" if o.kind == "brief" else ""),
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
    built = sum(o.status == "built" for o in outputs)
    lines.append(f"{built} built, {len(outputs) - built} up to date")
    return "\n".join(lines)
