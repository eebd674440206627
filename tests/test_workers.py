"""The worker pool: workers build a bounded number of documents, then fresh ones take over."""

from __future__ import annotations

import os

import pytest

from briefgen import workers


def index_and_worker(order: None, index: int) -> tuple[int, int]:
    return index, os.getpid()


def test_fresh_workers_take_over_after_each_share_of_tasks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workers, "TASKS_PER_WORKER", 3)
    served = dict(workers.run_in_pool(index_and_worker, None, list(range(12)), 2))
    assert sorted(served) == list(range(12))
    shares = [{served[i] for i in range(start, start + 6)} for start in (0, 6)]
    assert os.getpid() not in served.values()
    assert not shares[0] & shares[1], "a worker went on past its share"
