"""A residual MLP that predicts the noise ``eps`` of a diffused point.

Architecture (pre-norm residual MLP, in the spirit of the seed paper's tabular
network)::

    u      = log(Delta_t / a_t^2)                    noise level (VE-equivalent time)
    temb   = SiLU(W_t [sin(f u), cos(f u)] + b_t)    shared time embedding
    h      = W_in (c_in x) + b_in
    block k: h <- h + W2_k SiLU(W1_k LN_k(h) + b1_k + Wt_k temb) + b2_k
    F      = W_out LN_out(h) + b_out
    eps_hat = c_skip x + c_out F

The score is ``s(x, t) = -eps_hat(x, t) / sqrt(Delta_t)``.

Why embed ``u = log(Delta_t / a_t^2)``: the per-direction SNR is
``a_t^2 lambda / Delta_t = lambda / e^u``, so the ideal denoiser depends on
time only through ``u``; the same variable serves VE (``u = log t``) and VP
(``u = log(e^{2t} - 1)``), and its log scale spreads the decades of noise
levels that matter (1e-4 ... 1e2) evenly over the sinusoid phases.

The scalings ``c_in = 1 / sqrt(a^2 sigma_d^2 + Delta)``,
``c_skip = sqrt(Delta) c_in^2`` and ``c_out = a sigma_d c_in`` (with
``sigma_d^2`` the mean per-coordinate data variance) make the network start
from the exact denoiser of isotropic Gaussian data and keep its input and
target at unit scale at every time; without them it would have to learn an
input scale varying by orders of magnitude over the time range.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from numerics.data import as_generator
from theory.processes import get_process

from .layers import layer_norm, layer_norm_backward, silu, silu_derivative, time_features

__all__ = ["MLPConfig", "param_shapes", "init_params", "preconditioning", "forward", "backward"]


@dataclass(frozen=True)
class MLPConfig:
    """Shape and conventions of the score network.

    Parameters
    ----------
    dim : int
        Data dimension D (>= 1).
    width : int
        Hidden width of the residual stream (>= 1).
    depth : int
        Number of residual blocks (>= 1).
    n_frequencies : int
        Number of sinusoid frequencies of the time embedding (>= 1); the
        frequencies are geometric between ``0.1`` and ``10`` per unit of
        ``log(Delta_t / a_t^2)``.
    process : {'ve', 'vp'}
        Forward process that defines ``a_t`` and ``Delta_t``.
    data_variance : float
        Mean per-coordinate variance of the data (> 0), used by the scalings.
    ln_eps : float
        Variance floor of the layer normalisations (> 0).

    Examples
    --------
    >>> cfg = MLPConfig(dim=3, width=8, depth=2)
    >>> MLPConfig.from_dict(cfg.to_dict()) == cfg
    True
    >>> MLPConfig(dim=0)
    Traceback (most recent call last):
    ...
    ValueError: dim must be an integer >= 1, got 0
    """

    dim: int
    width: int = 128
    depth: int = 3
    n_frequencies: int = 16
    process: str = "ve"
    data_variance: float = 1.0
    ln_eps: float = 1e-5

    def __post_init__(self):
        for name in ("dim", "width", "depth", "n_frequencies"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
            object.__setattr__(self, name, int(value))
        object.__setattr__(self, "process", get_process(self.process).name)
        for name in ("data_variance", "ln_eps"):
            value = float(getattr(self, name))
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be finite and > 0, got {getattr(self, name)!r}")
            object.__setattr__(self, name, value)

    def to_dict(self) -> dict:
        """Plain-JSON form (see :meth:`from_dict`)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "MLPConfig":
        """Rebuild from :meth:`to_dict`; unknown keys are a ``ValueError``."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown model configuration keys {sorted(unknown)}")
        return cls(**data)

    @property
    def frequencies(self) -> np.ndarray:
        """Angular frequencies of the time embedding."""
        return np.geomspace(0.1, 10.0, self.n_frequencies)


def param_shapes(config: MLPConfig) -> dict:
    """Names and shapes of the parameters, in a fixed order.

    >>> list(param_shapes(MLPConfig(dim=2, width=4, depth=1)).items())[:3]
    [('in.W', (2, 4)), ('in.b', (4,)), ('time.W', (32, 4))]
    """
    d, w = config.dim, config.width
    shapes = {"in.W": (d, w), "in.b": (w,), "time.W": (2 * config.n_frequencies, w), "time.b": (w,)}
    for k in range(config.depth):
        shapes.update({
            f"block{k}.ln.g": (w,), f"block{k}.ln.b": (w,),
            f"block{k}.W1": (w, w), f"block{k}.b1": (w,), f"block{k}.Wt": (w, w),
            f"block{k}.W2": (w, w), f"block{k}.b2": (w,),
        })
    shapes.update({"out.ln.g": (w,), "out.ln.b": (w,), "out.W": (w, d), "out.b": (d,)})
    return shapes


def init_params(config: MLPConfig, rng=None) -> dict:
    """Initial parameters: LeCun-normal weights, unit gains, zero biases.

    The last layer of each block and the output layer start at zero, so the
    untrained network is exactly the isotropic-Gaussian denoiser
    ``c_skip x`` and every block starts as the identity.

    Examples
    --------
    >>> p = init_params(MLPConfig(dim=2, width=4, depth=1), rng=0)
    >>> float(np.abs(p["out.W"]).max()), p["block0.ln.g"].tolist()
    (0.0, [1.0, 1.0, 1.0, 1.0])
    """
    generator = as_generator(rng)
    params = {}
    for name, shape in param_shapes(config).items():
        leaf = name.rsplit(".", 1)[-1]
        if leaf == "g":
            params[name] = np.ones(shape)
        elif leaf.startswith("W") and not (name.endswith(".W2") or name == "out.W"):
            params[name] = generator.standard_normal(shape) / math.sqrt(shape[0])
        else:
            params[name] = np.zeros(shape)
    return params


def _times(t, batch):
    t = np.asarray(t, dtype=float)
    if t.ndim == 0:
        t = np.full(batch, float(t))
    if t.shape != (batch,):
        raise ValueError(f"t must be a scalar or have shape ({batch},), got shape {t.shape}")
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise ValueError(f"times must be finite and > 0, got {t[~(np.isfinite(t) & (t > 0))][:3].tolist()}")
    return t


def preconditioning(config: MLPConfig, t):
    """Per-sample ``(c_in, c_skip, c_out, u, sqrt_delta)`` at times ``t`` (shape (B,)).

    >>> c_in, c_skip, c_out, u, sd = preconditioning(MLPConfig(dim=1), np.array([1.0]))
    >>> [round(float(v[0]), 6) for v in (c_in, c_skip, c_out, u, sd)]
    [0.707107, 0.5, 0.707107, 0.0, 1.0]
    """
    process = get_process(config.process)
    a = process.a(t)
    delta = process.delta(t)
    signal = a * a * config.data_variance
    c_in = 1.0 / np.sqrt(signal + delta)
    sqrt_delta = np.sqrt(delta)
    return c_in, sqrt_delta * c_in * c_in, np.sqrt(signal) * c_in, np.log(delta / (a * a)), sqrt_delta


def _check_x(config, x):
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != config.dim:
        raise ValueError(f"x must have shape (B, {config.dim}), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite")
    return x


def forward(params: dict, config: MLPConfig, x, t, *, return_cache: bool = False):
    """Predicted noise ``eps_hat(x, t)`` of shape (B, D).

    Parameters
    ----------
    params : dict of ndarray
        As made by :func:`init_params`.
    config : MLPConfig
    x : array_like of shape (B, D)
        Diffused points.
    t : float or array_like of shape (B,)
        Times (> 0).
    return_cache : bool
        Also return the intermediate values that :func:`backward` and the
        Jacobian need.

    Examples
    --------
    >>> cfg = MLPConfig(dim=2, width=4, depth=1)
    >>> eps = forward(init_params(cfg, rng=0), cfg, np.ones((3, 2)), 1.0)
    >>> eps.shape, float(eps[0, 0])  # untrained: c_skip x = x / 2 at t = 1
    ((3, 2), 0.5)
    """
    x = _check_x(config, x)
    t = _times(t, x.shape[0])
    c_in, c_skip, c_out, u, sqrt_delta = preconditioning(config, t)
    features = time_features(u, config.frequencies)
    xin = x * c_in[:, None]
    temb_pre = features @ params["time.W"] + params["time.b"]
    temb, temb_sig = silu(temb_pre)
    h = xin @ params["in.W"] + params["in.b"]
    blocks = []
    for k in range(config.depth):
        p = f"block{k}."
        r, normed, inv_std = layer_norm(h, params[p + "ln.g"], params[p + "ln.b"], config.ln_eps)
        z = r @ params[p + "W1"] + params[p + "b1"] + temb @ params[p + "Wt"]
        a, sig = silu(z)
        h = h + a @ params[p + "W2"] + params[p + "b2"]
        blocks.append((r, normed, inv_std, z, a, sig))
    r_out, normed_out, inv_std_out = layer_norm(h, params["out.ln.g"], params["out.ln.b"], config.ln_eps)
    net = r_out @ params["out.W"] + params["out.b"]
    eps = c_skip[:, None] * x + c_out[:, None] * net
    if not return_cache:
        return eps
    cache = {
        "x": x, "xin": xin, "c_in": c_in, "c_skip": c_skip, "c_out": c_out,
        "sqrt_delta": sqrt_delta, "features": features, "temb_pre": temb_pre, "temb": temb,
        "temb_sig": temb_sig, "blocks": blocks, "out": (r_out, normed_out, inv_std_out),
    }
    return eps, cache


def backward(params: dict, config: MLPConfig, cache: dict, d_eps, out: dict | None = None) -> dict:
    """Gradient of a loss with respect to every parameter, by reverse mode.

    Parameters
    ----------
    params, config
        As given to :func:`forward`.
    cache : dict
        From ``forward(..., return_cache=True)``.
    d_eps : ndarray of shape (B, D)
        Gradient of the loss with respect to ``eps_hat``.
    out : dict of ndarray, optional
        Preallocated gradient arrays (same names and shapes as ``params``)
        to write into, e.g. views of one flat buffer for the optimiser.

    Returns
    -------
    dict of ndarray
        ``out`` if given, else new arrays.

    Examples
    --------
    >>> cfg = MLPConfig(dim=2, width=4, depth=1)
    >>> params = init_params(cfg, rng=0)
    >>> eps, cache = forward(params, cfg, np.ones((3, 2)), 1.0, return_cache=True)
    >>> grads = backward(params, cfg, cache, np.ones((3, 2)))
    >>> sorted(grads) == sorted(params)
    True
    """
    grads = {name: np.empty_like(value) for name, value in params.items()} if out is None else out
    d_net = d_eps * cache["c_out"][:, None]
    r_out, normed_out, inv_std_out = cache["out"]
    np.matmul(r_out.T, d_net, out=grads["out.W"])
    np.sum(d_net, axis=0, out=grads["out.b"])
    dh, grads["out.ln.g"][...], grads["out.ln.b"][...] = layer_norm_backward(
        d_net @ params["out.W"].T, params["out.ln.g"], normed_out, inv_std_out)
    d_temb = np.zeros_like(cache["temb"])
    temb = cache["temb"]
    for k in reversed(range(config.depth)):
        p = f"block{k}."
        r, normed, inv_std, z, a, sig = cache["blocks"][k]
        np.matmul(a.T, dh, out=grads[p + "W2"])
        np.sum(dh, axis=0, out=grads[p + "b2"])
        dz = (dh @ params[p + "W2"].T) * silu_derivative(z, sig)
        np.matmul(r.T, dz, out=grads[p + "W1"])
        np.sum(dz, axis=0, out=grads[p + "b1"])
        np.matmul(temb.T, dz, out=grads[p + "Wt"])
        d_temb += dz @ params[p + "Wt"].T
        dr = dz @ params[p + "W1"].T
        dh_ln, grads[p + "ln.g"][...], grads[p + "ln.b"][...] = layer_norm_backward(
            dr, params[p + "ln.g"], normed, inv_std)
        dh = dh + dh_ln  # residual: gradient flows through the skip and the block
    np.matmul(cache["xin"].T, dh, out=grads["in.W"])
    np.sum(dh, axis=0, out=grads["in.b"])
    d_temb_pre = d_temb * silu_derivative(cache["temb_pre"], cache["temb_sig"])
    np.matmul(cache["features"].T, d_temb_pre, out=grads["time.W"])
    np.sum(d_temb_pre, axis=0, out=grads["time.b"])
    return grads
