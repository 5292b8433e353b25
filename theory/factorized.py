"""The factorised REM: each subspace condenses on its own (THEORY §5).

Replacing the training set by all recombinations of its per-subspace
projections (the product of the marginal empirical measures) makes the score a
sum of per-subspace empirical scores. Subspace ``k`` (dimension ``d_k``,
variance ``lambda_k``) then condenses when ``d_k phi_k(t_k) = ln N``:

    VE: t_k = lambda_k / (N^(2/d_k) - 1),   VP: t_k = log(1 + lambda_k/(N^(2/d_k) - 1))/2.

Going backwards in time, subspace 1 is lost before subspace 2 iff
``t_1 > t_2``; the time map is increasing, so the order is the same in VE
and VP.
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from . import symbols as sy
from .processes import get_process
from .rem import _isotropic_times, derive_isotropic_collapse_time, log_n_of
from .spectrum import Spectrum

__all__ = ["derive_lost_first_condition", "factorized_times", "lost_first_order", "lost_first"]


@functools.lru_cache(maxsize=None)
def derive_lost_first_condition() -> sp.Expr:
    """Symbolic condition under which subspace 1 is lost before subspace 2.

    Compares the per-subspace VE collapse times ``t_1 > t_2`` (in VP the same
    comparison holds because the time map is increasing).

    >>> derive_lost_first_condition()
    lambda_1/(N**(2/d_1) - 1) > lambda_2/(N**(2/d_2) - 1)
    """
    t_k = derive_isotropic_collapse_time("ve")
    t1 = t_k.subs({sy.lam: sy.lam1, sy.dim: sy.dim1})
    t2 = t_k.subs({sy.lam: sy.lam2, sy.dim: sy.dim2})
    return sp.StrictGreaterThan(t1, t2)


def factorized_times(spectrum: Spectrum, n=None, process="ve", *, log_n=None):
    """Per-subspace collapse times ``t_k`` of the factorised model.

    Parameters
    ----------
    spectrum : Spectrum
    n : int or array_like, optional
        Training-set size(s); broadcast against the subspaces.
    process : {"ve", "vp"}
    log_n : float or array_like, optional
        ``ln N`` instead of ``n``, for sizes beyond float range.

    Returns
    -------
    ndarray of shape ``np.shape(n) + (n_subspaces,)``
        ``0`` for a zero-variance subspace (nothing to lose) and ``inf`` for
        ``N = 1`` (lost at every time).

    Examples
    --------
    >>> from theory.spectrum import PAPER_SPECTRUM
    >>> [f"{t:.6e}" for t in factorized_times(PAPER_SPECTRUM, 1000)]
    ['1.001001e-03', '6.061042e-03', '1.214553e-04']
    """
    ell = log_n_of(n, log_n)
    proc = get_process(process)
    return _isotropic_times(np.asarray(spectrum.variances), np.asarray(spectrum.dims),
                            ell[..., None], proc.name)


def lost_first_order(spectrum: Spectrum, n=None, *, log_n=None):
    """Subspace indices in the order they are lost going backwards in time.

    >>> from theory.spectrum import PAPER_SPECTRUM
    >>> lost_first_order(PAPER_SPECTRUM, 1000).tolist()
    [1, 0, 2]
    """
    times = factorized_times(spectrum, n, "ve", log_n=log_n)
    return np.argsort(-times, axis=-1, kind="stable")


def lost_first(spectrum: Spectrum, n=None, *, log_n=None):
    """Index of the subspace lost first (largest ``t_k``).

    >>> from theory.spectrum import parse_spectrum
    >>> int(lost_first(parse_spectrum("1:2,0.5:20"), 1000))  # dimension reverses variance
    1
    """
    return lost_first_order(spectrum, n, log_n=log_n)[..., 0]
