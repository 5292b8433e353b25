"""Shared test configuration."""

import os

from hypothesis import HealthCheck, settings

# Derivations are cached after the first call, but the first call can take a
# second or two of SymPy work: no per-example deadline.
settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def run_tiny_preset(experiment, cache_dir):
    """Tasks, data and report of ``experiment``'s tiny preset (shared by the experiment tests)."""
    from numerics.experiments.runner import run_tasks

    params = experiment.PRESETS["tiny"]
    results = run_tasks(experiment.tasks(params), cache_dir)
    data = experiment.assemble(params, results)
    return params, results, data, experiment.report(data)


def central_difference_jacobian(score, x, t, h=1e-5):
    """``d score_i / d x_j`` by central differences of step ``h``, shape (B, D, D)."""
    import numpy as np

    x = np.asarray(x, dtype=float)
    jac = np.empty(x.shape + (x.shape[1],))
    for j in range(x.shape[1]):
        step = np.zeros(x.shape[1])
        step[j] = h
        jac[:, :, j] = (score(x + step, t) - score(x - step, t)) / (2 * h)
    return jac
