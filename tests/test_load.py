"""Stage 1: every way a YAML file can be unreadable becomes one located, fixable message."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from ruamel.yaml import YAML

from briefgen import load
from briefgen.errors import BriefgenError
from briefgen.load import load_yaml, read_text


def write(tmp_path: Path, data: str | bytes, name: str = "briefing.yaml") -> Path:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def error_of(path: Path) -> BriefgenError:
    with pytest.raises(BriefgenError) as info:
        load_yaml(path)
    return info.value


def test_keeps_line_and_column_of_keys(tmp_path: Path) -> None:
    loaded = load_yaml(write(tmp_path, "title: x\nsource:\n  title: y\n"))
    assert loaded.position(("source", "title")) == (3, 3)
    assert loaded.position(("source", "nope")) == (2, 1)


def test_syntax_error_points_at_the_line(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, "title: x\nkeywords: [a, b\nsummary: y\n"))
    assert error.line == 3 and "YAML syntax error" in error.message


def test_tab_indentation_gets_a_hint(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, "source:\n\ttitle: x\n"))
    assert error.line == 2 and "indent with spaces" in error.message


def test_duplicate_key_gets_a_hint(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, "title: a\ntitle: b\n"))
    assert error.line == 2 and "each key may appear once" in error.message


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    error = error_of(write(tmp_path, text))
    assert error.line == 1 and ("empty" in error.message or "only comments" in error.message)


@pytest.mark.parametrize(
    ("text", "kind"), [("- a\n- b\n", "a list"), ("just words\n", "a single value")]
)
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str, kind: str) -> None:
    error = error_of(write(tmp_path, text))
    assert kind in error.message and error.line == 1


def test_latin1_bytes_name_line_and_column(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, "title: ok\nsummary: caf\xe9\n".encode("latin-1")))
    assert (error.line, error.column) == (2, 13)
    assert "not UTF-8" in error.message and "save the file as UTF-8" in error.message


def test_utf16_is_named(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, "title: x\n".encode("utf-16")))
    assert "UTF-16" in error.message and error.line == 1


def test_utf8_bom_is_fine(tmp_path: Path) -> None:
    assert load_yaml(write(tmp_path, "\ufefftitle: x\n")).data["title"] == "x"


def test_nul_bytes(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, b"title: x\nsummary: \x00\x01\n"))
    assert error.line == 2 and "binary" in error.message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert "not found" in error_of(tmp_path / "nope.yaml").message
    (tmp_path / "dir.yaml").mkdir()
    assert "folder" in error_of(tmp_path / "dir.yaml").message


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Running as root ignores file modes, so simulate the refusal."""
    path = write(tmp_path, "title: x\n")

    def deny(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(BriefgenError, match="permission denied"):
        read_text(path)


def never(what: str) -> Callable[..., Any]:
    def called(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"{what} was called")

    return called


def calls_named(name: str, run: Callable[[], object]) -> int:
    """How many times a function called `name` runs during `run()` (a count, not a time)."""
    count = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal count
        if event == "call" and frame.f_code.co_name == name:
            count += 1

    sys.setprofile(profile)
    try:
        run()
    except BriefgenError:
        pass
    finally:
        sys.setprofile(None)
    return count


def test_ten_megabyte_summary_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "title: x\nsummary: " + "word " * 2_000_000 + "\n")
    monkeypatch.setattr(Path, "read_bytes", never("reading the file"))
    error = error_of(path)
    assert "byte limit" in error.message and error.line == 1


def test_ten_thousand_facts_fail_fast(tmp_path: Path) -> None:
    facts = "".join(
        f'  - figure: "{i}"\n    label: Fact {i}\n    source: {{locator: {{paragraph: 1}}}}\n'
        for i in range(10_000)
    )
    path = write(tmp_path, f"title: x\nkey_facts:\n{facts}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(YAML, "load", never("the YAML parser"))
        error = error_of(path)
    assert "over the limit" in error.message and error.line is not None


def test_billion_laughs_fails_fast(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    error = error_of(path)
    assert "aliases" in error.message and error.line is not None
    # The shape check visits each node of the file once, not the 9**10 of its expansion.
    assert calls_named("size", lambda: load_yaml(path)) < 1_000


def test_modest_aliases_are_allowed(tmp_path: Path) -> None:
    text = "a: &x [press, ministers]\nb: *x\n"
    assert list(load_yaml(write(tmp_path, text)).data["b"]) == ["press", "ministers"]


def test_self_referencing_alias_does_not_loop(tmp_path: Path) -> None:
    """ruamel leaves the inner alias empty; the shape check must not loop either way."""
    loaded = load_yaml(write(tmp_path, "a: &x [1, *x]\n"))
    assert loaded.data["a"][0] == 1


def test_deep_flow_nesting_fails_fast(tmp_path: Path) -> None:
    path = write(tmp_path, "title: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(YAML, "load", never("the YAML parser"))
        error = error_of(path)
    assert "nested too deeply" in error.message and error.line == 1


def test_moderate_nesting_is_reported_at_its_line(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, "title: x\nsummary: " + "[" * 60 + "]" * 60 + "\n"))
    assert "nested too deeply" in error.message and error.line == 2


def test_limits_are_generous_for_real_briefings() -> None:
    seed = Path(__file__).resolve().parent.parent / "content/russian-peacekeepers-azerbaijan"
    text = (seed / "briefing.yaml").read_text(encoding="utf-8")
    assert len(load._MARK.findall(text)) * 5 < load.MAX_MARKS
    load_yaml(seed / "briefing.yaml")


def test_reused_anchor_is_accepted_without_a_warning(tmp_path: Path) -> None:
    """Legal YAML; ruamel's multi-line warning must not reach the user's terminal."""
    path = tmp_path / "briefing.yaml"
    path.write_text("title: &a x\nsummary: &a y\nsubtitle: *a\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_yaml(path)
    assert loaded.data["subtitle"] == "y"


def test_string_alias_bomb_is_refused_by_its_expanded_size(tmp_path: Path) -> None:
    """Few values but megabytes of text: one long anchored string aliased many times."""
    long_text = "x" * 100_000
    aliases = ", ".join(["*s"] * (load.MAX_EXPANDED_CHARS // len(long_text) + 1))
    text = f'title: A\nsummary: &s "{long_text}"\nkeywords: [{aliases}]\n'
    error = error_of(write(tmp_path, text))
    assert "characters through YAML aliases" in error.message
    assert (error.line, error.column) == (3, 1)


def test_text_under_the_expanded_limit_loads(tmp_path: Path) -> None:
    text = 'summary: &s "' + "x" * 10_000 + '"\nkeywords: [' + ", ".join(["*s"] * 50) + "]\n"
    assert len(load_yaml(write(tmp_path, text)).data["keywords"]) == 50


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_refused_not_read(tmp_path: Path) -> None:
    """A source text that was a named pipe made `check` wait forever."""
    import os

    pipe = tmp_path / "article.txt"
    os.mkfifo(pipe)
    with pytest.raises(BriefgenError) as caught:
        read_text(pipe, "source text")
    assert "not a regular file" in str(caught.value)
