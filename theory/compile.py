"""The one path from symbolic expressions to fast numerical functions.

Every derived expression reaches NumPy (or mpmath) through :func:`compile_expr`:
it rewrites ``log(1 + u)`` as ``log1p(u)`` and ``exp(u) - 1`` as ``expm1(u)``
(accurate where ``u`` is tiny, e.g. SNR -> 0 or t -> 0), extracts common
subexpressions and caches the compiled function in memory.
"""

from __future__ import annotations

import functools

import sympy as sp
from sympy.codegen.rewriting import expm1_opt, log1p_opt, optimize

__all__ = ["compile_expr", "stable_form"]

_STABLE_REWRITES = (expm1_opt, log1p_opt)


@functools.lru_cache(maxsize=None)
def stable_form(expr: sp.Expr) -> sp.Expr:
    """Rewrite ``expr`` with ``log1p``/``expm1`` where they apply.

    Examples
    --------
    >>> import sympy as sp
    >>> u = sp.Symbol("u", positive=True)
    >>> stable_form(sp.log(1 + u) / 2)
    log1p(u)/2
    >>> stable_form(sp.exp(2 * u) - 1)
    expm1(2*u)
    """
    return optimize(sp.sympify(expr), _STABLE_REWRITES)


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
