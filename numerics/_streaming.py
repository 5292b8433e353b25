"""Running sums of a streamed softmax (log-sum-exp with a running maximum).

Internal to :mod:`numerics.empirical_score`: the accumulators of one pass over
the training set, rescaled by ``exp(m_old - m_new)`` whenever a chunk raises
the running maximum ``m`` of the log-weights, and the augmented operands that
give log-weights and weighted sums in one matrix product each.
"""

from __future__ import annotations

import numpy as np

__all__ = ["augment", "sqdist", "RunningSums"]


def augment(x, a, delta, chunk=0, extra=0):
    """Operands whose product ``[x a/Delta, -a^2/(2 Delta), 0] . [y, |y|^2, 1]``
    is the log-weight up to the mu-independent ``-|x|^2 / (2 Delta)``.

    ``extra`` columns after those of ``y`` are left for more weighted sums.

    Examples
    --------
    >>> x_aug, y_aug = augment(np.array([[1.0, 2.0]]), a=1.0, delta=0.5, chunk=1)
    >>> y_aug[0, :3] = [3.0, 0.0, 9.0]               # y = (3, 0), |y|^2 = 9
    >>> float((x_aug @ y_aug.T)[0, 0])               # (x.y - |y|^2 / 2) / Delta
    -3.0
    """
    batch, dim = x.shape
    x_aug = np.zeros((batch, dim + 2))
    x_aug[:, :dim] = x * (a / delta)
    x_aug[:, dim] = -0.5 * a * a / delta
    y_aug = np.empty((chunk, dim + 2 + extra))
    y_aug[:, dim + 1] = 1.0
    return x_aug, y_aug


def sqdist(x, y):
    """Row-wise squared distances ``|x_i - y_i|^2`` from differences.

    >>> sqdist(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]]))
    array([25.])
    """
    diff = x - y
    return np.einsum("ij,ij->i", diff, diff)


class RunningSums:
    """Running sums of one streamed pass (rescaled as the maximum m grows).

    ``s0 = sum e``, ``s1 = sum e (y - centre)`` with ``e = exp(l - m)``; with ``track``,
    ``q_sum = sum e^2``, ``t_sum = sum e (l - m)`` and ``best`` (argmax); with
    ``second``, ``c2``: second moments about a reference (``'diag'``/``'fast'``
    per direction, ``'full'`` as matrices). :meth:`finish` derives the mean,
    the per-direction variances or the covariance.
    """

    def __init__(self, batch, dim, track, second):
        self.m = None
        self.s0 = np.zeros(batch)
        self.s1 = np.zeros((batch, dim))
        self.track, self.second = track, second
        if track:
            self.q_sum = np.zeros(batch)
            self.t_sum = np.zeros(batch)
            self.best = np.zeros(batch, dtype=np.intp)
        if second:
            self.c2 = np.zeros((batch, dim, dim) if second == "full" else (batch, dim))

    def rescale(self, scale, old_m, new_m):
        if scale is None:
            return
        if self.track:
            # sum e^{l-m'} (l-m') = e^{m-m'} [sum e^{l-m} (l-m) + (m-m') sum e^{l-m}]
            self.t_sum = scale * (self.t_sum + (old_m - new_m) * self.s0)
            self.q_sum *= scale * scale
        self.s0 *= scale
        self.s1 *= scale[:, None]
        if self.second:
            self.c2 *= scale[:, None, None] if self.second == "full" else scale[:, None]

    def finish(self, centre, ref=None, basis=None):
        """Mean (``s1`` is about ``centre``) and second moments about ``ref``."""
        s0 = self.s0
        about_centre = self.s1 / s0[:, None]
        self.mean = about_centre + centre
        if self.second:
            # The first moment about ref from s1: its rounding, eps |y|, enters
            # the variance only through 2 |mean - ref| eps |y|, harmless.
            mean_c = about_centre + (centre - ref)
            if self.second in ("diag", "fast"):
                if basis is not None:
                    mean_c = mean_c @ basis
                self.spread_diag = self.c2 / s0[:, None]
                self.var_diag = np.maximum(self.spread_diag - mean_c * mean_c, 0.0)
            else:
                cov = self.c2 / s0[:, None, None] - mean_c[:, :, None] * mean_c[:, None, :]
                self.cov = 0.5 * (cov + np.swapaxes(cov, 1, 2))
        return self
