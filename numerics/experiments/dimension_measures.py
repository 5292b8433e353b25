"""How experiment 2 reads a model's dimension: posterior-variance ratios and Jacobian gaps.

The measuring tools of :mod:`numerics.experiments.dimension_vs_n`, used alike
on the exact empirical scores and on the network:

* :func:`probe_points`: typical points ``x = a_t y + sqrt(Delta_t) z`` of the
  noised population, where the posterior-variance ratio is taken;
* :func:`tweedie_ratio`: the per-subspace posterior-variance ratio implied by
  a score's Jacobian (second-order Tweedie), the measurement for a network;
* :func:`largest_crossing`: a subspace's loss time read off that ratio on a
  grid of times, the largest time where it rises through
  :data:`numerics.loss_times.LOSS_THRESHOLD` (the network's loss times);
* :func:`spectral_dimensions` and :func:`population_spectral_dimension`: the
  largest-gap dimension of a model's Jacobian spectrum at on-manifold points,
  and of the exact population score (the paper's kind of estimate).
"""

from __future__ import annotations

import math

import numpy as np

import theory
from theory.spectrum import Spectrum

from ..data import sample_gaussian_manifold
from ..loss_times import LOSS_THRESHOLD
from ..spectrum_probe import estimate_dimension, spectra_over_time

__all__ = ["probe_points", "tweedie_ratio", "largest_crossing", "spectral_dimensions",
           "population_spectral_dimension"]


def probe_points(spectrum, t, batch, process, normalize, rng):
    """``batch`` typical points ``x = a_t y + sqrt(Delta_t) z`` of the noised population.

    ``y`` fresh draws of the Gaussian manifold of ``spectrum`` (projected on
    the unit sphere if ``normalize``), ``z`` standard normal.

    >>> x = probe_points(theory.parse_spectrum("1:2,0.1:3"), 0.01, 4, "ve", False,
    ...                  np.random.default_rng(0))
    >>> x.shape
    (4, 5)
    """
    proc = theory.get_process(process)
    y = sample_gaussian_manifold(spectrum, int(batch), rng, normalize=normalize)
    z = rng.standard_normal(y.shape)
    return float(proc.a(t)) * y + math.sqrt(float(proc.delta(t))) * z


def spectral_dimensions(model, spec, times, process, normalize, rng) -> list:
    """The paper's kind of measurement: largest-gap dimension at on-manifold points.

    The largest-gap rule on the normalised singular values of ``model``'s
    Jacobian at 8 points ``x = a_t y`` (``y`` drawn with ``rng``), one
    dimension per time in ``times``.
    """
    _, dims = spectra_over_time(model, list(times), process=process, at="manifold",
                                spectrum=spec, normalize=normalize, points=8,
                                rng=rng, estimator="gap")
    return [int(d) for d in dims]


def population_spectral_dimension(spectrum: Spectrum, t, process="ve") -> int:
    """Largest-gap dimension of the population score's Jacobian (exact Gaussian).

    The same estimator as the measured spectral dimensions, applied to the
    singular values ``1/(Delta + a^2 lambda_i)``: what a model that neither
    memorises nor errs would read.

    >>> population_spectral_dimension(theory.PAPER_SPECTRUM.normalized(), 1e-3)
    7
    """
    proc = theory.get_process(process)
    values = 1.0 / (float(proc.delta(t)) + float(proc.a(t)) ** 2 * spectrum.per_direction())
    return int(estimate_dimension(values, "gap"))


def tweedie_ratio(model, x, t, reference, subspace_index, process="ve") -> np.ndarray:
    """Per-subspace posterior-variance ratio implied by a score's Jacobian.

    ``Cov[y | x] = (Delta/a^2)(I + Delta J)`` (second-order Tweedie); its
    diagonal averaged over each subspace, median over points, divided by the
    exact posterior variance of ``reference``.

    Examples
    --------
    For an empirical score this equals the weighted-variance ratio:

    >>> from numerics.empirical_score import EmpiricalScore
    >>> from numerics.loss_times import posterior_variance_ratio, reference_variances
    >>> spec = theory.parse_spectrum("1:2,0.1:3")
    >>> data = sample_gaussian_manifold(spec, 40, rng=0)
    >>> model = EmpiricalScore(data, subspace_index=spec.subspace_index())
    >>> x = probe_points(spec, 0.05, 8, "ve", False, np.random.default_rng(1))
    >>> ref = reference_variances(data, spec.subspace_index())
    >>> bool(np.allclose(tweedie_ratio(model, x, 0.05, ref, spec.subspace_index()),
    ...                  posterior_variance_ratio(model, x, 0.05, ref)))
    True
    """
    proc = theory.get_process(process)
    a, delta = float(proc.a(t)), float(proc.delta(t))
    jac = model.jacobian(x, t)
    diag = np.diagonal(jac, axis1=1, axis2=2)
    cov = (delta / a**2) * (1.0 + delta * diag)
    index = np.asarray(subspace_index)
    reference = np.asarray(reference, dtype=float)
    k_count = reference.size
    per_subspace = np.stack([cov[:, index == k].mean(axis=1) for k in range(k_count)], axis=1)
    exact = theory.posterior_variance(t, np.where(reference > 0, reference, 1.0), proc.name)
    return np.where(reference > 0, np.median(per_subspace, axis=0) / exact, np.nan)


def largest_crossing(column):
    """Largest time where the ratio goes from < 1/2 (below) to >= 1/2 (above).

    Interpolated linearly in ``log t``; ``(None, reason)`` if not measurable.

    >>> largest_crossing([(1e-3, 0.1), (1e-2, 0.9), (1e-1, 1.0)])[0]
    0.00316...
    >>> largest_crossing([(1e-3, 0.9), (1e-2, 0.9)])
    (None, 'not lost at any measurable time (0.001 to 0.01)')
    """
    if not column:
        return None, "no measurable time (SNR below SNR_MIN everywhere)"
    times = np.array([c[0] for c in column])
    ratio = np.array([c[1] for c in column])
    below = ratio < LOSS_THRESHOLD
    if below[-1]:
        return None, f"lost at every measurable time up to {times[-1]:.3g}"
    for i in range(times.size - 2, -1, -1):
        if below[i] and not below[i + 1]:
            u = (LOSS_THRESHOLD - ratio[i]) / (ratio[i + 1] - ratio[i])
            return float(np.exp(np.log(times[i]) + u * np.log(times[i + 1] / times[i]))), ""
    return None, f"not lost at any measurable time ({times[0]:.3g} to {times[-1]:.3g})"
