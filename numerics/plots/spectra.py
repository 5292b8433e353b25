"""Figure of experiment 1 ("spectra"): ordered Jacobian spectra over time.

Three columns, two rows:

* (a) theory: the paper criterion (top; its largest ``drop_top`` values
  dropped and the rest over their maximum, as in the paper) and the
  factorised-REM picture (bottom; ``1/(1 + SNR)`` or 1 once a subspace is lost);
* (b) the MLP's exact Jacobian at the origin (top) and on the manifold (bottom);
* (c) the exact joint empirical score at the same probe points (the
  factorised one is in the data and the report, not drawn).

One curve per time, coloured by time on a log colour scale (one colour bar);
dashed vertical lines mark the number of normal-level directions of the full
manifold and after each subspace is lost, named in a legend below the panels.
Only draws: every number comes from :func:`numerics.experiments.spectra.assemble`.
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib import cm, colors
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = ["plot"]

_LINE_STYLES = ({"color": "black", "ls": "--"}, {"color": "tab:red", "ls": "--"},
                {"color": "tab:green", "ls": "-."})
#: Smallest value drawn on the log axes (theory values can be exactly 0 or tiny).
_FLOOR = 1e-6


def _curves(ax, index, values, times, norm, cmap):
    for row, t in zip(np.asarray(values, dtype=float), times):
        ax.plot(index, np.maximum(row, _FLOOR), color=cmap(norm(t)), lw=1.2, alpha=0.85)


def _decorate(ax, title, ylabel, lines, dim, show_x=True):
    for line, style in zip(lines, _LINE_STYLES):
        ax.axvline(line["index"], lw=1.1, **style)
    ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_xlim(0.5, dim + 0.5)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel, fontsize=9)
    if show_x:
        ax.set_xlabel("index of singular value (descending)", fontsize=9)
    ax.tick_params(labelsize=8)


def plot(data: dict) -> Figure:
    """Draw the spectra figure from the experiment's data.

    Returns
    -------
    matplotlib.figure.Figure
    """
    times = np.asarray(data["times"], dtype=float)
    dim = int(data["dim"])
    n = data["n"]
    lines = data["reference_lines"]
    full_index = np.arange(1, dim + 1)
    theory = data["theory"]
    mlp = data["mlp"]
    emp = data["empirical"]["joint"]

    fig = Figure(figsize=(15, 8.6), layout="constrained")
    axes = fig.subplots(2, 3, sharex=True)
    norm = colors.LogNorm(vmin=times.min(), vmax=times.max())
    cmap = matplotlib.colormaps["viridis"]

    ratio = "σ_i / σ_max"
    scaled = "σ_i · Δ_t  (normal level = 1)"
    panels = [
        (axes[0, 0], theory["paper_index"], theory["paper"],
         f"(a) theory: paper criterion (g = 0), VE, N = {n}\n"
         f"sorted, top {theory['drop_top']} dropped, over the max", ratio),
        (axes[1, 0], full_index, theory["rem"],
         f"(a) theory: factorised REM, VE, N = {n}\n"
         "1/(1+SNR), or 1 once t < t_k of the subspace", ratio + "  (= σ_i · Δ_t)"),
        (axes[0, 1], full_index, mlp["origin"],
         f"(b) MLP (width {mlp['config']['width']}, depth {mlp['config']['depth']}), VE, N = {n}\n"
         "exact Jacobian at the origin", scaled),
        (axes[1, 1], full_index, mlp["manifold"],
         f"(b) MLP, VE, N = {n}\nexact Jacobian on the manifold, x = a_t y", scaled),
        (axes[0, 2], full_index, emp["origin"],
         f"(c) exact empirical score (joint), VE, N = {n}\nat the origin", scaled),
        (axes[1, 2], full_index, emp["manifold"],
         f"(c) exact empirical score (joint), VE, N = {n}\non the manifold, x = a_t y", scaled),
    ]
    for ax, index, values, title, ylabel in panels:
        _curves(ax, np.asarray(index), values, times, norm, cmap)
        _decorate(ax, title, ylabel, lines, dim, show_x=ax in axes[1])
    sm = cm.ScalarMappable(norm=norm, cmap=cmap)
    bar = fig.colorbar(sm, ax=axes, shrink=0.9, pad=0.01)
    bar.set_label("diffusion time t (VE)", fontsize=10)
    handles = [Line2D([], [], lw=1.1, **style) for style in _LINE_STYLES[:len(lines)]]
    labels = [f"{line['label']}: {line['index']} normal directions" for line in lines]
    handles.append(Line2D([], [], color="0.6", lw=0.8, ls=":"))
    labels.append("normal level (σ = 1/Δ_t)")
    fig.legend(handles, labels, loc="outside lower center", ncol=len(handles), fontsize=9,
               frameon=False)
    fig.suptitle(f"Ordered Jacobian singular values over time, D = {dim}, variances "
                 f"{data['spectrum']} on the unit sphere (theory: normalised spectrum)",
                 fontsize=11)
    return fig
