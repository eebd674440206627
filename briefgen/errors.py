"""The two kinds of failure: user errors (one clean line) and bugs (a traceback).

User errors are click exceptions, so click's own standalone handling prints them and
exits with their code; nothing in briefgen catches and re-prints them by hand.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import click


class BriefgenError(click.ClickException):
    """A problem in something the user wrote: content, audience config or templates.

    Printed as ``path:line:col: message`` and exits 1. Anything else is a bug.
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        path: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column

    def location(self) -> str:
        if self.path is None:
            return ""
        parts = [display_path(self.path)]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message

    def format_message(self) -> str:
        return str(self)

    def show(self, file: IO[Any] | None = None) -> None:
        """The located line(s) alone: no "Error:" prefix, so editors can jump to them."""
        click.echo(self.format_message(), file=file, err=file is None)


class CommandLineError(BriefgenError):
    """The command line asked for something that does not exist or cannot be: exits 2.

    Not click's `UsageError`, which would print the command's usage above the line.
    """

    exit_code = 2


class Interrupted(click.ClickException):
    """Ctrl-C: stop with the conventional exit status 130 and one word."""

    exit_code = 130

    def __init__(self) -> None:
        super().__init__("interrupted")

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.message, file=file, err=file is None)


def display_path(path: Path) -> str:
    """The path relative to the working directory when it is inside it, else absolute."""
    cwd = Path.cwd()  # already free of symbolic links
    if path.is_absolute() and ".." not in path.parts and path.is_relative_to(cwd):
        return str(path.relative_to(cwd))  # without resolving: a summary has 1,000s
    try:
        folder = _resolved(str(path.parent.absolute()))
        return str((folder / path.name).relative_to(_resolved(str(cwd))))
    except ValueError:
        return str(path)


@lru_cache(maxsize=4096)
def _resolved(folder: str) -> Path:
    """A folder without symbolic links, each parent resolved once: a summary names
    thousands of files in a few hundred folders under one output folder."""
    path = Path(folder)
    if path.parent == path or ".." in path.parts or os.path.islink(folder):
        return path.resolve()
    return _resolved(str(path.parent)) / path.name


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """A ' Did you mean "x"?' hint, or '' when nothing is close."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' Did you mean "{close[0]}"?' if close else ""
