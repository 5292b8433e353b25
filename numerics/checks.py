"""Validation at the boundary of the numerics: times, points, bases, subspaces.

Each check returns the cleaned value or raises ``ValueError`` naming the
offending value and what is expected.
"""

from __future__ import annotations

import numpy as np

__all__ = ["check_time", "check_points", "check_basis", "check_subspaces"]


def check_time(t) -> float:
    """Return ``t`` as a float after checking it is finite and > 0.

    >>> check_time(0.5)
    0.5
    >>> check_time(-1)
    Traceback (most recent call last):
    ...
    ValueError: t must be a finite number > 0, got -1
    """
    try:
        value = float(t)
    except (TypeError, ValueError):
        raise ValueError(f"t must be a finite number > 0, got {t!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"t must be a finite number > 0, got {t!r}")
    return value


def check_points(x, dim: int, name: str = "x") -> np.ndarray:
    """Return ``x`` as a finite float64 array of shape ``(B, dim)``.

    A single point of shape ``(dim,)`` is accepted and becomes ``(1, dim)``.

    >>> check_points([1.0, 2.0], 2).shape
    (1, 2)
    >>> check_points(np.zeros((3, 4)), 2)
    Traceback (most recent call last):
    ...
    ValueError: x must have shape (B, 2), got (3, 4)
    """
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != dim or arr.shape[0] < 1:
        raise ValueError(f"{name} must have shape (B, {dim}), got {np.shape(x)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got non-finite entries at "
                         f"{np.argwhere(~np.isfinite(arr))[:3].tolist()}")
    return arr


def check_basis(basis, dim):
    """An orthonormal (dim, dim) basis as float64, or None.

    >>> check_basis(None, 3) is None
    True
    >>> check_basis(np.ones((2, 2)), 2)
    Traceback (most recent call last):
    ...
    ValueError: basis must be orthonormal (U^T U = I)
    """
    if basis is None:
        return None
    basis = np.asarray(basis, dtype=float)
    if basis.shape != (dim, dim):
        raise ValueError(f"basis must have shape ({dim}, {dim}), got {basis.shape}")
    if not np.all(np.isfinite(basis)) or not np.allclose(basis.T @ basis, np.eye(dim), atol=1e-8):
        raise ValueError("basis must be orthonormal (U^T U = I)")
    return basis


def check_subspaces(subspace_index, dim):
    """Per-direction subspace labels 0..K-1 (from an array or a Spectrum).

    ``None`` means one subspace.

    >>> check_subspaces([1, 0, 1], 3)
    array([1, 0, 1])
    >>> check_subspaces(None, 2)
    array([0, 0])
    """
    if subspace_index is None:
        return np.zeros(dim, dtype=np.intp)
    if hasattr(subspace_index, "subspace_index"):
        subspace_index = subspace_index.subspace_index()
    idx = np.asarray(subspace_index)
    if idx.shape != (dim,) or not np.issubdtype(idx.dtype, np.integer) or np.any(idx < 0):
        raise ValueError(f"subspace_index must hold {dim} integers >= 0, got {subspace_index!r}")
    missing = np.setdiff1d(np.arange(idx.max() + 1), idx)
    if missing.size:
        raise ValueError(f"subspace_index skips subspaces {missing.tolist()}; number them 0..K-1")
    return idx.astype(np.intp)
