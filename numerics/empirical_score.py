"""Exact empirical score of a finite training set, as a Boltzmann average.

For training points ``y^1..y^N`` noised by a forward process
(``x_t = a_t y + sqrt(Delta_t) z``, see :mod:`theory.processes`), the noised
empirical measure is a mixture of N Gaussians and its score is a softmax
average (THEORY §4):

* log-weights ``l_mu = -|x - a_t y^mu|^2 / (2 Delta_t)``, ``w = softmax(l)``;
* score ``s = (a_t sum_mu w_mu y^mu - x) / Delta_t``;
* Jacobian ``J = -I / Delta_t + (a_t^2 / Delta_t^2) Cov_w(y)`` (symmetric);
* effective sample sizes ``1 / sum w^2`` (participation) and
  ``exp(-sum w log w)`` (Shannon).

The training set is streamed in chunks with a running log-sum-exp (running
maximum, accumulators rescaled when it grows), so the work memory is
``O(B x chunk)`` (``O(B x chunk x D)`` for second moments) instead of
``O(B x N)``. With ``x' = x - a c`` and ``y' = y - c`` (``c`` the training
mean; the distance is unchanged), ``|x'|^2`` is common to all log-weights and
cancels in the softmax, so only ``(a x'.y' - a^2 |y'|^2 / 2) / Delta`` is
formed, one matrix product per chunk.

Precision. The expanded log-weights carry an absolute rounding error of about
``eps a |x'| |y'| / Delta`` (4e-8 at ``|x'|, |y'| ~ 1``, ``Delta = 1e-8``), so
order-one weights are right to ~1e-7 relative at the smallest times; weights
below ``e^-350`` of the largest are floored there (``LOG_FLOOR``). Second
moments are summed from differences about the weighted mean of a first pass,
never as ``E y^2 - (E y)^2``, so a condensed (tiny) variance keeps its relative
precision; :meth:`EmpiricalScore.statistics` first tries a cheap expansion and
redoes only the rows where it would cancel.

Cost. :meth:`~EmpiricalScore.score` is two matrix products and one ``exp``
per (point, training point); :meth:`~EmpiricalScore.statistics` about 1.3x that
(plus an ``O(B N D)`` pass for condensed rows); :meth:`~EmpiricalScore.jacobian`
is ``O(B N D^2)``. Many small BLAS calls: on a loaded machine, multi-threaded
OpenBLAS can stall between them; ``OPENBLAS_NUM_THREADS=1`` avoids it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.processes import get_process

from ._streaming import RunningSums, augment, sqdist
from .checks import check_basis, check_points, check_subspaces, check_time

__all__ = ["EmpiricalScore", "ScoreStatistics"]

# Float64 elements allowed in one (B, chunk) work array (8 MiB), and in the
# (chunk, 2D + 2) copy of a chunk. Chosen with benchmarks/bench_empirical_score.py:
# with one BLAS thread 2^18..2^21 time alike (within the noise of a shared
# machine); multi-threaded BLAS stalls between calls, so fewer, larger calls.
WORK_ELEMENTS = 1 << 20
# Second moments need a (B, chunk, D) block of differences y - ref; a larger
# budget (16 MiB) keeps the chunk from shrinking to a few rows when B D is big.
MOMENT_ELEMENTS = 1 << 21

# Relative log-weights below this are raised to it before exponentiation:
# exp() of very negative arguments takes a slow (denormal/underflow) path, up to
# 5x slower, while N e^-350 (< 1e-140 for N < 1e12) is invisible next to the
# largest term, which is 1. Squares (participation ratio) stay normal numbers.
LOG_FLOOR = -350.0

# The fast per-direction variance (an expansion about the data centre) is kept
# when it exceeds this fraction of the weighted spread E_w (y - c)^2 it was
# computed from: its relative rounding error is then below ~1e-9.
CANCELLATION = 1e-6


@dataclass(frozen=True)
class ScoreStatistics:
    """Per-point summaries of the Boltzmann weights at one time.

    Attributes
    ----------
    score : ndarray (B, D)
        Empirical score.
    posterior_mean : ndarray (B, D)
        Weighted mean ``sum_mu w_mu y^mu``.
    participation_ratio : ndarray (B,)
        ``1 / sum_mu w_mu^2`` (between 1 and N).
    effective_samples : ndarray (B,)
        Shannon form ``exp(-sum_mu w_mu log w_mu)`` (between 1 and N).
    entropy : ndarray (B,)
        ``-sum_mu w_mu log w_mu``.
    subspace_variance : ndarray (B, K)
        Weighted variance of ``y`` along the basis directions, averaged over the
        directions of each subspace.
    max_weight : ndarray (B,)
        Largest weight.
    nearest_index : ndarray (B,) of int
        Training index carrying the largest weight.
    own_weight : ndarray (B,) or None
        Weight of the designated training index of each point (``own_index``).
    log_density : ndarray (B,)
        ``log p_t(x)`` of the noised empirical measure (mixture of N Gaussians).
    """

    score: np.ndarray
    posterior_mean: np.ndarray
    participation_ratio: np.ndarray
    effective_samples: np.ndarray
    entropy: np.ndarray
    subspace_variance: np.ndarray
    max_weight: np.ndarray
    nearest_index: np.ndarray
    own_weight: np.ndarray | None
    log_density: np.ndarray


class EmpiricalScore:
    """Score of the training set ``train`` noised by ``process``.

    Parameters
    ----------
    train : array_like (N, D)
        Training points (finite). Kept without a copy when already a
        C-contiguous float64 array.
    process : {'ve', 'vp'} or Process
        Forward process.
    chunk_size : int or None
        Training points per chunk. ``None`` picks one from the batch size so
        that a work array holds about ``WORK_ELEMENTS`` floats.
    basis : array_like (D, D) or None
        Orthonormal basis ``U`` whose columns are the data directions, used by
        :meth:`statistics` for per-subspace variances. ``None``: identity.
    subspace_index : array_like of int (D,), Spectrum or None
        Subspace of each column of ``basis`` (e.g. ``Spectrum.subspace_index()``,
        or the Spectrum itself). ``None``: one subspace.

    Examples
    --------
    >>> model = EmpiricalScore([[1.0, 0.0]], process="ve")
    >>> model.score([[0.0, 0.0]], t=0.5)     # one point: -(x - y) / t
    array([[2., 0.]])
    >>> model = EmpiricalScore([[1.0, 0.0], [-1.0, 0.0]], chunk_size=1)
    >>> st = model.statistics([[0.0, 3.0]], t=1.0, own_index=[0])
    >>> float(st.effective_samples[0]), float(st.own_weight[0])
    (2.0, 0.5)
    """

    def __init__(self, train, process="ve", *, chunk_size=None, basis=None,
                 subspace_index=None):
        train = np.asarray(train, dtype=float)
        if train.ndim != 2 or train.shape[0] < 1 or train.shape[1] < 1:
            raise ValueError(f"train must have shape (N, D) with N, D >= 1, got {train.shape}")
        if not np.all(np.isfinite(train)):
            raise ValueError("train must be finite, got non-finite entries at "
                             f"{np.argwhere(~np.isfinite(train))[:3].tolist()}")
        self.train = np.ascontiguousarray(train)
        self.process = get_process(process)
        if chunk_size is not None and (int(chunk_size) != chunk_size or chunk_size < 1):
            raise ValueError(f"chunk_size must be an integer >= 1 or None, got {chunk_size!r}")
        self.chunk_size = None if chunk_size is None else int(chunk_size)
        n, dim = self.train.shape
        # Log-weights are formed from y - centre and x - a centre (the distance
        # is the same): the rounding of the expansion scales with |x||y|, so
        # data with a large common offset keeps its precision. Norms of the
        # centred rows once, in blocks to avoid an (N, D) temporary.
        self._centre = self.train.mean(axis=0)
        self._sqnorm = np.empty(n)
        for start in range(0, n, 1 << 16):
            block = self.train[start:start + (1 << 16)] - self._centre
            self._sqnorm[start:start + block.shape[0]] = np.einsum("ij,ij->i", block, block)
        self.basis = check_basis(basis, dim)
        self.subspace_index = check_subspaces(subspace_index, dim)
        self.n_subspaces = int(self.subspace_index.max()) + 1
        counts = np.bincount(self.subspace_index, minlength=self.n_subspaces)
        averaging = np.zeros((dim, self.n_subspaces))
        averaging[np.arange(dim), self.subspace_index] = 1.0 / counts[self.subspace_index]
        self._averaging = averaging

    @property
    def n_train(self) -> int:
        """Number of training points N."""
        return self.train.shape[0]

    @property
    def dim(self) -> int:
        """Ambient dimension D."""
        return self.train.shape[1]

    # -- public quantities ----------------------------------------------------
    def score(self, x, t):
        """Empirical score at points ``x`` (B, D) or (D,), time ``t`` > 0.

        Returns an array of the shape of ``x``.
        """
        x2, a, delta, single = self._prepare(x, t)
        sums = self._stream(x2, a, delta)
        out = (a * sums.mean - x2) / delta
        return out[0] if single else out

    def posterior_mean(self, x, t):
        """Weighted mean ``sum_mu w_mu y^mu`` (the denoiser), shape of ``x``."""
        x2, a, delta, single = self._prepare(x, t)
        sums = self._stream(x2, a, delta)
        out = sums.mean
        return out[0] if single else out

    def covariance(self, x, t):
        """Weighted covariance ``Cov_w(y)``, shape (B, D, D) (or (D, D))."""
        x2, a, delta, single = self._prepare(x, t)
        sums = self._stream(x2, a, delta, second="full")
        return sums.cov[0] if single else sums.cov

    def jacobian(self, x, t):
        """Analytic Jacobian ``-I/Delta + (a^2/Delta^2) Cov_w(y)``, (B, D, D).

        Examples
        --------
        >>> model = EmpiricalScore([[1.0], [-1.0]])
        >>> model.jacobian([0.0], t=1.0)   # Cov_w = 1 at the midpoint
        array([[0.]])
        """
        x2, a, delta, single = self._prepare(x, t)
        cov = self._stream(x2, a, delta, second="full").cov
        jac = cov * (a * a / (delta * delta))
        idx = np.arange(self.dim)
        jac[:, idx, idx] -= 1.0 / delta
        return jac[0] if single else jac

    def weights(self, x, t):
        """All N weights, shape (B, N). Memory O(B N): for small problems and checks.

        The log-weights are those of the stream (same chunks, same products),
        normalised by its log-sum-exp, so rows sum to one up to rounding.
        """
        x2, a, delta, _ = self._prepare(x, t)
        logits = np.empty((x2.shape[0], self.n_train))
        sums = self._stream(x2, a, delta, keep_logits=logits)
        # Two steps: m can be ~1/Delta in size, and m + log(s0) would round
        # log(s0) away; l - m is exact for the terms that matter.
        logits -= sums.m[:, None]
        logits -= np.log(sums.s0)[:, None]
        return np.exp(logits, out=logits)

    def statistics(self, x, t, *, own_index=None) -> ScoreStatistics:
        """Score, effective sample sizes, per-subspace variances and own weights.

        Parameters
        ----------
        x : array_like (B, D)
            Points.
        t : float
            Time (> 0).
        own_index : array_like of int (B,) or None
            For each point, a training index whose weight is reported as
            ``own_weight`` (e.g. the point that generated ``x``).
        """
        x2, a, delta, _ = self._prepare(x, t)
        own = None
        if own_index is not None:
            own = np.asarray(own_index)
            if own.shape != (x2.shape[0],) or not np.issubdtype(own.dtype, np.integer):
                raise ValueError(f"own_index must hold {x2.shape[0]} integers, got {own_index!r}")
            if np.any((own < 0) | (own >= self.n_train)):
                raise ValueError(f"own_index must lie in [0, {self.n_train}), got {own.tolist()}")
        sums = self._stream(x2, a, delta, track=True, second="fast")
        mean = sums.mean
        variance = sums.var_diag
        # The fast pass expands sum e (y - c)^2 about the data centre c; its
        # rounding, ~eps E_w (y - c)^2, is negligible unless the variance is
        # far smaller (condensed weights). Redo those rows from differences.
        redo = np.any(variance < CANCELLATION * sums.spread_diag, axis=1)
        if np.any(redo):
            variance[redo] = self._stream(x2[redo], a, delta, second="diag",
                                          ref=mean[redo]).var_diag
        s0 = sums.s0
        entropy = np.log(s0) - sums.t_sum / s0
        # Distances to the best point directly (no cancellation), for the own
        # weight and the density: w_mu = exp((d2_best - d2_mu) / 2 Delta) / s0.
        d2_best = sqdist(x2, a * self.train[sums.best])
        own_weight = None
        if own is not None:
            d2_own = sqdist(x2, a * self.train[own])
            own_weight = np.minimum(np.exp((d2_best - d2_own) / (2 * delta)) / s0, 1.0)
        log_density = (-d2_best / (2 * delta) + np.log(s0) - np.log(self.n_train)
                       - 0.5 * self.dim * np.log(2 * np.pi * delta))
        return ScoreStatistics(
            score=(a * mean - x2) / delta,
            posterior_mean=mean,
            participation_ratio=s0 * s0 / sums.q_sum,
            effective_samples=np.exp(entropy),
            entropy=entropy,
            subspace_variance=variance @ self._averaging,
            max_weight=1.0 / s0,
            nearest_index=sums.best,
            own_weight=own_weight,
            log_density=log_density,
        )

    # -- machinery --------------------------------------------------------------
    def _prepare(self, x, t):
        t = check_time(t)
        single = np.ndim(x) == 1
        x2 = check_points(x, self.dim)
        a = float(self.process.a(t))
        delta = float(self.process.delta(t))
        if not (np.isfinite(a) and np.isfinite(delta) and delta > 0):
            raise ValueError(f"t = {t!r} gives a_t = {a!r}, Delta_t = {delta!r}; "
                             "expected finite values with Delta_t > 0")
        return x2, a, delta, single

    def _chunk(self, batch: int, per_row: int) -> int:
        if self.chunk_size is not None:
            return min(self.chunk_size, self.n_train)
        budget = WORK_ELEMENTS if per_row == 1 else MOMENT_ELEMENTS
        chunk = max(16, budget // (batch * per_row))
        # The augmented copy of a chunk has up to 2D + 2 columns: bound it too,
        # or a small batch would copy a large part of the training set.
        chunk = min(chunk, max(16, WORK_ELEMENTS // (2 * self.dim + 2)))
        return int(min(self.n_train, chunk))

    def _stream(self, x, a, delta, *, track=False, second=None, keep_logits=None, ref=None):
        """One pass over the training set with a running log-sum-exp.

        Accumulates, with weights ``e = exp(l - m)`` for the running maximum
        ``m``: ``s0 = sum e``, ``s1 = sum e (y - centre)``; with ``track`` also
        ``q = sum e^2``, ``t = sum e (l - m)`` and the argmax; with ``second``
        the centred second moments (``'diag'`` in the basis, ``'full'`` in
        coordinates, about ``ref``, by default the weighted mean from a first
        pass). ``keep_logits`` (B, N) receives the raw log-weights.
        """
        batch, dim = x.shape
        n = self.n_train
        chunk = self._chunk(batch, dim if second in ("diag", "full") else 1)
        acc = RunningSums(batch, dim, track, second)
        if second == "fast":
            ref = np.broadcast_to(self._centre, x.shape)
            centre_basis = self._centre if self.basis is None else self._centre @ self.basis
        elif second:
            # Moments about the weighted mean of an earlier pass: the sum of
            # e (y - ref)^2 then has no cancellation left.
            ref = self._stream(x, a, delta).mean if ref is None else ref
            ref_basis = ref if self.basis is None else ref @ self.basis
        # Augmented operands: [x a/Delta, -a^2/(2 Delta), 0] . [y, |y|^2, 1]
        # gives the log-weight in one product, and e @ [y, |y|^2, 1] gives
        # s1 and s0 in one product: fewer passes over the (B, chunk) block.
        x_aug, y_aug = augment(x - a * self._centre, a, delta, chunk,
                               extra=dim if second == "fast" else 0)
        logits_buf = np.empty((batch, chunk))
        rows = np.arange(batch)
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            size = stop - start
            ys = self.train[start:stop]
            yk = y_aug[:size]
            np.subtract(ys, self._centre, out=yk[:, :dim])
            yk[:, dim] = self._sqnorm[start:stop]
            if second == "fast":
                yb = ys if self.basis is None else ys @ self.basis
                np.square(yb - centre_basis, out=yk[:, dim + 2:])
            logits = logits_buf if size == chunk else np.empty((batch, size))
            np.dot(x_aug, yk[:, :dim + 2].T, out=logits)
            if keep_logits is not None:
                keep_logits[:, start:stop] = logits
            if track:
                arg = logits.argmax(axis=1)
                chunk_max = logits[rows, arg]
            else:
                chunk_max = logits.max(axis=1)
            if acc.m is None:
                new_m, scale = chunk_max, None
            else:
                new_m = np.maximum(acc.m, chunk_max)
                scale = np.exp(acc.m - new_m)
            if track:
                improved = chunk_max > acc.m if acc.m is not None else np.ones(batch, bool)
                acc.best[improved] = start + arg[improved]
            logits -= new_m[:, None]
            np.maximum(logits, LOG_FLOOR, out=logits)
            if track:
                e = np.exp(logits)
                t_chunk = np.einsum("ij,ij->i", e, logits)
            else:
                e = np.exp(logits, out=logits)
            acc.rescale(scale, acc.m, new_m)
            acc.m = new_m
            sums = np.dot(e, yk)
            acc.s1 += sums[:, :dim]
            acc.s0 += sums[:, dim + 1]
            if second == "fast":
                acc.c2 += sums[:, dim + 2:]
            if track:
                acc.q_sum += np.einsum("ij,ij->i", e, e)
                acc.t_sum += t_chunk
            if second == "diag":
                # Differences, not the expansion sum e y^2 - ..., whose rounding
                # (~eps E_w|y|^2) would swamp a variance of order Delta at t -> 0.
                yb = ys if self.basis is None else ys @ self.basis
                sq = yb[None, :, :] - ref_basis[:, None, :]
                np.square(sq, out=sq)
                acc.c2 += np.matmul(e[:, None, :], sq)[:, 0, :]
            elif second == "full":
                diff = ys[None, :, :] - ref[:, None, :]
                acc.c2 += np.matmul(np.swapaxes(diff * e[:, :, None], 1, 2), diff)
        if not np.all(np.isfinite(acc.m)):
            raise ValueError(f"log-weights overflow at a_t = {a!r}, Delta_t = {delta!r}; "
                             "t is too small for these distances in float64")
        return acc.finish(self._centre, ref if second else None, self.basis)
