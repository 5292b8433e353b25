"""Exact random-energy-model (REM) results for Gaussian data (THEORY §5).

For a typical noised point the empirical score is a Boltzmann average over the
N training points. Per direction of variance ``lambda`` the *entropy cost*

    phi(t) = 1/2 log(1 + SNR(t))

is derived here in two independent ways (the averaged log-weight gap between
the generating point and the annealed others, and the posterior-to-prior KL
divergence); the tests show they agree. The configurational entropy is

    s(t) = ln N - sum_i phi_i(t),

the effective number of samples ``N_t ~ exp(s(t))`` while ``s > 0``, and the
joint collapse (condensation, glass) time ``t_C`` solves ``s(t_C) = 0``.
"""

from __future__ import annotations

import functools

import mpmath
import numpy as np
import sympy as sp
from scipy.optimize import elementwise

from . import symbols as sy
from .compile import compile_expr
from .gaussian import derive_posterior
from .integrals import gaussian_expectation, gaussian_integral
from .processes import VE, from_ve_expr, get_process
from .spectrum import Spectrum
from .validation import check_times as _times

__all__ = [
    "derive_phi_log_weights", "derive_phi_kl", "derive_phi",
    "derive_isotropic_collapse_time", "phi", "entropy", "effective_samples",
    "collapse_time", "collapse_time_mp", "log_n_of",
]


# -- derivations ---------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def derive_phi_log_weights() -> sp.Expr:
    """phi as the averaged log-weight gap (route a).

    The generating point ``y0`` has log-weight ``-(x - a y0)^2/(2 Delta) =
    -z^2/2``, on average ``-1/2``. Any other point contributes, annealed over
    ``y ~ N(0, lambda)``, ``ln E_y exp(-(x - a y)^2/(2 Delta))``, averaged over
    ``x ~ N(0, Delta + a^2 lambda)``. phi is the first minus the second.

    >>> derive_phi_log_weights()
    -log(Delta)/2 + log(Delta + a**2*lambda)/2
    """
    a, delta, lam, x, y, z = sy.a, sy.delta, sy.lam, sy.x, sy.y, sy.z
    own = gaussian_expectation(-z**2 / 2, z, 0, 1)
    prior_log_density = -y**2 / (2 * lam) - sp.log(2 * sp.pi * lam) / 2
    annealed = gaussian_integral(-(x - a * y) ** 2 / (2 * delta) + prior_log_density, y)
    log_annealed = sp.expand(sp.expand_log(sp.log(annealed), force=True))
    other = gaussian_expectation(log_annealed, x, 0, delta + a**2 * lam)
    return _tidy_log(own - other)


@functools.lru_cache(maxsize=None)
def derive_phi_kl() -> sp.Expr:
    """phi as the KL divergence of the posterior of ``y`` from its prior (route b).

    ``y | x ~ N(m x, v)`` (:func:`theory.gaussian.derive_posterior`);
    ``KL = E_q[log q(y) - log p(y)]`` is averaged over typical
    ``x ~ N(0, Delta + a^2 lambda)``.

    >>> derive_phi_kl()
    -log(Delta)/2 + log(Delta + a**2*lambda)/2
    """
    a, delta, lam, x, y = sy.a, sy.delta, sy.lam, sy.x, sy.y
    m, v = derive_posterior()
    log_q = -(y - m * x) ** 2 / (2 * v) - sp.log(2 * sp.pi * v) / 2
    log_p = -y**2 / (2 * lam) - sp.log(2 * sp.pi * lam) / 2
    kl_at_x = gaussian_expectation(sp.expand_log(log_q - log_p, force=True), y, m * x, v)
    return _tidy_log(gaussian_expectation(kl_at_x, x, 0, delta + a**2 * lam))


def _tidy_log(expr: sp.Expr) -> sp.Expr:
    return sp.simplify(sp.logcombine(sp.expand_log(sp.simplify(expr), force=True), force=True))


@functools.lru_cache(maxsize=None)
def derive_phi() -> sp.Expr:
    """phi as a function of the per-direction SNR: ``log(1 + SNR)/2``.

    Substitutes ``SNR = a^2 lambda / Delta`` into the log-weight route.

    >>> derive_phi()
    log(SNR + 1)/2
    """
    expr = derive_phi_log_weights().subs(sy.lam, sy.snr * sy.delta / sy.a**2)
    return sp.expand_log(sp.simplify(expr), force=True)


@functools.lru_cache(maxsize=None)
def derive_isotropic_collapse_time(process="ve") -> sp.Expr:
    """Closed-form ``t_C`` of one subspace (dimension ``d``, variance ``lambda``).

    Solves ``d phi(t) = ln N`` with :func:`sympy.solve` in VE; VP follows from
    the time map (the tests check it also solves the VP equation).

    >>> derive_isotropic_collapse_time("ve")
    lambda/(N**(2/d) - 1)
    >>> derive_isotropic_collapse_time("vp")
    log(lambda/(N**(2/d) - 1) + 1)/2
    """
    condition = sp.Eq(sy.dim * derive_phi().subs(sy.snr, VE.snr_expr()), sp.log(sy.n_samples))
    (solution,) = sp.solve(condition, sy.t)
    return from_ve_expr(sp.simplify(solution), process)


# -- numerics ------------------------------------------------------------------


def log_n_of(n=None, log_n=None):
    """``ln N`` from ``n`` (>= 1) or given directly as ``log_n`` (>= 0), as an array.

    Pass ``log_n`` for sizes beyond float range (``N = 1e400``: ``log_n = 400 ln 10``).

    >>> float(log_n_of(np.e))
    1.0
    >>> log_n_of(0)
    Traceback (most recent call last):
    ...
    ValueError: N must be finite and >= 1, got [0.0]
    """
    if (n is None) == (log_n is None):
        raise ValueError("give exactly one of n and log_n")
    if n is not None:
        n = np.asarray(n, dtype=float)
        if not np.all(np.isfinite(n)) or np.any(n < 1):
            raise ValueError(f"N must be finite and >= 1, got {np.atleast_1d(n).tolist()!r}")
        return np.log(n)
    log_n = np.asarray(log_n, dtype=float)
    if not np.all(np.isfinite(log_n)) or np.any(log_n < 0):
        raise ValueError(f"log_n must be finite and >= 0, got {np.atleast_1d(log_n).tolist()!r}")
    return log_n


def phi(t, variance, process="ve"):
    """Per-direction entropy cost ``log1p(SNR(t))/2`` (broadcasts).

    >>> round(float(phi(1.0, np.e - 1)), 15)
    0.5
    """
    snr = get_process(process).snr(_times(t), variance)
    return compile_expr(derive_phi(), (sy.snr,))(snr)


def _total_phi(t, spectrum: Spectrum, process):
    # sum_k d_k phi(SNR_k(t)), broadcast over the shape of t
    t = np.asarray(t, dtype=float)
    per_subspace = phi(t[..., None], np.asarray(spectrum.variances), process)
    return per_subspace @ np.asarray(spectrum.dims, dtype=float)


def entropy(t, spectrum: Spectrum, n=None, process="ve", *, log_n=None):
    """Configurational entropy ``s(t) = ln N - sum_i phi_i(t)``; broadcasts over ``t`` and ``n``.

    Examples
    --------
    >>> from theory.spectrum import Spectrum
    >>> iso = Spectrum.isotropic(1.0, 20)
    >>> abs(float(entropy(1.0047602375372452, iso, 1000))) < 1e-12
    True
    """
    return log_n_of(n, log_n) - _total_phi(_times(t), spectrum, process)


def effective_samples(t, spectrum: Spectrum, n=None, process="ve", *, log_n=None):
    """REM effective number of samples ``exp(s(t))``, floored at 1 (condensed).

    >>> from theory.spectrum import Spectrum
    >>> float(effective_samples(1e-6, Spectrum.isotropic(1.0, 20), 1000))
    1.0
    """
    s = entropy(t, spectrum, n, process, log_n=log_n)
    return np.exp(np.maximum(s, 0.0))


def _isotropic_times(variance, dim, log_n, process):
    # closed form with N = exp(ell) so N**(2/d) - 1 compiles to expm1(2 ell/d)
    expr = derive_isotropic_collapse_time(get_process(process).name)
    expr = expr.subs(sy.n_samples, sp.exp(sy.log_n))
    expr = sp.powsimp(sp.powdenest(expr, force=True), force=True)
    variance = np.asarray(variance, float)
    # N = 1 gives lambda/0: inf for lambda > 0 (lost at every time) and 0/0
    # for lambda = 0, where the answer is 0 (a normal direction has nothing
    # to lose); overflow of N^(2/d) correctly rounds the time to 0.
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        times = compile_expr(expr, (sy.lam, sy.dim, sy.log_n))(
            variance, np.asarray(dim, float), np.asarray(log_n, float))
    return np.where(variance == 0, 0.0, times)


def collapse_time(spectrum: Spectrum, n=None, process="ve", *, log_n=None):
    """Joint collapse time ``t_C``: the root of ``s(t) = 0``; vectorised over ``n``.

    Bracketed by the isotropic closed forms with the smallest and largest
    non-zero variance (``phi`` is increasing in the variance), then solved in
    ``log t`` with :func:`scipy.optimize.elementwise.find_root`. Entries whose
    bracket leaves float64 range (e.g. ``N = 1e300`` in small dimension) are
    computed by :func:`collapse_time_mp` and rounded to float64.

    Returns
    -------
    ndarray
        ``inf`` for ``N = 1`` (one point: condensed at every time) and ``0``
        when all variances are zero (nothing to condense on).

    Examples
    --------
    >>> from theory.spectrum import Spectrum, parse_spectrum
    >>> float(collapse_time(Spectrum.isotropic(1.0, 20), 1000, "vp"))
    0.34776223566615...
    >>> float(collapse_time(parse_spectrum("1:2,0.09:5,1e-4:23"), 1000))
    0.031415188...
    """
    proc = get_process(process)
    ell_in = log_n_of(n, log_n)
    ell = np.atleast_1d(ell_in)
    variances = np.asarray(spectrum.variances, dtype=float)
    dims = np.asarray(spectrum.dims, dtype=float)
    tangent = variances > 0
    if not np.any(tangent):
        return np.zeros(ell_in.shape)
    d_plus = dims[tangent].sum()
    lower = _isotropic_times(variances[tangent].min(), d_plus, ell, proc.name)
    upper = _isotropic_times(variances[tangent].max(), d_plus, ell, proc.name)
    result = np.where(ell == 0, np.inf, upper).astype(float)
    solve = (ell > 0) & (lower < upper)
    extreme = solve & ~(lower > 1e-290)
    solve &= ~extreme
    if np.any(solve):
        def excess(u, ell_):
            return _total_phi(np.exp(u), spectrum, proc.name) - ell_
        # Widen the bracket a little: when the variances differ by ulps,
        # rounding can give the excess the same sign at both ends.
        lo, hi = np.log(lower[solve]), np.log(upper[solve])
        pad = 1e-12 * np.maximum(1.0, np.abs(lo) + np.abs(hi))
        res = elementwise.find_root(excess, (lo - pad, hi + pad), args=(ell[solve],))
        if not np.all(res.success):
            raise ValueError("root finding for t_C did not converge")  # pragma: no cover
        result[solve] = np.exp(res.x)
    for index in np.flatnonzero(extreme):
        result[index] = float(collapse_time_mp(spectrum, log_n=float(ell[index]), process=proc.name))
    return result.reshape(ell_in.shape)


def collapse_time_mp(spectrum: Spectrum, n=None, process="ve", *, log_n=None, dps: int = 50):
    """``t_C`` in mpmath at ``dps`` digits, for extreme ``N`` (e.g. ``1e300`` or beyond).

    ``n`` may be an int, a string such as ``"1e400"`` or an ``mpmath.mpf``.

    >>> from theory.spectrum import Spectrum
    >>> t = collapse_time_mp(Spectrum.isotropic(1.0, 1), n="1e300")
    >>> mpmath.nstr(t, 8)
    '1.0e-600'
    """
    proc = get_process(process)
    variances = [v for v in spectrum.variances if v > 0]
    dims = [d for v, d in zip(spectrum.variances, spectrum.dims) if v > 0]
    if not variances:
        return mpmath.mpf(0)
    phi_of_snr = compile_expr(derive_phi(), (sy.snr,), "mpmath")
    snr = compile_expr(proc.snr_expr(), (sy.t, sy.lam), "mpmath")
    with mpmath.workdps(dps):
        if log_n is None:
            if n is None:
                raise ValueError("give exactly one of n and log_n")
            n_mp = mpmath.mpf(n)
            if not mpmath.isfinite(n_mp) or n_mp < 1:
                raise ValueError(f"N must be finite and >= 1, got {n!r}")
            ell = mpmath.log(n_mp)
        else:
            ell = mpmath.mpf(log_n)
        if ell == 0:
            return mpmath.inf

        def excess(u):
            t = mpmath.exp(u)
            return sum(d * phi_of_snr(snr(t, mpmath.mpf(v))) for v, d in zip(variances, dims)) - ell

        # Isotropic closed forms with the smallest and largest variance bracket
        # the root (phi grows with the variance); VP through the time map.
        d_plus = sum(dims)
        inverse_map = compile_expr(from_ve_expr(sy.s_ve, proc.name), (sy.s_ve,), "mpmath")

        def isotropic(variance):
            return inverse_map(variance / mpmath.expm1(2 * ell / d_plus))

        lo = mpmath.log(isotropic(mpmath.mpf(min(variances)))) - 1
        hi = mpmath.log(isotropic(mpmath.mpf(max(variances)))) + 1
        root = mpmath.findroot(excess, (lo, hi), solver="anderson")
        return +mpmath.exp(root)
