"""Training data: Gaussian linear manifolds drawn from a spectrum.

``y = U diag(sqrt(lambda)) xi`` with ``xi ~ N(0, I_D)`` and ``U`` orthonormal
(the identity by default, a Haar-random rotation on request). Optionally each
sample is projected on the unit sphere, as in the seed paper.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import ortho_group

from theory.spectrum import Spectrum

__all__ = ["random_rotation", "sample_gaussian_manifold", "as_generator"]


def as_generator(rng) -> np.random.Generator:
    """``np.random.default_rng(rng)``: the one way randomness enters numerics.

    >>> bool(as_generator(0).integers(10) == as_generator(0).integers(10))
    True
    """
    return np.random.default_rng(rng)


def random_rotation(dim: int, rng=None) -> np.ndarray:
    """A Haar-random ``dim x dim`` orthogonal matrix.

    Parameters
    ----------
    dim : int
        Size (>= 1).
    rng : int, numpy.random.Generator or None
        Seed or generator.

    Examples
    --------
    >>> Q = random_rotation(4, rng=0)
    >>> bool(np.allclose(Q @ Q.T, np.eye(4)))
    True
    """
    if int(dim) != dim or dim < 1:
        raise ValueError(f"dim must be an integer >= 1, got {dim!r}")
    if dim == 1:
        return np.ones((1, 1))
    return ortho_group.rvs(int(dim), random_state=as_generator(rng))


def sample_gaussian_manifold(spectrum: Spectrum, n: int, rng=None, *, basis=None,
                             normalize: bool = False) -> np.ndarray:
    """Draw ``n`` points of the Gaussian linear manifold with ``spectrum``.

    Parameters
    ----------
    spectrum : Spectrum
        Per-subspace variances and dimensions; D = ``spectrum.ambient_dim``.
    n : int
        Number of samples (>= 1).
    rng : int, numpy.random.Generator or None
        Seed or generator.
    basis : array_like of shape (D, D) or None
        Orthonormal basis ``U`` (columns are the directions of the spectrum).
        ``None`` means the identity; pass :func:`random_rotation` for a
        rotated manifold.
    normalize : bool
        Project each sample on the unit sphere (the paper's normalisation).

    Returns
    -------
    ndarray of shape (n, D), float64

    Examples
    --------
    >>> from theory.spectrum import parse_spectrum
    >>> Y = sample_gaussian_manifold(parse_spectrum("1:2,0:3"), 5, rng=1)
    >>> Y.shape
    (5, 5)
    >>> bool(np.all(Y[:, 2:] == 0))
    True
    >>> Z = sample_gaussian_manifold(parse_spectrum("1:3"), 4, rng=1, normalize=True)
    >>> bool(np.allclose(np.linalg.norm(Z, axis=1), 1))
    True
    """
    if not isinstance(spectrum, Spectrum):
        raise ValueError(f"spectrum must be a Spectrum, got {type(spectrum).__name__}")
    if int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    dim = spectrum.ambient_dim
    generator = as_generator(rng)
    scales = np.sqrt(spectrum.per_direction())
    samples = generator.standard_normal((int(n), dim)) * scales
    if basis is not None:
        basis = np.asarray(basis, dtype=float)
        if basis.shape != (dim, dim):
            raise ValueError(f"basis must have shape ({dim}, {dim}), got {basis.shape}")
        if not np.allclose(basis.T @ basis, np.eye(dim), atol=1e-8):
            raise ValueError("basis must be orthonormal (U^T U = I)")
        samples = samples @ basis.T
    if normalize:
        norms = np.linalg.norm(samples, axis=1, keepdims=True)
        if np.any(norms == 0):
            raise ValueError("cannot normalise samples of zero norm (all variances are zero)")
        samples = samples / norms
    return samples
