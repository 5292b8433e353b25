"""Every prediction beside its measurement, as one table.

:func:`compare` runs the exact simulator with the joint and the factorised
empirical score (:func:`numerics.simulate.simulate`) and lines up

* the joint collapse time ``t_C`` (exact REM) with the measured one;
* the REM effective number of samples ``exp(s(t))`` with the measured median
  Shannon effective size at fresh points, where ``exp(s) >= 30``;
* per subspace, the factorised time ``t_k`` with the collapse time measured
  with the factorised score (median own weight 1/2);
* per subspace, the paper's ``t_i*`` with the time at which the joint
  empirical score loses the subspace (posterior-variance ratio 1/2,
  :mod:`numerics.loss_times`): the paper's criterion is a statement about
  the joint score;
* the order in which subspaces are lost, by each theory and as measured.

Agreement is judged with the tolerances of the consistency tests
(``tests/test_consistency.py``), whose sizes are justified there by sample
size and finite-dimension effects.
"""

from __future__ import annotations

import math

import numpy as np

import theory
from theory.spectrum import Spectrum

from .simulate import simulate

__all__ = ["compare", "format_table", "COLLAPSE_BAND", "SUBSPACE_BAND", "LOG_EFFECTIVE_TOL"]

#: measured / predicted joint collapse time counted as agreement (finite-d shift)
COLLAPSE_BAND = (0.8, 1.4)
#: measured / predicted per-subspace time counted as agreement (d as small as 2)
SUBSPACE_BAND = (0.5, 2.0)
#: ``|ln measured - s(t)|`` counted as agreement for the effective sample size
LOG_EFFECTIVE_TOL = 0.6


def _row(quantity, predicted, measured, verdict, theory_name="exact REM"):
    ratio = None
    if predicted and measured is not None and predicted > 0 and math.isfinite(predicted):
        ratio = measured / predicted
    return {"quantity": quantity, "theory": theory_name, "predicted": predicted,
            "measured": measured, "ratio": ratio, "verdict": verdict}


def _band_verdict(predicted, measured, band):
    if measured is None or predicted is None:
        return "not measured"
    ratio = measured / predicted
    return "agrees" if band[0] <= ratio <= band[1] else f"disagrees (ratio {ratio:.2g})"


def compare(spectrum: Spectrum, n: int, process="ve", *, batch: int = 256, rng=0,
            normalize: bool = False, times=None, paper_g=None) -> dict:
    """Predictions of every theory next to the exact simulator's measurements.

    Parameters
    ----------
    spectrum : Spectrum
        Population spectrum (before normalisation).
    n : int
        Training-set size.
    process : {"ve", "vp"}
    batch : int
        Points per measurement.
    rng : int, Generator or None
    normalize : bool
        Samples on the unit sphere (theory: normalised spectrum, g = 0).
    times : sequence of float, optional
        Times for the effective-sample rows; default: ``t_C`` times 2, 4, 8, 16.
    paper_g : float, optional
        The paper's g; default 0 with ``normalize``, else 1.

    Returns
    -------
    dict
        ``rows`` (list of dicts with quantity, theory, predicted, measured,
        ratio, verdict), the raw ``joint`` and ``factorized`` simulation
        reports, and ``lost_first`` per model.

    Examples
    --------
    >>> out = compare(theory.parse_spectrum("1:2,0.3:8"), 300, batch=32, rng=0)
    >>> out["lost_first"]["factorized_rem"] == out["lost_first"]["simulator_factorized"]
    True
    """
    theory_spectrum = spectrum.normalized() if normalize else spectrum
    g = (0.0 if normalize else 1.0) if paper_g is None else float(paper_g)
    t_c = float(theory.collapse_time(theory_spectrum, n, process))
    if times is None:
        times = [f * t_c for f in (16.0, 8.0, 4.0, 2.0)] if math.isfinite(t_c) and t_c > 0 \
            else list(np.geomspace(1.0, 1e-4, 5))
    joint = simulate(spectrum, n, process, score="joint", batch=batch, times=times, rng=rng,
                     normalize=normalize)
    fact = simulate(spectrum, n, process, score="factorized", batch=batch, times=times, rng=rng,
                    normalize=normalize)
    rows = [_row("joint collapse time t_C", joint["predicted_collapse_time"],
                 joint["measured_collapse_time"],
                 _band_verdict(joint["predicted_collapse_time"], joint["measured_collapse_time"],
                               COLLAPSE_BAND))]
    for t, measured, predicted in zip(joint["times"], joint["effective_samples"],
                                      joint["predicted_effective_samples"]):
        s = float(theory.entropy(t, theory_spectrum, n, process))
        if math.exp(s) >= 30:
            verdict = ("agrees" if abs(math.log(measured) - s) <= LOG_EFFECTIVE_TOL
                       else f"disagrees ({math.log(measured) - s:+.2f} nats)")
        else:
            verdict = "outside the REM claim (exp(s) < 30)"
        rows.append(_row(f"effective samples at t = {t:.3g}", float(predicted), float(measured),
                         verdict))
    t_k = theory.factorized_times(theory_spectrum, n, process)
    t_star = theory.paper_times(theory_spectrum, n, g, process)
    collapse_k = [sub.get("measured_collapse_time") for sub in fact["subspaces"]]
    joint_loss = [sub.get("measured_loss_time") for sub in joint["subspaces"]]
    for k, (v, d) in enumerate(zip(theory_spectrum.variances, theory_spectrum.dims)):
        name = f"subspace {k} (variance {v:.3g}, dim {d})"
        rows.append(_row(f"collapse time of {name}, factorised score", float(t_k[k]),
                         collapse_k[k], _band_verdict(float(t_k[k]), collapse_k[k], SUBSPACE_BAND),
                         "factorised REM"))
        rows.append(_row(f"loss time of {name}, joint score", float(t_star[k]), joint_loss[k],
                         _band_verdict(float(t_star[k]), joint_loss[k], SUBSPACE_BAND),
                         f"paper criterion (g = {g:g})"))
    lost_first = {
        "factorized_rem": int(np.argmax(t_k)),
        "paper_criterion": int(np.argmax(t_star)),
        "simulator_factorized": _first(collapse_k),
        "simulator_joint": _first(joint_loss),
    }
    return {"spectrum": str(theory_spectrum), "n": int(n), "process": process, "g": g,
            "rows": rows, "lost_first": lost_first, "joint": joint, "factorized": fact}


def _first(times):
    values = np.array([np.nan if v is None else v for v in times], dtype=float)
    return int(np.nanargmax(values)) if np.any(np.isfinite(values)) else None


def _fmt(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def format_table(rows) -> str:
    """Markdown table of :func:`compare` rows.

    >>> print(format_table([{"quantity": "q", "theory": "T", "predicted": 1.0,
    ...                      "measured": 1.1, "ratio": 1.1, "verdict": "agrees"}]))
    | quantity | theory | predicted | measured | measured/predicted | verdict |
    |---|---|---|---|---|---|
    | q | T | 1 | 1.1 | 1.1 | agrees |
    """
    lines = ["| quantity | theory | predicted | measured | measured/predicted | verdict |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['quantity']} | {row['theory']} | {_fmt(row['predicted'])} | "
                     f"{_fmt(row['measured'])} | {_fmt(row['ratio'])} | {row['verdict']} |")
    return "\n".join(lines)
