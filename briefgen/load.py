"""Stage 1: read a YAML file into data that remembers where every key and item came from."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, CommentedSet, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning, YAMLError
from ruamel.yaml.reader import ReaderError

from briefgen.errors import BriefgenError

MAX_FILE_BYTES = 2_000_000
"""Larger YAML files are refused before parsing: a briefing is a few kilobytes."""
MAX_VALUES = 200_000
"""Values after expanding YAML aliases; beyond this an alias bomb would eat memory."""
MAX_EXPANDED_CHARS = 4_000_000
"""Characters of text after expanding YAML aliases: twice the largest file, so only an
alias bomb reaches it (one long string aliased thousands of times)."""
MAX_DEPTH = 40
"""Nesting levels; a briefing needs about six."""
MAX_MARKS = 5_000
"""Keys, list items and flow separators before parsing. The pure-Python parser needs
about half a millisecond per mark, so this caps a hostile file at a few seconds; the
seed briefing has about 420."""
MAX_FLOW_DEPTH = 200
"""Open `[` and `{` checked before parsing, which recurses once per level."""

Location = tuple[str | int, ...]
_MARK = re.compile(r"^\s*- |: |[\[{,]", re.M)


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
            line, column = _key_position(node, part) or (node.lc.line, node.lc.col)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, column = node.lc.item(part)
            node = node[part]
        else:
            break
    return line + 1, column + 1


def _key_position(node: CommentedMap, key: Any) -> tuple[int, int] | None:
    """0-based position of `key`, looking through YAML merge keys (`<<: *defaults`)
    to the mapping it was written in."""
    own = node.lc.data or {}
    if key in own:
        return own[key][0], own[key][1]
    for merged in getattr(node, "merge", None) or []:
        source = merged[1] if isinstance(merged, tuple) else merged
        if isinstance(source, CommentedMap) and key in source:
            return _key_position(source, key)
    return None


def strings_in(
    data: Any, location: Location = (), skip_keys: frozenset[str] = frozenset()
) -> Iterator[tuple[Location, str]]:
    """Every string value in `data` with its location; mapping keys are not printed."""
    if isinstance(data, str):
        yield location, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if key not in skip_keys:
                yield from strings_in(value, (*location, key), skip_keys)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from strings_in(item, (*location, index), skip_keys)


def file_in_folder(
    name: str, folder: Path, loaded: LoadedYaml, location: Location, what: str
) -> Path | BriefgenError:
    """`folder/name` resolved, or the located error when it cannot be one of the folder's files."""
    if "\x00" in name:
        return loaded.error(location, "the file name has a NUL character; fix it")
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        return loaded.error(
            location,
            f"the {what} must be inside the briefing folder; copy it into {folder.name}/ "
            "and write its file name",
        )
    return path


def read_text(path: Path, what: str = "file") -> str:
    """Read a UTF-8 text file, turning every way it can fail into one clear line."""
    if not path.exists():
        raise BriefgenError(f"{what} not found; check the path", path)
    if path.is_dir():
        raise BriefgenError(f"expected a {what} but found a folder", path)
    if not path.is_file():  # reading a pipe or a device would wait, or never end
        raise BriefgenError(f"this {what} is not a regular file (a pipe or device)", path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BriefgenError(
                f"{what} is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit; "
                "shorten it: a briefing is a few kilobytes",
                path,
                1,
            )
        raw = path.read_bytes()
    except PermissionError:
        raise BriefgenError(f"cannot read this {what}: permission denied", path) from None
    except OSError as exc:
        raise BriefgenError(f"cannot read this {what}: {exc.strerror}", path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise BriefgenError(f"this {what} is UTF-16; save it as UTF-8", path, 1, 1) from None
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BriefgenError(
            f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8",
            path,
            line,
            column,
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise BriefgenError(
            f"this {what} contains NUL bytes; is it a binary file? Save it as UTF-8 text",
            path,
            line,
        )
    return text


def load_yaml(path: Path, what: str = "briefing file") -> LoadedYaml:
    """Parse `path` as a YAML mapping, keeping line and column of every key."""
    text = read_text(path, what)
    if not text.strip():
        start = "start from `briefgen new SLUG`" if what == "briefing file" else "write its keys"
        raise BriefgenError(f"{what} is empty; {start}", path, 1, 1)
    deep = _deepest_bracket_line(text, MAX_FLOW_DEPTH)
    if deep is not None:  # ruamel recurses per level and takes seconds to hit the limit
        raise BriefgenError(
            f"brackets are nested too deeply (over {MAX_FLOW_DEPTH} levels); "
            "close them or flatten the lists",
            path,
            deep,
        )
    marks = _MARK.findall(text)
    if len(marks) > MAX_MARKS:
        where = next(m for n, m in enumerate(_MARK.finditer(text)) if n == MAX_MARKS)
        raise BriefgenError(
            f"{what} has {len(marks):,} keys, list items and commas, over the limit of "
            f"{MAX_MARKS:,} (reached on this line); a briefing is far smaller, so shorten "
            "the lists",
            path,
            text.count("\n", 0, where.start()) + 1,
        )
    yaml = YAML(typ="rt", pure=True)
    try:
        with _reused_anchors_allowed():
            data = yaml.load(text)
    except RecursionError:
        line, column = _too_deep(text)
        raise BriefgenError(
            f"lists or mappings are nested too deeply (over {MAX_DEPTH} levels); flatten them",
            path,
            line,
            column,
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        hint = _yaml_hint(problem)
        # ruamel may quote a multi-line value here; the message must stay one line.
        problem = " ".join(problem.split())
        if len(problem) > 120:
            problem = problem[:119] + "…"
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise BriefgenError(f"YAML syntax error: {problem}{hint}", path, line, column) from None
    except ReaderError as exc:  # a control character, which YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = ord(exc.character) if isinstance(exc.character, str) else exc.character
        raise BriefgenError(
            f"control character U+{code:04X} is not allowed in YAML; delete it",
            path,
            line,
            column,
        ) from None
    except YAMLError as exc:
        raise BriefgenError(f"YAML error: {exc}", path) from None
    except (ValueError, OverflowError, TypeError) as exc:
        # A value YAML recognises but cannot build, such as the date 2026-02-30, or a
        # list or mapping used as a key.
        line, column, problem = _unbuildable_node(text)
        raise BriefgenError(
            problem or f"invalid value ({exc}); correct it, or quote it to keep it as text",
            path,
            line or 1,
            column or 1,
        ) from None
    if data is None:
        raise BriefgenError(f"{what} holds only comments; add the keys, e.g. `title:`", path, 1, 1)
    if not isinstance(data, CommentedMap):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise BriefgenError(
            f"{what} must be a mapping of keys like `title:`, but it is {kind}", path, 1, 1
        )
    loaded = LoadedYaml(path, data)
    check_shape(loaded)
    return loaded


@contextmanager
def _reused_anchors_allowed() -> Iterator[None]:
    """A reused anchor is legal YAML (the later one wins); ruamel's multi-line warning
    about it would break the one-line-per-problem rule."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReusedAnchorWarning)
        yield


def _too_deep(text: str) -> tuple[int | None, int | None]:
    """Where nesting first passes MAX_DEPTH, from the parser's events: unlike building
    the data, reading events does not recurse once per level."""
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

    depth = 0
    try:
        for event in YAML(typ="rt", pure=True).parse(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1, event.start_mark.column + 1
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except (YAMLError, RecursionError):
        pass
    return None, None


def _unbuildable_node(text: str) -> tuple[int | None, int | None, str | None]:
    """Where ruamel parses but cannot construct: a non-text key, or a bad scalar."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode

    yaml = YAML(typ="rt", pure=True)
    try:
        with _reused_anchors_allowed():
            root = yaml.compose(text)
    except (YAMLError, ValueError, RecursionError):
        return None, None, None
    pending = [root]
    while pending:
        node = pending.pop(0)
        if node is None:
            continue
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if not isinstance(key, ScalarNode):
                    mark = key.start_mark
                    return (
                        mark.line + 1,
                        mark.column + 1,
                        (
                            "a key must be plain text, not a list or mapping; remove the `?` "
                            "or write `key: value`"
                        ),
                    )
                pending += [key, value]
            continue
        if isinstance(node.value, list):
            pending.extend(node.value)
            continue
        try:
            yaml.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError):
            mark = node.start_mark
            return mark.line + 1, mark.column + 1, None
        except Exception:  # only locating here; the caller reports the error
            continue
    return None, None, None


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters (not tab or line ends): printed, they are invisible or garble the
PDF's metadata; YAML forbids them raw but writes them as escapes (`"a\\0b"`)."""


def check_shape(loaded: LoadedYaml) -> None:
    """Refuse alias bombs and absurd nesting before anything copies the data.

    ruamel keeps an alias as a second reference to one object, so the parse is cheap;
    the danger is every later stage that walks or copies it. Sizes (values, and
    characters of text) are memoised per list or mapping, so this walk costs the size
    of the file, not of the expansion.
    """
    sizes: dict[int, tuple[int, int]] = {}
    open_nodes: set[int] = set()

    def size(node: Any, location: Location) -> tuple[int, int]:
        if isinstance(node, str) and (control := _CONTROL.search(node)):
            raise loaded.error(
                location,
                f"control character U+{ord(control[0]):04X} in the text (a YAML escape such "
                "as \\0 or \\a); delete it",
            )
        if isinstance(node, TaggedScalar | CommentedSet):
            tag = str(node.tag.value) if isinstance(node, TaggedScalar) else "!!set"
            tag = tag.replace("tag:yaml.org,2002:", "!!")
            raise loaded.error(
                location,
                f"the YAML tag {tag} is not one briefgen reads; remove it (quote the value to "
                "keep it as text, write a list as [a, b])",
            )
        if not isinstance(node, dict | list):
            return 1, len(node) if isinstance(node, str) else 0
        if id(node) in sizes:
            if id(node) in open_nodes:
                raise loaded.error(
                    location,
                    "a YAML alias (*name) refers to the list or mapping holding it; "
                    "remove the alias",
                )
            return sizes[id(node)]
        if len(location) > MAX_DEPTH:
            raise loaded.error(
                location,
                f"lists or mappings are nested too deeply (over {MAX_DEPTH} levels); flatten them",
            )
        sizes[id(node)] = (1, 0)
        open_nodes.add(id(node))
        values, chars = 1, 0
        children = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in children:
            child_values, child_chars = size(child, (*location, key))
            values += child_values
            chars += child_chars + (len(key) if isinstance(key, str) else 0)
            if chars > MAX_EXPANDED_CHARS:
                raise loaded.error(
                    location or (key,),
                    f"the text expands to over {MAX_EXPANDED_CHARS:,} characters through YAML "
                    "aliases (*name); write the content out without aliases and keep it short",
                )
        open_nodes.discard(id(node))
        sizes[id(node)] = values, chars
        if values > MAX_VALUES:
            raise loaded.error(
                location[:1] or location,
                f"this expands to over {MAX_VALUES:,} values through YAML aliases (*name) "
                "or sheer size; write the content out without aliases and keep it short",
            )
        return values, chars

    size(loaded.data, ())


def _deepest_bracket_line(text: str, limit: int) -> int | None:
    """The line where brackets first nest past `limit`, or None.

    Counts brackets in prose too, so the limit is generous: unclosed brackets in
    Markdown would need to pile up by the hundred to trip it.
    """
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        for char in line:
            depth += (char in "[{") - (char in "]}")
            if depth > limit:
                return number
    return None


def _yaml_hint(problem: str) -> str:
    if "found character '\\t'" in problem:
        return "; indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "; put text containing ': ' in quotes or use a `|` block"
    if "found duplicate key" in problem:
        return "; each key may appear once, remove or rename one"
    if "could not find expected ':'" in problem:
        return "; every key needs a colon after it"
    if "expected <block end>" in problem:
        return "; this line is indented differently from the ones above it, line it up"
    if "expected ',' or" in problem:
        return "; a bracket opened above is not closed, or text containing ': ' needs quotes"
    return ""
