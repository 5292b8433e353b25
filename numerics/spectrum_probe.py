"""Score-Jacobian spectra and dimensions over time, for any score model.

The common measurement behind ``lostdim spectrum`` and the experiments: at
each time, the exact Jacobian of a score (empirical, factorised or the NumPy
network) at probe points, its normalised singular values, and a dimension
estimate from one of :mod:`numerics.estimators`.

Probe points: ``origin`` (x = 0) or ``manifold`` (``x = a_t y`` with ``y`` a
fresh clean draw of the population, i.e. a point of the data manifold seen at
the scale of time t).
"""

from __future__ import annotations

import numpy as np

import theory
from theory.spectrum import Spectrum

from . import estimators
from .data import as_generator, sample_gaussian_manifold
from .probes import jacobian_spectrum

__all__ = ["ESTIMATORS", "spectra_over_time", "estimate_dimension"]

#: Spectral dimension rules by name (each reads normalised singular values).
ESTIMATORS = {
    "gap": estimators.largest_gap_dimension,
    "loggap": estimators.log_gap_dimension,
    "paper": estimators.paper_dimension,
}


def estimate_dimension(singular_values, estimator: str = "gap"):
    """Apply the spectral rule ``estimator`` to normalised singular values.

    >>> int(estimate_dimension([1.0, 1.0, 0.1, 0.1], "gap"))
    2
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown estimator {estimator!r}; expected one of {sorted(ESTIMATORS)}")
    return ESTIMATORS[estimator](singular_values)


def spectra_over_time(model, times, *, process="ve", at="origin", spectrum: Spectrum | None = None,
                      normalize: bool = False, points: int = 8, rng=None, estimator: str = "gap"):
    """Normalised Jacobian singular values and dimensions at each time.

    Parameters
    ----------
    model : object with ``jacobian(x (B, D), t) -> (B, D, D)``
        E.g. :class:`numerics.empirical_score.EmpiricalScore` or
        :class:`numerics.mlp.ScoreModel`.
    times : sequence of float
        Times (> 0).
    process : {"ve", "vp"}
        The model's forward process (sets ``a_t`` of manifold points).
    at : {"origin", "manifold"}
    spectrum : Spectrum, optional
        Population spectrum; needed for ``at="manifold"``.
    normalize : bool
        Manifold points on the unit sphere (as the training data).
    points : int
        Manifold probe points per time; their normalised spectra are averaged.
    rng : int, Generator or None
    estimator : {"gap", "loggap", "paper"}

    Returns
    -------
    (ndarray (T, D), ndarray (T,) of int)
        Mean normalised singular values (descending) and the dimension
        estimated from them, per time.

    Examples
    --------
    >>> from numerics.empirical_score import EmpiricalScore
    >>> spec = theory.parse_spectrum("1:1,0:2")
    >>> model = EmpiricalScore(sample_gaussian_manifold(spec, 2000, rng=0))
    >>> values, dims = spectra_over_time(model, [100.0, 0.05], at="manifold", spectrum=spec,
    ...                                  rng=1)
    >>> dims.tolist()   # noise-dominated, then one tangent direction resolved
    [0, 1]
    """
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size < 1 or not np.all(np.isfinite(times)) or np.any(times <= 0):
        raise ValueError(f"times must be finite values > 0, got {np.atleast_1d(times).tolist()!r}")
    if at not in ("origin", "manifold"):
        raise ValueError(f"unknown probe location {at!r}; expected 'origin' or 'manifold'")
    if int(points) != points or points < 1:
        raise ValueError(f"points must be an integer >= 1, got {points!r}")
    proc = theory.get_process(process)
    generator = as_generator(rng)
    values = []
    for t in times:
        if at == "origin":
            x = np.zeros((1, model_dim(model)))
        else:
            if spectrum is None:
                raise ValueError("manifold probe points need the population spectrum")
            y = sample_gaussian_manifold(spectrum, int(points), generator, normalize=normalize)
            x = float(proc.a(t)) * y
        values.append(jacobian_spectrum(model, x, t).mean(axis=0))
    values = np.array(values)
    return values, np.asarray(estimate_dimension(values, estimator))


def model_dim(model) -> int:
    """Ambient dimension of a score model (``.dim`` attribute)."""
    dim = getattr(model, "dim", None)
    if dim is None:
        raise ValueError("the model has no .dim attribute")
    return int(dim)
