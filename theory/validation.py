"""Boundary checks shared by the numerical functions of the core."""

from __future__ import annotations

import numpy as np

__all__ = ["check_times", "check_variances"]


def check_times(t, name: str = "times"):
    """``t`` as a float array, every entry finite and > 0.

    >>> check_times([0.5, 1.0]).tolist()
    [0.5, 1.0]
    >>> check_times(0.0)
    Traceback (most recent call last):
    ...
    ValueError: times must be finite and > 0, got [0.0]
    """
    t = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {np.atleast_1d(t).tolist()!r}")
    return t


def check_variances(variance):
    """``variance`` as a float array, every entry finite and >= 0.

    >>> check_variances([-1.0])
    Traceback (most recent call last):
    ...
    ValueError: variances must be finite and >= 0, got [-1.0]
    """
    variance = np.asarray(variance, dtype=float)
    if not np.all(np.isfinite(variance)) or np.any(variance < 0):
        raise ValueError(f"variances must be finite and >= 0, got {np.atleast_1d(variance).tolist()!r}")
    return variance
