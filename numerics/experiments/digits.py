"""Experiment 4: collapse and speciation on real images (8x8 digits, or your IDX files).

Data. By default scikit-learn's bundled digits (``load_digits``: 1797 images
of 8x8 pixels valued 0..16, no download; needs the ``digits`` extra). With
``params["idx_images"]`` (and optionally ``idx_labels``, ``idx_limit``) the
images come from an MNIST-format IDX file you provide instead
(:mod:`numerics.idx`), e.g. ``train-images-idx3-ubyte.gz`` (D = 784).

With MNIST files (``lostdim reproduce`` runs the bundled digits; IDX input is
for your own script)::

    from numerics.experiments import digits
    from numerics.experiments.runner import run_tasks
    from numerics.plots.digits import plot

    params = dict(digits.PRESETS["quick"], idx_images="train-images-idx3-ubyte.gz",
                  idx_labels="train-labels-idx1-ubyte.gz", idx_limit=5000)
    data = digits.assemble(params, run_tasks(digits.tasks(params), "cache"))
    print(digits.report(data)["findings"]); plot(data).savefig("mnist.png")

At D = 784 the exact Jacobians cost ``B N D^2`` per time (~8 GFLOP at
N = 1600 with 8 probe points), about 150x the digits' cost.

Preprocessing (``params["scaling"]``, ``params["centre"]``;
:func:`numerics.images.preprocess`):

* ``"symmetric"`` (default): pixels divided by the largest pixel value in the
  data (16 for digits, 255 for MNIST), then mapped to [-1, 1], the convention
  of DDPM training that Biroli et al. use. This choice matters for the
  speciation time: with [0, 1] pixels the digits' largest covariance eigenvalue
  is Lambda = 0.70 < 1, and ``t_S = 1/2 ln Lambda`` does not exist (the top
  direction is never above the VP stationary noise); in [-1, 1] it is 4x
  larger (2.80, ``t_S = 0.51``).
* ``"unit"``: [0, 1]; ``"standardize"``: each pixel to zero mean and unit
  variance (constant pixels stay 0).
* ``centre`` (default True): subtract the per-pixel mean. The exact-score
  quantities measured here (weights, log-density, Jacobians at ``a_t y``) depend
  only on differences of points and are unchanged; the network starts from
  the zero-mean Gaussian denoiser, so centred data suit it.

Split. Training sets are the first N images of a seeded permutation (nested
in N). The Jacobian spectra are probed at ``x = a_t y`` for the first
``probe_points`` of them, the same training images for every N: there the
exact score's weights condense on y itself below the collapse time, so every
direction reads normal (dimension 0); at an unseen image the weights can
split between two neighbours, whose difference then gives the Jacobian a
positive eigenvalue that dominates the normalised spectrum.

Measurements, per N (one cached task each):

* the excess-entropy density f(t) and its collapse time
  (:mod:`numerics.excess_entropy`, crossing ``f = ln 2 / d``), and the
  simulator's collapse time (:func:`numerics.metrics.measured_collapse_time`,
  median own weight 1/2), on the same log grid, common random numbers;
* normalised singular values of the exact empirical score's Jacobian at the
  probe images at ``spectrum_times``, and the dimension they give;
* a small NumPy MLP trained on the same N images, its Jacobian spectra and
  dimensions at the same times and points.

Speciation (one task, needs labels: the digits have them; IDX needs
``idx_labels``): Biroli et al.'s cloning experiment on two classes
(``params["speciation"]["classes"]``, default digits 0 and 1) with the exact
empirical score of their images: the share phi(t) of trajectory pairs cloned at
t that end in the same class, and the time where it falls below 0.775
(:func:`speciation_task`).

Predictions: speciation time ``t_S = 1/2 ln Lambda`` (VP, Lambda the largest
eigenvalue of the preprocessed data covariance: of all images, and of the two
cloned classes) and a *per-pixel Gaussian REM reference*: the data covariance
spectrum as a :class:`theory.Spectrum`, whose joint collapse time
:func:`theory.collapse_time` and apparent dimension
(``#{SNR > 1}``) would hold for Gaussian data with that covariance.

Run time, measured on 2 cores shared with other work, one job: ``tiny``
~10-16 s, ``quick`` ~50 s (MLP training 3 x ~9 s at ~6 ms per step, the N = 1600
collapse task ~12 s, speciation ~8 s). ``paper`` took 436 s (~7 min): MLP
training 5 x 6000 steps at ~10 ms per step (width 128, depth 3) ~5 min,
speciation (1024 trajectories, 20 clone times) 68 s, collapse tasks ~1 min.
"""

from __future__ import annotations

import time

import numpy as np

import theory
from theory.spectrum import Spectrum

from ..data import as_generator
from ..empirical_score import EmpiricalScore
from ..excess_entropy import excess_entropy_collapse_time
from ..images import bundled_digits_available, load_images, preprocess
from ..metrics import measured_collapse_time, nearest_training_distances
from ..mlp import MLPConfig, ScoreModel, TrainConfig, init_training, train
from ..mlp.blas import blas_threads
from ..probes import jacobian_spectrum
from ..samplers import reverse_sde, time_grid
from ..spectrum_probe import estimate_dimension
from .digits_report import report
from .runner import Task

__all__ = ["NAME", "TITLE", "PRESETS", "available", "tasks", "assemble", "report",
           "load_images", "preprocess", "resolved_dimension"]

NAME = "digits"
TITLE = "Collapse and speciation on real images (digits)"

_COMMON = {"process": "vp", "scaling": "symmetric", "centre": True, "estimator": "gap",
           "seed": 0}
PRESETS = {
    "tiny": {**_COMMON, "n_values": [50, 100], "times": [1e-3, 5.0], "grid": 12, "points": 64,
             "spectrum_times": [1.0, 0.05], "probe_points": 4,
             "mlp": {"width": 16, "depth": 1, "steps": 100, "batch": 64, "lr": 2e-3,
                     "ema_decay": 0.99},
             "speciation": {"classes": [0, 1], "trajectories": 64, "clone_times": [0.1, 3.0],
                            "grid": 6, "steps": 30, "threshold": 0.775}},
    "quick": {**_COMMON, "n_values": [100, 400, 1600], "times": [1e-3, 5.0], "grid": 24,
              "points": 256, "spectrum_times": [1.0, 0.3, 0.05], "probe_points": 8,
              "mlp": {"width": 64, "depth": 2, "steps": 1500, "batch": 128, "lr": 2e-3,
                      "ema_decay": 0.995},
              "speciation": {"classes": [0, 1], "trajectories": 256, "clone_times": [0.1, 3.0],
                             "grid": 12, "steps": 60, "threshold": 0.775}},
    "paper": {**_COMMON, "n_values": [100, 200, 400, 800, 1600], "times": [1e-3, 5.0],
              "grid": 40, "points": 1024, "spectrum_times": [1.0, 0.5, 0.3, 0.15, 0.05, 0.01],
              "probe_points": 16,
              "mlp": {"width": 128, "depth": 3, "steps": 6000, "batch": 128, "lr": 1e-3,
                      "ema_decay": 0.999},
              "speciation": {"classes": [0, 1], "trajectories": 1024, "clone_times": [0.1, 3.0],
                             "grid": 20, "steps": 100, "threshold": 0.775}},
}

_DATA_KEYS = ("idx_images", "idx_labels", "idx_limit", "scaling", "centre", "probe_points",
              "seed")


def available():
    """``(True, "")`` if scikit-learn is installed (bundled digits), else how to install it.

    With IDX files (``params["idx_images"]``) scikit-learn is not needed, but
    ``lostdim reproduce`` runs the presets, which use the bundled digits.
    """
    return bundled_digits_available()


# -- data ------------------------------------------------------------------------
def _split(data, n=None):
    """All images, the training set of size n (nested in n) and the probe images.

    The probe images are the first ``probe_points`` training images, the same
    for every N (so spectra at different N are taken at the same points).
    """
    images, _, _ = load_images(data.get("idx_images"), data.get("idx_labels"),
                               data.get("idx_limit"), data["scaling"], data["centre"])
    order = as_generator(data["seed"]).permutation(images.shape[0])
    probes = int(data["probe_points"])
    if n is not None and not probes <= n <= images.shape[0]:
        raise ValueError(f"N = {n} must lie in [probe_points = {probes}, {images.shape[0]}] "
                         "(the number of images)")
    train_set = images[order[:n]] if n is not None else images
    return images, train_set, images[order[:probes]]


def _gaussian_reference(images) -> Spectrum:
    eig = np.linalg.eigvalsh(np.cov(images, rowvar=False))
    # Rounding can leave tiny negative eigenvalues for constant pixels.
    return Spectrum(tuple(np.maximum(eig[::-1], 0.0)), (1,) * eig.size)


# -- tasks -----------------------------------------------------------------------
def data_task(data, n_values, process):
    """Covariance spectrum, speciation time and Gaussian-REM collapse times."""
    images, _, _ = _split(data)
    _, _, source = load_images(data.get("idx_images"), data.get("idx_labels"),
                               data.get("idx_limit"), data["scaling"], data["centre"])
    spectrum = _gaussian_reference(images)
    top = spectrum.largest_variance
    return {"source": source, "n_images": int(images.shape[0]), "dim": int(images.shape[1]),
            "eigenvalues": list(spectrum.variances), "largest_variance": top,
            "speciation_time": theory.speciation_time(top, process),
            "n_values": list(n_values),
            "rem_collapse_time": [float(theory.collapse_time(spectrum, n, process))
                                  for n in n_values]}


def collapse_task(data, n, process, times, grid, points, seed):
    """Excess entropy f(t) and both measured collapse times for one N."""
    images, train_set, _ = _split(data, n)
    spectrum = _gaussian_reference(images)
    model = EmpiricalScore(train_set, process)
    grid_times = np.geomspace(times[0], times[1], grid)
    start = time.perf_counter()
    with blas_threads(1):
        ent = excess_entropy_collapse_time(model, grid_times, n=points, rng=[seed, n, 1])
        own = measured_collapse_time(model, grid_times, n=points, rng=[seed, n, 2])
    rem_s = theory.entropy(grid_times, spectrum, n, process)
    return {"n": n, "times": grid_times, "f": ent.curve.f, "f_stderr": ent.curve.stderr,
            "alpha": ent.curve.alpha, "level": ent.level,
            "entropy_collapse_time": ent.time, "median_own_weight": own.median_own_weight,
            "measured_collapse_time": own.time,
            "rem_f": np.maximum(rem_s, 0.0) / images.shape[1],
            "rem_collapse_time": float(theory.collapse_time(spectrum, n, process)),
            "seconds": time.perf_counter() - start}


def resolved_dimension(values, kappa=1.0):
    """Number of normalised singular values below ``1 / (1 + kappa)``.

    A direction of SNR q reads ``1/(1 + q)`` (THEORY §3), so this counts the
    directions resolved with ``SNR > kappa``: the measured counterpart of
    :func:`theory.apparent_dimension`. Image spectra are smooth, without the
    gap the spectral-gap rules look for (they return 0 on them), so this is
    the dimension reported here; the gap rule's value is kept beside it.

    >>> resolved_dimension([[1.0, 0.9, 0.4, 0.1]]).tolist()
    [2]
    """
    values = np.asarray(values, dtype=float)
    return np.sum(values < 1.0 / (1.0 + kappa), axis=-1)


def _spectra(model, probes, times, process, estimator):
    proc = theory.get_process(process)
    values = np.array([jacobian_spectrum(model, float(proc.a(t)) * probes, t).mean(axis=0)
                       for t in times])
    return values, resolved_dimension(values), np.asarray(estimate_dimension(values, estimator))


def spectra_task(data, n, process, spectrum_times, estimator):
    """Exact empirical-score Jacobian spectra at the probe images for one N."""
    images, train_set, probes = _split(data, n)
    with blas_threads(1):
        values, dims, gap_dims = _spectra(EmpiricalScore(train_set, process), probes,
                                          spectrum_times, process, estimator)
    gaussian = theory.apparent_dimension(np.asarray(spectrum_times, float),
                                         _gaussian_reference(images), process)
    return {"n": n, "times": spectrum_times, "singular_values": values, "dimension": dims,
            "gap_dimension": gap_dims, "gaussian_dimension": gaussian}


def mlp_task(data, n, process, spectrum_times, estimator, mlp, seed):
    """Train a small MLP on N images; its Jacobian spectra at the probe points."""
    _, train_set, probes = _split(data, n)
    config = MLPConfig(dim=train_set.shape[1], width=mlp["width"], depth=mlp["depth"],
                       process=process, data_variance=float(train_set.var(axis=0).mean()))
    train_config = TrainConfig(steps=mlp["steps"], batch=mlp["batch"], lr=mlp["lr"],
                               ema_decay=mlp["ema_decay"])
    start = time.perf_counter()
    state = train(init_training(config, train_config, rng=[seed, n, 3]), train_set)
    seconds = time.perf_counter() - start
    model = ScoreModel(state.ema_params, config)
    values, dims, gap_dims = _spectra(model, probes, spectrum_times, process, estimator)
    tail = state.losses[-max(1, len(state.losses) // 10):]
    return {"n": n, "times": spectrum_times, "singular_values": values, "dimension": dims,
            "gap_dimension": gap_dims, "final_loss": float(np.mean(tail)), "train_seconds": seconds,
            "seconds_per_step": seconds / mlp["steps"]}


def _crossing_down(times, values, level):
    """Largest t where ``values`` falls below ``level`` (log-linear interpolation)."""
    for i in range(len(times) - 2, -1, -1):
        if values[i] >= level > values[i + 1]:
            u = (values[i] - level) / (values[i] - values[i + 1])
            return float(np.exp(np.log(times[i]) + u * (np.log(times[i + 1]) - np.log(times[i]))))
    return None


def speciation_task(data, process, speciation, seed):
    """Cloning experiment of Biroli et al. on two classes; measured and predicted t_S.

    Trajectories of the reverse SDE with the exact empirical score of the
    two classes' images start from exact draws of the noised empirical
    measure at t = 2 x the largest clone time. At each clone time the state
    is copied and both copies finish (independent noise) at t = 1e-3; each
    copy's class is that of its nearest training image. ``phi(t)`` is the
    share of pairs that agree; the measured speciation time is where phi
    falls below ``threshold`` (0.775, the value at t_S of Biroli et al.'s
    two-class theory, which they use for images), the prediction
    ``1/2 ln Lambda`` with Lambda the largest covariance eigenvalue of the
    two classes.
    """
    images, labels, _ = load_images(data.get("idx_images"), data.get("idx_labels"),
                                    data.get("idx_limit"), data["scaling"], data["centre"])
    classes = [int(c) for c in speciation["classes"]]
    if labels is None:
        return {"skipped": "needs class labels (idx_labels)", "classes": classes}
    keep = np.isin(labels, classes)
    if len(classes) != 2 or len(set(classes)) != 2 or any(np.sum(labels == c) < 2 for c in classes):
        raise ValueError(f"speciation needs two distinct classes present in the labels, got "
                         f"{classes}")
    train_set = images[keep] - images[keep].mean(axis=0)
    tags = labels[keep]
    top = float(np.linalg.eigvalsh(np.cov(train_set, rowvar=False))[-1])
    model = EmpiricalScore(train_set, process)
    generator = as_generator([seed, 4])
    lo, hi = speciation["clone_times"]
    clone = np.geomspace(lo, hi, int(speciation["grid"]))
    steps = int(speciation["steps"])
    start = time.perf_counter()
    with blas_threads(1):
        grid = np.unique(np.concatenate([np.geomspace(2 * hi, lo, 2 * steps), clone]))[::-1]
        trajectories = int(speciation["trajectories"])
        run = reverse_sde(model.score, grid, trajectories, process=process, rng=generator,
                          record={"x": lambda x, t: x.copy()}, record_times=clone)
        agree = []
        for t in clone:
            state = run.records["x"][int(np.argmin(np.abs(np.log(run.times) - np.log(t))))]
            finish = time_grid(t, 1e-3, steps)
            ends = [reverse_sde(model.score, finish, state, process=process, rng=generator).samples
                    for _ in range(2)]
            found = [tags[nearest_training_distances(end, train_set, 1)[1][:, 0]] for end in ends]
            agree.append(float(np.mean(found[0] == found[1])))
    agree = np.array(agree)
    return {"classes": classes, "n": int(train_set.shape[0]), "largest_variance": top,
            "predicted": theory.speciation_time(top, process), "times": clone, "phi": agree,
            "phi_stderr": np.sqrt(agree * (1 - agree) / trajectories),
            "threshold": float(speciation["threshold"]),
            "measured": _crossing_down(clone, agree, float(speciation["threshold"])),
            "seconds": time.perf_counter() - start}


def _data_spec(params):
    return {key: params.get(key) for key in _DATA_KEYS} | {
        "scaling": params.get("scaling", "symmetric"), "centre": bool(params.get("centre", True)),
        "probe_points": int(params["probe_points"]), "seed": int(params["seed"])}


def tasks(params):
    """One data task, then per N: collapse, exact spectra, MLP."""
    data = _data_spec(params)
    module = f"{__name__}"
    out = [Task(NAME, "data", f"{module}:data_task",
                {"data": data, "n_values": list(params["n_values"]),
                 "process": params["process"]})]
    if "speciation" in params:
        out.append(Task(NAME, "speciation", f"{module}:speciation_task",
                        {"data": data, "process": params["process"],
                         "speciation": dict(params["speciation"]),
                         "seed": int(params["seed"])}))
    for n in params["n_values"]:
        out.append(Task(NAME, f"collapse-N{n}", f"{module}:collapse_task",
                        {"data": data, "n": int(n), "process": params["process"],
                         "times": list(params["times"]), "grid": int(params["grid"]),
                         "points": int(params["points"]), "seed": int(params["seed"])}))
        out.append(Task(NAME, f"spectra-N{n}", f"{module}:spectra_task",
                        {"data": data, "n": int(n), "process": params["process"],
                         "spectrum_times": list(params["spectrum_times"]),
                         "estimator": params["estimator"]}))
        out.append(Task(NAME, f"mlp-N{n}", f"{module}:mlp_task",
                        {"data": data, "n": int(n), "process": params["process"],
                         "spectrum_times": list(params["spectrum_times"]),
                         "estimator": params["estimator"], "mlp": dict(params["mlp"]),
                         "seed": int(params["seed"])}))
    return out


def assemble(params, results):
    """The figure's data: the data summary and, per N, collapse, spectra and MLP."""
    n_values = list(params["n_values"])
    return {"process": params["process"], "scaling": params.get("scaling", "symmetric"),
            "estimator": params["estimator"], "data": results["data"],
            "speciation": results.get("speciation"),
            "collapse": [results[f"collapse-N{n}"] for n in n_values],
            "spectra": [results[f"spectra-N{n}"] for n in n_values],
            "mlp": [results[f"mlp-N{n}"] for n in n_values]}
