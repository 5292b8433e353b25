"""Gaussian integrals used by the derivations, themselves derived by SymPy.

Two facts carry every REM derivation: the integral of ``exp`` of a concave
quadratic and the first two moments of a normal law. Both are obtained once
from :func:`sympy.integrate` with generic symbols and then applied by
coefficient matching, which keeps derivations fast and exact.
"""

from __future__ import annotations

import functools

import sympy as sp

__all__ = ["gaussian_integral", "gaussian_expectation"]

_p = sp.Symbol("p", positive=True)
_q = sp.Symbol("q", real=True)
_u = sp.Symbol("u", real=True)
_m = sp.Symbol("m", real=True)
_v = sp.Symbol("v", positive=True)


@functools.lru_cache(maxsize=None)
def _exp_quadratic_integral() -> sp.Expr:
    # int exp(-p u^2 + q u) du over the real line, p > 0.
    return sp.simplify(sp.integrate(sp.exp(-_p * _u**2 + _q * _u), (_u, -sp.oo, sp.oo)))


@functools.lru_cache(maxsize=None)
def _normal_moments() -> tuple:
    pdf = sp.exp(-(_u - _m) ** 2 / (2 * _v)) / sp.sqrt(2 * sp.pi * _v)
    return tuple(sp.simplify(sp.integrate(_u**k * pdf, (_u, -sp.oo, sp.oo))) for k in range(3))


def gaussian_integral(exponent: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """``int exp(exponent) d var`` over the real line, ``exponent`` quadratic and concave in ``var``.

    Examples
    --------
    >>> y = sp.Symbol("y", real=True)
    >>> gaussian_integral(-y**2 / 2, y)
    sqrt(2)*sqrt(pi)
    """
    poly = sp.Poly(sp.expand(exponent), var)
    if poly.degree() != 2:
        raise ValueError(f"exponent must be quadratic in {var}, got degree {poly.degree()}")
    a2, a1, a0 = (poly.coeff_monomial(var**k) for k in (2, 1, 0))
    value = _exp_quadratic_integral().subs({_p: -a2, _q: a1})
    return sp.simplify(value * sp.exp(a0))


def gaussian_expectation(expr: sp.Expr, var: sp.Symbol, mean, variance) -> sp.Expr:
    """``E[expr]`` for ``var ~ N(mean, variance)``, ``expr`` a polynomial of degree <= 2 in ``var``.

    Examples
    --------
    >>> x = sp.Symbol("x", real=True)
    >>> s = sp.Symbol("s", positive=True)
    >>> gaussian_expectation(3 * x**2 - x + 1, x, 0, s)
    3*s + 1
    """
    poly = sp.Poly(sp.expand(expr), var)
    if poly.degree() > 2:
        raise ValueError(f"expression must be at most quadratic in {var}, got degree {poly.degree()}")
    moments = [mk.subs({_m: mean, _v: variance}) for mk in _normal_moments()]
    return sp.expand(sum(poly.coeff_monomial(var**k) * moments[k] for k in range(3)))
