"""Measurements on samples and weights: memorisation and collapse times.

* :func:`nearest_training_distances` — the k nearest training points of each
  sample, streamed over the training set (memory ``O(B x chunk)``).
* :func:`memorized_fraction` — share of samples whose nearest / second-nearest
  training distance ratio is below 1/3 (THEORY §7).
* :func:`measured_collapse_time` — **definition**: draw ``n`` training indices
  ``mu`` and standard normals ``z`` once; at each time put
  ``x = a_t y^mu + sqrt(Delta_t) z`` (common random numbers, so the curve is a
  deterministic, continuous function of t) and take the median over the n
  points of the weight the empirical score gives to the generating point
  ``y^mu``. The collapse time is where this median crosses 1/2: the largest
  grid interval (scanning down from the largest time) where the median goes
  from below to at least 1/2, refined by Brent's method in ``log t``. With the
  factorised score, the same is done per subspace with the per-subspace own
  weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import check_points
from .crossing import largest_crossing
from .data import as_generator
from .samplers import noised_training_points

__all__ = [
    "nearest_training_distances", "distance_to_nearest", "memorized_fraction",
    "CollapseMeasurement", "own_weight_curve", "measured_collapse_time",
]

#: Default log-spaced grid for collapse times: wide enough for the VE and VP
#: collapse of unit-scale data with N up to ~1e6 in a few dimensions.
DEFAULT_TIMES = np.geomspace(1e-8, 1e3, 56)


def nearest_training_distances(samples, train, k=2, *, chunk_size=None):
    """Distances to and indices of the ``k`` nearest training points.

    Streams over the training set; squared distances come from
    ``|x|^2 - 2 x.y + |y|^2`` to select candidates, then the k winners are
    recomputed from ``x - y`` directly so small distances keep full precision.

    Parameters
    ----------
    samples : array_like (B, D)
    train : array_like (N, D)
    k : int
        Number of neighbours (>= 1). Beyond N, distances are ``inf`` and
        indices ``-1``.
    chunk_size : int or None
        Training points per chunk (default: about 2^18 / B).

    Returns
    -------
    distances : ndarray (B, k), ascending
    indices : ndarray (B, k) of int

    Examples
    --------
    >>> d, i = nearest_training_distances([[0.1, 0.0]], [[0.0, 0.0], [1.0, 0.0], [5.0, 0.0]])
    >>> d.round(6).tolist(), i.tolist()
    ([[0.1, 0.9]], [[0, 1]])
    """
    train = np.asarray(train, dtype=float)
    if train.ndim != 2 or train.shape[0] < 1 or not np.all(np.isfinite(train)):
        raise ValueError(f"train must be a finite (N, D) array, got shape {train.shape}")
    x = check_points(samples, train.shape[1], "samples")
    if int(k) != k or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    k = int(k)
    n, batch = train.shape[0], x.shape[0]
    if chunk_size is None:
        chunk_size = max(k, (1 << 18) // batch)
    if int(chunk_size) != chunk_size or chunk_size < 1:
        raise ValueError(f"chunk_size must be an integer >= 1, got {chunk_size!r}")
    chunk_size = max(int(chunk_size), 1)
    x_sq = np.einsum("ij,ij->i", x, x)
    best_d = np.full((batch, k), np.inf)
    best_i = np.full((batch, k), -1, dtype=np.intp)
    for start in range(0, n, chunk_size):
        ys = train[start:start + chunk_size]
        d2 = x_sq[:, None] - 2.0 * (x @ ys.T) + np.einsum("ij,ij->i", ys, ys)[None, :]
        idx = np.broadcast_to(np.arange(start, start + ys.shape[0]), d2.shape)
        cand_d = np.concatenate([best_d, d2], axis=1)
        cand_i = np.concatenate([best_i, idx], axis=1)
        # Candidate selection only; the k winners are sorted exactly below.
        keep = np.argpartition(cand_d, k - 1, axis=1)[:, :k]
        best_d = np.take_along_axis(cand_d, keep, axis=1)
        best_i = np.take_along_axis(cand_i, keep, axis=1)
    valid = best_i >= 0
    exact = np.full((batch, k), np.inf)
    diff = x[:, None, :] - train[np.where(valid, best_i, 0)]
    exact[valid] = np.sqrt(np.einsum("bkd,bkd->bk", diff, diff))[valid]
    order = np.argsort(exact, axis=1, kind="stable")
    return np.take_along_axis(exact, order, axis=1), np.take_along_axis(best_i, order, axis=1)


def distance_to_nearest(samples, train, *, chunk_size=None) -> np.ndarray:
    """Distance from each sample to its nearest training point, shape (B,).

    >>> distance_to_nearest([[3.0, 4.0]], [[0.0, 0.0]]).tolist()
    [5.0]
    """
    return nearest_training_distances(samples, train, 1, chunk_size=chunk_size)[0][:, 0]


def memorized_fraction(samples, train, threshold=1 / 3, *, chunk_size=None) -> float:
    """Share of samples with nearest / second-nearest distance ratio < ``threshold``.

    A sample at distance 0 from two (duplicate) training points counts as
    memorised; with N = 1 the second distance is infinite, so every sample
    counts as memorised.

    Examples
    --------
    >>> train = [[0.0, 0.0], [1.0, 0.0]]
    >>> memorized_fraction([[0.01, 0.0], [0.5, 0.0]], train)
    0.5
    """
    if not (0 < threshold <= 1):
        raise ValueError(f"threshold must lie in (0, 1], got {threshold!r}")
    dist, _ = nearest_training_distances(samples, train, 2, chunk_size=chunk_size)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(dist[:, 0] == 0, 0.0, dist[:, 0] / dist[:, 1])
    return float(np.mean(ratio < threshold))


@dataclass(frozen=True)
class CollapseMeasurement:
    """Measured collapse time(s) and the curve they come from.

    Attributes
    ----------
    time : float or ndarray (K,)
        Time at which the median own weight crosses ``level``; ``nan`` where it
        does not cross on the grid. An array of one time per subspace for a
        factorised score.
    times : ndarray (M,)
        Grid times (ascending).
    median_own_weight : ndarray (M,) or (M, K)
        Median over the n points of the own weight at each grid time.
    level : float
    """

    time: float | np.ndarray
    times: np.ndarray
    median_own_weight: np.ndarray
    level: float


def _own_weight_function(model, n, rng, index, noise):
    train = np.asarray(model.train, dtype=float)
    generator = as_generator(rng)
    if index is None:
        index = generator.integers(train.shape[0], size=n)
    if noise is None:
        noise = generator.standard_normal((n, train.shape[1]))

    def median_own(t):
        x, mu = noised_training_points(train, t, n, model.process, index=index, noise=noise)
        return np.median(model.statistics(x, t, own_index=mu).own_weight, axis=0)

    return median_own


def own_weight_curve(model, times=None, n=256, rng=None, *, index=None, noise=None):
    """Median own weight at each time, with common random numbers.

    Parameters
    ----------
    model : EmpiricalScore or FactorizedScore
    times : array_like, optional
        Times (> 0); default :data:`DEFAULT_TIMES`.
    n : int
        Number of noised training points.
    rng : int, Generator or None
    index, noise : optional
        The fixed ``mu`` (n,) and ``z`` (n, D); drawn from ``rng`` if omitted.

    Returns
    -------
    ndarray (M,) or (M, K)

    Examples
    --------
    >>> from numerics.empirical_score import EmpiricalScore
    >>> model = EmpiricalScore([[0.0], [1.0]])
    >>> own_weight_curve(model, [1e-4, 1e4], n=8, rng=0).round(3).tolist()
    [1.0, 0.5]
    """
    times = DEFAULT_TIMES if times is None else np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size < 1 or not np.all(np.isfinite(times)) or np.any(times <= 0):
        raise ValueError(f"times must be finite values > 0, got {times!r}")
    if int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    median_own = _own_weight_function(model, int(n), rng, index, noise)
    return np.array([median_own(t) for t in times])


def measured_collapse_time(model, times=None, n=256, rng=None, *, level=0.5,
                           xtol=1e-6) -> CollapseMeasurement:
    """Collapse time(s) by the median own-weight definition (module docstring).

    Parameters
    ----------
    model : EmpiricalScore or FactorizedScore
        Needs ``.train``, ``.process`` and ``.statistics(x, t, own_index=...)``.
    times : array_like, optional
        Search grid (sorted internally); default :data:`DEFAULT_TIMES`.
    n : int
        Number of noised training points (the median is over them).
    rng : int, Generator or None
    level : float
        Crossing level in (0, 1); 1/2 by definition.
    xtol : float
        Absolute tolerance of Brent's method in ``log t``.

    Examples
    --------
    >>> from numerics.empirical_score import EmpiricalScore
    >>> model = EmpiricalScore([[0.0], [1.0], [2.0], [3.0]])
    >>> res = measured_collapse_time(model, np.geomspace(1e-3, 10, 9), n=16, rng=0)
    >>> bool(0.05 < res.time < 1), res.median_own_weight.shape
    (True, (9,))
    """
    if not (0 < level < 1):
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    times = np.sort(DEFAULT_TIMES if times is None else np.asarray(times, dtype=float))
    if times.ndim != 1 or times.size < 2 or not np.all(np.isfinite(times)) or np.any(times <= 0):
        raise ValueError(f"times must hold >= 2 finite values > 0, got {times!r}")
    if int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    median_own = _own_weight_function(model, int(n), rng, None, None)
    curve = np.array([median_own(t) for t in times])
    columns = curve[:, None] if curve.ndim == 1 else curve
    found = np.full(columns.shape[1], np.nan)
    for k in range(columns.shape[1]):
        # the own weight falls as t grows: at/above the level below the crossing
        found[k] = largest_crossing(times, columns[:, k], level,
                                    lambda t, k=k: np.atleast_1d(median_own(t))[k],
                                    rising=False, xtol=xtol)
    time = float(found[0]) if curve.ndim == 1 else found
    return CollapseMeasurement(time=time, times=times, median_own_weight=curve, level=float(level))
