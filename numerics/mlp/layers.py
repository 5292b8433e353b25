"""Building blocks of the NumPy score network, each with its hand-written derivatives.

Every layer comes as a pure forward function that returns what its backward
(reverse mode, for training) and its ``jvp`` (forward mode, for the exact
Jacobian of the score) need, so that no autograd library is involved.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

__all__ = [
    "silu", "silu_derivative", "layer_norm", "layer_norm_backward", "layer_norm_jvp",
    "time_features",
]


def silu(z):
    """SiLU ``z * sigmoid(z)``; also returns the sigmoid for the derivatives.

    ``scipy.special.expit`` is used because ``1 / (1 + exp(-z))`` overflows
    (and warns) for very negative ``z``.

    Examples
    --------
    >>> a, s = silu(np.array([0.0, 1.0]))
    >>> a.round(6).tolist(), float(s[0])
    ([0.0, 0.731059], 0.5)
    """
    sig = expit(z)
    return z * sig, sig


def silu_derivative(z, sig):
    """Derivative of SiLU at ``z`` given ``sig = sigmoid(z)``.

    >>> float(silu_derivative(np.array(0.0), np.array(0.5)))
    0.5
    """
    return sig * (1.0 + z * (1.0 - sig))


def layer_norm(h, gain, bias, eps=1e-5):
    """Layer normalisation over the last axis, with affine gain and bias.

    Returns
    -------
    y : ndarray
        ``gain * (h - mean) / sqrt(var + eps) + bias``.
    normed : ndarray
        The standardised input ``(h - mean) / sqrt(var + eps)``.
    inv_std : ndarray
        ``1 / sqrt(var + eps)`` with a trailing axis of length 1.

    Examples
    --------
    >>> y, n, s = layer_norm(np.array([[1.0, 3.0]]), np.ones(2), np.zeros(2), eps=0.0)
    >>> y.tolist()
    [[-1.0, 1.0]]
    """
    mean = h.mean(axis=-1, keepdims=True)
    centred = h - mean
    inv_std = 1.0 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + eps)
    normed = centred * inv_std
    return normed * gain + bias, normed, inv_std


def layer_norm_backward(dy, gain, normed, inv_std):
    """Reverse mode of :func:`layer_norm` for inputs of shape (B, W).

    Returns ``(dh, dgain, dbias)``.

    Examples
    --------
    >>> h = np.array([[0.3, -1.0, 2.0]])
    >>> y, n, s = layer_norm(h, np.ones(3), np.zeros(3))
    >>> dh, dg, db = layer_norm_backward(np.ones_like(h), np.ones(3), n, s)
    >>> bool(np.allclose(dh, 0))   # a uniform shift of y has no preimage
    True
    """
    dgain = np.einsum("bw,bw->w", dy, normed)
    dbias = dy.sum(axis=0)
    dn = dy * gain
    # d/dh of (h - mean) * inv_std: project out the mean and the normed direction.
    dh = inv_std * (dn - dn.mean(axis=-1, keepdims=True)
                    - normed * (dn * normed).mean(axis=-1, keepdims=True))
    return dh, dgain, dbias


def layer_norm_jvp(tangent, gain, normed, inv_std):
    """Forward mode of :func:`layer_norm`: push tangents (B, K, W) through it.

    ``normed`` and ``inv_std`` come from the forward pass on the (B, W) input.

    Examples
    --------
    >>> h = np.array([[0.3, -1.0, 2.0]])
    >>> y, n, s = layer_norm(h, np.ones(3), np.zeros(3))
    >>> bool(np.allclose(layer_norm_jvp(np.ones((1, 1, 3)), np.ones(3), n, s), 0))
    True
    """
    n = normed[:, None, :]
    centred = tangent - tangent.mean(axis=-1, keepdims=True)
    # mean(n * centred) equals mean(n * tangent) because n has zero mean.
    return gain * inv_std[:, None, :] * (centred - n * (n * tangent).mean(axis=-1, keepdims=True))


def time_features(u, frequencies):
    """Sinusoidal embedding ``[sin(f u), cos(f u)]`` of a scalar per sample.

    Parameters
    ----------
    u : ndarray of shape (B,)
        The embedded time variable (the network uses a log noise level).
    frequencies : ndarray of shape (F,)

    Returns
    -------
    ndarray of shape (B, 2F)

    Examples
    --------
    >>> time_features(np.array([0.0]), np.array([1.0, 2.0])).tolist()
    [[0.0, 0.0, 1.0, 1.0]]
    """
    phase = u[:, None] * frequencies[None, :]
    return np.concatenate([np.sin(phase), np.cos(phase)], axis=1)
