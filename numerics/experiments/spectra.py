"""Experiment 1, "spectra": the seed paper's synthetic three-panel figure.

Setting (THEORY §2, §6): D = 30, standard deviations 1 (x2), 0.3 (x5) and
0.01 (x23), i.e. variances ``1:2,0.09:5,1e-4:23``; every sample is projected
on the unit sphere, so the theory uses the normalised spectrum
(:meth:`theory.Spectrum.normalized`) and the paper's ``g = 0``; VE process;
times from 0.8 down to 1e-5 on a log grid (the paper's code uses a linear
grid, which puts nearly all curves at t > 0.01 where nothing happens).

Panels, each a set of ordered Jacobian singular values (descending, index
1..D) at every time:

(a) theory. *Paper criterion*: :func:`theory.paper_singular_values` per
    direction, sorted descending, the largest :data:`PAPER_DROP_TOP` = 7
    (= 2 + 5, every direction whose memorisation term can exceed the normal
    level) dropped as in the paper's notebook, the rest divided by their
    maximum; they sit at indices 8..30. *Factorised REM*: the exact Gaussian
    value ``1/(1 + SNR_i(t))`` (singular value over the normal level
    ``1/Delta_t``) for directions of a subspace with ``t >= t_k``, and 1 (the
    normal level) once ``t < t_k`` (:func:`theory.factorized_times`): the
    factorised random-energy-model picture, where a condensed subspace's
    weighted covariance vanishes and its directions read as normal.
(b) the NumPy MLP trained on the same N samples: its exact Jacobian
    (:meth:`numerics.mlp.ScoreModel.jacobian`) at the origin and at
    on-manifold points ``x = a_t y`` (``y`` fresh sphere-normalised draws).
(c) the exact empirical score (joint; the factorised one is measured too) at
    the same probe points.

Measured panels are stored as ``sigma_i * Delta_t`` (singular value over the
normal level ``1/Delta_t``): on the manifold it is the ``sigma_i /
sigma_max`` of the theory panels, and at the origin, where the sphere makes
every training point equidistant and the weights never condense, tangent
directions can rise far *above* the normal level (the paper's memorisation
term); dividing by the maximum would hide the normal plateau there.

Loss times (the report). Exact empirical scores: the posterior-variance
ratio crossing of :func:`numerics.loss_times.measure_loss_times`. MLP: the
per-subspace mean of ``-Delta_t diag(J)`` at on-manifold points (the data
basis is the identity) reads ``1/(1 + SNR)`` for a resolved tangent direction
and 1 for a normal one; a subspace is *lost* at the largest time, below the
time at which it first dropped under :data:`MLP_LOSS_LEVEL` = 1/2 (resolved),
where it rises back above 1/2 (log-linear interpolation between grid times).
Theory: the paper's ``t_i*`` (g = 0), the factorised REM ``t_k`` and the
joint REM ``t_C`` (every subspace at once). "Lost first" is decided among the
two manifold subspaces (variances 1 and 0.09); the 0.01-std subspace is the
normal bundle of the figure and only appears in the table. The report (rows,
findings, lost-first table) is built by :mod:`numerics.experiments.spectra_report`.

Run times, measured on 2 cores with one worker (``lostdim reproduce``
default): ``tiny`` 5 s; ``quick`` 22 s on a quiet machine and 71 s at load
average ~8 from other jobs (23 s of CPU: MLP 3000 steps at ~3.3 ms, exact
factorised loss times ~8 s, joint ~3 s); ``paper`` 11.3 min at load 4-8
(5.4 min of CPU, nearly all of it the 20000 MLP steps at ~24 ms each).
"""

from __future__ import annotations

import time

import numpy as np

import theory
from theory.spectrum import Spectrum

from ..data import sample_gaussian_manifold
from ..loss_times import LOSS_THRESHOLD, measure_loss_times
from ..mlp import MLPConfig, ScoreModel, TrainConfig, init_training, train
from ..simulate import build_model
from .runner import Task
from .spectra_report import report

__all__ = [
    "NAME", "TITLE", "PRESETS", "SPECTRUM", "PAPER_DROP_TOP", "MLP_LOSS_LEVEL",
    "tasks", "assemble", "report", "theory_panel", "empirical_panel", "mlp_panel",
    "rem_values", "paper_values", "rise_time", "subspace_label",
]

NAME = "spectra"
TITLE = "Experiment 1: ordered Jacobian spectra over time (theory, MLP, exact empirical score)"
#: The paper's synthetic spectrum (variances; stds 1 x2, 0.3 x5, 0.01 x23).
SPECTRUM = "1:2,0.09:5,1e-4:23"
#: Largest paper-criterion values dropped before normalising (the paper's ``in_idx``).
PAPER_DROP_TOP = 7
#: Subspace level (mean of -Delta_t diag J) above which an MLP subspace reads as normal.
MLP_LOSS_LEVEL = 0.5

_COMMON = {"variances": SPECTRUM, "process": "ve", "t_max": 0.8, "t_min": 1e-5}
PRESETS = {
    "tiny": dict(_COMMON, n=200, n_times=5, points=2, seed=0, loss_batch=16, loss_grid=12,
                 mlp={"width": 16, "depth": 1, "steps": 200, "batch": 16, "lr": 2e-3}),
    "quick": dict(_COMMON, n=1000, n_times=16, points=8, seed=0, loss_batch=64, loss_grid=28,
                  mlp={"width": 64, "depth": 2, "steps": 3000, "batch": 128, "lr": 2e-3}),
    "paper": dict(_COMMON, n=1000, n_times=40, points=16, seed=0, loss_batch=256, loss_grid=46,
                  mlp={"width": 128, "depth": 3, "steps": 20000, "batch": 256, "lr": 1e-3}),
}


# -- parameters ---------------------------------------------------------------
def _check_params(params: dict) -> dict:
    required = ("variances", "process", "t_max", "t_min", "n", "n_times", "points", "seed",
                "loss_batch", "loss_grid", "mlp")
    missing = [k for k in required if k not in params]
    if missing:
        raise ValueError(f"spectra parameters miss {missing}")
    if params["process"] != "ve":
        raise ValueError(f"the spectra experiment is defined for the VE process, got "
                         f"{params['process']!r}")
    for key, low in (("n", 2), ("n_times", 2), ("points", 1), ("loss_batch", 2),
                     ("loss_grid", 2)):
        value = params[key]
        if isinstance(value, bool) or int(value) != value or value < low:
            raise ValueError(f"{key} must be an integer >= {low}, got {value!r}")
    if not 0 < params["t_min"] < params["t_max"]:
        raise ValueError(f"need 0 < t_min < t_max, got {params['t_min']!r}, {params['t_max']!r}")
    theory.parse_spectrum(params["variances"])
    return params


def _times(t_max, t_min, n_times):
    return np.geomspace(float(t_max), float(t_min), int(n_times))


def subspace_label(variance, dim) -> str:
    """Name of a subspace by its raw (un-normalised) variance.

    >>> subspace_label(0.09, 5)
    'variance 0.09 (dim 5)'
    """
    return f"variance {variance:g} (dim {dim})"


def tasks(params: dict) -> list:
    """Independent pieces: theory, exact empirical scores (joint, factorised), MLP.

    >>> [t.key for t in tasks(PRESETS["tiny"])]
    ['theory', 'empirical_joint', 'empirical_factorized', 'mlp']
    """
    p = _check_params(params)
    base = {"variances": p["variances"], "n": int(p["n"]), "t_max": p["t_max"],
            "t_min": p["t_min"], "n_times": int(p["n_times"])}
    probe = dict(base, points=int(p["points"]), seed=int(p["seed"]))
    module = __name__
    out = [Task(NAME, "theory", f"{module}:theory_panel", dict(base))]
    for score in ("joint", "factorized"):
        out.append(Task(NAME, f"empirical_{score}", f"{module}:empirical_panel",
                        dict(probe, score=score, loss_batch=int(p["loss_batch"]),
                             loss_grid=int(p["loss_grid"]))))
    out.append(Task(NAME, "mlp", f"{module}:mlp_panel", dict(probe, **p["mlp"])))
    return out


# -- theory ---------------------------------------------------------------------
def paper_values(times, spectrum: Spectrum, n, drop_top: int = PAPER_DROP_TOP):
    """Paper-criterion singular values, sorted, top ``drop_top`` dropped, over their max.

    Parameters
    ----------
    times : array_like (T,)
    spectrum : Spectrum
        The (normalised) spectrum the criterion uses, with g = 0.
    n : int
    drop_top : int

    Returns
    -------
    ndarray (T, D - drop_top)
        Descending; entry ``j`` belongs to index ``drop_top + 1 + j`` (1-based).

    Examples
    --------
    >>> spec = theory.PAPER_SPECTRUM.normalized()
    >>> v = paper_values([0.5], spec, 1000)
    >>> v.shape, float(v[0, 0])
    ((1, 23), 1.0)
    """
    raw = theory.paper_singular_values(np.asarray(times, dtype=float), spectrum, n, 0.0)
    per_direction = np.repeat(raw, spectrum.dims, axis=-1)
    ordered = -np.sort(-per_direction, axis=-1)[:, int(drop_top):]
    return ordered / ordered[:, :1]


def rem_values(times, spectrum: Spectrum, n):
    """Factorised-REM picture: ``1/(1 + SNR_i)`` while ``t >= t_k``, 1 once ``t < t_k``.

    Returns
    -------
    ndarray (T, D)
        Per direction (subspace order, not sorted).

    Examples
    --------
    >>> spec = theory.parse_spectrum("1:2,0.01:2")        # t_k = 1/99, 0.01/99
    >>> rem_values([0.5, 0.005], spec, 100).round(4).tolist()
    [[0.3333, 0.3333, 0.9804, 0.9804], [1.0, 1.0, 0.3333, 0.3333]]
    """
    times = np.asarray(times, dtype=float)
    t_k = np.repeat(theory.factorized_times(spectrum, n, "ve"), spectrum.dims)
    gaussian = theory.normalized_singular_values(times[:, None], spectrum.per_direction()[None, :])
    return np.where(times[:, None] < t_k[None, :], 1.0, gaussian)


def theory_panel(variances, n, t_max, t_min, n_times) -> dict:
    """Panel (a): the paper criterion and the factorised-REM picture, plus the times.

    >>> out = theory_panel(SPECTRUM, 1000, 0.8, 1e-5, 3)
    >>> out["drop_top"], len(out["paper"][0]), len(out["rem"][0])
    (7, 23, 30)
    """
    raw = theory.parse_spectrum(variances)
    spec = raw.normalized()
    times = _times(t_max, t_min, n_times)
    rem = rem_values(times, spec, n)
    return {
        "times": times, "drop_top": PAPER_DROP_TOP,
        "paper_index": np.arange(PAPER_DROP_TOP + 1, spec.ambient_dim + 1),
        "paper": paper_values(times, spec, n),
        "rem": -np.sort(-rem, axis=1),
        "paper_times": theory.paper_times(spec, n, 0.0, "ve"),
        "factorized_times": theory.factorized_times(spec, n, "ve"),
        "collapse_time": float(theory.collapse_time(spec, n, "ve")),
        "normalized_variances": list(spec.variances),
    }


# -- measured panels ------------------------------------------------------------
def _jacobian_measures(model, times, spectrum: Spectrum, points, rng):
    """Scaled ordered singular values and per-subspace diagonal levels per time."""
    proc = theory.get_process("ve")
    index = spectrum.subspace_index()
    out = {"origin": [], "manifold": [], "origin_levels": [], "manifold_levels": []}
    for t in times:
        delta = float(proc.delta(t))
        y = sample_gaussian_manifold(spectrum, int(points), rng, normalize=True)
        for where, x in (("origin", np.zeros((1, spectrum.ambient_dim))),
                         ("manifold", float(proc.a(t)) * y)):
            jac = model.jacobian(x, t)
            sv = np.linalg.svd(jac, compute_uv=False) * delta
            out[where].append(sv.mean(axis=0))
            diag = -delta * np.diagonal(jac, axis1=1, axis2=2).mean(axis=0)
            out[f"{where}_levels"].append([float(diag[index == k].mean())
                                           for k in range(spectrum.n_subspaces)])
    return {k: np.array(v) for k, v in out.items()}


def rise_time(times, levels, level: float = MLP_LOSS_LEVEL):
    """Largest time at which a resolved subspace's level rises back above ``level``.

    ``times`` descend. The subspace must first fall below ``level`` (resolved
    as tangent); the loss is the first later (smaller-time) upward crossing,
    interpolated linearly in ``log t``. ``None`` if there is none on the grid.

    Examples
    --------
    >>> round(rise_time([1.0, 0.1, 0.01, 0.001], [0.9, 0.2, 0.4, 0.8]), 6)  # 10**-2.25
    0.005623
    >>> rise_time([1.0, 0.1], [0.9, 0.2]) is None
    True
    """
    times = np.asarray(times, dtype=float)
    levels = np.asarray(levels, dtype=float)
    below = np.flatnonzero(levels < level)
    if below.size == 0:
        return None
    for j in range(int(below[0]) + 1, times.size):
        if levels[j] >= level:
            lo, hi = levels[j - 1], levels[j]
            frac = (level - lo) / (hi - lo)
            return float(np.exp(np.log(times[j - 1]) + frac * (np.log(times[j]) - np.log(times[j - 1]))))
    return None


def _resolved_time(times, levels, level):
    below = np.flatnonzero(np.asarray(levels) < level)
    return float(times[below[0]]) if below.size else None


def empirical_panel(variances, n, t_max, t_min, n_times, points, seed, score, loss_batch,
                    loss_grid) -> dict:
    """Panel (c): exact empirical score (``score`` joint or factorized) and its loss times.

    The training set is drawn from ``seed`` (the MLP of panel (b) trains on
    the same one); probe points and loss-time draws from their own streams.
    """
    spec = theory.parse_spectrum(variances)
    times = _times(t_max, t_min, n_times)
    train_set = sample_gaussian_manifold(spec, int(n), np.random.default_rng([seed, 0]),
                                         normalize=True)
    model = build_model(train_set, spec, "ve", score)
    start = time.perf_counter()
    measures = _jacobian_measures(model, times, spec, points, np.random.default_rng([seed, 1]))
    grid = np.geomspace(1e-6, 2.0, int(loss_grid))
    loss, curve = measure_loss_times(model, spec, grid=grid, batch=int(loss_batch),
                                     rng=np.random.default_rng([seed, 2]), normalize=True)
    return dict(measures, times=times, score=score, loss_times=loss, loss_grid=grid,
                loss_curve=curve, loss_threshold=LOSS_THRESHOLD, loss_batch=int(loss_batch),
                seconds=time.perf_counter() - start)


def mlp_panel(variances, n, t_max, t_min, n_times, points, seed, width, depth, steps, batch,
              lr) -> dict:
    """Panel (b): train the NumPy MLP on the N normalised samples; exact Jacobian spectra.

    The network is trained on times ``[t_min, 100]`` (log-uniform), so every
    probed time lies in its training range.
    """
    spec = theory.parse_spectrum(variances)
    times = _times(t_max, t_min, n_times)
    train_set = sample_gaussian_manifold(spec, int(n), np.random.default_rng([seed, 0]),
                                         normalize=True)
    config = MLPConfig(dim=spec.ambient_dim, width=int(width), depth=int(depth), process="ve",
                       data_variance=float(np.mean(np.var(train_set, axis=0))))
    training = TrainConfig(steps=int(steps), batch=int(batch), lr=float(lr), t_min=float(t_min))
    state = init_training(config, training, rng=np.random.default_rng([seed, 3]))
    start = time.perf_counter()
    train(state, train_set)
    train_seconds = time.perf_counter() - start
    model = ScoreModel(state.ema_params, config)
    measures = _jacobian_measures(model, times, spec, points, np.random.default_rng([seed, 1]))
    levels = measures["manifold_levels"]
    losses = np.asarray(state.losses)
    tail = max(1, losses.size // 10)
    return dict(measures, times=times, level=MLP_LOSS_LEVEL,
                loss_times=[rise_time(times, levels[:, k]) for k in range(spec.n_subspaces)],
                resolved_times=[_resolved_time(times, levels[:, k], MLP_LOSS_LEVEL)
                                for k in range(spec.n_subspaces)],
                final_loss=float(losses[-tail:].mean()), train_seconds=train_seconds,
                config=config.to_dict(), training=training.to_dict())


# -- assemble -------------------------------------------------------------------
def assemble(params: dict, results: dict) -> dict:
    """The figure's data from the task results (JSON-ready)."""
    p = _check_params(params)
    raw = theory.parse_spectrum(p["variances"])
    subspaces = [{"variance": v, "dim": d, "label": subspace_label(v, d),
                  "normalized_variance": nv}
                 for v, d, nv in zip(raw.variances, raw.dims,
                                     results["theory"]["normalized_variances"])]
    d = raw.ambient_dim
    # Number of normal-level directions when nothing, the 0.09 subspace, or the
    # variance-1 subspace is lost (the paper's vertical lines).
    lines = [{"index": d - 7, "label": "full manifold (d = 7)"},
             {"index": d - 2, "label": "0.09 subspace lost (d = 2)"},
             {"index": d - 5, "label": "variance-1 subspace lost (d = 5)"}]
    return {"spectrum": p["variances"], "n": int(p["n"]), "process": "ve", "normalize": True,
            "g": 0.0, "seed": int(p["seed"]), "dim": d, "subspaces": subspaces,
            "reference_lines": lines, "times": results["theory"]["times"],
            "theory": results["theory"],
            "empirical": {"joint": results["empirical_joint"],
                          "factorized": results["empirical_factorized"]},
            "mlp": results["mlp"], "mlp_loss_level": MLP_LOSS_LEVEL}
