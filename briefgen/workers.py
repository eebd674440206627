"""A pool of forked workers that get their work explicitly and die with their parent.

Forking after the parent has imported WeasyPrint, loaded the fonts, read the briefings
and compiled the templates shares all of that copy-on-write. What a worker needs is
handed to the pool's initializer as one frozen object (`order`); each task is an index
into it, and each answer is a small picklable value.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator
from typing import Generic, TypeVar

OrderT = TypeVar("OrderT")
ResultT = TypeVar("ResultT")

PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal this process receives when its parent dies (Linux)."""
PR_SET_NAME = 15
"""prctl(2) option: the process's name, as `ps`, `top` and /proc/<pid>/stat show it."""
WORKER_NAME = "briefgen-worker"
"""What a worker is called once it is set up (at most 15 bytes, the kernel's limit): in
`top` beside the build, and the sign that it will die with its parent."""
TASKS_PER_WORKER = 25
"""Documents a batch gives each worker before fresh ones, forked again from the warmed-up
parent, take over. Collecting after each task frees Python's garbage, but the engine's
native allocations grew a worker by about 0.4 MiB a document; this keeps its memory flat
however long the batch. (Not `maxtasksperchild`: a worker it replaces after the pool is
closed never gets its stop signal, and `Pool.terminate` then waits for it forever.)"""
PARENT_POLL_SECONDS = 1.0
"""Where prctl is missing, how often a worker checks that its parent is still there."""


class _Worker(Generic[OrderT, ResultT]):
    """What one worker process holds: set once by the pool's initializer."""

    task: Callable[[OrderT, int], ResultT] | None = None
    order: OrderT | None = None


_worker: _Worker[object, object] = _Worker()


def _start(task: Callable[[OrderT, int], ResultT], order: OrderT, parent: int) -> None:
    die_with_parent(parent)
    # Ctrl-C reaches the whole process group; the parent alone decides what to do.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker.task = task  # type: ignore[assignment]
    _worker.order = order
    name_this_process(WORKER_NAME)


def _run(index: int) -> object:
    assert _worker.task is not None
    try:
        return _worker.task(_worker.order, index)
    finally:
        # Layouts leave large reference cycles behind; collecting after each task keeps
        # a worker's memory flat however long the batch.
        gc.collect()
        release_free_memory()


def run_in_pool(
    task: Callable[[OrderT, int], ResultT], order: OrderT, indices: list[int], workers: int
) -> Generator[ResultT, None, None]:
    """`task(order, i)` for every index, in forked workers when there are several, in any
    order; in this process when one worker is asked for or fork is unavailable.

    Stopping the iteration early (an error, Ctrl-C) terminates the workers.
    """
    workers = min(workers, len(indices))
    # What exists now (the engine, fonts, templates, briefings) lives for the whole run:
    # frozen, the collector no longer scans it each time a layout's garbage is collected,
    # and forked workers do not copy the parent's memory page by page when they collect.
    gc.collect()
    gc.freeze()
    try:
        if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            for index in indices:
                yield task(order, index)
            return
        share = TASKS_PER_WORKER * workers
        for start in range(0, len(indices), share):
            release_free_memory()  # the fresh workers inherit this process's pages
            yield from _pool_run(task, order, indices[start : start + share], workers)
    finally:
        gc.unfreeze()


def _pool_run(
    task: Callable[[OrderT, int], ResultT], order: OrderT, indices: list[int], workers: int
) -> Generator[ResultT, None, None]:
    pool = multiprocessing.get_context("fork").Pool(
        min(workers, len(indices)), initializer=_start, initargs=(task, order, os.getpid())
    )
    try:
        yield from pool.imap_unordered(_run, indices)
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim), so that
    freed layouts stop counting in the process's memory; elsewhere, nothing."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL(None).malloc_trim(0)


def die_with_parent(parent: int) -> None:
    """Make this process exit when `parent` dies: a CI time-out or a closed terminal
    kills the build with SIGKILL, which it cannot pass on to its workers."""
    if not _ask_kernel_to_kill_us():
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before we asked
        os._exit(1)


def _ask_kernel_to_kill_us() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    return int(prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)) == 0


def name_this_process(name: str) -> None:
    """Rename this process for `ps` and `top` (Linux); elsewhere, nothing."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(PR_SET_NAME, name.encode()[:15], 0, 0, 0)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)
