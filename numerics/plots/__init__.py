"""Figures: one module per experiment, each ``plot(data) -> Figure``.

Plotting never computes physics: it draws the data an experiment returned.
:func:`save_figure` writes PNG and PDF atomically.
"""

from __future__ import annotations

import importlib

from ..io import atomic_path

__all__ = ["get_plotter", "save_figure"]


def get_plotter(name: str):
    """``plot`` function of the experiment ``name``."""
    return importlib.import_module(f"{__name__}.{name}").plot


def save_figure(fig, stem) -> list:
    """Save ``fig`` as ``stem.png`` (150 dpi) and ``stem.pdf``; return the paths."""
    paths = []
    for ext, kwargs in ((".png", {"dpi": 150}), (".pdf", {})):
        target = f"{stem}{ext}"
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=ext[1:], bbox_inches="tight", **kwargs)
        paths.append(target)
    return paths
