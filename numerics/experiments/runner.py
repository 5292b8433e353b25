"""Run experiment tasks with an on-disk cache, in parallel if asked.

A :class:`Task` names a top-level function by import path and holds its
JSON-serialisable keyword arguments, so the same task runs unchanged in this
process, in a process pool or on a Dask cluster. Each finished task is
written atomically to ``<cache>/<experiment>/<key>-<hash>.json`` (the hash
covers the function and its arguments), so an interrupted run resumes where it
stopped and a changed parameter is recomputed, never silently reused.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ..cli.common import to_jsonable
from ..io import write_json_atomic
from ..progress import progress

__all__ = ["Task", "execute_task", "run_tasks", "cache_path"]


@dataclass(frozen=True)
class Task:
    """One independent piece of an experiment.

    Attributes
    ----------
    experiment : str
        Experiment name (cache folder).
    key : str
        Name of the piece, unique within the experiment.
    func : str
        ``"module:function"``; the function takes ``**params`` and returns a
        JSON-serialisable dict.
    params : dict
        Keyword arguments (JSON-serialisable: numbers, strings, lists).
    """

    experiment: str
    key: str
    func: str
    params: dict = field(default_factory=dict)

    def digest(self) -> str:
        """Hash of the function and its arguments (12 hex digits).

        >>> Task("e", "k", "m:f", {"a": 1}).digest() == Task("e", "k", "m:f", {"a": 1}).digest()
        True
        """
        text = json.dumps([self.func, to_jsonable(self.params)], sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()[:12]


def execute_task(task: Task) -> dict:
    """Import and call ``task.func(**task.params)``; return a JSON-ready dict."""
    module_name, _, func_name = task.func.partition(":")
    func = getattr(importlib.import_module(module_name), func_name)
    result = func(**task.params)
    if not isinstance(result, dict):
        raise ValueError(f"task {task.key!r} returned {type(result).__name__}, expected a dict")
    return to_jsonable(result)


def cache_path(cache_dir, task: Task) -> Path:
    """Where the result of ``task`` is cached."""
    return Path(cache_dir) / task.experiment / f"{task.key}-{task.digest()}.json"


def _load(path: Path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, json.JSONDecodeError):
        return None  # unreadable cache entry: recompute it


def run_tasks(tasks, cache_dir, *, jobs: int = 1, scheduler: str = "local", address=None,
              show_progress: bool = False) -> dict:
    """Run every task not already cached; return ``{key: result}``.

    Parameters
    ----------
    tasks : list of Task
    cache_dir : path
    jobs : int
        Worker processes for ``scheduler="local"`` (1: run in this process).
    scheduler : {"local", "dask"}
        ``"dask"`` sends the tasks to a ``dask.distributed`` cluster at
        ``address`` (a new local cluster with ``jobs`` workers if ``None``);
        needs the ``distributed`` extra.
    address : str, optional
        Dask scheduler address.
    show_progress : bool

    Examples
    --------
    >>> import tempfile
    >>> tasks = [Task("demo", f"k{i}", "numerics.experiments.runner:_echo", {"value": i})
    ...          for i in range(3)]
    >>> run_tasks(tasks, tempfile.mkdtemp())
    {'k0': {'value': 0}, 'k1': {'value': 1}, 'k2': {'value': 2}}
    """
    if int(jobs) != jobs or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
    keys = [t.key for t in tasks]
    if len(set(zip([t.experiment for t in tasks], keys))) != len(tasks):
        raise ValueError("task keys must be unique within an experiment")
    results, todo = {}, []
    for task in tasks:
        cached = _load(cache_path(cache_dir, task)) if cache_path(cache_dir, task).exists() else None
        if cached is None:
            todo.append(task)
        else:
            results[task.key] = cached

    def finish(task, result):
        write_json_atomic(cache_path(cache_dir, task), result)
        results[task.key] = result

    if scheduler == "dask":
        _run_dask(todo, finish, jobs=int(jobs), address=address, show_progress=show_progress)
    elif scheduler != "local":
        raise ValueError(f"unknown scheduler {scheduler!r}; expected 'local' or 'dask'")
    elif jobs == 1 or len(todo) <= 1:
        for task in progress(todo, total=len(todo), desc="tasks", enabled=show_progress):
            finish(task, execute_task(task))
    else:
        # BLAS threads per worker: one, so that jobs x threads matches the cores.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        with ProcessPoolExecutor(max_workers=int(jobs)) as pool:
            futures = {pool.submit(execute_task, task): task for task in todo}
            for future in progress(as_completed(futures), total=len(futures), desc="tasks",
                                   enabled=show_progress):
                finish(futures[future], future.result())
    return {key: results[key] for key in keys}


def _run_dask(todo, finish, *, jobs, address, show_progress):
    try:
        from dask.distributed import Client, LocalCluster, as_completed as dask_completed
    except ImportError:
        raise ValueError("scheduler 'dask' needs the distributed extra: "
                         "pip install '.[distributed]' in the source folder") from None
    if not todo:
        return
    cluster = None
    if address is None:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        address = cluster
    try:
        with Client(address) as client:
            futures = {client.submit(execute_task, task, pure=False): task for task in todo}
            for future in progress(dask_completed(list(futures)), total=len(futures),
                                   desc="tasks", enabled=show_progress):
                finish(futures[future], future.result())
    finally:
        if cluster is not None:
            cluster.close()


def _echo(value):
    # a trivial task function for examples and tests
    return {"value": value}
