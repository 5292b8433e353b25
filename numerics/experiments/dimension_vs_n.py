"""Experiment 2: the retained dimension as a function of the training-set size N.

On the seed paper's spectrum (:data:`theory.PAPER_SPECTRUM`, ``1:2,0.09:5,1e-4:23``,
VE), at a few fixed small times, the dimension each model keeps is measured
for N spread over more than 1.5 decades and set against the three theories'
predictions of which subspaces are lost at that N.

Normalisation. By default the samples are projected on the unit sphere, as in
the paper, and every theory uses the normalised spectrum (variances summing
to one) with the paper's ``g = 0``. The reason: with ``g = 1`` (raw data) the
paper's fixed points ``t_i* = (lambda_i + sqrt(lambda_i^2 + 4 g S L)) / 2L``
are all close to ``sqrt(g S / L)``, so its criterion no longer tells the
subspaces apart and there is no paper prediction worth testing. The price is
that sphere-projected data are only approximately Gaussian, so the REM times
are approximate too (the measurement says how much). ``normalize: false`` in
the parameters runs the raw Gaussian data with ``g = 1`` consistently.

Dimension definitions (the same idea for every model)
-----------------------------------------------------
A subspace is *lost* at time ``t`` when the model's posterior variance of the
clean point along it, at typical points ``x = a_t y + sqrt(Delta_t) z`` of the
population (median over ``batch`` points), is below
:data:`numerics.loss_times.LOSS_THRESHOLD` (1/2) times the exact posterior
variance ``lambda Delta/(Delta + a^2 lambda)`` (``lambda``: the training set's
own variance there). The **retained dimension** is the sum of the dimensions
of the subspaces not lost.

* exact empirical score, joint and factorised: the posterior variance is the
  Boltzmann-weighted variance of the training points
  (:func:`numerics.loss_times.posterior_variance_ratio`);
* NumPy MLP: the posterior covariance implied by its score through the
  second-order Tweedie formula ``Cov[y | x] = (Delta/a^2)(I + Delta J)``,
  ``J`` its exact Jacobian (for an empirical score this *is* the weighted
  covariance, see :func:`tweedie_ratio`). An error ``e`` in ``Delta J`` moves
  the ratio by ``e / SNR``, so along a subspace whose population SNR is below
  :data:`SNR_MIN` the network's ratio is not measurable; such subspaces are
  left undecided and the MLP's dimension is given as a range
  ``[dimension_low, dimension_high]`` (undecided counted as lost / retained);
* paper criterion (THEORY §6): subspace k is retained iff ``t >= t_k*(N)``;
* factorised REM (THEORY §5): retained iff ``t >= t_k(N)``;
* joint REM: everything is lost below the joint collapse time ``t_C(N)``,
  everything retained above it.

For comparison with the paper's own kind of measurement, every model's
**spectral dimension** is also recorded: the largest-gap rule
(:func:`numerics.estimators.largest_gap_dimension`) on the normalised singular
values of its Jacobian at 8 on-manifold points ``x = a_t y``, next to the same
rule on the exact population spectrum. It counts resolved, unlost directions
(a subspace of SNR << 1 reads as normal even when retained), so it is not the
retained dimension and is reported in the findings only.

Per-subspace loss times (for "which subspace is lost first") are the largest
time at which the ratio is below 1/2: :func:`numerics.loss_times.measure_loss_times`
on :data:`EXACT_LOSS_GRID` for the exact scores, the same rule on a log grid of
measurable times from the network's ``t_min`` to the largest experiment time.
The ratio's reference is the Gaussian posterior variance; for sphere-projected
data it is right only where the resolved subspaces have a large SNR (t up to
~1e-2 here); at t ~ 0.1 even a network that does not memorise reads about 0.5
on the top subspace, so the network's search stops at the largest experiment
time.

Run times (2 cores, ``--jobs 2``, other jobs sharing the machine): ``tiny``
a few seconds; ``quick`` 37 s wall for ``lostdim reproduce dimension_vs_n
--jobs 2`` (measured with a load average near 5 from other jobs; four
networks of 1500 steps at ~5 ms a step dominate);
``paper`` about 40 minutes (estimated: seven networks of 20000 steps at
~30 ms a step, measured on the same loaded machine, plus the exact scores up
to N = 20000, a few minutes).
"""

from __future__ import annotations

import math

import numpy as np

import theory
from theory.spectrum import Spectrum, parse_spectrum

from ..data import sample_gaussian_manifold
from ..empirical_score import EmpiricalScore
from ..factorized_score import FactorizedScore
from ..loss_times import (LOSS_THRESHOLD, measure_loss_times, posterior_variance_ratio,
                          reference_variances)
from ..mlp import MLPConfig, ScoreModel, TrainConfig, init_training, train
from ..mlp.blas import blas_threads
from .dimension_measures import (largest_crossing, population_spectral_dimension,
                                 probe_points, spectral_dimensions, tweedie_ratio)
from .dimension_vs_n_report import report
from .runner import Task

__all__ = ["NAME", "TITLE", "PRESETS", "SNR_MIN", "tasks", "assemble", "report",
           "measure_exact", "measure_mlp", "tweedie_ratio", "theory_times", "theory_dimensions",
           "population_spectral_dimension",
           "validate"]

NAME = "dimension_vs_n"
TITLE = "Dimension versus training-set size"

#: Below this population SNR the network's posterior-variance ratio is not
#: measurable (an error e in Delta J moves the ratio by e / SNR).
SNR_MIN = 0.1

_MLP_QUICK = {"width": 64, "depth": 2, "steps": 1500, "batch": 128, "lr": 2e-3, "t_min": 1e-5}
PRESETS = {
    "tiny": {"spectrum": "1:2,0.09:5,1e-4:23", "normalize": True, "process": "ve",
             "ns": [50, 200], "times": [1e-4, 1e-3, 1e-2], "batch": 32, "mlp_points": 16,
             "mlp": {"width": 16, "depth": 1, "steps": 100, "batch": 16, "lr": 2e-3,
                     "t_min": 1e-5},
             "grid": 200, "seed": 0},
    "quick": {"spectrum": "1:2,0.09:5,1e-4:23", "normalize": True, "process": "ve",
              "ns": [250, 1000, 4000, 8000], "times": [1e-4, 1e-3, 1e-2], "batch": 128,
              "mlp_points": 64, "mlp": _MLP_QUICK, "grid": 400, "seed": 0},
    "paper": {"spectrum": "1:2,0.09:5,1e-4:23", "normalize": True, "process": "ve",
              "ns": [250, 500, 1000, 2000, 5000, 10000, 20000], "times": [1e-4, 1e-3, 1e-2],
              "batch": 256, "mlp_points": 128,
              "mlp": {"width": 128, "depth": 3, "steps": 20000, "batch": 128, "lr": 1e-3,
                      "t_min": 1e-5},
              "grid": 600, "seed": 0},
}

#: Loss-time search grid of the exact scores: every predicted loss time of the
#: presets (1e-5 .. 0.04) lies inside, with margin.
EXACT_LOSS_GRID = np.geomspace(1e-6, 0.1, 21)
# Points per decade of the network's loss-time grid (t_min .. largest time).
_MLP_GRID_PER_DECADE = 6


def validate(params) -> dict:
    """Check the parameters; return them with the spectrum parsed under ``"_spectrum"``.

    >>> validate(PRESETS["tiny"])["_spectrum"].ambient_dim
    30
    >>> validate({**PRESETS["tiny"], "ns": [0]})
    Traceback (most recent call last):
    ...
    ValueError: ns must be distinct integers >= 2, got [0]
    """
    p = dict(params)
    p["_spectrum"] = parse_spectrum(p["spectrum"])
    ns = p.get("ns")
    if (not isinstance(ns, (list, tuple)) or not ns or any(int(n) != n or n < 2 for n in ns)
            or len(set(ns)) != len(ns)):
        raise ValueError(f"ns must be distinct integers >= 2, got {ns!r}")
    times = p.get("times")
    if (not isinstance(times, (list, tuple)) or not times
            or any(not math.isfinite(t) or t <= 0 for t in times)):
        raise ValueError(f"times must be finite values > 0, got {times!r}")
    for key in ("batch", "mlp_points", "grid"):
        if int(p[key]) != p[key] or p[key] < 2:
            raise ValueError(f"{key} must be an integer >= 2, got {p[key]!r}")
    theory.get_process(p["process"])
    return p


def _generator(seed, *keys):
    # one independent stream per (seed, N, purpose): tasks share the training set
    return np.random.default_rng([int(seed), *[int(k) for k in keys]])


def _training_set(spectrum_text, n, normalize, seed):
    spectrum = parse_spectrum(spectrum_text)
    return spectrum, sample_gaussian_manifold(spectrum, int(n), _generator(seed, n, 0),
                                              normalize=bool(normalize))


def _finite(value):
    return float(value) if value is not None and math.isfinite(value) else None


def measure_exact(spectrum, n, times, process, normalize, batch, seed) -> dict:
    """Posterior-variance ratios and loss times of the joint and factorised empirical scores.

    Returns ``{"n", "reference", "joint": {...}, "factorized": {...}}`` with, per
    score, ``ratio`` (one list per time, one value per subspace, ``None`` for a
    zero-variance subspace) and ``loss_time`` per subspace (``None`` where the
    ratio never crosses 1/2 on :data:`EXACT_LOSS_GRID`).

    Examples
    --------
    >>> r = measure_exact("1:2,0.1:3", 50, [1e-3], "ve", False, 16, 0)
    >>> sorted(r), len(r["joint"]["ratio"][0])
    (['factorized', 'joint', 'n', 'reference'], 2)
    """
    # One BLAS thread: tasks run one per core, and the many small products of
    # the streamed scores stall with more threads on a loaded machine.
    with blas_threads(1):
        return _measure_exact(spectrum, n, times, process, normalize, batch, seed)


def _measure_exact(spectrum, n, times, process, normalize, batch, seed):
    spec, data = _training_set(spectrum, n, normalize, seed)
    reference = reference_variances(data, spec.subspace_index())
    out = {"n": int(n), "reference": reference.tolist()}
    for name, model in (("joint", EmpiricalScore(data, process,
                                                 subspace_index=spec.subspace_index())),
                        ("factorized", FactorizedScore(data, spec.subspace_index(), process))):
        rng = _generator(seed, n, 1)  # the same probe points for both scores
        ratios = []
        for t in times:
            x = probe_points(spec, t, batch, process, normalize, rng)
            ratios.append([_finite(v) for v in posterior_variance_ratio(model, x, t, reference)])
        loss, _ = measure_loss_times(model, spec, grid=EXACT_LOSS_GRID, batch=int(batch),
                                     rng=_generator(seed, n, 3), normalize=normalize)
        out[name] = {"ratio": ratios, "loss_time": [_finite(v) for v in loss],
                     "spectral_dimension": spectral_dimensions(model, spec, times, process,
                                                               normalize, _generator(seed, n, 4))}
    return out


def measure_mlp(spectrum, n, times, process, normalize, points, mlp, seed) -> dict:
    """Train the NumPy MLP on the N-point training set; its Tweedie ratios and loss times.

    Returns ``{"n", "ratio", "measurable", "loss_time", "final_loss",
    "seconds_per_step"}``: ``ratio`` per time and subspace (``None`` where
    the population SNR is below :data:`SNR_MIN`), ``loss_time`` per subspace
    (``None`` with a reason in ``loss_note``).
    """
    import time as _time

    spec, data = _training_set(spectrum, n, normalize, seed)
    reference = reference_variances(data, spec.subspace_index())
    config = MLPConfig(dim=spec.ambient_dim, width=int(mlp["width"]), depth=int(mlp["depth"]),
                       process=process, data_variance=float(np.mean(data.var(axis=0))))
    tcfg = TrainConfig(steps=int(mlp["steps"]), batch=int(mlp["batch"]), lr=float(mlp["lr"]),
                       t_min=float(mlp["t_min"]), lr_schedule="cosine")
    state = init_training(config, tcfg, rng=_generator(seed, n, 2))
    start = _time.perf_counter()
    train(state, data)
    per_step = (_time.perf_counter() - start) / tcfg.steps
    model = ScoreModel(state.ema_params, config)
    proc = theory.get_process(process)
    index = spec.subspace_index()

    def ratio_at(t, rng):
        x = probe_points(spec, t, points, process, normalize, rng)
        values = tweedie_ratio(model, x, t, reference, index, process)
        snr = proc.snr(t, reference)
        return [None if (not reference[k] > 0 or snr[k] < SNR_MIN) else float(values[k])
                for k in range(reference.size)]

    rng = _generator(seed, n, 1)
    ratios = [ratio_at(t, rng) for t in times]
    # Search up to the largest experiment time only: above ~1e-2 the Gaussian
    # reference itself is off for sphere-projected data (a network that does
    # not memorise reads ~0.5 on the top subspace at t = 0.1), which is not
    # a loss by memorisation.
    t_lo, t_hi = float(mlp["t_min"]), float(max(times))
    grid = np.geomspace(t_lo, t_hi, max(2, int(round(_MLP_GRID_PER_DECADE
                                                       * math.log10(t_hi / t_lo))) + 1))
    curve = [ratio_at(t, _generator(seed, n, 3)) for t in grid]
    loss, notes = [], []
    for k in range(reference.size):
        column = [(t, r[k]) for t, r in zip(grid, curve) if r[k] is not None]
        value, note = largest_crossing(column)
        loss.append(value)
        notes.append(note)
    return {"n": int(n), "ratio": ratios, "loss_time": loss, "loss_note": notes,
            "spectral_dimension": spectral_dimensions(model, spec, times, process, normalize,
                                                      _generator(seed, n, 4)),
            "grid": grid.tolist(), "curve": curve,
            "final_loss": float(np.mean(state.losses[-100:])), "seconds_per_step": per_step}


def tasks(params) -> list:
    """One exact-score task and one network task per N."""
    p = validate(params)
    common = {"spectrum": p["spectrum"], "times": list(p["times"]), "process": p["process"],
              "normalize": bool(p["normalize"]), "seed": int(p["seed"])}
    out = []
    for n in p["ns"]:
        out.append(Task(NAME, f"exact-N{n}", f"{__name__}:measure_exact",
                        {**common, "n": int(n), "batch": int(p["batch"])}))
        out.append(Task(NAME, f"mlp-N{n}", f"{__name__}:measure_mlp",
                        {**common, "n": int(n), "points": int(p["mlp_points"]),
                         "mlp": dict(p["mlp"])}))
    return out


def theory_spectrum(params) -> tuple:
    """The spectrum the theories use and the paper's g (normalised: g = 0)."""
    spec = parse_spectrum(params["spectrum"])
    return (spec.normalized(), 0.0) if params["normalize"] else (spec, 1.0)


def theory_times(spectrum: Spectrum, ns, g, process="ve") -> dict:
    """Per-N loss times of each theory: ``t_k*`` (paper), ``t_k`` (factorised), ``t_C`` (joint).

    >>> tt = theory_times(theory.PAPER_SPECTRUM.normalized(), [1000], 0.0)
    >>> [len(tt[k][0]) for k in ("paper_criterion", "factorized_rem")], len(tt["joint_rem"])
    ([3, 3], 1)
    """
    ns = np.asarray(ns, dtype=float)
    return {
        "paper_criterion": np.array([theory.paper_times(spectrum, float(n), g, process)
                                     for n in ns]),
        "factorized_rem": np.asarray(theory.factorized_times(spectrum, ns, process)),
        "joint_rem": np.atleast_1d(theory.collapse_time(spectrum, ns, process)),
    }


def theory_dimensions(spectrum: Spectrum, ns, t, g, process="ve", *, times=None) -> dict:
    """Retained dimension predicted by each theory at time ``t`` for each N.

    A subspace is retained by the paper criterion iff ``t >= t_k*(N)``, by the
    factorised REM iff ``t >= t_k(N)``; the joint REM retains all tangent
    dimensions iff ``t >= t_C(N)``. ``times``: the output of
    :func:`theory_times` for these ``ns``, if already computed.

    Examples
    --------
    >>> spec = theory.PAPER_SPECTRUM.normalized()
    >>> d = theory_dimensions(spec, [1000], 1e-3, 0.0)
    >>> d["paper_criterion"], d["factorized_rem"], d["joint_rem"]
    ([23], [25], [0])
    """
    dims = np.asarray(spectrum.dims)
    tangent = np.asarray(spectrum.variances) > 0
    tt = theory_times(spectrum, ns, g, process) if times is None else times
    total = int(dims[tangent].sum())
    return {
        "paper_criterion": [int(dims[tangent & (t >= row)].sum()) for row in tt["paper_criterion"]],
        "factorized_rem": [int(dims[tangent & (t >= row)].sum()) for row in tt["factorized_rem"]],
        "joint_rem": [total if t >= tc else 0 for tc in tt["joint_rem"]],
    }


def _dimension(ratios, dims):
    # retained dimension from per-subspace ratios; None entries are undecided
    low = sum(d for r, d in zip(ratios, dims) if r is not None and r >= LOSS_THRESHOLD)
    high = low + sum(d for r, d in zip(ratios, dims) if r is None)
    return low, high


def assemble(params, results) -> dict:
    """Theory step curves on a fine N grid and the measured dimensions per N and time."""
    p = validate(params)
    spec, g = theory_spectrum(p)
    dims = list(spec.dims)
    ns = sorted(int(n) for n in p["ns"])
    grid = np.unique(np.geomspace(min(ns) / 2, max(ns) * 2, int(p["grid"])).round().astype(int))
    variances = list(spec.variances)
    grid_times = theory_times(spec, grid, g, p["process"])
    at_n = theory_times(spec, ns, g, p["process"])
    panels = []
    for i, t in enumerate(p["times"]):
        measured = {"joint_score": [], "factorized_score": [], "mlp_low": [], "mlp_high": []}
        ratios = {"joint_score": [], "factorized_score": [], "mlp": []}
        for n in ns:
            exact, net = results[f"exact-N{n}"], results[f"mlp-N{n}"]
            for key, source in (("joint_score", exact["joint"]),
                                ("factorized_score", exact["factorized"])):
                # zero-variance subspaces (None) carry no dimension to retain
                r = source["ratio"][i]
                measured[key].append(_dimension([0.0 if v is None else v for v in r], dims)[0])
                ratios[key].append(r)
            low, high = _dimension(net["ratio"][i], dims)
            measured["mlp_low"].append(low)
            measured["mlp_high"].append(high)
            ratios["mlp"].append(net["ratio"][i])
        panels.append({
            "time": float(t),
            "theory_grid": {"n": grid.tolist(),
                            **theory_dimensions(spec, grid, t, g, times=grid_times)},
            "theory_at_n": theory_dimensions(spec, ns, t, g, times=at_n),
            "measured": measured, "ratio": ratios,
            # the paper's kind of dimension (largest Jacobian gap, on-manifold
            # points): not the retained dimension, shown for comparison
            "spectral": {
                "population": population_spectral_dimension(spec, t, p["process"]),
                "joint_score": [results[f"exact-N{n}"]["joint"]["spectral_dimension"][i]
                                for n in ns],
                "factorized_score": [results[f"exact-N{n}"]["factorized"]
                                     ["spectral_dimension"][i] for n in ns],
                "mlp": [results[f"mlp-N{n}"]["spectral_dimension"][i] for n in ns],
            },
        })
    loss = {
        "joint_score": [results[f"exact-N{n}"]["joint"]["loss_time"] for n in ns],
        "factorized_score": [results[f"exact-N{n}"]["factorized"]["loss_time"] for n in ns],
        "mlp": [results[f"mlp-N{n}"]["loss_time"] for n in ns],
        "mlp_note": [results[f"mlp-N{n}"]["loss_note"] for n in ns],
        **{key: value.tolist() for key, value in at_n.items()},
    }
    return {"spectrum": str(spec), "normalize": bool(p["normalize"]), "g": g,
            "process": p["process"], "variances": variances, "dims": dims, "ns": ns,
            "raw_variances": list(p["_spectrum"].variances),
            "times": [float(t) for t in p["times"]], "panels": panels, "loss_times": loss,
            "snr_min": SNR_MIN, "loss_threshold": LOSS_THRESHOLD,
            "mlp": {"final_loss": [results[f"mlp-N{n}"]["final_loss"] for n in ns],
                    "seconds_per_step": [results[f"mlp-N{n}"]["seconds_per_step"] for n in ns],
                    **{k: v for k, v in p["mlp"].items()}}}
