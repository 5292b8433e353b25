"""Measure memorisation in the exact empirical-score diffusion.

:func:`simulate` draws a training set from a spectrum, builds the joint or
factorised empirical score, and measures at each requested time, on a batch
of points, the quantities the theory predicts:

* ``effective_samples``: median over the batch of the Shannon effective number
  of training points ``exp(-sum_mu w_mu log w_mu)`` (REM: ``exp(s(t))``);
* ``participation_ratio``: median of ``1/sum_mu w_mu^2``;
* per subspace, ``posterior_variance_ratio``: median of the weighted variance
  of the training points along the subspace divided by the exact posterior
  variance ``lambda Delta/(Delta + a^2 lambda)`` (``lambda``: the training
  set's own variance there). It is near 1 while the model still spreads over
  the subspace like the population does and falls towards 0 when the weights
  collapse on training points there. A subspace is called **lost** at a time
  when this ratio is below :data:`~numerics.loss_times.LOSS_THRESHOLD` (1/2),
  and ``measured_loss_time`` is the largest time at which that happens
  (:func:`numerics.loss_times.measure_loss_times`);
* ``memorized_fraction`` at the smallest time: share of points whose denoised
  estimate ``E_w[y | x_t]`` is at least 3 times closer to its nearest training
  point than to the second nearest (THEORY §7);
* ``measured_collapse_time``: where the median weight of the generating
  training point crosses 1/2 (:func:`numerics.metrics.measured_collapse_time`);
  with the factorised score, one time per subspace, and the top-level value is
  the largest of them (the first loss going backwards in time).

Points are either ``fresh`` (independent draws of the population's ``p_t``)
or ``trajectory`` (the reverse SDE driven by the empirical score, started from
the empirical ``p_T`` at the largest requested time).
"""

from __future__ import annotations

import math

import numpy as np

import theory
from theory.spectrum import Spectrum

from .data import as_generator, sample_gaussian_manifold
from .empirical_score import EmpiricalScore
from .factorized_score import FactorizedScore
from .loss_times import LOSS_THRESHOLD, measure_loss_times, posterior_variance_ratio, reference_variances
from .metrics import DEFAULT_TIMES, measured_collapse_time, memorized_fraction
from .progress import progress
from .samplers import fresh_points, reverse_sde

__all__ = ["simulate", "LOSS_THRESHOLD", "DEFAULT_SIMULATION_TIMES", "build_model"]

#: Times of ``lostdim simulate`` when none are given (VE units).
DEFAULT_SIMULATION_TIMES = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 3e-4, 1e-4, 3e-5)
#: Reverse-SDE steps between two consecutive requested times.
STEPS_PER_INTERVAL = 40


def build_model(train, spectrum: Spectrum, process="ve", score="joint"):
    """The joint or factorised empirical score of ``train``.

    >>> from theory.spectrum import parse_spectrum
    >>> spec = parse_spectrum("1:2,0.1:1")
    >>> type(build_model(np.zeros((3, 3)), spec, score="factorized")).__name__
    'FactorizedScore'
    """
    if score == "joint":
        return EmpiricalScore(train, process, subspace_index=spectrum.subspace_index())
    if score == "factorized":
        return FactorizedScore(train, spectrum.subspace_index(), process)
    raise ValueError(f"unknown score {score!r}; expected 'joint' or 'factorized'")


def _check_times(times):
    times = np.asarray(DEFAULT_SIMULATION_TIMES if times is None else times, dtype=float)
    if times.ndim != 1 or times.size < 1 or not np.all(np.isfinite(times)) or np.any(times <= 0):
        raise ValueError(f"times must be finite values > 0, got {np.atleast_1d(times).tolist()!r}")
    if np.unique(times).size != times.size:
        raise ValueError(f"times must be distinct, got {times.tolist()!r}")
    return np.sort(times)[::-1]


def _trajectory_points(model, times, batch, process, generator):
    """Reverse-SDE states at exactly the requested times (grid passes through them)."""
    if times.size == 1:
        grid = np.array([times[0], times[0] * 0.5])
    else:
        segments = [np.geomspace(hi, lo, STEPS_PER_INTERVAL + 1)[:-1]
                    for hi, lo in zip(times[:-1], times[1:])]
        grid = np.concatenate(segments + [times[-1:]])
    result = reverse_sde(model.score, grid, batch, process=process, train=model.train,
                         rng=generator, record={"x": lambda x, t: x.copy()},
                         record_times=times)
    return dict(zip(result.times, result.records["x"]))


def simulate(spectrum: Spectrum, n: int, process="ve", *, score="joint", points="fresh",
             batch: int = 256, times=None, rng=0, normalize: bool = False,
             collapse: bool = True, show_progress: bool = False) -> dict:
    """Run the exact empirical-score diffusion and measure memorisation.

    Parameters
    ----------
    spectrum : Spectrum
        Population spectrum of the training data (before normalisation).
    n : int
        Training-set size N (>= 1).
    process : {"ve", "vp"}
    score : {"joint", "factorized"}
    points : {"fresh", "trajectory"}
    batch : int
        Points per time (>= 2; medians are over them).
    times : sequence of float, optional
        Measurement times; default :data:`DEFAULT_SIMULATION_TIMES`.
    rng : int, Generator or None
        Seed of the training set, the points and the collapse measurement.
    normalize : bool
        Project samples on the unit sphere; the theory then uses the
        normalised spectrum.
    collapse : bool
        Also measure the collapse time(s) (a search over 1e-8..1e3).
    show_progress : bool
        Progress bar on a terminal.

    Returns
    -------
    dict
        JSON-ready; keys documented in the module docstring and the CLI page.

    Examples
    --------
    >>> from theory.spectrum import parse_spectrum
    >>> r = simulate(parse_spectrum("1:3"), 50, times=[10.0, 1e-4], batch=16, rng=0,
    ...              collapse=False)
    >>> r["effective_samples"][0] > 10, r["effective_samples"][1] < 1.5
    (True, True)
    >>> r["memorized_fraction"]
    1.0
    """
    if not isinstance(spectrum, Spectrum):
        raise ValueError(f"spectrum must be a Spectrum, got {type(spectrum).__name__}")
    if int(n) != n or n < 1:
        raise ValueError(f"N must be an integer >= 1, got {n!r}")
    if int(batch) != batch or batch < 2:
        raise ValueError(f"batch must be an integer >= 2, got {batch!r}")
    if points not in ("fresh", "trajectory"):
        raise ValueError(f"unknown points {points!r}; expected 'fresh' or 'trajectory'")
    proc = theory.get_process(process)
    times = _check_times(times)
    theory_spectrum = spectrum.normalized() if normalize else spectrum
    generator = as_generator(rng)
    train = sample_gaussian_manifold(spectrum, int(n), generator, normalize=normalize)
    model = build_model(train, spectrum, proc.name, score)
    factorized = score == "factorized"
    reference = reference_variances(train, spectrum.subspace_index())
    tangent = reference > 0

    if points == "trajectory":
        states = _trajectory_points(model, times, int(batch), proc.name, generator)
    eff, part, ratio, eff_k = [], [], [], []
    for t in progress(times, total=times.size, desc="times", enabled=show_progress):
        x = states[t] if points == "trajectory" else fresh_points(
            spectrum, t, int(batch), proc.name, generator, normalize=normalize)
        stats = model.statistics(x, t)
        ratio.append(posterior_variance_ratio(model, x, t, reference))
        if factorized:
            eff_k.append(np.median(stats.effective_samples, axis=0))
            # the recombined point's weight is the product of per-subspace weights
            log_eff = np.sum(np.log(stats.effective_samples), axis=1)
            eff.append(float(np.exp(np.median(log_eff))))
            part.append(float(np.median(np.prod(stats.participation_ratio, axis=1))))
        else:
            eff.append(float(np.median(stats.effective_samples)))
            part.append(float(np.median(stats.participation_ratio)))
    # times run downwards, so the last statistics are those of the smallest time
    memorized = memorized_fraction(stats.posterior_mean, train) if n >= 2 else 1.0

    notes = []
    ratio = np.array(ratio)
    subspaces = []
    predicted_eff = theory.effective_samples(times, theory_spectrum, n, proc.name)
    predicted_tc = _finite_or_none(theory.collapse_time(theory_spectrum, n, proc.name))
    if factorized:
        # the recombined measure is a product: entropies (and times) per subspace
        predicted_eff = np.ones(times.shape)
        t_k = theory.factorized_times(theory_spectrum, n, proc.name)
        predicted_tc = _finite_or_none(t_k.max())
    for k, (v, d) in enumerate(zip(theory_spectrum.variances, theory_spectrum.dims)):
        entry = {"variance": v, "dim": d,
                 "posterior_variance_ratio": ratio[:, k] if tangent[k] else None,
                 "lost": (ratio[:, k] < LOSS_THRESHOLD) if tangent[k] else None}
        if factorized:
            entry["effective_samples"] = np.array(eff_k)[:, k]
            own = theory.effective_samples(times, Spectrum((v,), (d,)), n, proc.name)
            entry["predicted_effective_samples"] = own
            entry["predicted_collapse_time"] = _finite_or_none(t_k[k])
            predicted_eff = predicted_eff * own
        subspaces.append(entry)
    if not np.all(tangent):
        notes.append("zero-variance subspaces have no posterior variance: their ratio and "
                     "loss are null")

    measured = None
    if collapse and n >= 2:
        loss, _ = measure_loss_times(model, spectrum, batch=int(batch), rng=generator,
                                     normalize=normalize)
        for entry, value in zip(subspaces, loss):
            entry["measured_loss_time"] = _finite_or_none(value)
        result = measured_collapse_time(model, DEFAULT_TIMES, n=int(batch), rng=generator)
        if factorized:
            per_subspace = np.where(tangent, np.atleast_1d(result.time), np.nan)
            for entry, value in zip(subspaces, per_subspace):
                entry["measured_collapse_time"] = _finite_or_none(value)
            finite = per_subspace[np.isfinite(per_subspace)]
            measured = float(finite.max()) if finite.size else None
        else:
            measured = _finite_or_none(result.time)
        if measured is None:
            notes.append(f"measured_collapse_time is null: the median own weight does not cross "
                         f"1/2 between {DEFAULT_TIMES[0]:g} and {DEFAULT_TIMES[-1]:g}")
    elif n < 2:
        notes.append("N = 1: the single training point carries all the weight at every time; "
                     "no collapse time to measure")
    elif not collapse:
        notes.append("collapse-time measurement skipped")

    return {
        "process": proc.name, "n": int(n), "score": score, "points": points,
        "batch": int(batch), "spectrum": str(theory_spectrum), "normalize": bool(normalize),
        "times": times,
        "effective_samples": eff,
        "predicted_effective_samples": predicted_eff,
        "participation_ratio": part,
        "subspaces": subspaces,
        "memorized_fraction": memorized,
        "measured_collapse_time": measured,
        "predicted_collapse_time": predicted_tc,
        "loss_threshold": LOSS_THRESHOLD,
        "notes": notes,
    }


def _finite_or_none(value):
    value = float(value)
    return value if math.isfinite(value) else None
