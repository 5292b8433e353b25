"""Figure of experiment 3: the lost-first phase diagram and the joint collapse line.

Left: colour is ``log10(t_1/t_2)`` of the factorised REM over the plane
``(lambda_1/lambda_2, d_1/d_2)`` (red: subspace 1 lost first); the solid curve is
the REM boundary ``t_1 = t_2``, the dashed line the paper criterion's boundary
``lambda_1 = lambda_2``; markers are measured points of the exact factorised
score, filled with the measured ``log10(t_1/t_2)`` on the same colour scale,
pointing up when subspace 1 is measured to be lost first and down otherwise.
Right: the isotropic joint collapse time against ``ln N / d`` (VE and VP)
with measured points.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = ["plot"]

_PROCESS_STYLE = {"ve": {"color": "tab:purple", "marker": "s"},
                  "vp": {"color": "tab:orange", "marker": "o"}}


def plot(data) -> Figure:
    """Draw the phase diagram (left) and the joint collapse line (right)."""
    fig = Figure(figsize=(12.0, 5.2), layout="constrained")
    ax, bx = fig.subplots(1, 2, width_ratios=[1.25, 1.0])
    x = np.asarray(data["map"]["lambda_ratio"])
    y = np.asarray(data["map"]["d_ratio"])
    z = np.asarray(data["map"]["log10_t1_over_t2"])
    # the measured points sit within a decade or so of the boundary: a colour
    # scale clipped at +-3 decades keeps their fill readable
    limit = 3.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)
    mesh = ax.pcolormesh(x, y, np.clip(z, -limit, limit), cmap="RdBu_r", norm=norm,
                         shading="auto", rasterized=True)
    cbar = fig.colorbar(mesh, ax=ax, pad=0.02)
    cbar.set_label("log10(t_1 / t_2), factorised REM, clipped at ±3\n"
                   "(> 0: subspace 1 lost first; marker fill: measured)")
    ax.plot(data["boundary"]["lambda_ratio"], data["boundary"]["d_ratio"], color="black",
            linewidth=2.0)
    ax.axvline(data["paper_boundary"], color="black", linestyle="--", linewidth=1.5)
    for pt in data["points"]:
        t1, t2 = pt["measured_times"]
        px, py = pt["lambda_ratio"], pt["d1"] / pt["d2"]
        if t1 is None or t2 is None:
            ax.plot(px, py, marker="X", color="black", markersize=10, linestyle="none")
            continue
        value = np.log10(t1 / t2)
        ax.scatter([px], [py], c=[np.clip(value, -limit, limit)], cmap="RdBu_r", norm=norm,
                   marker="^" if t1 > t2 else "v", s=130, edgecolors="black", linewidths=1.5,
                   zorder=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(x.min(), x.max())
    ax.set_ylim(y.min(), y.max())
    ax.set_xlabel(f"variance ratio λ_1 / λ_2   (λ_2 = {data['lambda2']:g})")
    ax.set_ylabel(f"dimension ratio d_1 / d_2   (d_1 + d_2 = {data['ambient_dim']})")
    ax.set_title(f"Which subspace is lost first (factorised model, VE, N = {data['n']})",
                 fontsize=10)
    handles = [
        Line2D([], [], color="black", linewidth=2.0, label="factorised REM boundary t_1 = t_2"),
        Line2D([], [], color="black", linestyle="--", linewidth=1.5,
               label="paper criterion boundary λ_1 = λ_2"),
        Line2D([], [], linestyle="none", marker="^", color="0.6", markeredgecolor="black",
               markersize=9, label="measured: subspace 1 lost first"),
        Line2D([], [], linestyle="none", marker="v", color="0.6", markeredgecolor="black",
               markersize=9, label="measured: subspace 2 lost first"),
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9)

    alpha = np.asarray(data["collapse_line"]["alpha"])
    for proc, style in _PROCESS_STYLE.items():
        if proc not in data["collapse_line"]:
            continue
        bx.plot(alpha, data["collapse_line"][proc], color=style["color"], linewidth=1.8,
                label=f"{proc.upper()} theory t_C (exact REM)")
        pts = [j for j in data["joint"] if j["process"] == proc and j["measured_time"] is not None]
        if pts:
            bx.plot([j["alpha"] for j in pts], [j["measured_time"] for j in pts],
                    linestyle="none", marker=style["marker"], color=style["color"],
                    markeredgecolor="black", markersize=8,
                    label=f"{proc.upper()} measured (joint empirical score)")
    for j in data["joint"]:
        if j["measured_time"] is not None and j["process"] == "ve":
            bx.annotate(f"N={j['n']}, d={j['d']}", (j["alpha"], j["measured_time"]),
                        textcoords="offset points", xytext=(6, 4), fontsize=7.5)
    bx.set_yscale("log")
    bx.set_xlabel("ln N / d")
    bx.set_ylabel("joint collapse time t_C (λ = 1; VE: noise variance, VP: OU time)")
    bx.set_title("Joint collapse line, isotropic data; memorisation below the line",
                 fontsize=10)
    bx.grid(True, which="both", alpha=0.3)
    bx.legend(fontsize=8, loc="upper right")
    return fig
