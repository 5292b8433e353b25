"""Excess-entropy estimator of the collapse time for any data set (THEORY §7).

Biroli, Bonnaire, de Bortoli and Mézard measure the collapse of the exact
empirical score on real data with the *excess entropy density*

.. math::

    f(t) = \\alpha + \\tfrac12 \\ln(2\\pi e \\Delta_t)
           + \\tfrac1d\\, \\mathbb{E}_x[\\ln P^e_t(x)],
    \\qquad \\alpha = \\frac{\\ln N}{d},

where ``P^e_t`` is the noised empirical measure (a mixture of N Gaussians of
variance ``Delta_t``), ``x`` is drawn from it (a training point noised to time
t) and d is the data dimension. ``alpha + 1/2 ln(2 pi e Delta_t)`` is the
entropy density of N *separated* Gaussians, and ``-(1/d) E ln P^e_t`` the
entropy density of the mixture, so f is the entropy the mixture lacks
compared with N well-separated points.

Limits (each checked by the tests):

* ``t -> infinity`` (VP): ``P^e_t -> N(0, I)`` and ``f -> alpha``;
* REM at large d (Gaussian data, THEORY §5): ``f(t) = max(s(t), 0) / d`` with
  ``s(t) = ln N - sum_i phi_i(t)``, so f reaches 0 at the joint collapse time;
* ``t -> 0``: the Gaussians separate and ``f -> 0``.

**Why the crossing level is not 0.** Per point, with ``x = a_t y^mu +
sqrt(Delta_t) z``, the identity ``ln P^e_t(x) = -ln N - (d/2) ln(2 pi Delta_t)
- |z|^2/2 - ln w_mu(x)`` (``w_mu`` the Boltzmann weight of the generating
point, THEORY §4) gives

.. math::

    f(t) = \\mathbb{E}\\Big[\\tfrac12 - \\tfrac{|z|^2}{2d}\\Big]
           + \\tfrac1d\\, \\mathbb{E}[-\\ln w_\\mu(x)],

and the first term has mean exactly 0. Hence ``f >= 0`` at every finite d
(the entropy of a mixture never exceeds that of separated components) and
``f = 0`` only in the limit ``t -> 0``: at finite d the literal root
``f = 0`` does not exist, and the sample mean of Biroli et al. crosses 0 only
through its noise (with common random numbers its ``t -> 0`` limit is the
random constant ``1/2 - mean|z|^2 / (2d)``). This module therefore

* estimates f with the control variate above (``estimator="control"``,
  default): per point ``f_i = -ln(w_mu) / d >= 0``, computed from the
  log-density as ``alpha + 1/2 ln(2 pi Delta_t) + |z_i|^2 / (2d) + ln
  P^e_t(x_i) / d``. Same expectation, and the noise of ``|z|^2`` is gone.
  ``estimator="plain"`` is Biroli et al.'s sample mean as written;
* defines the collapse time as the crossing of ``f = level`` with the default
  ``level = ln(2) / d``: the REM value of f when ``exp(s) = 2``, i.e. two
  equally weighted points remain. As ``d -> infinity`` it tends to the
  ``f = 0`` condition (``s = ln 2`` and ``s = 0`` meet in relative terms).

Relation to :func:`numerics.metrics.measured_collapse_time`: that time is
where the *median* own weight crosses 1/2, i.e. where the median of
``-ln w_mu`` (``= d f_i``) crosses ``ln 2``; here it is the *mean*. On
homogeneous (Gaussian) data the two agree; on clustered data (images) the
mean is pulled up by points whose weights are still spread, so this time is
the earlier (smaller) one.

Randomness: the training indices ``mu`` and the normals ``z`` are drawn once
(common random numbers), so the estimated f is a continuous, deterministic
function of t and Brent's method can refine its crossing.

References
----------
G. Biroli, T. Bonnaire, V. de Bortoli, M. Mézard, "Dynamical regimes of
diffusion models", arXiv:2402.18491 (2024), Eq. (5) and Fig. 5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .crossing import largest_crossing
from .data import as_generator
from .empirical_score import EmpiricalScore
from .samplers import noised_training_points

__all__ = ["ExcessEntropy", "ExcessEntropyCollapse", "excess_entropy",
           "excess_entropy_collapse_time", "ESTIMATORS", "DEFAULT_TIMES"]

#: f estimators: control variate (default) or Biroli et al.'s plain sample mean.
ESTIMATORS = ("control", "plain")

#: Default log-spaced search grid (VP times of unit-scale data: collapse and
#: large-t plateau both inside).
DEFAULT_TIMES = np.geomspace(1e-3, 10.0, 41)


@dataclass(frozen=True)
class ExcessEntropy:
    """Estimated excess entropy density on a time grid.

    Attributes
    ----------
    times : ndarray (M,)
    f : ndarray (M,)
        Mean over the points of the per-point estimate.
    stderr : ndarray (M,)
        Standard error of that mean (sample std / sqrt(n)).
    alpha : float
        ``ln N / d``, the large-t limit of f.
    dim : int
        d.
    n_train : int
        N.
    estimator : str
    """

    times: np.ndarray
    f: np.ndarray
    stderr: np.ndarray
    alpha: float
    dim: int
    n_train: int
    estimator: str


@dataclass(frozen=True)
class ExcessEntropyCollapse:
    """Collapse time from the excess entropy, with the curve it comes from.

    Attributes
    ----------
    time : float
        Largest time at which f crosses ``level`` from below (scanning down
        from the largest grid time); ``nan`` if it does not cross on the grid.
    level : float
    curve : ExcessEntropy
        f on the search grid.
    """

    time: float
    level: float
    curve: ExcessEntropy


def _as_model(model, process):
    if isinstance(model, EmpiricalScore):
        if process is not None and str(process).lower() != model.process.name:
            raise ValueError(f"process {process!r} differs from the model's {model.process.name!r}")
        return model
    return EmpiricalScore(model, "vp" if process is None else process)


def _per_point_function(model, n, rng, estimator, index, noise):
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown estimator {estimator!r}; expected one of {ESTIMATORS}")
    if int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    train = model.train
    generator = as_generator(rng)
    if index is None:
        index = generator.integers(train.shape[0], size=int(n))
    if noise is None:
        noise = generator.standard_normal((int(n), train.shape[1]))
    dim = model.dim
    alpha = math.log(model.n_train) / dim
    half_z2 = 0.5 * np.einsum("ij,ij->i", noise, noise) / dim

    def per_point(t):
        x, _ = noised_training_points(train, t, int(n), model.process, index=index, noise=noise)
        log_density = model.statistics(x, t).log_density
        delta = float(model.process.delta(t))
        if estimator == "plain":
            return alpha + 0.5 * math.log(2 * math.pi * math.e * delta) + log_density / dim
        # E[1/2 - |z|^2/(2d)] = 0 exactly: subtracting it removes the noise of |z|^2.
        return alpha + 0.5 * math.log(2 * math.pi * delta) + half_z2 + log_density / dim

    return per_point, alpha


def _check_times(times):
    times = DEFAULT_TIMES if times is None else np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size < 1 or not np.all(np.isfinite(times)) or np.any(times <= 0):
        raise ValueError(f"times must be finite values > 0, got {np.atleast_1d(times).tolist()!r}")
    return times


def excess_entropy(model, times=None, n=256, rng=None, *, process=None, estimator="control",
                   index=None, noise=None) -> ExcessEntropy:
    """Excess entropy density ``f(t)`` of the empirical measure at each time.

    Parameters
    ----------
    model : EmpiricalScore or array_like (N, D)
        The exact empirical score, or the training points (then the process
        is ``process``, default ``"vp"`` as in Biroli et al.).
    times : array_like, optional
        Times (> 0); default :data:`DEFAULT_TIMES`.
    n : int
        Number of noised training points averaged over.
    rng : int, Generator or None
        Draws the indices and normals (once: common random numbers).
    process : {"vp", "ve"}, optional
        Only with an array ``model``; must match an EmpiricalScore's.
    estimator : {"control", "plain"}
        See the module docstring.
    index, noise : optional
        Fixed ``mu`` (n,) and ``z`` (n, D).

    Returns
    -------
    ExcessEntropy

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> train = rng.standard_normal((50, 4))
    >>> res = excess_entropy(train, [1e-3, 20.0], n=64, rng=1)
    >>> round(res.alpha, 4), bool(abs(res.f[1] - res.alpha) < 0.01), bool(res.f[0] < 1e-6)
    (0.978, True, True)
    """
    model = _as_model(model, process)
    times = _check_times(times)
    per_point, alpha = _per_point_function(model, n, rng, estimator, index, noise)
    values = np.array([per_point(t) for t in times])
    stderr = values.std(axis=1, ddof=1) / math.sqrt(values.shape[1]) if values.shape[1] > 1 \
        else np.full(times.size, np.nan)
    return ExcessEntropy(times=times, f=values.mean(axis=1), stderr=stderr, alpha=alpha,
                         dim=model.dim, n_train=model.n_train, estimator=estimator)


def excess_entropy_collapse_time(model, times=None, n=256, rng=None, *, process=None,
                                 level=None, estimator="control", xtol=1e-6,
                                 ) -> ExcessEntropyCollapse:
    """Collapse time: where the excess entropy density crosses ``level``.

    The search scans the log-spaced grid down from the largest time for the
    first interval where f goes from at least ``level`` (above) to below it,
    then refines the crossing with Brent's method in ``log t`` on the same
    (common-random-number) estimate.

    Parameters
    ----------
    model, times, n, rng, process, estimator :
        As in :func:`excess_entropy` (``times`` needs >= 2 values).
    level : float, optional
        Crossing level (>= 0); default ``ln(2) / d`` (module docstring: the
        literal ``f = 0`` is never crossed at finite d).
    xtol : float
        Absolute tolerance of Brent's method in ``log t``.

    Returns
    -------
    ExcessEntropyCollapse

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> train = rng.standard_normal((200, 8))
    >>> res = excess_entropy_collapse_time(train, np.geomspace(1e-3, 10, 12), n=64, rng=1)
    >>> bool(0.05 < res.time < 1.0), round(res.level * 8, 6) == round(math.log(2), 6)
    (True, True)
    """
    model = _as_model(model, process)
    times = np.sort(_check_times(times))
    if times.size < 2:
        raise ValueError(f"times must hold >= 2 values, got {times.tolist()!r}")
    level = math.log(2.0) / model.dim if level is None else float(level)
    if not math.isfinite(level) or level < 0:
        raise ValueError(f"level must be finite and >= 0, got {level!r}")
    per_point, alpha = _per_point_function(model, n, rng, estimator, index=None, noise=None)
    values = np.array([per_point(t) for t in times])
    f = values.mean(axis=1)
    stderr = values.std(axis=1, ddof=1) / math.sqrt(values.shape[1]) if values.shape[1] > 1 \
        else np.full(times.size, np.nan)
    curve = ExcessEntropy(times=times, f=f, stderr=stderr, alpha=alpha, dim=model.dim,
                          n_train=model.n_train, estimator=estimator)
    found = largest_crossing(times, f, level, lambda t: float(per_point(t).mean()),
                             rising=True, xtol=xtol)
    return ExcessEntropyCollapse(time=found, level=level, curve=curve)
