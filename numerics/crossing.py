"""Where a measured curve crosses a level: the largest crossing, refined.

Collapse and loss times are all read the same way: a curve measured on an
ascending log grid of times (with common random numbers, so it is a
deterministic function of ``t``) is scanned down from the largest time for
the first interval where it crosses ``level`` in the expected direction, and
the crossing is refined by :func:`scipy.optimize.brentq` in ``log t`` on the
function itself.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

__all__ = ["largest_crossing"]


def largest_crossing(times, values, level, function, *, rising: bool, xtol: float = 1e-6):
    """Largest time at which ``function`` crosses ``level``; ``nan`` if the grid shows none.

    Parameters
    ----------
    times : array_like (M,)
        Ascending grid times (> 0).
    values : array_like (M,)
        ``function`` on the grid.
    level : float
    function : callable
        Scalar function of ``t`` (the same one that gave ``values``).
    rising : bool
        ``True``: the crossing goes from below ``level`` to at least
        ``level`` as ``t`` grows; ``False``: from at least ``level`` to below.
    xtol : float
        Absolute tolerance of Brent's method in ``log t``.

    Examples
    --------
    >>> grid = np.geomspace(1e-3, 1e3, 13)
    >>> round(largest_crossing(grid, np.log(grid), 0.0, np.log, rising=True), 9)
    1.0
    >>> largest_crossing(grid, -grid, 1.0, lambda t: -t, rising=False)
    nan
    """
    times = np.asarray(times, dtype=float)
    above = np.asarray(values, dtype=float) >= level
    for i in range(times.size - 2, -1, -1):
        if (above[i + 1] and not above[i]) if rising else (above[i] and not above[i + 1]):
            return math.exp(brentq(lambda u: function(math.exp(u)) - level,
                                   math.log(times[i]), math.log(times[i + 1]), xtol=xtol))
    return math.nan
