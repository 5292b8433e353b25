"""Experiment 2's report: retained dimensions beside each theory's, and what is lost first.

Built from the data of :func:`numerics.experiments.dimension_vs_n.assemble`
only: one row per time, N and model, the measured retained dimension beside
the theory it is tested against (factorised score and factorised REM, joint
score and joint REM, MLP and the paper criterion; the MLP's range where a
subspace is undecided); findings counting how often each model agrees with
each theory; and, per model, which subspace is lost first as a function of
N, with its loss time.
"""

from __future__ import annotations

import numpy as np

__all__ = ["report"]


def _subspace_name(data, k):
    # named by the variance of the spectrum as given (the paper's 1, 0.09, 1e-4),
    # with the normalised variance the theories use when they differ
    raw, used = data["raw_variances"][k], data["variances"][k]
    extra = f", {used:.3g} normalised" if data["normalize"] else ""
    return f"variance {raw:.3g} (dim {data['dims'][k]}{extra})"


def _nearest_step(data, theory_key, j, t):
    """How far ``t`` is from the theory's nearest predicted loss time at the j-th N.

    Near a step, finite-dimension smearing of the transition (tens of percent)
    can flip a measured subspace; far from every step it cannot.
    """
    times = np.atleast_1d(np.asarray(data["loss_times"][theory_key][j], dtype=float))
    times = times[np.isfinite(times) & (times > 0)]
    if not times.size:
        return "no finite predicted loss time"
    factor = float(np.exp(np.min(np.abs(np.log(t / times)))))
    return f"t is a factor {factor:.2g} from the nearest predicted loss time"


def _first_lost(times):
    values = np.array([np.nan if v is None else v for v in times], dtype=float)
    return int(np.nanargmax(values)) if np.any(np.isfinite(values)) else None


def _n_ranges(ns, labels):
    """Group consecutive N with the same label: [(label, n_lo, n_hi)]."""
    groups = []
    for n, label in zip(ns, labels):
        if groups and groups[-1][0] == label:
            groups[-1][2] = n
        else:
            groups.append([label, n, n])
    return [tuple(g) for g in groups]


def _range_text(lo, hi):
    return f"N = {lo}" if lo == hi else f"N = {lo} to {hi}"


def report(data) -> dict:
    """Rows (theory vs measured dimension), findings and lost-first entries from ``data``."""
    rows, findings, lost_first = [], [], []
    ns = data["ns"]
    pairs = (("factorized_score", "factorized_rem", "factorised REM", "factorised score"),
             ("joint_score", "joint_rem", "joint REM", "joint score"),
             ("mlp", "paper_criterion", f"paper criterion (g = {data['g']:g})", "MLP"))
    for panel in data["panels"]:
        t = panel["time"]
        for measured_key, theory_key, theory_name, label in pairs:
            for j, n in enumerate(ns):
                predicted = panel["theory_at_n"][theory_key][j]
                if measured_key == "mlp":
                    low, high = panel["measured"]["mlp_low"][j], panel["measured"]["mlp_high"][j]
                    measured = float(low) if low == high else None
                    if low == high:
                        verdict = ("agrees" if low == predicted
                                   else f"disagrees (measured {low}; "
                                        f"{_nearest_step(data, theory_key, j, t)})")
                    else:
                        verdict = (f"undecided: measured {low} to {high} (subspaces with SNR < "
                                   f"{data['snr_min']:g}); "
                                   + ("consistent" if low <= predicted <= high else "disagrees"))
                else:
                    measured = float(panel["measured"][measured_key][j])
                    verdict = ("agrees" if measured == predicted
                               else f"disagrees (measured {measured:g}; "
                                    f"{_nearest_step(data, theory_key, j, t)})")
                rows.append({"quantity": f"retained dimension, {label}, t = {t:g}, N = {n}",
                             "theory": theory_name, "predicted": float(predicted),
                             "measured": measured,
                             "ratio": (measured / predicted if measured is not None and predicted
                                       else None),
                             "verdict": verdict})
    # agreement counts of every measured model with every theory
    models = (("joint_score", "joint score"), ("factorized_score", "factorised score"))
    theories = (("paper_criterion", "paper criterion"), ("factorized_rem", "factorised REM"),
                ("joint_rem", "joint REM"))
    total = len(ns) * len(data["panels"])
    for key, label in models:
        counts = [sum(int(panel["measured"][key][j] == panel["theory_at_n"][tk][j])
                      for panel in data["panels"] for j in range(len(ns))) for tk, _ in theories]
        findings.append(f"The {label}'s retained dimension equals the "
                        + ", ".join(f"{tl} in {c}/{total}" for (_, tl), c in zip(theories, counts))
                        + " of the (N, t) points.")
    decided = [(panel, j) for panel in data["panels"] for j in range(len(ns))
               if panel["measured"]["mlp_low"][j] == panel["measured"]["mlp_high"][j]]
    if decided:
        counts = [sum(int(panel["measured"]["mlp_low"][j] == panel["theory_at_n"][tk][j])
                      for panel, j in decided) for tk, _ in theories]
        findings.append(f"The MLP's dimension is decided at {len(decided)}/{total} (N, t) points "
                        "(elsewhere a subspace has population SNR < "
                        f"{data['snr_min']:g}); there it equals the "
                        + ", ".join(f"{tl} in {c}" for (_, tl), c in zip(theories, counts)) + ".")
    else:
        findings.append("The MLP's dimension is undecided at every (N, t) point: some subspace "
                        f"has population SNR < {data['snr_min']:g} at every time.")
    for panel in data["panels"]:
        t = panel["time"]
        parts = []
        for key, label in (("joint_score", "joint"), ("factorized_score", "factorised")):
            parts.append(f"{label} score " + ", ".join(str(v) for v in panel["measured"][key]))
        mlp = [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in
               zip(panel["measured"]["mlp_low"], panel["measured"]["mlp_high"])]
        findings.append(f"At t = {t:g}, for N = {', '.join(map(str, ns))}: measured retained "
                        f"dimensions {'; '.join(parts)}; MLP {', '.join(mlp)}.")
    for panel in data["panels"]:
        sp = panel["spectral"]
        findings.append(
            f"Largest-gap Jacobian dimension at on-manifold points (the paper's kind of "
            f"estimate; it also drops unresolved directions) at t = {panel['time']:g}: "
            f"population {sp['population']}; joint score "
            f"{', '.join(map(str, sp['joint_score']))}; factorised score "
            f"{', '.join(map(str, sp['factorized_score']))}; MLP {', '.join(map(str, sp['mlp']))} "
            f"(N = {', '.join(map(str, ns))}).")
    # which subspace is lost first, per model, as a function of N
    loss = data["loss_times"]
    entries = (("MLP", "mlp", "measured"),
               ("exact joint empirical score", "joint_score", "measured"),
               ("exact factorised empirical score", "factorized_score", "measured"),
               (f"paper criterion (g = {data['g']:g})", "paper_criterion", "theory"),
               ("factorised REM", "factorized_rem", "theory"))
    for model, key, source in entries:
        labels = [_first_lost(times) for times in loss[key]]
        for label, lo, hi in _n_ranges(ns, labels):
            if label is None:
                why = "no subspace's ratio crosses 1/2 on the search grid"
                if key == "mlp":
                    # the network's own reasons, one per subspace (e.g. "not lost
                    # at any measurable time (1e-05 to 0.01)")
                    groups = {}
                    for j, n in enumerate(ns):
                        if lo <= n <= hi:
                            for k, note in enumerate(loss["mlp_note"][j]):
                                if note:
                                    groups.setdefault((k, note), []).append(str(n))
                    why = "per subspace: " + "; ".join(
                        f"{_subspace_name(data, k)} {note} (N = {', '.join(group)})"
                        for (k, note), group in sorted(groups.items()))
                lost_first.append({"model": model, "subspace": None,
                                   "at": f"{_range_text(lo, hi)}: no loss time measured ({why})",
                                   "source": source})
                continue
            times = [loss[key][ns.index(n)][label] for n in ns if lo <= n <= hi]
            lost_first.append({"model": model, "subspace": _subspace_name(data, label),
                               "at": f"{_range_text(lo, hi)} (loss time {min(times):.3g}"
                                     + (f" to {max(times):.3g})" if len(times) > 1 else ")"),
                               "source": source})
    lost_first.append({"model": "joint REM", "subspace": "all subspaces at once",
                       "at": f"t_C = {loss['joint_rem'][0]:.3g} (N = {ns[0]}) to "
                             f"{loss['joint_rem'][-1]:.3g} (N = {ns[-1]})", "source": "theory"})
    names = ", ".join(_subspace_name(data, k) for k in range(len(data["dims"])))
    for model, key in (("exact joint empirical score", "joint_score"),
                       ("exact factorised empirical score", "factorized_score"), ("MLP", "mlp")):
        per_n = "; ".join(f"N = {n}: " + ", ".join("—" if v is None else f"{v:.3g}"
                                                  for v in loss[key][j])
                          for j, n in enumerate(ns))
        findings.append(f"{model}, measured loss times per subspace ({names}; — where not "
                        f"measurable): {per_n}.")
    return {"rows": rows, "findings": findings, "lost_first": lost_first}
