"""Exact score spectra of a Gaussian linear manifold (THEORY §3).

For data ``y ~ N(0, C)`` with ``C = U diag(lambda) U^T`` the noised density is
Gaussian with covariance ``a_t^2 C + Delta_t I``, so the score is linear and
its Jacobian has eigenvalues ``-1/(Delta_t + a_t^2 lambda_i)``. Normal
directions (``lambda = 0``) sit at ``-1/Delta_t``, the largest magnitude;
normalised by it, direction ``i`` reads ``1/(1 + SNR_i(t))``.

A direction is *resolved* (reads as tangent) once ``SNR_i(t) > kappa``; the
apparent dimension is the number of resolved directions, and the spectral gap
between two subspaces is open while one is resolved and the other is not.
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from . import symbols as sy
from .compile import compile_expr
from .processes import VE, from_ve_expr, get_process
from .spectrum import Spectrum
from .validation import check_times as _times
from .validation import check_variances as _variances

__all__ = [
    "derive_jacobian_eigenvalue", "derive_normalized_singular_value", "derive_posterior",
    "derive_resolution_time", "derive_widest_gap_time",
    "jacobian_eigenvalues", "normalized_singular_values", "posterior_variance",
    "apparent_dimension", "resolution_time", "gap_times", "widest_gap_time",
    "marchenko_pastur_edges",
]


# -- derivations ---------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def derive_jacobian_eigenvalue(process="ve") -> sp.Expr:
    """Jacobian eigenvalue of the exact score along a direction of variance ``lambda``.

    Differentiates the log-density ``-x^2 / (2 (a^2 lambda + Delta))`` twice.

    The result is kept as ``-1/(a_t^2 lambda + Delta_t)`` (not simplified
    further): in VP that form stays finite for every ``t``, whereas
    ``-exp(2t)/(lambda + exp(2t) - 1)`` overflows for ``t > 355``.

    >>> derive_jacobian_eigenvalue("ve")
    -1/(lambda + t)
    >>> derive_jacobian_eigenvalue("vp")
    -1/(lambda*exp(-2*t) + 1 - exp(-2*t))
    """
    proc = get_process(process)
    variance = proc.signal_expr**2 * sy.lam + proc.noise_expr
    log_density = -sy.x**2 / (2 * variance)
    return sp.diff(log_density, sy.x, 2)


@functools.lru_cache(maxsize=None)
def derive_normalized_singular_value(process="ve") -> sp.Expr:
    """Singular value normalised by the normal-direction one, ``1/Delta_t``.

    >>> derive_normalized_singular_value("ve")
    t/(lambda + t)
    """
    proc = get_process(process)
    ratio = derive_jacobian_eigenvalue(process) / (-1 / proc.noise_expr)
    return sp.simplify(ratio)


@functools.lru_cache(maxsize=None)
def derive_posterior():
    """Posterior mean coefficient and variance of ``y`` given ``x = a y + sqrt(Delta) z``.

    With prior ``y ~ N(0, lambda)`` the log joint density is quadratic in
    ``y``; completing the square gives ``y | x ~ N(m x, v)``.

    Returns
    -------
    (sympy.Expr, sympy.Expr)
        ``m`` and ``v`` in the generic symbols ``a``, ``Delta``, ``lambda``.

    Examples
    --------
    >>> m, v = derive_posterior()
    >>> m
    a*lambda/(Delta + a**2*lambda)
    >>> v
    Delta*lambda/(Delta + a**2*lambda)
    """
    log_joint = sp.expand(-(sy.x - sy.a * sy.y) ** 2 / (2 * sy.delta) - sy.y**2 / (2 * sy.lam))
    quadratic = log_joint.coeff(sy.y, 2)
    linear = log_joint.coeff(sy.y, 1)
    variance = sp.simplify(-1 / (2 * quadratic))
    mean_coefficient = sp.simplify(linear * variance / sy.x)
    return mean_coefficient, variance


@functools.lru_cache(maxsize=None)
def derive_resolution_time(process="ve") -> sp.Expr:
    """Time at which ``SNR(t) = kappa``: the direction resolves below it.

    >>> derive_resolution_time("ve")
    lambda/kappa
    >>> derive_resolution_time("vp")
    log(1 + lambda/kappa)/2

    VP is derived through the time map (the tests check that it solves
    ``SNR_VP(t) = kappa`` directly).
    """
    (solution,) = sp.solve(sp.Eq(VE.snr_expr(), sy.kappa), sy.t)
    return from_ve_expr(solution, process)


@functools.lru_cache(maxsize=None)
def derive_widest_gap_time(process="ve") -> sp.Expr:
    """Time at which the gap between normalised singular values of two levels is widest.

    Maximises ``1/(1+SNR_2) - 1/(1+SNR_1)`` over ``t`` for variances
    ``lambda_1 > lambda_2``.

    >>> derive_widest_gap_time("ve")
    sqrt(lambda_1)*sqrt(lambda_2)
    """
    nsv = derive_normalized_singular_value("ve")
    gap = nsv.subs(sy.lam, sy.lam2) - nsv.subs(sy.lam, sy.lam1)
    (candidate,) = sp.solve(sp.diff(gap, sy.t), sy.t)
    # VP: the gap depends on t only through the SNRs, hence the time map.
    return from_ve_expr(sp.simplify(candidate), process)


# -- numerics ------------------------------------------------------------------


def jacobian_eigenvalues(t, variance, process="ve"):
    """Exact score-Jacobian eigenvalue ``-1/(Delta_t + a_t^2 lambda)`` (broadcasts).

    Parameters
    ----------
    t : array_like
        Times (> 0).
    variance : array_like
        Per-direction variances (>= 0), e.g. ``Spectrum.variances``.
    process : {"ve", "vp"}

    Examples
    --------
    >>> jacobian_eigenvalues(0.5, [1.0, 0.0])
    array([-0.66666667, -2.        ])
    """
    proc = get_process(process)
    f = compile_expr(derive_jacobian_eigenvalue(proc.name), (sy.t, sy.lam))
    t, variance = np.broadcast_arrays(_times(t), _variances(variance))
    return f(t, variance) + np.zeros(t.shape)


def normalized_singular_values(t, variance, process="ve"):
    """Singular values over the largest (normal) one: ``1/(1 + SNR)``.

    >>> normalized_singular_values(1.0, [1.0, 0.0])
    array([0.5, 1. ])
    """
    proc = get_process(process)
    return 1.0 / (1.0 + proc.snr(_times(t), _variances(variance)))


def posterior_variance(t, variance, process="ve"):
    """Exact posterior variance ``lambda Delta_t/(Delta_t + a_t^2 lambda)`` of ``y`` given ``x_t``.

    The reference against which the simulator's weighted variance of the
    training points is compared.

    >>> float(posterior_variance(1.0, 1.0))
    0.5
    """
    proc = get_process(process)
    _, v = derive_posterior()
    t, variance = np.broadcast_arrays(_times(t), _variances(variance))
    a = proc.a(t)
    delta = proc.delta(t)
    return compile_expr(v, (sy.a, sy.delta, sy.lam))(a, delta, variance) + np.zeros(t.shape)


def apparent_dimension(t, spectrum: Spectrum, process="ve", kappa: float = 1.0):
    """Number of directions with ``SNR_i(t) > kappa`` (broadcasts over ``t``).

    >>> from theory.spectrum import parse_spectrum
    >>> apparent_dimension([10.0, 0.5, 0.01], parse_spectrum("1:2,0.09:5,0:3"))
    array([0, 2, 7])
    """
    if not np.isfinite(kappa) or kappa <= 0:
        raise ValueError(f"kappa must be finite and > 0, got {kappa!r}")
    proc = get_process(process)
    t = _times(t)
    snr = proc.snr(t[..., None], spectrum.per_direction())
    return np.sum(snr > kappa, axis=-1)


def resolution_time(variance, process="ve", kappa: float = 1.0):
    """Time below which a direction of ``variance`` is resolved (``SNR > kappa``).

    Zero variance never resolves: its resolution time is 0.

    >>> resolution_time([1.0, 0.0], "ve")
    array([1., 0.])
    """
    if not np.isfinite(kappa) or kappa <= 0:
        raise ValueError(f"kappa must be finite and > 0, got {kappa!r}")
    proc = get_process(process)
    f = compile_expr(derive_resolution_time(proc.name), (sy.lam, sy.kappa))
    variance = _variances(variance)
    return f(variance, float(kappa)) + np.zeros(variance.shape)


def gap_times(spectrum: Spectrum, process="ve", kappa: float = 1.0):
    """When each gap between consecutive variance levels opens and closes.

    Subspaces are ordered by decreasing variance. Going backwards in time
    (from noise to data), the gap between levels ``hi`` and ``lo`` opens when
    ``hi`` resolves (``SNR = kappa``) and closes when ``lo`` resolves too; a
    gap above a zero-variance level never closes (``t_close = 0``).

    Returns
    -------
    list of dict
        ``{"upper": i, "lower": j, "t_open": ..., "t_close": ...}`` with
        subspace indices in the spectrum's own order.

    Examples
    --------
    >>> from theory.spectrum import parse_spectrum
    >>> [(g["upper"], g["lower"], g["t_open"], g["t_close"])
    ...  for g in gap_times(parse_spectrum("0.09:5,1:2,0:3"))]
    [(1, 0, 1.0, 0.09), (0, 2, 0.09, 0.0)]
    """
    order = sorted(range(spectrum.n_subspaces), key=lambda k: -spectrum.variances[k])
    times = resolution_time(spectrum.variances, process, kappa)
    gaps = []
    for hi, lo in zip(order[:-1], order[1:]):
        if spectrum.variances[hi] == spectrum.variances[lo]:
            continue
        gaps.append({"upper": hi, "lower": lo,
                     "t_open": float(times[hi]), "t_close": float(times[lo])})
    return gaps


def widest_gap_time(variance_hi, variance_lo, process="ve"):
    """Time at which ``1/(1+SNR_lo) - 1/(1+SNR_hi)`` is largest.

    VE: ``sqrt(lambda_hi lambda_lo)``; VP: the same through the time map.

    >>> float(widest_gap_time(1.0, 0.01))
    0.1
    """
    hi, lo = _variances(variance_hi), _variances(variance_lo)
    if np.any(hi <= lo) or np.any(lo <= 0):
        raise ValueError("need variance_hi > variance_lo > 0 for a gap with a widest point")
    proc = get_process(process)
    f = compile_expr(derive_widest_gap_time(proc.name), (sy.lam1, sy.lam2))
    return f(hi, lo) + np.zeros(np.broadcast(hi, lo).shape)


def marchenko_pastur_edges(variance: float, ratio: float):
    """Edges of the Marchenko–Pastur bulk of the tangent eigenvalues.

    Convention: ``F`` is ``D x m`` with iid ``N(0, variance / D)`` entries and
    ``y = F xi`` with ``xi ~ N(0, I_m)``; as ``D, m -> infinity`` at
    ``ratio = m / D <= 1`` the ``m`` non-zero eigenvalues of ``C = F F^T``
    fill ``[variance (1 - sqrt(ratio))^2, variance (1 + sqrt(ratio))^2]``.

    >>> marchenko_pastur_edges(1.0, 0.25)
    (0.25, 2.25)
    """
    if not np.isfinite(variance) or variance <= 0:
        raise ValueError(f"variance must be finite and > 0, got {variance!r}")
    if not np.isfinite(ratio) or not 0 < ratio <= 1:
        raise ValueError(f"ratio m/D must lie in (0, 1], got {ratio!r}")
    root = np.sqrt(ratio)
    return float(variance * (1 - root) ** 2), float(variance * (1 + root) ** 2)
