"""Experiment 3: which subspace is lost first, and the joint collapse line.

Panel A (factorised model, two subspaces, fixed N). The plane is
``(lambda_1/lambda_2, d_1/d_2)`` with ``lambda_2 = 1`` and ``d_1 + d_2 = D``
fixed (so every point is a data set in the same ambient dimension D; the
ratio ``d_1/d_2`` then takes the values ``d_1/(D - d_1)``, and the theory is
drawn for real ``d_1``). Raw Gaussian data (no sphere normalisation), so the
factorised REM is exact up to finite-d effects.

* factorised REM (THEORY §5): subspace k condenses at
  ``t_k = lambda_k/(N^{2/d_k} - 1)`` (VE); subspace 1 is lost first iff
  ``t_1 > t_2``, i.e. right of the boundary
  ``lambda_1/lambda_2 = (N^{2/d_1} - 1)/(N^{2/d_2} - 1)``;
* the paper's criterion (THEORY §6): ``t_k*`` increases with the variance for
  any g (with g = 0, ``t_k* = lambda_k / 2 ln N``), so the larger variance is
  always lost first: its boundary is the line ``lambda_1/lambda_2 = 1``;
* measured: the exact factorised empirical score
  (:class:`numerics.factorized_score.FactorizedScore`) of a training set of N
  points, with the per-subspace collapse times of
  :func:`numerics.metrics.measured_collapse_time` (median own weight crossing
  1/2); the subspace with the larger measured time is lost first.

Panel B (joint model, isotropic data of variance 1 in d dimensions). The
collapse time depends on N and d only through ``alpha = ln N / d``:
VE ``t_C = 1/(e^{2 alpha} - 1)``, VP ``t_C = -1/2 ln(1 - e^{-2 alpha})``
(:func:`theory.collapse_time`). Measured points: the joint empirical score
(:class:`numerics.empirical_score.EmpiricalScore`) with
:func:`numerics.metrics.measured_collapse_time`, for a few (N, d) per process.
Agreement bands are those of :mod:`numerics.compare` (finite-d shift of the
transition).

Run times (2 cores, ``--jobs 2``, load average near 5 from other jobs):
``tiny`` a few seconds; ``quick`` 12 s wall (measured); ``paper`` about 10
minutes (estimated: 42 phase points and 18 joint points with 1024 probe points
on a 46-time grid, the largest N = 20000 in d = 60).
"""

from __future__ import annotations

import math

import numpy as np

import theory
from theory.spectrum import Spectrum

from ..compare import COLLAPSE_BAND, SUBSPACE_BAND
from ..data import sample_gaussian_manifold
from ..empirical_score import EmpiricalScore
from ..factorized_score import FactorizedScore
from ..metrics import measured_collapse_time
from ..mlp.blas import blas_threads
from .runner import Task

__all__ = ["NAME", "TITLE", "PRESETS", "tasks", "assemble", "report", "measure_phase_point",
           "measure_joint_collapse", "rem_boundary", "collapse_line",
           "validate"]

NAME = "phase_diagram"
TITLE = "Which subspace is lost first: phase diagram"

PRESETS = {
    "tiny": {"n": 200, "ambient_dim": 12, "lambda2": 1.0, "batch": 32,
             "collapse_grid": [1e-4, 1e2, 19],
             "points": [[10.0, 3], [0.01, 9]],
             "joint": [["ve", 100, 4], ["vp", 100, 4]],
             "grid": 60, "seed": 0},
    "quick": {"n": 1000, "ambient_dim": 24, "lambda2": 1.0, "batch": 128,
              # log grid (lo, hi, points) of the collapse-time search: every
              # predicted time of the preset (0.01 .. 4) lies two decades inside
              "collapse_grid": [1e-4, 1e2, 25],
              # (lambda1/lambda2, d1): both sides of both boundaries, and the
              # regions where the two theories disagree (10, 4), (0.1, 20), (100, 2)
              "points": [[10.0, 4], [100.0, 4], [0.1, 20], [0.01, 20], [3.0, 12], [100.0, 2]],
              "joint": [[proc, n, d] for proc in ("ve", "vp")
                        for n, d in ((200, 4), (1000, 8), (1000, 16), (2000, 24))],
              "grid": 200, "seed": 0},
    "paper": {"n": 1000, "ambient_dim": 24, "lambda2": 1.0, "batch": 1024,
              "collapse_grid": [1e-6, 1e3, 46],
              "points": [[r, d] for d in (2, 4, 8, 12, 16, 20)
                         for r in (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0)],
              "joint": [[proc, n, d] for proc in ("ve", "vp")
                        for n, d in ((100, 2), (200, 4), (1000, 6), (1000, 8), (1000, 16),
                                     (5000, 12), (4000, 24), (10000, 40), (20000, 60))],
              "grid": 400, "seed": 0},
}


def validate(params) -> dict:
    """Check the parameters (``ValueError`` with the offending value).

    >>> validate({**PRESETS["tiny"], "points": [[1.0, 12]]})
    Traceback (most recent call last):
    ...
    ValueError: each point needs lambda1/lambda2 > 0 and 1 <= d1 < ambient_dim = 12, got [1.0, 12]
    """
    p = dict(params)
    if int(p["n"]) != p["n"] or p["n"] < 2:
        raise ValueError(f"n must be an integer >= 2, got {p['n']!r}")
    if int(p["ambient_dim"]) != p["ambient_dim"] or p["ambient_dim"] < 2:
        raise ValueError(f"ambient_dim must be an integer >= 2, got {p['ambient_dim']!r}")
    if not (math.isfinite(p["lambda2"]) and p["lambda2"] > 0):
        raise ValueError(f"lambda2 must be finite and > 0, got {p['lambda2']!r}")
    for point in p["points"]:
        ratio, d1 = point
        if not (math.isfinite(ratio) and ratio > 0 and int(d1) == d1
                and 1 <= d1 < p["ambient_dim"]):
            raise ValueError("each point needs lambda1/lambda2 > 0 and 1 <= d1 < ambient_dim = "
                             f"{p['ambient_dim']}, got {point!r}")
    for proc, n, d in p["joint"]:
        theory.get_process(proc)
        if int(n) != n or n < 2 or int(d) != d or d < 1:
            raise ValueError(f"joint points need N >= 2 and d >= 1, got {[proc, n, d]!r}")
    for key in ("batch", "grid"):
        if int(p[key]) != p[key] or p[key] < 2:
            raise ValueError(f"{key} must be an integer >= 2, got {p[key]!r}")
    lo, hi, count = p["collapse_grid"]
    if not (0 < lo < hi and math.isfinite(hi) and int(count) == count and count >= 2):
        raise ValueError("collapse_grid must be [lo, hi, points] with 0 < lo < hi and "
                         f"points >= 2, got {p['collapse_grid']!r}")
    return p


def _collapse_grid(grid):
    lo, hi, count = grid
    return np.geomspace(float(lo), float(hi), int(count))


def rem_boundary(d1, d2, n):
    """``lambda_1/lambda_2`` on the factorised-REM boundary ``t_1 = t_2``.

    >>> round(float(rem_boundary(4, 20, 1000)), 3)   # (1000^{1/2} - 1)/(1000^{1/10} - 1)
    30.769
    """
    # t_k = lambda_k g(ln N / d_k) with g the d = 1 closed form, so the
    # boundary ratio is g(ln N/d_2) / g(ln N/d_1).
    d1, d2 = np.broadcast_arrays(np.asarray(d1, dtype=float), np.asarray(d2, dtype=float))
    unit = Spectrum((1.0,), (1,))
    g1 = theory.factorized_times(unit, log_n=math.log(n) / d1)[..., 0]
    g2 = theory.factorized_times(unit, log_n=math.log(n) / d2)[..., 0]
    return g2 / g1


def collapse_line(alpha, process):
    """Isotropic joint collapse time at ``alpha = ln N / d`` (variance 1).

    >>> round(float(collapse_line(math.log(1000) / 20, "ve")), 6)   # 1/(1000^{1/10} - 1)
    1.00476
    """
    alpha = np.asarray(alpha, dtype=float)
    return np.asarray(theory.collapse_time(Spectrum((1.0,), (1,)), log_n=alpha,
                                           process=process))


def measure_phase_point(n, lambda1, lambda2, d1, d2, batch, seed, index, grid) -> dict:
    """Measured per-subspace collapse times of the factorised score at one point.

    Examples
    --------
    >>> r = measure_phase_point(100, 1.0, 1.0, 2, 2, 16, 0, 0, [1e-4, 1e2, 13])
    >>> len(r["measured_times"])
    2
    """
    spec = Spectrum((float(lambda1), float(lambda2)), (int(d1), int(d2)))
    rng = np.random.default_rng([int(seed), 1, int(index)])
    data = sample_gaussian_manifold(spec, int(n), rng)
    model = FactorizedScore(data, spec.subspace_index(), "ve")
    # one BLAS thread: tasks run one per core (see dimension_vs_n.measure_exact)
    with blas_threads(1):
        result = measured_collapse_time(model, _collapse_grid(grid), n=int(batch), rng=rng)
    times = [float(v) if math.isfinite(v) else None for v in np.atleast_1d(result.time)]
    return {"measured_times": times}


def measure_joint_collapse(process, n, d, batch, seed, index, grid) -> dict:
    """Measured joint collapse time of N isotropic points (variance 1) in d dimensions."""
    spec = Spectrum((1.0,), (int(d),))
    rng = np.random.default_rng([int(seed), 2, int(index)])
    data = sample_gaussian_manifold(spec, int(n), rng)
    model = EmpiricalScore(data, process)
    # one BLAS thread: tasks run one per core (see dimension_vs_n.measure_exact)
    with blas_threads(1):
        result = measured_collapse_time(model, _collapse_grid(grid), n=int(batch), rng=rng)
    return {"measured_time": float(result.time) if math.isfinite(result.time) else None}


def tasks(params) -> list:
    """One task per phase point and one per joint (process, N, d)."""
    p = validate(params)
    out = []
    for i, (ratio, d1) in enumerate(p["points"]):
        out.append(Task(NAME, f"phase-{i}", f"{__name__}:measure_phase_point",
                        {"n": int(p["n"]), "lambda1": float(ratio) * float(p["lambda2"]),
                         "lambda2": float(p["lambda2"]), "d1": int(d1),
                         "d2": int(p["ambient_dim"] - d1), "batch": int(p["batch"]),
                         "seed": int(p["seed"]), "index": i,
                         "grid": list(p["collapse_grid"])}))
    for i, (proc, n, d) in enumerate(p["joint"]):
        out.append(Task(NAME, f"joint-{proc}-N{n}-d{d}", f"{__name__}:measure_joint_collapse",
                        {"process": proc, "n": int(n), "d": int(d), "batch": int(p["batch"]),
                         "seed": int(p["seed"]), "index": i,
                         "grid": list(p["collapse_grid"])}))
    return out


def assemble(params, results) -> dict:
    """Theory maps and lines next to the measured points."""
    p = validate(params)
    n, dim = int(p["n"]), int(p["ambient_dim"])
    # real d1 between 1 and D - 1: the REM formula extends to real d
    d1_grid = np.linspace(1.0, dim - 1.0, int(p["grid"]))
    y_grid = d1_grid / (dim - d1_grid)
    boundary = rem_boundary(d1_grid, dim - d1_grid, n)
    lo = math.floor(min(np.log10(boundary).min(), min(math.log10(r) for r, _ in p["points"]))) - 0.5
    hi = math.ceil(max(np.log10(boundary).max(), max(math.log10(r) for r, _ in p["points"]))) + 0.5
    lo, hi = max(lo, -4.0), min(hi, 4.0)
    x_grid = np.logspace(lo, hi, int(p["grid"]))
    # log10(t1/t2) = log10(lambda1/lambda2) - log10(boundary(d1))
    log_map = np.log10(x_grid)[None, :] - np.log10(boundary)[:, None]
    points = []
    for i, (ratio, d1) in enumerate(p["points"]):
        d2 = dim - int(d1)
        spec = Spectrum((float(ratio) * p["lambda2"], float(p["lambda2"])), (int(d1), d2))
        predicted = theory.factorized_times(spec, n, "ve")
        paper = theory.paper_times(spec, n, 0.0, "ve")
        points.append({"lambda_ratio": float(ratio), "d1": int(d1), "d2": d2,
                       "predicted_times": predicted.tolist(), "paper_times": paper.tolist(),
                       "measured_times": results[f"phase-{i}"]["measured_times"]})
    alphas = np.linspace(0.05, 2.5, int(p["grid"]))
    processes = sorted({proc for proc, _, _ in p["joint"]})
    joint = []
    for proc, jn, d in p["joint"]:
        joint.append({"process": proc, "n": int(jn), "d": int(d), "alpha": math.log(jn) / d,
                      "predicted_time": float(theory.collapse_time(Spectrum((1.0,), (int(d),)),
                                                                   int(jn), proc)),
                      "measured_time": results[f"joint-{proc}-N{jn}-d{d}"]["measured_time"]})
    return {"n": n, "ambient_dim": dim, "lambda2": float(p["lambda2"]),
            "map": {"lambda_ratio": x_grid.tolist(), "d_ratio": y_grid.tolist(),
                    "log10_t1_over_t2": log_map.tolist()},
            "boundary": {"d_ratio": y_grid.tolist(), "lambda_ratio": boundary.tolist()},
            "paper_boundary": 1.0, "points": points,
            "collapse_line": {"alpha": alphas.tolist(),
                              **{proc: collapse_line(alphas, proc).tolist() for proc in processes}},
            "joint": joint, "collapse_band": list(COLLAPSE_BAND),
            "collapse_grid": list(p["collapse_grid"]),
            "subspace_band": list(SUBSPACE_BAND)}


def _order(t1, t2):
    if t1 is None or t2 is None:
        return None
    return 1 if t1 > t2 else 2


def report(data) -> dict:
    """Rows (predicted vs measured t_1/t_2 and t_C), findings and lost-first entries."""
    rows, findings, lost_first = [], [], []
    agree_rem = agree_paper = measured_count = 0
    for pt in data["points"]:
        where = f"lambda1/lambda2 = {pt['lambda_ratio']:g}, d1/d2 = {pt['d1']}/{pt['d2']}"
        t1, t2 = pt["measured_times"]
        measured = t1 / t2 if t1 is not None and t2 is not None else None
        m_order = _order(t1, t2)
        rem = pt["predicted_times"][0] / pt["predicted_times"][1]
        paper = pt["paper_times"][0] / pt["paper_times"][1]
        for name, predicted in (("factorised REM", rem), ("paper criterion (g = 0)", paper)):
            p_order = 1 if predicted > 1 else 2
            if m_order is None:
                verdict = "not measured (a subspace's own weight never crosses 1/2 on the grid)"
            elif m_order == p_order:
                verdict = f"agrees (subspace {m_order} lost first)"
            else:
                verdict = (f"disagrees (predicted subspace {p_order} first, "
                           f"measured subspace {m_order})")
            rows.append({"quantity": f"t_1/t_2 at {where}", "theory": name,
                         "predicted": float(predicted), "measured": measured,
                         "ratio": measured / predicted if measured is not None else None,
                         "verdict": verdict})
        for k in range(2):
            pred, meas = pt["predicted_times"][k], pt["measured_times"][k]
            band = data["subspace_band"]
            if meas is None:
                verdict = "not measured"
            else:
                r = meas / pred
                verdict = "agrees" if band[0] <= r <= band[1] else f"disagrees (ratio {r:.2g})"
            rows.append({"quantity": f"collapse time of subspace {k + 1} at {where}",
                         "theory": "factorised REM", "predicted": float(pred), "measured": meas,
                         "ratio": meas / pred if meas is not None else None, "verdict": verdict})
        if m_order is not None:
            measured_count += 1
            agree_rem += int(m_order == (1 if rem > 1 else 2))
            agree_paper += int(m_order == (1 if paper > 1 else 2))
            variance = pt["lambda_ratio"] * data["lambda2"] if m_order == 1 else data["lambda2"]
            dim = pt["d1"] if m_order == 1 else pt["d2"]
            lost_first.append({"model": "exact factorised empirical score",
                               "subspace": f"subspace {m_order} (variance {variance:g}, dim {dim})",
                               "at": f"{where}, N = {data['n']} (t_1/t_2 = {measured:.3g})",
                               "source": "measured"})
    n_points = len(data["points"])
    findings.append(f"Factorised score at N = {data['n']}, D = {data['ambient_dim']}: the "
                    "measured lost-first subspace matches the factorised REM at "
                    f"{agree_rem}/{measured_count} measured points and the paper criterion "
                    f"(larger variance first) at {agree_paper}/{measured_count} "
                    f"(of {n_points} points).")
    for pt in data["points"]:
        t1, t2 = pt["measured_times"]
        if t1 is None or t2 is None:
            findings.append(f"At lambda1/lambda2 = {pt['lambda_ratio']:g}, d1/d2 = "
                            f"{pt['d1']}/{pt['d2']} a collapse time is not measurable on the grid "
                            f"{data['collapse_grid'][0]:g}..{data['collapse_grid'][1]:g}.")
            continue
        rem1, rem2 = pt["predicted_times"]
        findings.append(f"At lambda1/lambda2 = {pt['lambda_ratio']:g}, d1/d2 = "
                        f"{pt['d1']}/{pt['d2']}: measured t_1 = {t1:.3g}, t_2 = {t2:.3g} "
                        f"(REM {rem1:.3g}, {rem2:.3g}); subspace {_order(t1, t2)} is lost first.")
    lost_first.append({"model": "factorised REM", "subspace": "subspace 1 iff t_1 > t_2",
                       "at": f"lambda1/lambda2 > (N^(2/d1) - 1)/(N^(2/d2) - 1), N = {data['n']}",
                       "source": "theory"})
    lost_first.append({"model": "paper criterion", "subspace": "the larger variance",
                       "at": "every (lambda1/lambda2, d1/d2)", "source": "theory"})
    band = data["collapse_band"]
    ratios = {}
    for j in data["joint"]:
        pred, meas = j["predicted_time"], j["measured_time"]
        where = f"{j['process'].upper()}, N = {j['n']}, d = {j['d']} (ln N/d = {j['alpha']:.3g})"
        if meas is None:
            verdict, r = "not measured (the median own weight never crosses 1/2 on the grid)", None
        else:
            r = meas / pred
            ratios.setdefault(j["process"], []).append(r)
            verdict = "agrees" if band[0] <= r <= band[1] else f"disagrees (ratio {r:.2g})"
        rows.append({"quantity": f"joint collapse time t_C, {where}", "theory": "exact REM",
                     "predicted": float(pred), "measured": meas, "ratio": r, "verdict": verdict})
    for proc, rs in sorted(ratios.items()):
        findings.append(f"Joint collapse ({proc.upper()}, isotropic): measured/predicted t_C "
                        f"from {min(rs):.3g} to {max(rs):.3g} over {len(rs)} (N, d) points "
                        f"(agreement band {band[0]:g}..{band[1]:g}).")
    missing = [j for j in data["joint"] if j["measured_time"] is None]
    if missing:
        findings.append(f"{len(missing)} joint collapse time(s) not measurable on the grid.")
    return {"rows": rows, "findings": findings, "lost_first": lost_first}
