"""Task runner: cache, resume, parallel execution and invalidation."""

import json

import pytest

from numerics.experiments.runner import Task, cache_path, run_tasks

CALLS = []


def counting_task(value):
    CALLS.append(value)
    return {"square": value * value}


def failing_task(value):
    if value == 2:
        raise RuntimeError("boom")
    return {"value": value}


def _tasks(func, values, experiment="t"):
    return [Task(experiment, f"k{v}", f"tests.test_runner:{func}", {"value": v}) for v in values]


def test_results_are_cached_and_reused(tmp_path):
    CALLS.clear()
    first = run_tasks(_tasks("counting_task", [1, 2, 3]), tmp_path)
    assert first == {"k1": {"square": 1}, "k2": {"square": 4}, "k3": {"square": 9}}
    assert CALLS == [1, 2, 3]
    second = run_tasks(_tasks("counting_task", [1, 2, 3]), tmp_path)
    assert second == first and CALLS == [1, 2, 3]  # nothing recomputed


def test_changed_parameters_are_recomputed(tmp_path):
    CALLS.clear()
    run_tasks([Task("t", "k", "tests.test_runner:counting_task", {"value": 2})], tmp_path)
    out = run_tasks([Task("t", "k", "tests.test_runner:counting_task", {"value": 3})], tmp_path)
    assert out == {"k": {"square": 9}} and CALLS == [2, 3]


def test_interrupted_run_resumes_from_finished_pieces(tmp_path):
    CALLS.clear()
    with pytest.raises(RuntimeError):
        run_tasks(_tasks("failing_task", [1, 2, 3]), tmp_path)
    done = [t for t in _tasks("failing_task", [1, 2, 3]) if cache_path(tmp_path, t).exists()]
    assert [t.key for t in done] == ["k1"]  # written before the failure, atomically
    assert json.loads(cache_path(tmp_path, done[0]).read_text()) == {"value": 1}


def test_corrupt_cache_entry_is_recomputed(tmp_path):
    task = Task("t", "k", "tests.test_runner:counting_task", {"value": 4})
    path = cache_path(tmp_path, task)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert run_tasks([task], tmp_path) == {"k": {"square": 16}}


def test_process_pool_gives_the_same_results(tmp_path):
    serial = run_tasks(_tasks("counting_task", range(4), "a"), tmp_path / "a")
    parallel = run_tasks(_tasks("counting_task", range(4), "a"), tmp_path / "b", jobs=2)
    assert serial == parallel


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="jobs"):
        run_tasks([], tmp_path, jobs=0)
    with pytest.raises(ValueError, match="scheduler"):
        run_tasks(_tasks("counting_task", [1]), tmp_path, scheduler="slurm")
    with pytest.raises(ValueError, match="unique"):
        run_tasks(_tasks("counting_task", [1, 1]), tmp_path)


def test_dask_local_cluster_runs_the_same_task_functions(tmp_path):
    # distributed is part of the test extra: this path is exercised, not skipped
    serial = run_tasks(_tasks("counting_task", range(3), "d"), tmp_path / "s")
    on_dask = run_tasks(_tasks("counting_task", range(3), "d"), tmp_path / "d",
                        scheduler="dask", jobs=2)
    assert serial == on_dask
