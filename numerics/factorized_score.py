"""Empirical score of the factorised model (THEORY §5, "Factorised model").

The training set is replaced by all recombinations of its per-subspace
projections: the product of the K marginal empirical measures. Its noised
density factorises over the subspaces, so its score is the sum of the
per-subspace empirical scores, each computed on the projections of ``x`` and of
the training set on that subspace (the columns of the basis ``U`` grouped by
subspace). Each subspace has its own Boltzmann weights, hence its own effective
sample size and its own collapse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import check_basis, check_points, check_subspaces
from .empirical_score import EmpiricalScore

__all__ = ["FactorizedScore", "FactorizedStatistics"]


@dataclass(frozen=True)
class FactorizedStatistics:
    """Per-point summaries of the per-subspace Boltzmann weights.

    Attributes
    ----------
    score : ndarray (B, D)
        Sum of the per-subspace scores, in coordinates.
    posterior_mean : ndarray (B, D)
        Sum over subspaces of the weighted mean of the projections, in
        coordinates.
    participation_ratio : ndarray (B, K)
        ``1 / sum_mu w_mu^2`` per subspace.
    effective_samples : ndarray (B, K)
        Shannon form ``exp(-sum_mu w_mu log w_mu)`` per subspace.
    subspace_variance : ndarray (B, K)
        Weighted variance of the projections, averaged over the directions of
        each subspace.
    own_weight : ndarray (B, K) or None
        Per subspace, the weight of the designated training index.
    nearest_index : ndarray (B, K) of int
        Per subspace, the training index with the largest weight.
    """

    score: np.ndarray
    posterior_mean: np.ndarray
    participation_ratio: np.ndarray
    effective_samples: np.ndarray
    subspace_variance: np.ndarray
    own_weight: np.ndarray | None
    nearest_index: np.ndarray


class FactorizedScore:
    """Score of the product of the per-subspace marginal empirical measures.

    Parameters
    ----------
    train : array_like (N, D)
        Training points.
    subspace_index : array_like of int (D,) or Spectrum
        Subspace (0..K-1) of each column of ``basis``.
    process : {'ve', 'vp'} or Process
        Forward process.
    basis : array_like (D, D) or None
        Orthonormal basis ``U`` (columns are the data directions); identity if
        ``None``.
    chunk_size : int or None
        Passed to each per-subspace :class:`EmpiricalScore`.

    Notes
    -----
    The projected training sets together hold N x D floats: one copy of the
    training set.

    Examples
    --------
    >>> train = [[1.0, 1.0], [-1.0, -1.0]]
    >>> model = FactorizedScore(train, [0, 1])
    >>> model.subspace_models[0].n_train, model.n_subspaces
    (2, 2)
    >>> st = model.statistics([[1.0, 1.0]], t=1e-3, own_index=[0])
    >>> st.own_weight.round(6).tolist()
    [[1.0, 1.0]]
    """

    def __init__(self, train, subspace_index, process="ve", *, basis=None, chunk_size=None):
        train = np.asarray(train, dtype=float)
        if train.ndim != 2 or train.shape[0] < 1 or train.shape[1] < 1:
            raise ValueError(f"train must have shape (N, D) with N, D >= 1, got {train.shape}")
        dim = train.shape[1]
        self.basis = check_basis(basis, dim)
        self.subspace_index = check_subspaces(subspace_index, dim)
        self.n_subspaces = int(self.subspace_index.max()) + 1
        self.dim = dim
        self.n_train = train.shape[0]
        self.train = train
        eye = np.eye(dim)
        # Columns of U for each subspace: x's coordinates there are x @ U_k.
        self._bases = [(eye if self.basis is None else self.basis)[:, self.subspace_index == k]
                       for k in range(self.n_subspaces)]
        self.subspace_models = [
            EmpiricalScore(train @ u_k, process, chunk_size=chunk_size) for u_k in self._bases
        ]
        self.process = self.subspace_models[0].process

    def _project(self, x):
        single = np.ndim(x) == 1
        x2 = check_points(x, self.dim)
        return [x2 @ u_k for u_k in self._bases], single

    def score(self, x, t):
        """Sum of the per-subspace empirical scores, shape of ``x``."""
        parts, single = self._project(x)
        out = sum(m.score(p, t) @ u_k.T
                  for m, p, u_k in zip(self.subspace_models, parts, self._bases))
        return out[0] if single else out

    def jacobian(self, x, t):
        """Jacobian ``sum_k U_k J_k U_k^T`` (block diagonal in the basis), (B, D, D)."""
        parts, single = self._project(x)
        out = sum(u_k @ m.jacobian(p, t) @ u_k.T
                  for m, p, u_k in zip(self.subspace_models, parts, self._bases))
        return out[0] if single else out

    def statistics(self, x, t, *, own_index=None) -> FactorizedStatistics:
        """Score and per-subspace effective sizes, variances and own weights.

        ``own_index`` (B,) designates one training index per point, the same in
        every subspace (e.g. the point that generated ``x``).
        """
        parts, _ = self._project(x)
        stats = [m.statistics(p, t, own_index=own_index)
                 for m, p in zip(self.subspace_models, parts)]

        def stack(name):
            return np.stack([getattr(s, name) for s in stats], axis=1)

        return FactorizedStatistics(
            score=sum(s.score @ u_k.T for s, u_k in zip(stats, self._bases)),
            posterior_mean=sum(s.posterior_mean @ u_k.T for s, u_k in zip(stats, self._bases)),
            participation_ratio=stack("participation_ratio"),
            effective_samples=stack("effective_samples"),
            subspace_variance=np.concatenate([s.subspace_variance for s in stats], axis=1),
            own_weight=None if own_index is None else stack("own_weight"),
            nearest_index=stack("nearest_index"),
        )
