"""Figure of experiment 2: retained dimension versus N, one panel per time.

Step curves: the three theories' predictions on a fine N grid; markers: the
measured dimensions of the exact joint and factorised empirical scores and of
the NumPy MLP (a vertical bar where subspaces of too low SNR leave the
network's dimension undecided). Markers of different models are shifted
slightly along N so that equal values do not hide each other.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = ["plot"]

# drawn in this order, the dashed paper curve last so that it stays visible
# where it coincides with the factorised REM
_THEORY_STYLE = {
    "joint_rem": {"color": "0.35", "linestyle": ":", "linewidth": 2.0},
    "factorized_rem": {"color": "tab:blue", "linestyle": "-", "linewidth": 3.0, "alpha": 0.8},
    "paper_criterion": {"color": "tab:red", "linestyle": "--", "linewidth": 1.6},
}
_MEASURED_STYLE = {
    "joint_score": {"marker": "s", "color": "0.35", "shift": 0.9},
    "factorized_score": {"marker": "o", "color": "tab:blue", "shift": 1.0},
    "mlp": {"marker": "^", "color": "tab:green", "shift": 1.1},
}


def _possible_dimensions(dims):
    # every sum of a subset of the subspace dimensions: the only values a
    # retained dimension can take
    sums = {0}
    for d in dims:
        sums |= {s + d for s in sums}
    return sorted(sums)


def plot(data) -> Figure:
    """Draw the retained dimension against N (log axis) at each time of ``data``."""
    panels = data["panels"]
    fig = Figure(figsize=(4.2 * len(panels) + 0.6, 4.6), layout="constrained")
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    ns = np.asarray(data["ns"], dtype=float)
    paper_label = f"paper criterion (g = {data['g']:g}): t ≥ t_k*(N)"
    labels = {"paper_criterion": paper_label, "factorized_rem": "factorised REM: t ≥ t_k(N)",
              "joint_rem": "joint REM: t ≥ t_C(N)"}
    ticks = _possible_dimensions(data["dims"])
    for ax, panel in zip(axes, panels):
        grid = np.asarray(panel["theory_grid"]["n"], dtype=float)
        for key, style in _THEORY_STYLE.items():
            ax.step(grid, panel["theory_grid"][key], where="post", **style)
        for key in ("joint_score", "factorized_score"):
            style = _MEASURED_STYLE[key]
            ax.plot(ns * style["shift"], panel["measured"][key], linestyle="none",
                    marker=style["marker"], color=style["color"], markersize=7,
                    markerfacecolor="white" if key == "joint_score" else style["color"],
                    markeredgewidth=1.5, zorder=3)
        style = _MEASURED_STYLE["mlp"]
        low = np.asarray(panel["measured"]["mlp_low"], dtype=float)
        high = np.asarray(panel["measured"]["mlp_high"], dtype=float)
        x = ns * style["shift"]
        undecided = high > low
        ax.vlines(x[undecided], low[undecided], high[undecided], color=style["color"],
                  linewidth=1.5, alpha=0.45, zorder=2)
        ax.plot(x[~undecided], low[~undecided], linestyle="none", marker=style["marker"],
                color=style["color"], markersize=8, zorder=3)
        ax.plot(x[undecided], low[undecided], linestyle="none", marker=style["marker"],
                color=style["color"], markerfacecolor="white", markersize=8, zorder=3)
        ax.set_xscale("log")
        ax.set_xlabel("training-set size N")
        ax.set_title(f"t = {panel['time']:g} (VE time = noise variance)", fontsize=10)
        ax.set_yticks(ticks)
        ax.set_ylim(-1.5, sum(data["dims"]) + 1.5)
        ax.grid(True, which="major", alpha=0.3)
    norm = ("unit-sphere samples, normalised spectrum" if data["normalize"]
            else "raw Gaussian samples")
    axes[0].set_ylabel(f"retained dimension (of D = {sum(data['dims'])})")
    handles = [Line2D([], [], **_THEORY_STYLE[k], label=labels[k]) for k in _THEORY_STYLE]
    handles += [
        Line2D([], [], linestyle="none", marker="o", color="tab:blue", markersize=7,
               label="exact factorised empirical score"),
        Line2D([], [], linestyle="none", marker="s", color="0.35", markerfacecolor="white",
               markeredgewidth=1.5, markersize=7, label="exact joint empirical score"),
        Line2D([], [], linestyle="none", marker="^", color="tab:green", markersize=8,
               label="NumPy MLP"),
        Line2D([], [], color="tab:green", linewidth=1.5, alpha=0.45, marker="^",
               markerfacecolor="white", markersize=8,
               label=f"MLP, undecided range (subspace SNR < {data['snr_min']:g})"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=8.5, frameon=False)
    spectrum = ", ".join(f"{v:.3g}:{d}" for v, d in zip(data["variances"], data["dims"]))
    fig.suptitle(f"Retained dimension vs N: spectrum {spectrum} ({norm}); "
                 f"subspace lost when its posterior-variance ratio < {data['loss_threshold']:g}",
                 fontsize=10)
    return fig
