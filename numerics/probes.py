"""Spectrum probes: singular values of a score's Jacobian, exact or black-box.

* :func:`jacobian_spectrum` — singular values of the exact Jacobian of a model
  with a ``jacobian(x, t)`` method (the empirical scores), sorted descending and
  normalised by the largest (THEORY §3: a direction reads ``1/(1 + SNR)``).
* :func:`blackbox_spectrum` — the seed paper's probe for any score callable
  ``f(x (B, D), t) -> (B, D)`` (THEORY §7): scores at ``x0 + sigma q_i`` for the
  rows ``q_i`` of a random orthogonal matrix, SVD of the stacked scores,
  optionally without the top singular value, normalised by the largest. The
  *centred* variant subtracts ``f(x0)`` first; then the stacked matrix is
  ``sigma Q J^T + O(sigma^2)``, whose singular values are ``sigma`` times those
  of J because Q is orthogonal: the probe is a finite difference of size sigma.
* :func:`probe_points` — where to probe: the origin, fresh points of the
  population's ``p_t``, or noised training points; :func:`spectra_along_trajectories`
  records exact spectra along reverse-time trajectories.
"""

from __future__ import annotations

import numpy as np

from .checks import check_points, check_time
from .data import as_generator, random_rotation
from .samplers import fresh_points, noised_training_points, probability_flow, reverse_sde

__all__ = [
    "normalized_singular_values", "jacobian_spectrum", "blackbox_spectrum",
    "probe_points", "spectra_along_trajectories",
]


def normalized_singular_values(matrices, drop_top=0) -> np.ndarray:
    """Singular values of each matrix, descending, over the largest kept one.

    Parameters
    ----------
    matrices : array_like (..., M, D)
    drop_top : int
        Number of leading singular values to discard before normalising.

    Examples
    --------
    >>> normalized_singular_values(np.diag([-4.0, 2.0, 1.0]))
    array([1.  , 0.5 , 0.25])
    >>> normalized_singular_values(np.diag([-4.0, 2.0, 1.0]), drop_top=1)
    array([1. , 0.5])
    """
    arr = np.asarray(matrices, dtype=float)
    if arr.ndim < 2 or not np.all(np.isfinite(arr)):
        raise ValueError(f"matrices must be finite with at least 2 dimensions, got shape {arr.shape}")
    if int(drop_top) != drop_top or not 0 <= drop_top < min(arr.shape[-2:]):
        raise ValueError(f"drop_top must be an integer in [0, {min(arr.shape[-2:])}), got {drop_top!r}")
    values = np.linalg.svd(arr, compute_uv=False)[..., int(drop_top):]
    top = values[..., :1]
    if np.any(top == 0):
        raise ValueError("a probed matrix is zero: no spectrum to normalise")
    return values / top


def jacobian_spectrum(model, x, t, *, drop_top=0) -> np.ndarray:
    """Normalised singular values of ``model.jacobian(x, t)``, shape (B, D) or (D,).

    Examples
    --------
    >>> from numerics.empirical_score import EmpiricalScore
    >>> model = EmpiricalScore([[1.0, 0.0], [-1.0, 0.0]])
    >>> jacobian_spectrum(model, [0.0, 0.0], t=3.0).round(6)   # Cov_w = diag(1, 0)
    array([1.      , 0.666667])
    """
    return normalized_singular_values(model.jacobian(x, t), drop_top)


def blackbox_spectrum(score, x0, t, *, sigma, rng=None, drop_top=0, centered=False,
                      n_perturbations=None) -> np.ndarray:
    """The seed paper's probe: SVD of scores at ``x0 + sigma q_i``.

    Parameters
    ----------
    score : callable
        ``score(x (K, D), t) -> (K, D)``.
    x0 : array_like (D,) or (B, D)
        Probe point(s); each is probed separately.
    t : float
        Time (> 0).
    sigma : float
        Perturbation size (> 0).
    rng : int, Generator or None
        Draws the random orthogonal directions.
    drop_top : int
        Leading singular values to discard (the paper drops the top one, which
        the uncentred probe spends on the mean score).
    centered : bool
        Subtract ``score(x0)`` before the SVD (a finite-difference Jacobian).
    n_perturbations : int or None
        Number K of perturbations (default D): rows of Haar rotations, a fresh
        rotation for every D rows.

    Returns
    -------
    ndarray (D - drop_top,) or (B, D - drop_top)
        Descending, normalised by the largest kept value (at most
        ``min(K, D) - drop_top`` values).

    Examples
    --------
    >>> linear = lambda x, t: -x / np.array([1.0, 2.0, 4.0])
    >>> blackbox_spectrum(linear, np.zeros(3), 1.0, sigma=0.1, rng=0).round(6)
    array([1.  , 0.5 , 0.25])
    """
    t = check_time(t)
    sigma = float(sigma)
    if not np.isfinite(sigma) or sigma <= 0:
        raise ValueError(f"sigma must be a finite number > 0, got {sigma!r}")
    single = np.ndim(x0) == 1
    points = np.asarray(x0, dtype=float)
    points = check_points(points, points.shape[-1], "x0")
    dim = points.shape[1]
    k = dim if n_perturbations is None else n_perturbations
    if int(k) != k or k < 1:
        raise ValueError(f"n_perturbations must be an integer >= 1, got {n_perturbations!r}")
    generator = as_generator(rng)
    spectra = []
    for point in points:
        blocks = [random_rotation(dim, generator) for _ in range(-(-int(k) // dim))]
        directions = np.vstack(blocks)[: int(k)]
        scores = np.asarray(score(point + sigma * directions, t), dtype=float)
        if scores.shape != directions.shape:
            raise ValueError(f"score returned shape {scores.shape}, expected {directions.shape}")
        if centered:
            scores = scores - np.asarray(score(point[None, :], t), dtype=float)
        spectra.append(normalized_singular_values(scores, drop_top))
    return spectra[0] if single else np.stack(spectra)


def probe_points(kind, t, n, *, process="ve", dim=None, spectrum=None, train=None,
                 basis=None, normalize=False, rng=None) -> np.ndarray:
    """Points at which to probe a spectrum at time ``t``.

    Parameters
    ----------
    kind : {'origin', 'fresh', 'training'}
        ``'origin'``: n copies of 0 (needs ``dim``, ``spectrum`` or ``train``);
        ``'fresh'``: draws of the population's ``p_t`` (needs ``spectrum``);
        ``'training'``: noised training points, draws of the empirical ``p_t``
        (needs ``train``).
    t : float
    n : int
    process, basis, normalize, rng :
        As in :func:`numerics.samplers.fresh_points`.

    Examples
    --------
    >>> probe_points("origin", 1.0, 2, dim=3)
    array([[0., 0., 0.],
           [0., 0., 0.]])
    """
    check_time(t)
    if int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    if kind == "origin":
        if dim is None:
            dim = spectrum.ambient_dim if spectrum is not None else (
                np.shape(train)[1] if train is not None else None)
        if dim is None or int(dim) != dim or dim < 1:
            raise ValueError(f"'origin' needs dim (or spectrum, or train), got dim = {dim!r}")
        return np.zeros((int(n), int(dim)))
    if kind == "fresh":
        if spectrum is None:
            raise ValueError("'fresh' probe points need the population spectrum")
        return fresh_points(spectrum, t, n, process, rng, basis=basis, normalize=normalize)
    if kind == "training":
        if train is None:
            raise ValueError("'training' probe points need the training set")
        return noised_training_points(train, t, n, process, rng)[0]
    raise ValueError(f"unknown probe kind {kind!r}; expected 'origin', 'fresh' or 'training'")


def spectra_along_trajectories(model, times, start, *, process="ve", rng=None,
                               record_times=None, kind="sde", drop_top=0):
    """Exact Jacobian spectra recorded along reverse-time trajectories.

    Runs :func:`numerics.samplers.reverse_sde` (``kind='sde'``) or
    :func:`numerics.samplers.probability_flow` (``kind='ode'``) with
    ``model.score`` and records :func:`jacobian_spectrum` at ``record_times``.

    Returns
    -------
    SamplerResult
        ``records['spectrum']`` has shape (M, B, D - drop_top).

    Examples
    --------
    >>> from numerics.empirical_score import EmpiricalScore
    >>> from numerics.samplers import time_grid
    >>> model = EmpiricalScore([[1.0, 0.0], [-1.0, 0.0]])
    >>> res = spectra_along_trajectories(model, time_grid(4.0, 1e-4, 50), 3, rng=0,
    ...                                  record_times=[4.0, 1e-4])
    >>> res.records["spectrum"].shape
    (2, 3, 2)
    """
    if kind not in ("sde", "ode"):
        raise ValueError(f"kind must be 'sde' or 'ode', got {kind!r}")
    run = reverse_sde if kind == "sde" else probability_flow
    record = {"spectrum": lambda x, t: jacobian_spectrum(model, x, t, drop_top=drop_top)}
    return run(model.score, times, start, process=process, train=model.train, rng=rng,
               record=record, record_times=record_times)
