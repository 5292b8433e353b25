"""The paper's experiments, one module each; they return data, plots draw it.

Every experiment module defines

* ``NAME`` and ``TITLE``;
* ``PRESETS``: ``{"tiny": {...}, "quick": {...}, "paper": {...}}`` of
  JSON-serialisable parameters (``tiny`` exists for the end-to-end test);
* ``tasks(params) -> list[Task]``: independent pieces
  (:class:`numerics.experiments.runner.Task`), cached and parallelisable;
* ``assemble(params, results) -> dict``: the figure's data from the task
  results (JSON-ready);
* ``report(data) -> dict``: ``{"rows": [...], "findings": [...], "lost_first":
  [...]}`` where rows follow :func:`numerics.compare.format_table` and each
  finding is a sentence stating a measured result;

and its figure is drawn by ``numerics.plots.<NAME>.plot(data) -> Figure``.

An experiment may keep its report or its measuring helpers in sibling modules
(``spectra_report``, ``digits_report``, ``dimension_vs_n_report``,
``dimension_measures``); the experiment module imports them, and only the
modules named in :data:`EXPERIMENT_NAMES` are experiments.
"""

from __future__ import annotations

import importlib

__all__ = ["EXPERIMENT_NAMES", "get_experiment"]

#: Experiments in the order ``lostdim reproduce`` runs them.
EXPERIMENT_NAMES = ("spectra", "dimension_vs_n", "phase_diagram", "digits")


def get_experiment(name: str):
    """The experiment module called ``name``.

    >>> get_experiment("nope")
    Traceback (most recent call last):
    ...
    ValueError: unknown experiment 'nope'; expected some of spectra, dimension_vs_n, phase_diagram, digits
    """
    if name not in EXPERIMENT_NAMES:
        raise ValueError(f"unknown experiment {name!r}; expected some of "
                         + ", ".join(EXPERIMENT_NAMES))
    return importlib.import_module(f"{__name__}.{name}")
