"""Exact Jacobian of the network, by forward mode, and the score as plain callables.

The tangent of every hidden activation along each input coordinate is pushed
through the network at once (tangent arrays of shape (B, D, W)), so one pass
gives the full (B, D, D) Jacobian exactly, with no finite differences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .blas import blas_threads
from .layers import layer_norm_jvp, silu_derivative
from .model import MLPConfig, _times, forward, preconditioning

__all__ = ["eps_jacobian", "ScoreModel"]


def eps_jacobian(params: dict, config: MLPConfig, x, t):
    """``eps_hat(x, t)`` and its Jacobian ``d eps_hat_i / d x_j``.

    Parameters
    ----------
    params : dict of ndarray
    config : MLPConfig
    x : array_like of shape (B, D)
    t : float or array_like of shape (B,)

    Returns
    -------
    eps : ndarray of shape (B, D)
    jac : ndarray of shape (B, D, D)
        ``jac[b, i, j] = d eps_hat_i / d x_j`` at sample ``b``.

    Examples
    --------
    >>> from numerics.mlp.model import init_params
    >>> cfg = MLPConfig(dim=2, width=4, depth=1)
    >>> eps, jac = eps_jacobian(init_params(cfg, rng=0), cfg, np.ones((1, 2)), 1.0)
    >>> jac[0].tolist()   # untrained: c_skip I with c_skip = 1/2 at t = 1
    [[0.5, 0.0], [0.0, 0.5]]
    """
    eps, cache = forward(params, config, x, t, return_cache=True)
    batch, dim = cache["x"].shape
    # Tangent of h along e_j: c_in * W_in[j, :], for every j at once.
    tangent = cache["c_in"][:, None, None] * params["in.W"][None, :, :]
    for k in range(config.depth):
        p = f"block{k}."
        r, normed, inv_std, z, a, sig = cache["blocks"][k]
        t_r = layer_norm_jvp(tangent, params[p + "ln.g"], normed, inv_std)
        t_a = (t_r @ params[p + "W1"]) * silu_derivative(z, sig)[:, None, :]
        tangent = tangent + t_a @ params[p + "W2"]
    _, normed_out, inv_std_out = cache["out"]
    t_net = layer_norm_jvp(tangent, params["out.ln.g"], normed_out, inv_std_out) @ params["out.W"]
    # t_net[b, j, i] = d net_i / d x_j; transpose to the (output, input) layout.
    jac = cache["c_out"][:, None, None] * np.swapaxes(t_net, 1, 2)
    jac[:, np.arange(dim), np.arange(dim)] += cache["c_skip"][:, None]
    return eps, jac


@dataclass(frozen=True)
class ScoreModel:
    """A trained network seen as a score ``s(x, t) = -eps_hat(x, t) / sqrt(Delta_t)``.

    Exposes the same callables as an empirical score, so that probes and
    dimension estimators measure both the same way: :meth:`score`
    ``(x (B, D), t) -> (B, D)``, :meth:`jacobian` ``(x, t) -> (B, D, D)`` and
    :meth:`jacobian_trace` ``(x, t) -> (B,)``. ``t`` is a scalar or one time
    per row. The products run on ``threads`` BLAS threads (default 1: the
    matrices are small, and on a loaded machine more threads can be far
    slower; see :mod:`numerics.mlp.blas`).

    Examples
    --------
    >>> from numerics.mlp.model import init_params
    >>> cfg = MLPConfig(dim=2, width=4, depth=1)
    >>> model = ScoreModel(init_params(cfg, rng=0), cfg)
    >>> model.score(np.array([[2.0, 0.0]]), 1.0).tolist()   # -x / (sigma_d^2 + t)
    [[-1.0, -0.0]]
    >>> model.jacobian_trace(np.zeros((1, 2)), 1.0).tolist()
    [-1.0]
    """

    params: dict
    config: MLPConfig
    threads: int = 1

    @property
    def dim(self) -> int:
        """Data dimension D."""
        return self.config.dim

    @property
    def process(self) -> str:
        """Name of the forward process the network was trained for."""
        return self.config.process

    def _sqrt_delta(self, t, batch):
        return preconditioning(self.config, _times(t, batch))[4]

    def eps(self, x, t):
        """Predicted noise ``eps_hat(x, t)``, shape (B, D)."""
        with blas_threads(self.threads):
            return forward(self.params, self.config, x, t)

    def score(self, x, t):
        """Score ``-eps_hat / sqrt(Delta_t)``, shape (B, D)."""
        eps = self.eps(x, t)
        return -eps / self._sqrt_delta(t, eps.shape[0])[:, None]

    def __call__(self, x, t):
        return self.score(x, t)

    def jacobian(self, x, t):
        """Exact ``d s_i / d x_j``, shape (B, D, D)."""
        with blas_threads(self.threads):
            eps, jac = eps_jacobian(self.params, self.config, x, t)
        return -jac / self._sqrt_delta(t, eps.shape[0])[:, None, None]

    def jacobian_trace(self, x, t):
        """Divergence ``tr d s / d x``, shape (B,)."""
        return np.trace(self.jacobian(x, t), axis1=1, axis2=2)
