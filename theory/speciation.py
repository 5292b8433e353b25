"""Speciation time (THEORY §7; Biroli et al.).

In the VP process the trajectories commit to one of the data's large-scale
classes when the signal along the top covariance direction, ``a_t^2 Lambda``,
reaches the stationary noise variance 1. Solving ``exp(-2t) Lambda = 1``
gives ``t_S = log(Lambda)/2``.
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from . import symbols as sy
from .compile import compile_expr
from .processes import VP, get_process

__all__ = ["derive_speciation_time", "speciation_time"]

_top = sp.Symbol("Lambda", positive=True)


@functools.lru_cache(maxsize=None)
def derive_speciation_time() -> sp.Expr:
    """Solve ``a_t^2 Lambda = 1`` in the VP process.

    >>> derive_speciation_time()
    log(Lambda)/2
    """
    (solution,) = sp.solve(sp.Eq(VP.signal_expr**2 * _top, 1), sy.t)
    return sp.expand_log(solution, force=True)


def speciation_time(largest_variance: float, process="vp"):
    """``t_S = log(Lambda)/2`` for the VP process; ``None`` where it does not apply.

    Parameters
    ----------
    largest_variance : float
        ``Lambda``, the largest eigenvalue of the data covariance (> 0).
    process : {"vp", "ve"}
        The result is defined for VP only; ``"ve"`` returns ``None``.

    Returns
    -------
    float or None
        ``None`` in VE, and when ``Lambda < 1`` (no positive time satisfies
        the condition: the classes are never separated by the noise level).

    Examples
    --------
    >>> round(speciation_time(np.e**2), 12)
    1.0
    >>> speciation_time(0.5) is None
    True
    """
    if not np.isfinite(largest_variance) or largest_variance <= 0:
        raise ValueError(f"largest variance must be finite and > 0, got {largest_variance!r}")
    if get_process(process).name == "ve":
        return None
    value = float(compile_expr(derive_speciation_time(), (_top,))(float(largest_variance)))
    return value if value >= 0 else None
