"""Dimension estimators for any score: spectral-gap rules, normal bundle, FLIPD.

Conventions
-----------
The spectral rules read *normalised singular values*: sorted in descending
order and divided by the largest. For a score Jacobian, normal directions sit
at the top (``1/Delta_t`` before normalisation) and a tangent direction of SNR
``q`` reads ``1/(1 + q)``; a gap after the ``k``-th value therefore means
``k`` normal directions and a dimension ``D - k``.

No gap means no resolved direction: when every consecutive gap (or spike, or
log-ratio) stays below the rule's documented threshold, every rule returns
``0``, which is the right answer when all directions are noise-dominated
(large ``t``). Normalising by the largest value cannot tell that case from
"all directions equally tangent"; a caller who needs the difference should
compare the raw values with ``1/Delta_t`` instead.

All functions accept one spectrum of shape (D,) (returning an ``int``) or a
batch of shape (B, D) (returning an integer array of shape (B,)).

References
----------
Achilli et al., "Losing dimensions: geometric memorization in generative
diffusion", arXiv:2410.08727. Stanczuk et al., "Diffusion models encode the
intrinsic dimension of data manifolds", ICML 2024. Kamkari et al., "A geometric
view of data complexity: efficient local intrinsic dimension estimation with
diffusion models", NeurIPS 2024.
"""

from __future__ import annotations

import math

import numpy as np

from numerics import probes
from numerics.data import as_generator
from theory.processes import get_process

__all__ = [
    "normalized_singular_values", "jacobian_singular_values", "largest_gap_dimension",
    "log_gap_dimension", "paper_dimension", "normal_bundle_dimension", "flipd", "flipd_dimension",
]


def normalized_singular_values(values):
    """Sort descending along the last axis and divide by the largest.

    >>> normalized_singular_values([0.5, 2.0, 1.0]).tolist()
    [1.0, 0.5, 0.25]
    """
    values = np.asarray(values, dtype=float)
    if values.ndim not in (1, 2) or values.shape[-1] < 1:
        raise ValueError(f"singular values must have shape (D,) or (B, D), got {values.shape}")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError("singular values must be finite and >= 0")
    ordered = -np.sort(-values, axis=-1)
    top = ordered[..., :1]
    if np.any(top <= 0):
        raise ValueError("singular values are all zero; nothing to normalise")
    return ordered / top


def jacobian_singular_values(jacobian):
    """Normalised singular values of a batch of Jacobians (B, D, D) -> (B, D).

    >>> jacobian_singular_values(np.diag([-4.0, -1.0, -2.0])[None]).tolist()
    [[1.0, 0.5, 0.25]]
    """
    jacobian = np.asarray(jacobian, dtype=float)
    if jacobian.ndim != 3 or jacobian.shape[1] != jacobian.shape[2]:
        raise ValueError(f"jacobian must have shape (B, D, D), got {jacobian.shape}")
    return probes.normalized_singular_values(jacobian)


def _per_row(values, rule):
    s = normalized_singular_values(values)
    if s.ndim == 1:
        return int(rule(s))
    return np.array([rule(row) for row in s], dtype=int)


def _check_positive(name, value):
    if not math.isfinite(float(value)) or float(value) <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return float(value)


def largest_gap_dimension(singular_values, *, min_gap: float = 0.3):
    """Dimension from the largest gap between consecutive normalised values.

    With ``g_i = s_i - s_{i+1}`` (descending, ``s_0 = 1``), the largest gap at
    ``i`` leaves ``i + 1`` normal directions above it: dimension ``D - i - 1``.
    This is the rule of the normal-bundle estimator.

    Parameters
    ----------
    singular_values : array_like of shape (D,) or (B, D)
        Any order, any positive scale (they are normalised here).
    min_gap : float
        Smallest gap that counts (> 0). The default 0.3 separates a normal
        direction (1) from a tangent one of SNR > 0.43; below it the rule
        sees no gap and returns 0.

    Examples
    --------
    >>> largest_gap_dimension([1, 1, 1, 0.1, 0.1])
    2
    >>> largest_gap_dimension([1, 0.95, 0.9])   # all noise-dominated
    0
    """
    min_gap = _check_positive("min_gap", min_gap)

    def rule(s):
        if s.size < 2:
            return 0
        gaps = s[:-1] - s[1:]
        i = int(np.argmax(gaps))
        return s.size - i - 1 if gaps[i] >= min_gap else 0

    return _per_row(singular_values, rule)


def log_gap_dimension(singular_values, *, min_log_gap: float = math.log(2.0), floor: float = 1e-300):
    """Dimension from the largest gap between consecutive log singular values.

    The largest ``log s_i - log s_{i+1}`` at ``i`` gives dimension
    ``D - i - 1``. Unlike :func:`largest_gap_dimension` it weighs ratios, so
    between two tangent subspaces of different SNR it may pick the gap *inside*
    the tangent space (e.g. 0.23 -> 0.029 over 1 -> 0.23): it answers "how many
    directions are strongly resolved", not "how many are resolved at all".

    Parameters
    ----------
    singular_values : array_like of shape (D,) or (B, D)
    min_log_gap : float
        Smallest log-ratio that counts (> 0); default ``log 2``, i.e. one
        value at least twice the next. Below it: no gap, dimension 0.
    floor : float
        Values below ``floor`` are raised to it before the logarithm (> 0).

    Examples
    --------
    >>> log_gap_dimension([1, 1, 0.2, 0.19, 0.001])
    1
    >>> log_gap_dimension([1, 0.9, 0.8])
    0
    """
    min_log_gap = _check_positive("min_log_gap", min_log_gap)
    floor = _check_positive("floor", floor)

    def rule(s):
        if s.size < 2:
            return 0
        logs = np.log(np.maximum(s, floor))
        gaps = logs[:-1] - logs[1:]
        i = int(np.argmax(gaps))
        return s.size - i - 1 if gaps[i] >= min_log_gap else 0

    return _per_row(singular_values, rule)


def paper_dimension(singular_values, *, drop_top: int = 1, factor: float = 10.0,
                    min_spike: float = 0.3):
    """The seed paper's rule: a spike in the second differences.

    Sorted and normalised values have their top ``drop_top`` removed; the
    remainder is padded by repeating its last value (so a gap just before the
    last direction is still seen) and its second differences
    ``d_c = s_{c-1} - 2 s_c + s_{c+1}`` are formed. A step down between
    positions ``c - 1`` and ``c`` is a positive spike at ``c``; the largest
    spike that exceeds both ``factor`` times the median ``|d|`` and
    ``min_spike`` gives dimension ``D - c``.

    Parameters
    ----------
    singular_values : array_like of shape (D,) or (B, D)
    drop_top : int
        Number of largest values ignored (>= 0). A normal space of dimension
        ``<= drop_top`` cannot be detected.
    factor : float
        Spike-to-median ratio (> 0), 10 in the paper.
    min_spike : float
        Absolute floor on the spike (> 0): with exactly flat plateaus the
        median is 0 and any rounding would pass the ratio test. A step of
        size ``g`` makes a spike of about ``g``, so the default 0.3 matches
        ``min_gap`` of :func:`largest_gap_dimension`. Below it: no gap,
        dimension 0.

    Notes
    -----
    The ratio test assumes long plateaus, as in the paper (D = 30 with 23
    near-equal directions). Each gap puts two non-zero entries (one negative,
    one positive) into the second differences; once these are about half of
    all entries, the median is of the order of the spikes themselves and the
    rule finds nothing (returns 0), e.g. for two gaps in D = 10.

    Examples
    --------
    >>> paper_dimension([1, 1, 1, 1, 0.2, 0.2, 0.2])
    3
    >>> paper_dimension([1, 0.1, 0.1, 0.1, 0.1])           # gap hidden by drop_top
    0
    >>> paper_dimension([1, 0.1, 0.1, 0.1, 0.1], drop_top=0)
    4
    """
    if int(drop_top) != drop_top or drop_top < 0:
        raise ValueError(f"drop_top must be an integer >= 0, got {drop_top!r}")
    factor = _check_positive("factor", factor)
    min_spike = _check_positive("min_spike", min_spike)
    drop_top = int(drop_top)

    def rule(s):
        kept = s[drop_top:]
        if kept.size < 2:
            return 0
        padded = np.concatenate([kept, kept[-1:]])
        second = padded[:-2] - 2.0 * padded[1:-1] + padded[2:]
        threshold = max(factor * float(np.median(np.abs(second))), min_spike)
        c = int(np.argmax(second))
        if second[c] <= threshold:
            return 0
        # second[c] is centred on kept[c + 1], i.e. s[drop_top + c + 1].
        return s.size - (drop_top + c + 1)

    return _per_row(singular_values, rule)


def _points(x0, dim=None):
    x0 = np.asarray(x0, dtype=float)
    single = x0.ndim == 1
    x0 = np.atleast_2d(x0)
    if x0.ndim != 2 or (dim is not None and x0.shape[1] != dim):
        raise ValueError(f"x0 must have shape (D,) or (B, D), got {np.shape(x0)}")
    if not np.all(np.isfinite(x0)):
        raise ValueError("x0 must be finite")
    return x0, single


def _time(t):
    t = float(t)
    if not math.isfinite(t) or t <= 0:
        raise ValueError(f"t must be finite and > 0, got {t!r}")
    return t


def normal_bundle_dimension(score, x0, t, *, process="ve", n_samples=None, rng=None,
                            min_gap: float = 0.3, return_singular_values: bool = False):
    """Stanczuk et al.'s normal-bundle estimator.

    Around each ``x0``, ``K`` points ``a_t x0 + sqrt(Delta_t) z_k`` are scored
    at a small time ``t``; there the score points back to the manifold, so
    the stacked scores (K, D) span the normal space. Their singular values,
    normalised, are read with :func:`largest_gap_dimension`: dimension ``D``
    minus the number of values above the largest gap.

    Parameters
    ----------
    score : callable
        ``score(x (K, D), t) -> (K, D)`` (empirical, exact or network).
    x0 : array_like of shape (D,) or (B, D)
        Points on (or near) the manifold.
    t : float
        Small diffusion time (> 0).
    process : {'ve', 'vp'}
        Forward process of ``score``.
    n_samples : int, optional
        ``K`` (>= 1); default ``4 D`` (enough for a stable spectrum).
    rng : int, Generator or None
        Seeds the perturbations.
    min_gap : float
        As in :func:`largest_gap_dimension`; no gap -> 0.
    return_singular_values : bool
        Also return the normalised singular values, shape (B, D) or (D,).

    Examples
    --------
    >>> lam = np.array([1.0, 1.0, 0.0, 0.0])
    >>> exact = lambda x, t: -x / (lam + t)
    >>> normal_bundle_dimension(exact, np.array([0.3, -0.5, 0, 0]), 1e-3, rng=0)
    2
    """
    t = _time(t)
    proc = get_process(process)
    x0, single = _points(x0)
    dim = x0.shape[1]
    k = 4 * dim if n_samples is None else n_samples
    if int(k) != k or k < 1:
        raise ValueError(f"n_samples must be an integer >= 1, got {n_samples!r}")
    generator = as_generator(rng)
    a, sqrt_delta = float(proc.a(t)), math.sqrt(float(proc.delta(t)))
    spectra = []
    for point in x0:
        x = a * point + sqrt_delta * generator.standard_normal((int(k), dim))
        scores = np.asarray(score(x, t), dtype=float)
        if scores.shape != x.shape:
            raise ValueError(f"score returned shape {scores.shape}, expected {x.shape}")
        spectra.append(np.linalg.svd(scores, compute_uv=False))
    values = normalized_singular_values(np.array(spectra))
    dims = largest_gap_dimension(values, min_gap=min_gap)
    if single:
        dims, values = int(dims[0]), values[0]
    return (dims, values) if return_singular_values else dims


def flipd(score, jacobian_trace, x0, t, *, process="ve"):
    """FLIPD local intrinsic dimension (Kamkari et al.), a real number per point.

    ``LID(x0) = D + Delta_t [tr grad s(a_t x0, t) + |s(a_t x0, t)|^2]``: the
    rate of change of the log density at ``x0`` with the log noise level. For
    VE this is ``D + sigma^2 [...]`` with ``sigma^2 = t``; for VP the score is
    taken at the rescaled point ``a_t x0`` and ``Delta_t`` replaces
    ``sigma^2`` (the VE formula after the change of variables
    ``x -> x / a_t``). For Gaussian data it equals
    ``sum_i [q_i / (1 + q_i) + Delta x0_i^2 / (lambda_i + Delta)^2]`` with
    ``q_i`` the SNRs: about the number of resolved directions, and about 0
    when all are noise-dominated.

    Parameters
    ----------
    score : callable
        ``score(x (B, D), t) -> (B, D)``.
    jacobian_trace : callable
        ``jacobian_trace(x (B, D), t) -> (B,)``, the divergence of the score.
    x0 : array_like of shape (D,) or (B, D)
    t : float
        Small diffusion time (> 0).
    process : {'ve', 'vp'}

    Returns
    -------
    float or ndarray of shape (B,)

    Examples
    --------
    >>> lam = np.array([1.0, 1.0, 0.0])
    >>> score = lambda x, t: -x / (lam + t)
    >>> trace = lambda x, t: np.full(len(x), -np.sum(1 / (lam + t)))
    >>> round(flipd(score, trace, np.zeros(3), 1e-4), 3)
    2.0
    """
    t = _time(t)
    proc = get_process(process)
    x0, single = _points(x0)
    a, delta = float(proc.a(t)), float(proc.delta(t))
    x = a * x0
    s = np.asarray(score(x, t), dtype=float)
    trace = np.asarray(jacobian_trace(x, t), dtype=float)
    if s.shape != x.shape or trace.shape != (x.shape[0],):
        raise ValueError(f"score/jacobian_trace returned shapes {s.shape}, {trace.shape}; "
                         f"expected {x.shape} and ({x.shape[0]},)")
    lid = x.shape[1] + delta * (trace + np.einsum("bd,bd->b", s, s))
    return float(lid[0]) if single else lid


def flipd_dimension(score, jacobian_trace, x0, t, *, process="ve"):
    """:func:`flipd` rounded to the nearest integer and clipped to ``[0, D]``.

    No threshold is needed for the no-gap case: when every direction is
    noise-dominated the LID itself tends to 0.

    >>> lam = np.array([1.0, 0.0])
    >>> score = lambda x, t: -x / (lam + t)
    >>> trace = lambda x, t: np.full(len(x), -np.sum(1 / (lam + t)))
    >>> flipd_dimension(score, trace, np.zeros(2), 1e-3), flipd_dimension(score, trace, np.zeros(2), 1e3)
    (1, 0)
    """
    lid = flipd(score, jacobian_trace, x0, t, process=process)
    dim = np.asarray(x0).shape[-1]
    rounded = np.clip(np.rint(lid), 0, dim).astype(int)
    return int(rounded) if np.ndim(lid) == 0 else rounded
