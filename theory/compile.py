"""The one path from symbolic expressions to fast numerical functions.

Every derived expression reaches NumPy (or mpmath) through :func:`compile_expr`:
it rewrites ``log(1 + u)`` as ``log1p(u)`` and ``exp(u) - 1`` as ``expm1(u)``
(accurate where ``u`` is tiny, e.g. SNR -> 0 or t -> 0), extracts common
subexpressions and caches the compiled function in memory.
"""

from __future__ import annotations

import functools

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

__all__ = ["compile_expr", "stable_form"]

def _expm1_in_sum(expr: sp.Add) -> sp.Expr:
    # exp(u) - 1 -> expm1(u) and 1 - exp(u) -> -expm1(u); nothing else moves,
    # so a form chosen for its range (e.g. exp(-2t) rather than exp(2t)) stays.
    terms = list(expr.args)
    for one, sign in ((sp.S.NegativeOne, 1), (sp.S.One, -1)):
        if one not in terms:
            continue
        for term in terms:
            candidate = term if sign == 1 else -term
            if isinstance(candidate, sp.exp):
                rest = [u for u in terms if u is not term]
                rest.remove(one)
                return sp.Add(sign * expm1(candidate.args[0]), *rest)
    return expr


def _log1p_of_log(expr: sp.log) -> sp.Expr:
    (arg,) = expr.args
    if isinstance(arg, sp.Add) and sp.S.One in arg.args:
        return log1p(arg - 1)
    return expr


@functools.lru_cache(maxsize=None)
def stable_form(expr: sp.Expr) -> sp.Expr:
    """Rewrite ``expr`` with ``log1p``/``expm1`` where they apply.

    Only literal ``log(1 + u)`` and ``exp(u) - 1`` patterns are rewritten; the
    rest of the expression keeps the form its derivation chose.

    Examples
    --------
    >>> import sympy as sp
    >>> u = sp.Symbol("u", positive=True)
    >>> stable_form(sp.log(1 + u) / 2)
    log1p(u)/2
    >>> stable_form(sp.exp(2 * u) - 1)
    expm1(2*u)
    """
    expr = sp.sympify(expr)
    expr = expr.replace(lambda e: isinstance(e, sp.Add), _expm1_in_sum)
    return expr.replace(lambda e: isinstance(e, sp.log), _log1p_of_log)


@functools.lru_cache(maxsize=None)
def compile_expr(expr: sp.Expr, args: tuple, backend: str = "numpy"):
    """Compile ``expr`` into a function of ``args``.

    Parameters
    ----------
    expr : sympy.Expr
        The derived expression.
    args : tuple of sympy.Symbol
        Positional arguments of the compiled function, in order.
    backend : {"numpy", "mpmath"}
        ``"numpy"`` broadcasts over arrays in float64; ``"mpmath"`` evaluates
        at the working precision of ``mpmath.mp`` (use it inside
        ``mpmath.workdps`` for extreme parameters).

    Returns
    -------
    callable
        Cached: compiling the same expression twice returns the same function.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> u = sp.Symbol("u", positive=True)
    >>> f = compile_expr(sp.log(1 + u), (u,))
    >>> float(f(np.float64(1e-20)))  # log(1 + 1e-20) would round to 0
    1e-20
    >>> compile_expr(sp.log(1 + u), (u,)) is f
    True
    """
    if backend not in ("numpy", "mpmath"):
        raise ValueError(f"backend must be 'numpy' or 'mpmath', got {backend!r}")
    return sp.lambdify(tuple(args), stable_form(expr), modules=backend, cse=True)
