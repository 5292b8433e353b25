"""When each subspace is lost: the posterior-variance ratio crossing.

A subspace is *lost* at time ``t`` when, at typical points of ``p_t``, the
weighted variance of the training points along it falls below
:data:`LOSS_THRESHOLD` times the posterior variance ``lambda Delta/(Delta + a^2
lambda)`` that the population itself would give (``lambda``: the training
set's own per-subspace variance, so that the reference is right for
sphere-normalised data too). While the weights spread over many training
points the ratio is near 1; when they collapse on a few along that subspace
it falls towards 0.

:func:`measure_loss_times` uses common random numbers (the same clean draws
``y`` and noises ``z`` at every time, ``x = a_t y + sqrt(Delta_t) z``), so the
median ratio is a deterministic function of ``t``; the loss time is its
largest crossing of the threshold, bracketed on a log grid and refined by
:func:`scipy.optimize.brentq` in ``log t``
(:func:`numerics.crossing.largest_crossing`).
"""

from __future__ import annotations

import numpy as np

import theory
from theory.spectrum import Spectrum

from .crossing import largest_crossing
from .data import as_generator, sample_gaussian_manifold

__all__ = ["LOSS_THRESHOLD", "LOSS_GRID", "reference_variances", "posterior_variance_ratio",
           "measure_loss_times"]

#: A subspace is lost when its posterior-variance ratio is below this.
LOSS_THRESHOLD = 0.5
#: Default search grid (log-spaced, VE/VP times).
LOSS_GRID = np.geomspace(1e-7, 1e2, 46)


def reference_variances(train, subspace_index) -> np.ndarray:
    """Per-subspace mean of the training set's per-direction variances.

    >>> reference_variances(np.array([[1.0, 0.0], [-1.0, 0.0]]), [0, 1]).tolist()
    [1.0, 0.0]
    """
    train = np.asarray(train, dtype=float)
    index = np.asarray(subspace_index)
    per_direction = train.var(axis=0)
    return np.array([per_direction[index == k].mean() for k in range(index.max() + 1)])


def posterior_variance_ratio(model, x, t, reference) -> np.ndarray:
    """Median over points of weighted variance / exact posterior variance, per subspace.

    Subspaces with zero reference variance give ``nan`` (no posterior spread
    to compare with).
    """
    reference = np.asarray(reference, dtype=float)
    tangent = reference > 0
    exact = theory.posterior_variance(t, np.where(tangent, reference, 1.0), model.process.name)
    measured = np.median(model.statistics(x, t).subspace_variance, axis=0)
    return np.where(tangent, measured / exact, np.nan)


def measure_loss_times(model, spectrum: Spectrum, *, grid=None, batch: int = 256, rng=None,
                       normalize: bool = False, threshold: float = LOSS_THRESHOLD):
    """Largest time at which each subspace's posterior-variance ratio falls below ``threshold``.

    Parameters
    ----------
    model : EmpiricalScore or FactorizedScore
        Its ``train``, ``process`` and ``statistics`` are used.
    spectrum : Spectrum
        Population spectrum (for the probe draws and the subspace layout).
    grid : array_like, optional
        Search grid of times; default :data:`LOSS_GRID`.
    batch : int
        Probe points (the median is over them).
    rng : int, Generator or None
    normalize : bool
        Probe draws on the unit sphere, like the training data.
    threshold : float
        Loss threshold in (0, 1).

    Returns
    -------
    (ndarray (K,), ndarray (M, K))
        Loss time per subspace (``nan`` where the ratio never crosses on the
        grid, or for a zero-variance subspace) and the ratio curve on the
        grid (ascending times).

    Examples
    --------
    >>> from numerics.empirical_score import EmpiricalScore
    >>> spec = theory.parse_spectrum("1:2")
    >>> model = EmpiricalScore(sample_gaussian_manifold(spec, 100, rng=0), subspace_index=spec)
    >>> times, curve = measure_loss_times(model, spec, batch=32, rng=1)
    >>> t_c = float(theory.collapse_time(spec, 100))   # 1/99
    >>> bool(0.5 < times[0] / t_c < 2)
    True
    """
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must lie in (0, 1), got {threshold!r}")
    grid = np.sort(LOSS_GRID if grid is None else np.asarray(grid, dtype=float))
    if grid.ndim != 1 or grid.size < 2 or not np.all(np.isfinite(grid)) or np.any(grid <= 0):
        raise ValueError(f"grid must hold >= 2 finite times > 0, got {grid!r}")
    generator = as_generator(rng)
    y = sample_gaussian_manifold(spectrum, int(batch), generator, normalize=normalize)
    z = generator.standard_normal(y.shape)
    reference = reference_variances(model.train, spectrum.subspace_index())
    process = model.process

    def ratio(t):
        x = float(process.a(t)) * y + np.sqrt(float(process.delta(t))) * z
        return posterior_variance_ratio(model, x, t, reference)

    curve = np.array([ratio(t) for t in grid])
    found = np.full(curve.shape[1], np.nan)
    for k in range(curve.shape[1]):
        found[k] = largest_crossing(grid, curve[:, k], threshold, lambda t, k=k: ratio(t)[k],
                                    rising=True)
    return found, curve
