"""Experiment 1's report: measured loss times beside the theories', and what is lost first.

Built from the data of :func:`numerics.experiments.spectra.assemble` only
(no computation beyond formatting and comparison): one row per subspace, model
and theory, a measured loss time beside the prediction it is tested against
(the paper criterion ``t_i*``, the factorised REM ``t_k``, the joint REM
``t_C``; "agrees" within :data:`numerics.compare.SUBSPACE_BAND`); the
"lost first" entries, per model, among :data:`MANIFOLD_SUBSPACES`; and the
findings, sentences stating the measured numbers.
"""

from __future__ import annotations

import math

import numpy as np

import theory

from ..compare import SUBSPACE_BAND

__all__ = ["MANIFOLD_SUBSPACES", "report"]

#: Manifold subspaces (indices into the spectrum) among which "lost first" is decided.
MANIFOLD_SUBSPACES = (0, 1)


def _fmt_t(value):
    return "null" if value is None else f"t = {value:.3g}"


def _verdict(predicted, measured, band=SUBSPACE_BAND):
    if measured is None:
        return "no crossing on the grid"
    if predicted is None or not predicted > 0:
        return "no prediction"
    ratio = measured / predicted
    return "agrees" if band[0] <= ratio <= band[1] else f"disagrees (ratio {ratio:.2g})"


def _row(quantity, theory_name, predicted, measured, verdict):
    ratio = (measured / predicted if predicted and measured is not None and predicted > 0
             and math.isfinite(predicted) else None)
    return {"quantity": quantity, "theory": theory_name, "predicted": predicted,
            "measured": measured, "ratio": ratio, "verdict": verdict}


def _first(times, labels):
    """(label, time) of the manifold subspace with the largest finite time, or (None, None)."""
    best = None
    for k in MANIFOLD_SUBSPACES:
        value = times[k]
        if value is not None and math.isfinite(value) and (best is None or value > times[best]):
            best = k
    return (None, None) if best is None else (labels[best], float(times[best]))


def report(data: dict) -> dict:
    """Rows (prediction beside measurement), findings and the lost-first table.

    Every number is read from ``data``; a measurement that does not cross on
    its grid is ``None`` and said so.
    """
    th = data["theory"]
    labels = [s["label"] for s in data["subspaces"]]
    t_star = [float(v) for v in th["paper_times"]]
    t_k = [float(v) for v in th["factorized_times"]]
    t_c = th["collapse_time"]
    joint = [None if v is None else float(v) for v in data["empirical"]["joint"]["loss_times"]]
    fact = [None if v is None else float(v)
            for v in data["empirical"]["factorized"]["loss_times"]]
    mlp = data["mlp"]["loss_times"]
    n = data["n"]
    rows = []
    for k, label in enumerate(labels):
        rows.append(_row(f"loss time of {label}, exact factorised empirical score",
                         "factorised REM t_k", t_k[k], fact[k], _verdict(t_k[k], fact[k])))
        rows.append(_row(f"loss time of {label}, exact joint empirical score",
                         "joint REM t_C", t_c, joint[k], _verdict(t_c, joint[k])))
        rows.append(_row(f"loss time of {label}, exact joint empirical score",
                         "paper criterion t_i* (g = 0)", t_star[k], joint[k],
                         _verdict(t_star[k], joint[k])))
        for name, predicted in (("paper criterion t_i* (g = 0)", t_star[k]),
                                ("factorised REM t_k", t_k[k])):
            rows.append(_row(f"loss time of {label}, MLP (level > {data['mlp_loss_level']:g})",
                             name, predicted, mlp[k], _verdict(predicted, mlp[k])))

    lost_first = []
    theory_first = [("paper criterion", t_star), ("factorised REM", t_k)]
    for model, values in theory_first:
        label, at = _first(values, labels)
        lost_first.append({"model": model, "subspace": label, "at": _fmt_t(at),
                           "source": "theory"})
    lost_first.append({"model": "joint REM", "subspace": "all subspaces together",
                       "at": _fmt_t(t_c), "source": "theory"})
    measured_first = {}
    times = data["times"]
    for model, values in (("exact empirical score (joint)", joint),
                          ("exact empirical score (factorised)", fact), ("MLP", mlp)):
        label, at = _first(values, labels)
        measured_first[model] = (label, at)
        # a model that loses nothing on its grid: subspace null, and say so
        at_text = (_fmt_t(at) if label is not None else
                   f"no manifold subspace lost on the grid (t = {max(times):.3g} to "
                   f"{min(times):.3g})" if model == "MLP" else
                   "no manifold subspace lost on the loss-time grid")
        lost_first.append({"model": model, "subspace": label, "at": at_text,
                           "source": "measured"})
    order_rows = [("paper criterion", _first(t_star, labels)[0]),
                  ("factorised REM", _first(t_k, labels)[0])]
    for model, (label, _) in measured_first.items():
        rows.append({"quantity": f"manifold subspace lost first, {model}",
                     "theory": "paper / factorised REM",
                     "predicted": f"{order_rows[0][1]} / {order_rows[1][1]}",
                     "measured": label if label is not None else None, "ratio": None,
                     "verdict": ("no crossing on the grid" if label is None else
                                 "matches factorised REM" if label == order_rows[1][1] and
                                 label != order_rows[0][1] else
                                 "matches paper criterion" if label == order_rows[0][1] and
                                 label != order_rows[1][1] else "matches both")})

    findings = _findings(data, labels, t_star, t_k, t_c, joint, fact, mlp, n)
    return {"rows": rows, "findings": findings, "lost_first": lost_first}


def _times_text(labels, values):
    parts = []
    for k in MANIFOLD_SUBSPACES:
        parts.append(f"{labels[k]} at {_fmt_t(values[k])}" if values[k] is not None
                     else f"{labels[k]} does not cross on the grid")
    return "; ".join(parts)


def _findings(data, labels, t_star, t_k, t_c, joint, fact, mlp, n):
    emp = data["empirical"]["joint"]
    net = data["mlp"]
    times = np.asarray(data["times"], dtype=float)
    out = [
        f"Theory (N = {n}, normalised spectrum, g = 0): the paper criterion loses "
        f"{_times_text(labels, t_star)}; the factorised REM loses {_times_text(labels, t_k)}; "
        f"the joint REM condenses every subspace at once at {_fmt_t(t_c)}.",
        f"Exact joint empirical score (posterior-variance ratio < {emp['loss_threshold']:g}, "
        f"{emp['loss_batch']} probe points): {_times_text(labels, joint)}.",
        f"Exact factorised empirical score: {_times_text(labels, fact)}.",
    ]
    resolved = net["resolved_times"]
    last = np.asarray(net["manifold_levels"])[-1]
    # the Gaussian (generalising) value at that time, for scale
    gaussian = theory.normalized_singular_values(times[-1], data["theory"]["normalized_variances"])
    level_text = ", ".join(f"{labels[k]} {last[k]:.3g} (Gaussian 1/(1+SNR) = {gaussian[k]:.3g})"
                           for k in range(len(labels)))
    mlp_text = "; ".join(
        (f"{labels[k]} resolved (level < {net['level']:g}) from {_fmt_t(resolved[k])}, "
         + (f"lost (level back above {net['level']:g}) at {_fmt_t(mlp[k])}" if mlp[k] is not None
            else "never lost on the grid")) if resolved[k] is not None
        else f"{labels[k]} never resolved on the grid"
        for k in MANIFOLD_SUBSPACES)
    out.append(f"MLP (width {net['config']['width']}, depth {net['config']['depth']}, "
               f"{net['training']['steps']} steps, final training loss {net['final_loss']:.3g}): "
               f"{mlp_text}. At the smallest time t = {times[-1]:.3g} its on-manifold "
               f"per-subspace levels (-Delta_t diag J; 1 = normal) are {level_text}.")
    origin = np.asarray(emp["origin"])
    out.append(f"At the origin the joint empirical score's largest scaled singular value "
               f"sigma*Delta_t is {origin[-1, 0]:.3g} at t = {times[-1]:.3g} (normal level 1): "
               f"on the sphere every training point is equidistant from 0, the weights stay "
               f"uniform and tangent directions rise above the normal level, as the paper's "
               f"memorisation term does.")
    paper_first = _first(t_star, labels)[0]
    rem_first = _first(t_k, labels)[0]
    if paper_first != rem_first:
        out.append(f"The two theories disagree on the order: the paper criterion loses "
                   f"{paper_first} first, the factorised REM {rem_first}.")
    return out
