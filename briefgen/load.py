"""Stage 1: read a YAML file into data that remembers where every key and item came from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from briefgen.errors import BriefgenError

MAX_FILE_BYTES = 2_000_000
"""Larger YAML files are refused before parsing: a briefing is a few kilobytes."""

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class LoadedYaml:
    """A parsed YAML mapping plus the file it came from, for error positions."""

    path: Path
    data: CommentedMap

    def position(self, location: Location) -> tuple[int, int]:
        """1-based (line, column) of the deepest part of `location` that exists in the file."""
        return position_in(self.data, location)

    def error(self, location: Location, message: str) -> BriefgenError:
        line, column = self.position(location)
        return BriefgenError(message, self.path, line, column)


def position_in(data: Any, location: Location) -> tuple[int, int]:
    line, column = 0, 0
    node = data
    for part in location:
        if isinstance(node, CommentedMap) and part in node:
            line, column = node.lc.key(part)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, column = node.lc.item(part)
            node = node[part]
        else:
            break
    return line + 1, column + 1


def read_text(path: Path, what: str = "file") -> str:
    """Read a UTF-8 text file, turning every way it can fail into one clear line."""
    if not path.exists():
        raise BriefgenError(f"{what} not found; check the path", path)
    if path.is_dir():
        raise BriefgenError(f"expected a {what} but found a folder", path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BriefgenError(
                f"{what} is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit; "
                "split it or move long text out",
                path,
            )
        raw = path.read_bytes()
    except PermissionError:
        raise BriefgenError(f"cannot read this {what}: permission denied", path) from None
    except OSError as exc:
        raise BriefgenError(f"cannot read this {what}: {exc.strerror}", path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BriefgenError(
            f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8",
            path,
            line,
            column,
        ) from None
    if "\x00" in text:
        raise BriefgenError(f"this {what} contains NUL bytes; is it a binary file?", path)
    return text


def load_yaml(path: Path, what: str = "briefing file") -> LoadedYaml:
    """Parse `path` as a YAML mapping, keeping line and column of every key."""
    text = read_text(path, what)
    if not text.strip():
        raise BriefgenError(f"{what} is empty; start from `briefgen new SLUG`", path, 1, 1)
    yaml = YAML(typ="rt", pure=True)
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        hint = _yaml_hint(problem)
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise BriefgenError(f"YAML syntax error: {problem}{hint}", path, line, column) from None
    except YAMLError as exc:
        raise BriefgenError(f"YAML error: {exc}", path) from None
    if not isinstance(data, CommentedMap):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise BriefgenError(
            f"{what} must be a mapping of keys like `title:`, but it is {kind}", path, 1, 1
        )
    return LoadedYaml(path, data)


def _yaml_hint(problem: str) -> str:
    if "found character '\\t'" in problem:
        return "; indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "; put text containing ': ' in quotes or use a `|` block"
    if "found duplicate key" in problem:
        return "; each key may appear once, remove or rename one"
    if "could not find expected ':'" in problem:
        return "; every key needs a colon after it"
    return ""
