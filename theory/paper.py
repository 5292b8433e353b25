"""The seed paper's per-direction memorisation criterion (THEORY §6).

Achilli et al. treat the log-weights of the empirical score as Gaussian
energies. In the VE convention, with ``L = 2 ln N``, ``S = sum_j lambda_j^2/2``
(over directions) and ``g = 0`` for data normalised to the unit sphere
(``g = 1`` otherwise):

* ``t_c^(i)(t) = sqrt((g S + t lambda_i)/L)``, ``t_c^(0) = sqrt(g S / L)``;
* ``phi_i(t) = max(0, 1/t - 1/t_c^(i)(t))``, ``phi_0(t) = g max(0, 1/t - 1/t_c^(0))``;
* ``v_i(t) = [sum_j lambda_j/(t^2 (t + lambda_j))] (phi_0 + phi_i)``;
* predicted singular value ``sigma_i(t) = sqrt((t + lambda_i)^-2 + v_i^2)``;
* direction ``i`` is lost below the fixed point ``t_i* = t_c^(i)(t_i*)``.

With ``g = 0``, ``t_i* = lambda_i/(2 ln N)``: the higher variance is always
lost first, whatever the subspace dimensions. This differs from the exact
factorised REM (:mod:`theory.factorized`); the simulator decides.

VP values follow from the exact equivalence of the two processes: the VP
empirical score at ``(x, t)`` equals the VE one at ``(x/a_t, e^(2t) - 1)``
divided by ``a_t^2``, so times map through ``t_VE = e^(2t) - 1`` and
singular values are divided by ``a_t^2``.
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from . import symbols as sy
from .compile import compile_expr
from .processes import from_ve_expr, get_process
from .rem import log_n_of
from .spectrum import Spectrum
from .validation import check_times

__all__ = [
    "derive_critical_time", "derive_fixed_point", "derive_phi_paper",
    "paper_times", "paper_singular_values", "paper_constants",
]

_phi0 = sp.Symbol("phi_0", nonnegative=True)
_phi_i = sp.Symbol("phi_i", nonnegative=True)
_weight_sum = sp.Symbol("W", positive=True)   # sum_j lambda_j / (t^2 (t + lambda_j))


@functools.lru_cache(maxsize=None)
def derive_critical_time(direction: bool = True) -> sp.Expr:
    """``t_c^(i)(t) = sqrt((g S + t lambda)/L)`` (``direction=False``: ``t_c^(0)``).

    >>> derive_critical_time()
    sqrt(S*g + lambda*t)/sqrt(L)
    """
    numerator = sy.g * sy.S + (sy.t * sy.lam if direction else 0)
    return sp.sqrt(numerator / sy.L)


@functools.lru_cache(maxsize=None)
def derive_fixed_point(process="ve") -> sp.Expr:
    """Solve ``t = t_c^(i)(t)`` for the positive root ``t_i*``.

    >>> derive_fixed_point()
    (lambda + sqrt(4*L*S*g + lambda**2))/(2*L)
    >>> derive_fixed_point().subs(sy.g, 0)
    lambda/L
    """
    # Square both sides; of the two roots of L t^2 - lambda t - g S = 0 only
    # the larger is positive.
    roots = sp.solve(sp.Eq(sy.t**2, derive_critical_time() ** 2), sy.t)
    positive = [r for r in roots if r.subs({sy.g: 1, sy.S: 1, sy.lam: 1, sy.L: 1}).is_positive]
    (root,) = positive
    return from_ve_expr(sp.factor(root), process)


@functools.lru_cache(maxsize=None)
def derive_phi_paper() -> sp.Expr:
    """``phi_i(t) = max(0, 1/t - 1/t_c^(i)(t))``.

    >>> derive_phi_paper()
    Max(0, -sqrt(L)/sqrt(S*g + lambda*t) + 1/t)
    """
    return sp.Max(0, 1 / sy.t - 1 / derive_critical_time())


@functools.lru_cache(maxsize=None)
def _singular_value_expr() -> sp.Expr:
    # phi_i enters as a symbol so that the N = 1 limit (L = 0, phi_i = 1/t)
    # can be supplied without dividing by zero.
    memorisation = _weight_sum * (_phi0 + _phi_i)
    return sp.sqrt((sy.t + sy.lam) ** -2 + memorisation**2)


def paper_constants(spectrum: Spectrum, n):
    """``(S, L)`` of the criterion: ``S = sum_j lambda_j^2/2``, ``L = 2 ln N``.

    >>> paper_constants(Spectrum((1.0,), (2,)), np.e)
    (1.0, 2.0)
    """
    per_direction = spectrum.per_direction()
    return float(np.sum(per_direction**2) / 2), float(2 * log_n_of(n))


def _check_g(g):
    if not np.isfinite(g) or g < 0:
        raise ValueError(f"g must be finite and >= 0 (0: unit sphere, 1: raw data), got {g!r}")
    return float(g)


def paper_times(spectrum: Spectrum, n, g: float = 1.0, process="ve"):
    """Per-subspace fixed points ``t_i*`` below which the paper predicts the loss.

    ``inf`` for ``N = 1`` (lost at every time).

    Examples
    --------
    >>> from theory.spectrum import PAPER_SPECTRUM
    >>> t = paper_times(PAPER_SPECTRUM, 1000, g=0)
    >>> bool(np.allclose(t, np.array(PAPER_SPECTRUM.variances) / (2 * np.log(1000))))
    True
    """
    g = _check_g(g)
    s_const, l_const = paper_constants(spectrum, n)
    variances = np.asarray(spectrum.variances, dtype=float)
    if l_const == 0:
        return np.full(variances.shape, np.inf)
    f = compile_expr(derive_fixed_point(get_process(process).name), (sy.lam, sy.g, sy.S, sy.L))
    return f(variances, g, s_const, l_const) + np.zeros(variances.shape)


def paper_singular_values(t, spectrum: Spectrum, n, g: float = 1.0, process="ve"):
    """Predicted Jacobian singular value ``sigma_i(t)`` per subspace.

    Returns
    -------
    ndarray of shape ``np.shape(t) + (n_subspaces,)``
        Raw (not normalised) singular values.

    Examples
    --------
    >>> from theory.spectrum import Spectrum
    >>> sv = paper_singular_values([10.0], Spectrum((1.0, 0.0), (1, 1)), 1000, g=0)
    >>> sv.round(6).tolist()  # no memorisation at large t: 1/(t + lambda)
    [[0.090909, 0.1]]
    """
    g = _check_g(g)
    proc = get_process(process)
    t = check_times(t)
    s_const, l_const = paper_constants(spectrum, n)
    t_ve = proc.to_ve_time(t)[..., None]
    per_direction = spectrum.per_direction()
    weight_sum = np.sum(per_direction / (t_ve**2 * (t_ve + per_direction)), axis=-1, keepdims=True)
    variances = np.asarray(spectrum.variances, dtype=float)
    if l_const == 0:
        phi_i = 1.0 / t_ve + np.zeros(variances.shape)
        phi_0 = g / t_ve
    else:
        # t_c = 0 (zero variance with g = 0) gives 1/t_c = inf and phi_i = 0,
        # the correct limit: such a direction carries no memorisation term.
        with np.errstate(divide="ignore"):
            phi_i = compile_expr(derive_phi_paper(), (sy.t, sy.lam, sy.g, sy.S, sy.L))(
                t_ve, variances, g, s_const, l_const) + np.zeros(variances.shape)
        tc0 = np.sqrt(g * s_const / l_const)
        phi_0 = g * np.maximum(0.0, 1.0 / t_ve - (1.0 / tc0 if tc0 > 0 else 0.0))
    sigma = compile_expr(_singular_value_expr(), (sy.t, sy.lam, _weight_sum, _phi0, _phi_i))(
        t_ve, variances, weight_sum, phi_0, phi_i)
    scale = proc.a(t)[..., None] ** 2 if proc.name == "vp" else 1.0
    return sigma / scale
