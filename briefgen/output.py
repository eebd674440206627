"""Writing output so that a failed or killed build never leaves a half-written one.

One file is written to a temporary name beside it and renamed into place. The
documents of one briefing × audience (brief and handout, PDF and HTML, and the record
of what they were built from) are replaced together: a new folder is filled, then
swapped with the old one in one step, so a reader sees all old files or all new ones.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

PARTIAL_SUFFIX = ".partial"
"""Folders being filled; left behind only by a killed build, removed by the next one."""
LOCK_NAME = ".briefgen-lock"
RENAME_EXCHANGE = 2
"""renameat2(2) flag: swap two paths atomically (Linux 3.15+, most local filesystems)."""
AT_FDCWD = -100


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_file(path: Path, data: bytes) -> None:
    """Write a new file, readable by all: the one place output bytes reach the disk."""
    with path.open("xb") as stream:
        stream.write(data)
    os.chmod(path, 0o644)


def replace_set(folder: Path, files: dict[str, bytes], keep_others: bool = True) -> None:
    """Make `folder` hold `files` (relative name → bytes) in one step, keeping its other
    files unless `keep_others` is False (then it holds exactly `files`).

    The new version is assembled in a sibling folder (unchanged files hard-linked, not
    copied) and swapped in; the old version is deleted afterwards.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=PARTIAL_SUFFIX, dir=folder.parent)
    )
    try:
        if folder.is_dir() and keep_others:
            for existing in folder.iterdir():
                if existing.name not in files:
                    _keep(existing, staging / existing.name)
        for name, data in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            write_file(staging / name, data)
        os.chmod(staging, 0o755)
        if not folder.exists():
            os.rename(staging, folder)
        elif not _exchange(staging, folder):
            # No atomic swap here: move the old folder aside, then the new one in.
            # A kill between the two renames leaves no folder, never a mixed one.
            aside = staging.with_name(staging.name.removesuffix(PARTIAL_SUFFIX) + ".old")
            os.rename(folder, aside)
            os.rename(staging, folder)
            shutil.rmtree(aside, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # the old version, or the failed new one


def _keep(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, copy_function=_link_or_copy)
    else:
        _link_or_copy(source, target)


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2; False where that is unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library without renameat2
        return False
    result = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def remove_leftovers(out: Path) -> None:
    """Delete folders a killed build was still filling or emptying (`out/<slug>/.<name>.…`)."""
    for partial in [*out.glob(f"*/.*{PARTIAL_SUFFIX}"), *out.glob("*/.*.old")]:
        shutil.rmtree(partial, ignore_errors=True)


@contextlib.contextmanager
def exclusive(out: Path) -> Iterator[None]:
    """Hold `out`'s lock for the block: two builds never write one folder at once."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    with (out / LOCK_NAME).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_writable(out: Path) -> None:
    """Create `out` and prove a file can be written there; OSError says why not."""
    out.mkdir(parents=True, exist_ok=True)
    handle, probe = tempfile.mkstemp(prefix=".briefgen-probe.", dir=out)
    os.close(handle)
    os.unlink(probe)
