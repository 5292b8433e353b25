"""Figure of the digits experiment: collapse, speciation and dimensions on real images.

Six panels, drawn from :func:`numerics.experiments.digits.assemble` data only:

(a) excess entropy density ``f(t)/alpha`` per N, the Gaussian-REM reference
    ``max(s, 0)/(d alpha)`` dashed, the two measured collapse times marked
    (circle: ``f = ln 2/d`` crossing; triangle: median own weight 1/2) and the
    all-class speciation time as a vertical line;
(b) median own weight per N with the level 1/2 (the simulator's definition);
(c) speciation: share phi of cloned trajectories ending in the same class,
    with the threshold and the predicted and measured times;
(d) normalised Jacobian singular values of the exact empirical score, per N
    (colour) and probe time (line style; at most three times: the first,
    middle and last);
(e) the same for the MLP;
(f) resolved dimension (#SNR > 1) versus N at each probe time: MLP (filled),
    exact score (open), Gaussian reference (dotted).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = ["plot"]

_STYLES = ("-", "--", ":", "-.", (0, (5, 1)), (0, (1, 3)))


def _time_label(process):
    return f"time t ({process.upper()}, log scale)"


def _speciation_panel(ax, clone, process):
    ax.set_title("(c) speciation: cloned trajectories")
    ax.set_xlabel(_time_label(process) + " of cloning")
    ax.set_ylabel("phi(t): share of clone pairs in the same class")
    if not clone or clone.get("skipped"):
        why = clone["skipped"] if clone else "not run"
        ax.text(0.5, 0.5, f"not measured: {why}", ha="center", va="center",
                transform=ax.transAxes)
        return
    times = np.asarray(clone["times"], float)
    phi = np.asarray(clone["phi"], float)
    err = np.asarray(clone["phi_stderr"], float)
    pair = " and ".join(str(c) for c in clone["classes"])
    ax.errorbar(times, phi, yerr=err, fmt="o-", color="C4", ms=4, capsize=2,
                label=f"classes {pair} (N = {clone['n']}), exact score")
    ax.axhline(clone["threshold"], color="0.5", lw=0.8, label=f"threshold {clone['threshold']:g}")
    if clone["predicted"] is not None:
        ax.axvline(clone["predicted"], color="0.3", ls="-.", lw=1.2,
                   label=f"predicted t_S = 1/2 ln Lambda = {clone['predicted']:.2f}")
    if clone["measured"] is not None:
        ax.plot([clone["measured"]], [clone["threshold"]], "D", color="C3", ms=7,
                label=f"measured t_S = {clone['measured']:.2f}")
    ax.set_xscale("log")
    ax.set_ylim(0.3, 1.05)
    ax.legend(fontsize=8, loc="lower left", frameon=False)


def plot(data) -> Figure:
    """Draw the digits figure from the experiment's data."""
    process = data["process"]
    info = data["data"]
    colours = [f"C{k}" for k in range(len(data["collapse"]))]
    fig = Figure(figsize=(18, 10), layout="constrained")
    axes = fig.subplots(2, 3)
    fig.suptitle(f"{info['source']}: D = {info['dim']}, {data['scaling']} pixel scaling, "
                 f"{process.upper()} process")

    ax = axes[0, 0]
    for col, colour in zip(data["collapse"], colours):
        times = np.asarray(col["times"], float)
        alpha = col["alpha"]
        f = np.array([np.nan if v is None else v for v in col["f"]], float) / alpha
        ax.plot(times, f, color=colour, lw=1.8, label=f"N = {col['n']}: measured f/alpha")
        ax.plot(times, np.asarray(col["rem_f"], float) / alpha, color=colour, ls="--", lw=1.0)
        t_e, t_m = col["entropy_collapse_time"], col["measured_collapse_time"]
        if t_e is not None:
            ax.plot([t_e], [col["level"] / alpha], "o", color=colour, ms=7, mfc="white", mew=1.6)
        if t_m is not None:
            ax.plot([t_m], [0.0], "^", color=colour, ms=8)
    t_s = info["speciation_time"]
    if t_s is not None:
        ax.axvline(t_s, color="0.3", lw=1.2, ls="-.")
    ax.set_xscale("log")
    ax.set_xlabel(_time_label(process))
    ax.set_ylabel("excess entropy f(t) / alpha   (alpha = ln N / D)")
    ax.set_ylim(-0.05, 1.08)
    ax.set_title("(a) excess entropy and collapse times")
    handles, _ = ax.get_legend_handles_labels()
    extra = [Line2D([], [], color="k", ls="--", lw=1.0, label="Gaussian REM reference"),
             Line2D([], [], marker="o", ls="", color="k", mfc="white", label="t_C: f = ln2/D"),
             Line2D([], [], marker="^", ls="", color="k", label="t_C: median own weight 1/2")]
    if t_s is not None:
        extra.append(Line2D([], [], color="0.3", ls="-.", label=f"t_S = {t_s:.2f} (all classes)"))
    ax.legend(handles=handles + extra, fontsize=8, loc="upper left", frameon=False)

    ax = axes[0, 1]
    for col, colour in zip(data["collapse"], colours):
        ax.plot(col["times"], col["median_own_weight"], color=colour, lw=1.8,
                label=f"N = {col['n']}")
        if col["measured_collapse_time"] is not None:
            ax.plot([col["measured_collapse_time"]], [0.5], "^", color=colour, ms=8)
    ax.axhline(0.5, color="0.5", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel(_time_label(process))
    ax.set_ylabel("median weight of the generating image")
    ax.set_ylim(-0.03, 1.05)
    ax.set_title("(b) median own weight (triangle: t_C at 1/2)")
    ax.legend(fontsize=8, loc="upper right", frameon=False)

    ax = axes[0, 2]
    _speciation_panel(ax, data.get("speciation"), process)

    for ax, key, title in ((axes[1, 0], "spectra", "(d) exact empirical score"),
                           (axes[1, 1], "mlp", "(e) trained MLP")):
        # At most three probe times (first, middle, last): more curves per N
        # would not be readable; panel (f) summarises every time.
        shown = sorted({0, len(data[key][0]["times"]) // 2, len(data[key][0]["times"]) - 1})
        for entry, colour in zip(data[key], colours):
            values = np.asarray(entry["singular_values"], float)
            index = np.arange(1, values.shape[1] + 1)
            for j, k in enumerate(shown):
                ax.plot(index, values[k], color=colour, ls=_STYLES[j], lw=1.4)
        ax.axhline(0.5, color="0.5", lw=0.8)
        ax.set_xlabel("index i of the singular value (descending)")
        ax.set_ylabel("normalised singular value of the score Jacobian")
        ax.set_ylim(0, 1.05)
        ax.set_title(f"{title}: Jacobian spectra at training images")
        n_handles = [Line2D([], [], color=c, lw=1.6, label=f"N = {e['n']}")
                     for e, c in zip(data[key], colours)]
        t_handles = [Line2D([], [], color="k", ls=_STYLES[j], lw=1.2,
                            label=f"t = {data[key][0]['times'][k]:g}")
                     for j, k in enumerate(shown)]
        ax.legend(handles=n_handles + t_handles, fontsize=8, loc="lower left", frameon=False,
                  ncol=2, title="below the grey line (1/2): SNR > 1", title_fontsize=8)

    ax = axes[1, 2]
    ns = [entry["n"] for entry in data["mlp"]]
    times = data["mlp"][0]["times"]
    for k, t in enumerate(times):
        colour = f"C{k}"
        ax.plot(ns, [e["dimension"][k] for e in data["mlp"]], "o-", color=colour,
                label=f"MLP, t = {t:g}")
        ax.plot(ns, [e["dimension"][k] for e in data["spectra"]], "s--", color=colour,
                mfc="white", label=f"exact score, t = {t:g}")
        ax.axhline(data["spectra"][0]["gaussian_dimension"][k], color=colour, ls=":", lw=1.2)
    ax.set_xscale("log")
    ax.set_xticks(ns, [str(n) for n in ns])
    ax.minorticks_off()
    ax.set_xlabel("training-set size N (log scale)")
    ax.set_ylabel("resolved dimension  #{SNR > 1}")
    ax.set_title("(f) dimension versus N (dotted: Gaussian reference)")
    ax.set_ylim(-1, info["dim"] + 2)
    ax.legend(fontsize=8, loc="upper left", frameon=False, ncol=2)
    return fig
