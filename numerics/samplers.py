"""Reverse-time samplers and the points they start from (VE and VP).

Forward processes (THEORY §1): VE ``dx = sqrt(dDelta/dt) dW`` with
``Delta_t = t``; VP ``dx = -x dt + sqrt(2) dW`` with ``a_t = e^-t``,
``Delta_t = 1 - e^-2t``. One backward step from ``t`` to ``t' < t`` with the
score ``s = s(x, t)`` frozen over the step:

========  ================================================  =========================================
process   reverse SDE                                       probability-flow ODE
========  ================================================  =========================================
VE        ``x + dD s + sqrt(dD) z``, ``dD = D_t - D_t'``    ``x + (dD / 2) s``
VP        ``e^h x + 2 (e^h - 1) s + sqrt(e^2h - 1) z``      ``e^h x + (e^h - 1) s``, ``h = t - t'``
========  ================================================  =========================================

The VE SDE step is Euler–Maruyama in ``Delta``; the VP steps integrate the
linear drift exactly (exponential integrator), which Euler–Maruyama on
``x + h (x + 2 s)`` approaches as ``h -> 0``. The ODE may also use Heun's
second-order correction (``method='heun'``). A geometric time grid
(:func:`time_grid`) puts most steps near ``t = 0`` where the empirical score
varies fastest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from theory.processes import get_process

from .checks import check_points, check_time
from .data import as_generator, sample_gaussian_manifold

__all__ = [
    "time_grid", "noised_training_points", "fresh_points", "SamplerResult",
    "reverse_sde", "probability_flow",
]


def time_grid(t_max, t_min, n_steps) -> np.ndarray:
    """Geometric grid of ``n_steps + 1`` times from ``t_max`` down to ``t_min``.

    Examples
    --------
    >>> time_grid(1.0, 1e-3, 3)
    array([1.   , 0.1  , 0.01 , 0.001])
    """
    t_max, t_min = check_time(t_max), check_time(t_min)
    if t_min >= t_max:
        raise ValueError(f"need t_min < t_max, got t_min = {t_min!r}, t_max = {t_max!r}")
    if int(n_steps) != n_steps or n_steps < 1:
        raise ValueError(f"n_steps must be an integer >= 1, got {n_steps!r}")
    grid = np.geomspace(t_max, t_min, int(n_steps) + 1)
    grid[0], grid[-1] = t_max, t_min
    return grid


def _check_train(train):
    train = np.asarray(train, dtype=float)
    if train.ndim != 2 or train.shape[0] < 1 or not np.all(np.isfinite(train)):
        raise ValueError(f"train must be a finite (N, D) array, got shape {train.shape}")
    return train


def _check_count(n):
    if int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    return int(n)


def noised_training_points(train, t, n, process="ve", rng=None, *, index=None, noise=None):
    """Points ``a_t y^mu + sqrt(Delta_t) z`` with random (or given) ``mu``.

    With random ``mu`` this is an exact draw from the noised empirical measure
    ``p_t``; pass the same ``index`` and ``noise`` at several times for common
    random numbers.

    Parameters
    ----------
    train : array_like (N, D)
    t : float
        Time (> 0).
    n : int
        Number of points.
    process : {'ve', 'vp'}
    rng : int, Generator or None
    index : array_like of int (n,), optional
        Training indices ``mu``; drawn uniformly if omitted.
    noise : array_like (n, D), optional
        Standard normal ``z``; drawn if omitted.

    Returns
    -------
    x : ndarray (n, D)
    index : ndarray (n,) of int

    Examples
    --------
    >>> x, mu = noised_training_points([[1.0, 2.0], [3.0, 4.0]], 1e-12, 3, rng=0)
    >>> bool(np.allclose(x, np.array([[1.0, 2.0], [3.0, 4.0]])[mu], atol=1e-5))
    True
    """
    train = _check_train(train)
    n = _check_count(n)
    t = check_time(t)
    proc = get_process(process)
    generator = as_generator(rng)
    if index is None:
        index = generator.integers(train.shape[0], size=n)
    index = np.asarray(index)
    if index.shape != (n,) or not np.issubdtype(index.dtype, np.integer) \
            or np.any((index < 0) | (index >= train.shape[0])):
        raise ValueError(f"index must hold {n} integers in [0, {train.shape[0]}), got {index!r}")
    if noise is None:
        noise = generator.standard_normal((n, train.shape[1]))
    noise = check_points(noise, train.shape[1], "noise")
    if noise.shape[0] != n:
        raise ValueError(f"noise must have shape ({n}, {train.shape[1]}), got {noise.shape}")
    x = float(proc.a(t)) * train[index] + np.sqrt(float(proc.delta(t))) * noise
    return x, index


def fresh_points(spectrum, t, n, process="ve", rng=None, *, basis=None, normalize=False):
    """Points ``a_t y + sqrt(Delta_t) z`` with ``y`` a new draw from the population.

    These are typical points of the population's ``p_t``, independent of any
    training set.

    Examples
    --------
    >>> from theory.spectrum import parse_spectrum
    >>> fresh_points(parse_spectrum("1:3"), 0.5, 4, "vp", rng=0).shape
    (4, 3)
    """
    n = _check_count(n)
    t = check_time(t)
    proc = get_process(process)
    generator = as_generator(rng)
    y = sample_gaussian_manifold(spectrum, n, generator, basis=basis, normalize=normalize)
    z = generator.standard_normal(y.shape)
    return float(proc.a(t)) * y + np.sqrt(float(proc.delta(t))) * z


@dataclass(frozen=True)
class SamplerResult:
    """Output of a reverse-time sampler.

    Attributes
    ----------
    samples : ndarray (B, D)
        Points at the last time of the grid.
    times : ndarray (M,)
        Grid times at which the quantities were recorded.
    records : dict of str to ndarray
        For each recorder, its values stacked along a first axis of length M.
    """

    samples: np.ndarray
    times: np.ndarray
    records: dict = field(default_factory=dict)


def _grid(times):
    grid = np.asarray(times, dtype=float)
    if grid.ndim != 1 or grid.size < 2 or not np.all(np.isfinite(grid)) or np.any(grid <= 0):
        raise ValueError(f"times must be >= 2 finite values > 0, got {times!r}")
    if np.any(np.diff(grid) >= 0):
        raise ValueError("times must decrease strictly (reverse time), e.g. time_grid(1, 1e-3, 100)")
    return grid


def _start(start, grid, process, train, generator, score):
    if np.ndim(start) == 0:
        if train is None:
            train = getattr(score, "train", None)
            if train is None:
                train = getattr(getattr(score, "__self__", None), "train", None)
        if train is None:
            raise ValueError("start is a count: pass train (or a score with a .train) to draw "
                             "start points from the empirical p_T")
        x, _ = noised_training_points(train, grid[0], start, process, generator)
        return x
    x = np.array(start, dtype=float)
    if x.ndim != 2 or not np.all(np.isfinite(x)):
        raise ValueError(f"start must be a count or a finite (B, D) array, got shape {x.shape}")
    return x


def _recorder_steps(grid, record_times):
    if record_times is None:
        return set(range(grid.size))
    wanted = np.atleast_1d(np.asarray(record_times, dtype=float))
    if not np.all(np.isfinite(wanted)) or np.any(wanted <= 0):
        raise ValueError(f"record_times must be finite and > 0, got {record_times!r}")
    # Nearest grid time in log t (the grid is geometric).
    return {int(np.argmin(np.abs(np.log(grid) - np.log(w)))) for w in wanted}


def _coefficients(proc, t, t_next, kind):
    """(A, B, C) of the step ``x' = A x + B s + C z`` from t to t_next."""
    if proc.name == "ve":
        d_delta = float(proc.delta(t) - proc.delta(t_next))
        return (1.0, d_delta, np.sqrt(d_delta)) if kind == "sde" else (1.0, 0.5 * d_delta, 0.0)
    h = t - t_next
    grow = np.expm1(h)
    if kind == "sde":
        return np.exp(h), 2.0 * grow, np.sqrt(np.expm1(2.0 * h))
    return np.exp(h), grow, 0.0


def _run(score, times, start, kind, *, process, train, rng, record, record_times, method="euler"):
    proc = get_process(process)
    grid = _grid(times)
    generator = as_generator(rng)
    x = _start(start, grid, proc, train, generator, score)
    record = dict(record or {})
    for name, fn in record.items():
        if not callable(fn):
            raise ValueError(f"recorder {name!r} must be a callable of (x, t)")
    steps = _recorder_steps(grid, record_times)
    values = {name: [] for name in record}
    recorded = []

    def snapshot(i):
        if i in steps:
            recorded.append(grid[i])
            for name, fn in record.items():
                values[name].append(np.asarray(fn(x, grid[i])))

    snapshot(0)
    for i in range(grid.size - 1):
        t, t_next = grid[i], grid[i + 1]
        a_coef, b_coef, c_coef = _coefficients(proc, t, t_next, kind)
        s = score(x, t)
        if kind == "sde":
            x = a_coef * x + b_coef * s + c_coef * generator.standard_normal(x.shape)
        elif method == "heun":
            guess = a_coef * x + b_coef * s
            x = a_coef * x + b_coef * 0.5 * (s + score(guess, t_next))
        else:
            x = a_coef * x + b_coef * s
        snapshot(i + 1)
    return SamplerResult(samples=x, times=np.array(recorded),
                         records={k: np.stack(v) for k, v in values.items()})


def reverse_sde(score, times, start, *, process="ve", train=None, rng=None, record=None,
                record_times=None) -> SamplerResult:
    """Integrate the reverse SDE from ``times[0]`` down to ``times[-1]``.

    Parameters
    ----------
    score : callable
        ``score(x (B, D), t) -> (B, D)``, e.g. ``EmpiricalScore(...).score``.
    times : array_like
        Strictly decreasing times (see :func:`time_grid`).
    start : int or array_like (B, D)
        Start points, or their number: then drawn from the empirical ``p_T``
        of ``train`` (default: ``score``'s ``.train``) at ``T = times[0]``.
    process : {'ve', 'vp'}
    train : array_like (N, D), optional
    rng : int, Generator or None
        Randomness of the start points and of the noise.
    record : dict of str to callable, optional
        Quantities ``f(x, t)`` to record along the trajectories.
    record_times : array_like, optional
        Times at which to record (snapped to the nearest grid time); every
        grid time if omitted.

    Examples
    --------
    >>> from numerics.empirical_score import EmpiricalScore
    >>> model = EmpiricalScore([[1.0, 0.0], [0.0, 1.0]], "vp")
    >>> res = reverse_sde(model.score, time_grid(2.0, 1e-5, 200), 3, process="vp", rng=0,
    ...                   record={"norm": lambda x, t: np.linalg.norm(x, axis=1)},
    ...                   record_times=[2.0, 1e-5])
    >>> res.records["norm"].shape, bool(np.allclose(np.sort(res.samples.sum(1)), 1, atol=0.02))
    ((2, 3), True)
    """
    return _run(score, times, start, "sde", process=process, train=train, rng=rng,
                record=record, record_times=record_times)


def probability_flow(score, times, start, *, process="ve", train=None, rng=None, record=None,
                     record_times=None, method="euler") -> SamplerResult:
    """Integrate the probability-flow ODE from ``times[0]`` down to ``times[-1]``.

    Same arguments as :func:`reverse_sde`; ``rng`` only draws start points.
    ``method`` is ``'euler'`` (exponential Euler for VP) or ``'heun'``
    (second order, two score calls per step).

    Examples
    --------
    >>> from numerics.empirical_score import EmpiricalScore
    >>> model = EmpiricalScore([[2.0]], "ve")    # one point: flows straight to it
    >>> res = probability_flow(model.score, time_grid(1.0, 1e-6, 100), [[3.0]])
    >>> round(float(res.samples[0, 0]), 3)
    2.001
    """
    if method not in ("euler", "heun"):
        raise ValueError(f"method must be 'euler' or 'heun', got {method!r}")
    return _run(score, times, start, "ode", process=process, train=train, rng=rng,
                record=record, record_times=record_times, method=method)
