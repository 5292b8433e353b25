"""Denoising score matching for the NumPy network: Adam (or RAdam), EMA, seeded batches.

One step draws a minibatch of training points ``y``, times ``t`` and noises
``z`` from the state's own Generator, forms ``x = a_t y + sqrt(Delta_t) z`` and
descends ``mean |eps_hat(x, t) - z|^2 / D``. Everything a step depends on
(parameters, optimiser moments, EMA, Generator state, importance statistics)
lives in :class:`TrainState`, so a run resumed from a checkpoint continues
bit for bit like an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from numerics.data import as_generator
from numerics.progress import progress
from theory.processes import get_process

from .blas import blas_threads
from .model import MLPConfig, backward, forward, init_params, param_shapes

__all__ = ["TrainConfig", "TrainState", "init_training", "train", "train_step", "flat_views"]

#: default largest training time per process (VE: noise std 10; VP: a_t ~ 7e-3)
DEFAULT_T_MAX = {"ve": 100.0, "vp": 5.0}


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of denoising score matching.

    Parameters
    ----------
    steps : int
        Total number of optimisation steps (>= 1).
    batch : int
        Minibatch size (>= 1); points are drawn with replacement.
    lr : float
        Peak learning rate (> 0).
    optimizer : {'adam', 'radam'}
        Adam with bias correction, or rectified Adam (Liu et al. 2020).
    beta1, beta2 : float
        Moment decay rates, in [0, 1).
    adam_eps : float
        Denominator floor (> 0).
    lr_schedule : {'constant', 'cosine'}
        Constant, or cosine decay to zero at ``steps``.
    warmup : int
        Linear warm-up steps (>= 0).
    ema_decay : float
        Decay of the weight average, in [0, 1); the effective decay at step
        n is ``min(ema_decay, (1 + n) / (10 + n))`` so early averages are not
        dominated by the initial weights.
    t_min, t_max : float
        Range of training times; ``t_max=None`` means 100 (VE) or 5 (VP).
    time_sampling : {'log-uniform', 'importance'}
        ``log-uniform``: ``log t`` uniform in ``[log t_min, log t_max]``.
        ``importance``: the log-time range is cut into ``importance_bins``
        bins, each drawn with probability proportional to the root mean
        square of its recent loss (mixed 9:1 with uniform, uniform until every
        bin has 10 samples), and each sample's loss weighted by
        ``(1 / bins) / p_bin``, so the objective stays the log-uniform one
        while its variance drops.
    importance_bins : int
        Number of log-time bins (>= 1).

    Examples
    --------
    >>> TrainConfig(steps=10).resolved("vp").t_max
    5.0
    >>> TrainConfig(lr=-1)
    Traceback (most recent call last):
    ...
    ValueError: lr must be finite and > 0, got -1
    """

    steps: int = 2000
    batch: int = 128
    lr: float = 1e-3
    optimizer: str = "adam"
    beta1: float = 0.9
    beta2: float = 0.999
    adam_eps: float = 1e-8
    lr_schedule: str = "constant"
    warmup: int = 0
    ema_decay: float = 0.999
    t_min: float = 1e-3
    t_max: float | None = None
    time_sampling: str = "log-uniform"
    importance_bins: int = 32

    def __post_init__(self):
        for name, low in (("steps", 1), ("batch", 1), ("warmup", 0), ("importance_bins", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
            object.__setattr__(self, name, int(value))
        for name in ("lr", "adam_eps", "t_min"):
            value = getattr(self, name)
            if not math.isfinite(float(value)) or float(value) <= 0:
                raise ValueError(f"{name} must be finite and > 0, got {value!r}")
            object.__setattr__(self, name, float(value))
        for name in ("beta1", "beta2", "ema_decay"):
            value = float(getattr(self, name))
            if not 0 <= value < 1:
                raise ValueError(f"{name} must lie in [0, 1), got {getattr(self, name)!r}")
            object.__setattr__(self, name, value)
        if self.t_max is not None:
            t_max = float(self.t_max)
            if not math.isfinite(t_max) or t_max <= self.t_min:
                raise ValueError(f"t_max must be finite and > t_min = {self.t_min}, got {self.t_max!r}")
            object.__setattr__(self, "t_max", t_max)
        choices = {"optimizer": ("adam", "radam"), "lr_schedule": ("constant", "cosine"),
                   "time_sampling": ("log-uniform", "importance")}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")

    def resolved(self, process: str) -> "TrainConfig":
        """This configuration with ``t_max`` filled in for ``process``."""
        if self.t_max is not None:
            return self
        t_max = DEFAULT_T_MAX[get_process(process).name]
        if t_max <= self.t_min:
            raise ValueError(f"t_min = {self.t_min} must be below the default t_max = {t_max}")
        return dataclasses.replace(self, t_max=t_max)

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        """Rebuild from :meth:`to_dict`; unknown keys are a ``ValueError``."""
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown training configuration keys {sorted(unknown)}")
        return cls(**data)


def flat_views(flat: np.ndarray, config: MLPConfig) -> dict:
    """Named views (no copies) of a flat parameter vector.

    >>> cfg = MLPConfig(dim=1, width=1, depth=1, n_frequencies=1)
    >>> views = flat_views(np.arange(16.0), cfg)
    >>> views["in.W"].tolist(), views["out.b"].tolist()
    ([[0.0]], [15.0])
    """
    views, offset = {}, 0
    for name, shape in param_shapes(config).items():
        size = math.prod(shape)
        views[name] = flat[offset:offset + size].reshape(shape)
        offset += size
    if offset != flat.size:
        raise ValueError(f"expected {offset} parameters for this configuration, got {flat.size}")
    return views


def _flatten(params: dict, config: MLPConfig) -> np.ndarray:
    shapes = param_shapes(config)
    if set(params) != set(shapes):
        raise ValueError(f"parameter names differ from the configuration's: {sorted(set(params) ^ set(shapes))}")
    for name, shape in shapes.items():
        if np.shape(params[name]) != shape:
            raise ValueError(f"parameter {name} has shape {np.shape(params[name])}, expected {shape}")
    return np.concatenate([np.asarray(params[name], dtype=float).ravel() for name in shapes])


@dataclass
class TrainState:
    """Everything a training step reads or writes (mutable, advanced in place).

    The optimiser works on flat vectors; :attr:`params` and :attr:`ema_params`
    are named views into them.
    """

    model_config: MLPConfig
    train_config: TrainConfig
    weights: np.ndarray
    ema: np.ndarray
    adam_m: np.ndarray
    adam_v: np.ndarray
    rng: np.random.Generator
    step: int = 0
    losses: list = field(default_factory=list)
    bin_sq: np.ndarray | None = None
    bin_count: np.ndarray | None = None
    metadata: dict = field(default_factory=dict)

    def __post_init__(self):
        bins = self.train_config.importance_bins
        if self.bin_sq is None:
            self.bin_sq = np.ones(bins)
        if self.bin_count is None:
            self.bin_count = np.zeros(bins, dtype=np.int64)

    @property
    def params(self) -> dict:
        """Current weights as named views."""
        return flat_views(self.weights, self.model_config)

    @property
    def ema_params(self) -> dict:
        """Averaged weights as named views."""
        return flat_views(self.ema, self.model_config)


def init_training(model_config: MLPConfig, train_config: TrainConfig, rng=None, *,
                  metadata: dict | None = None) -> TrainState:
    """A fresh :class:`TrainState`; ``rng`` seeds the initial weights and every batch.

    >>> state = init_training(MLPConfig(dim=2, width=4, depth=1), TrainConfig(steps=3), rng=0)
    >>> state.step, state.train_config.t_max
    (0, 100.0)
    """
    generator = as_generator(rng)
    train_config = train_config.resolved(model_config.process)
    weights = _flatten(init_params(model_config, rng=generator), model_config)
    return TrainState(
        model_config=model_config, train_config=train_config, weights=weights,
        ema=weights.copy(), adam_m=np.zeros_like(weights), adam_v=np.zeros_like(weights),
        rng=generator, metadata=dict(metadata or {}),
    )


def _learning_rate(cfg: TrainConfig, step: int) -> float:
    lr = cfg.lr
    if cfg.warmup:
        lr *= min(1.0, (step + 1) / cfg.warmup)
    if cfg.lr_schedule == "cosine":
        lr *= 0.5 * (1.0 + math.cos(math.pi * min(step, cfg.steps) / cfg.steps))
    return lr


def _sample_times(state: TrainState, batch: int):
    cfg = state.train_config
    lo, hi = math.log(cfg.t_min), math.log(cfg.t_max)
    if cfg.time_sampling == "log-uniform":
        return np.exp(state.rng.uniform(lo, hi, batch)), np.ones(batch), None
    bins = cfg.importance_bins
    if state.bin_count.min() < 10:
        prob = np.full(bins, 1.0 / bins)
    else:
        rms = np.sqrt(state.bin_sq)
        prob = 0.9 * rms / rms.sum() + 0.1 / bins
    which = np.minimum(np.searchsorted(np.cumsum(prob), state.rng.uniform(0.0, 1.0, batch),
                                       side="right"), bins - 1)
    offset = state.rng.uniform(0.0, 1.0, batch)
    log_t = lo + (which + offset) * (hi - lo) / bins
    return np.exp(log_t), (1.0 / bins) / prob[which], which


def _adam_update(state: TrainState, grad: np.ndarray, lr: float, work: np.ndarray):
    # In place with one scratch vector: the update is memory-bound, and
    # temporaries would double its cost for a model of this size.
    cfg = state.train_config
    n = state.step + 1
    m, v = state.adam_m, state.adam_v
    m *= cfg.beta1
    np.multiply(grad, 1.0 - cfg.beta1, out=work)
    m += work
    v *= cfg.beta2
    np.multiply(grad, grad, out=work)
    work *= 1.0 - cfg.beta2
    v += work
    m_hat_scale = 1.0 / (1.0 - cfg.beta1**n)
    if cfg.optimizer == "radam":
        rho_inf = 2.0 / (1.0 - cfg.beta2) - 1.0
        rho = rho_inf - 2.0 * n * cfg.beta2**n / (1.0 - cfg.beta2**n)
        if rho <= 5.0:
            # Variance of the adaptive step not yet tractable: plain momentum SGD.
            np.multiply(m, lr * m_hat_scale, out=work)
            state.weights -= work
            return
        lr *= math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    # lr * m_hat / (sqrt(v_hat) + eps), with v_hat = v / (1 - beta2^n)
    np.sqrt(v, out=work)
    work *= 1.0 / math.sqrt(1.0 - cfg.beta2**n)
    work += cfg.adam_eps
    np.divide(m, work, out=work)
    work *= lr * m_hat_scale
    state.weights -= work


def train_step(state: TrainState, data: np.ndarray, grad_views: dict, grad: np.ndarray,
               work: np.ndarray | None = None) -> float:
    """One optimisation step in place; returns the (importance-weighted) batch loss.

    ``grad`` is a flat gradient buffer, ``grad_views`` its named views (see
    :func:`flat_views`) and ``work`` an optional scratch vector of the same size.
    """
    cfg, mcfg = state.train_config, state.model_config
    process = get_process(mcfg.process)
    index = state.rng.integers(0, data.shape[0], cfg.batch)
    t, weight, which = _sample_times(state, cfg.batch)
    noise = state.rng.standard_normal((cfg.batch, mcfg.dim))
    x = process.a(t)[:, None] * data[index] + np.sqrt(process.delta(t))[:, None] * noise
    params = state.params
    eps, cache = forward(params, mcfg, x, t, return_cache=True)
    residual = eps - noise
    per_sample = np.einsum("bd,bd->b", residual, residual) / mcfg.dim
    backward(params, mcfg, cache, residual * (2.0 * weight / (cfg.batch * mcfg.dim))[:, None],
             out=grad_views)
    if which is not None:
        bins = cfg.importance_bins
        counts = np.bincount(which, minlength=bins)
        sums = np.bincount(which, weights=per_sample * per_sample, minlength=bins)
        seen = counts > 0
        state.bin_sq[seen] = 0.9 * state.bin_sq[seen] + 0.1 * sums[seen] / counts[seen]
        state.bin_count += counts
    work = np.empty_like(grad) if work is None else work
    _adam_update(state, grad, _learning_rate(cfg, state.step), work)
    decay = min(cfg.ema_decay, (1.0 + state.step) / (10.0 + state.step))
    np.subtract(state.ema, state.weights, out=work)
    work *= 1.0 - decay
    state.ema -= work
    state.step += 1
    loss = float(np.mean(weight * per_sample))
    state.losses.append(loss)
    return loss


def train(state: TrainState, data, *, until: int | None = None, show_progress: bool = False,
          checkpoint_path=None, checkpoint_every: int = 0) -> TrainState:
    """Advance ``state`` to step ``until`` (default: ``train_config.steps``) in place.

    Parameters
    ----------
    state : TrainState
        From :func:`init_training` or :func:`numerics.mlp.checkpoint.load_checkpoint`.
    data : array_like of shape (N, D)
        Training points; must be the same array for a resumed run to match.
    until : int, optional
        Stop after this many total steps (<= ``train_config.steps``).
    show_progress : bool
        Draw a progress bar on a terminal.
    checkpoint_path : str or path, optional
        Where to save a checkpoint every ``checkpoint_every`` steps and at the end.
    checkpoint_every : int
        Period of intermediate checkpoints (0: only at the end).

    Returns
    -------
    TrainState
        The same object, advanced.

    Examples
    --------
    >>> data = np.random.default_rng(0).standard_normal((64, 2))
    >>> state = init_training(MLPConfig(dim=2, width=8, depth=1), TrainConfig(steps=5, batch=16), rng=1)
    >>> train(state, data).step, len(state.losses)
    (5, 5)
    """
    data = np.asarray(data, dtype=float)
    if data.ndim != 2 or data.shape[1] != state.model_config.dim or data.shape[0] < 1:
        raise ValueError(f"data must have shape (N >= 1, {state.model_config.dim}), got {data.shape}")
    if not np.all(np.isfinite(data)):
        raise ValueError("training data must be finite")
    end = state.train_config.steps if until is None else int(until)
    if not state.step <= end <= state.train_config.steps:
        raise ValueError(f"until must lie in [{state.step}, {state.train_config.steps}], got {until!r}")
    if checkpoint_every < 0:
        raise ValueError(f"checkpoint_every must be >= 0, got {checkpoint_every!r}")
    from .checkpoint import save_checkpoint  # here: checkpoint imports this module

    grad, work = np.empty_like(state.weights), np.empty_like(state.weights)
    grad_views = flat_views(grad, state.model_config)
    steps = progress(range(state.step, end), total=end - state.step, desc="training",
                     enabled=show_progress)
    with blas_threads(1):
        for _ in steps:
            loss = train_step(state, data, grad_views, grad, work)
            if not math.isfinite(loss):
                raise ValueError(f"training diverged at step {state.step} (loss {loss}); "
                                 "lower the learning rate")
            if checkpoint_path is not None and checkpoint_every and state.step % checkpoint_every == 0:
                save_checkpoint(checkpoint_path, state)
    if checkpoint_path is not None:
        save_checkpoint(checkpoint_path, state)
    return state
