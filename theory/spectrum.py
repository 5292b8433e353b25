"""Spectra of Gaussian linear manifolds.

A *spectrum* lists the variances of the data along an orthonormal basis,
grouped into *subspaces* of equal variance. It is written as
``variance:multiplicity`` pairs separated by commas, e.g. the seed paper's
synthetic set ``1:2,0.09:5,1e-4:23`` (D = 30). A variance of exactly 0 marks
normal directions (no data spread).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Spectrum", "parse_spectrum", "PAPER_SPECTRUM"]


@dataclass(frozen=True)
class Spectrum:
    """Variances of a Gaussian linear manifold, grouped by subspace.

    Parameters
    ----------
    variances : tuple of float
        Variance of each subspace (>= 0, finite). Zero marks normal directions.
    dims : tuple of int
        Dimension (multiplicity) of each subspace (>= 1).

    Raises
    ------
    ValueError
        If the lists are empty, differ in length, or hold a negative,
        non-finite variance or a non-positive dimension.

    Examples
    --------
    >>> s = Spectrum((1.0, 0.09), (2, 5))
    >>> s.ambient_dim
    7
    >>> s.per_direction()
    array([1.  , 1.  , 0.09, 0.09, 0.09, 0.09, 0.09])
    >>> str(s)
    '1:2,0.09:5'
    """

    variances: tuple
    dims: tuple

    def __post_init__(self):
        variances = tuple(float(v) for v in self.variances)
        try:
            dims = tuple(int(d) for d in self.dims)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"subspace dimensions must be integers, got {self.dims!r}") from exc
        if len(variances) == 0:
            raise ValueError("a spectrum needs at least one subspace, got none")
        if len(variances) != len(dims):
            raise ValueError(
                f"got {len(variances)} variances but {len(dims)} dimensions; "
                "they must pair up one to one"
            )
        for v in variances:
            if not math.isfinite(v) or v < 0:
                raise ValueError(f"variances must be finite and >= 0, got {v!r}")
        for d, raw in zip(dims, self.dims):
            if d < 1 or d != raw:
                raise ValueError(f"subspace dimensions must be integers >= 1, got {raw!r}")
        object.__setattr__(self, "variances", variances)
        object.__setattr__(self, "dims", dims)

    # -- construction -------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> "Spectrum":
        """Parse ``variance:multiplicity`` pairs; see :func:`parse_spectrum`."""
        return parse_spectrum(text)

    @classmethod
    def isotropic(cls, variance: float, dim: int) -> "Spectrum":
        """One subspace of dimension ``dim`` and variance ``variance``.

        >>> Spectrum.isotropic(1.0, 20)
        Spectrum(variances=(1.0,), dims=(20,))
        """
        return cls((variance,), (dim,))

    @classmethod
    def from_stds(cls, stds, dims) -> "Spectrum":
        """Build from standard deviations (the paper quotes stds).

        >>> str(Spectrum.from_stds([1, 0.3], [2, 5]))
        '1:2,0.09:5'
        """
        stds = [float(s) for s in stds]
        for s in stds:
            if not math.isfinite(s) or s < 0:
                raise ValueError(f"standard deviations must be finite and >= 0, got {s!r}")
        return cls(tuple(_round_variance(s * s) for s in stds), tuple(dims))

    # -- views ---------------------------------------------------------------
    @property
    def ambient_dim(self) -> int:
        """Total number of directions D."""
        return int(sum(self.dims))

    @property
    def n_subspaces(self) -> int:
        """Number of subspaces."""
        return len(self.dims)

    @property
    def total_variance(self) -> float:
        """Sum of the per-direction variances, ``sum_k d_k lambda_k``."""
        return float(sum(v * d for v, d in zip(self.variances, self.dims)))

    @property
    def largest_variance(self) -> float:
        """The largest per-direction variance."""
        return max(self.variances)

    def per_direction(self) -> np.ndarray:
        """Per-direction variances, subspaces in their given order."""
        return np.repeat(np.asarray(self.variances, dtype=float), self.dims)

    def subspace_index(self) -> np.ndarray:
        """For each direction, the index of its subspace.

        >>> Spectrum((1.0, 0.1), (2, 1)).subspace_index()
        array([0, 0, 1])
        """
        return np.repeat(np.arange(self.n_subspaces), self.dims)

    def normalized(self) -> "Spectrum":
        """Variances rescaled so that they sum to one over directions.

        This is the spectrum seen after projecting samples on the unit sphere
        (``E|y|^2 = 1``), as the seed paper does.

        >>> Spectrum((1.0, 0.5), (1, 2)).normalized().variances
        (0.5, 0.25)
        """
        total = self.total_variance
        if total <= 0:
            raise ValueError("cannot normalise a spectrum whose variances are all zero")
        return Spectrum(tuple(v / total for v in self.variances), self.dims)

    def __str__(self) -> str:
        return ",".join(f"{v:g}:{d}" for v, d in zip(self.variances, self.dims))


def _round_variance(v: float) -> float:
    # 0.3**2 is 0.09000000000000001 in binary; quote the decimal the user meant.
    return float(f"{v:.15g}")


def parse_spectrum(text: str) -> Spectrum:
    """Parse a spectrum written as ``variance:multiplicity`` pairs.

    A bare variance (no ``:``) counts once. Subspaces keep the order given.

    Parameters
    ----------
    text : str
        For example ``"1:2,0.09:5,1e-4:23"`` or ``"0:3"`` for three normal
        directions.

    Returns
    -------
    Spectrum

    Raises
    ------
    ValueError
        On an empty or malformed list, a negative or non-finite variance, or a
        multiplicity that is not a positive integer.

    Examples
    --------
    >>> parse_spectrum("1:2,0.09:5,1e-4:23").ambient_dim
    30
    >>> parse_spectrum("2.5")
    Spectrum(variances=(2.5,), dims=(1,))
    >>> parse_spectrum("1:-2")
    Traceback (most recent call last):
    ...
    ValueError: multiplicity must be an integer >= 1 in '1:-2'
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(
            "empty spectrum; expected variance:multiplicity pairs such as 1:2,0.09:5"
        )
    variances, dims = [], []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise ValueError(f"empty entry in spectrum {text!r}; expected variance:multiplicity pairs")
        parts = item.split(":")
        if len(parts) > 2:
            raise ValueError(f"malformed entry {item!r}; expected variance:multiplicity")
        try:
            variance = float(parts[0])
        except ValueError:
            raise ValueError(f"variance is not a number in {item!r}") from None
        if not math.isfinite(variance) or variance < 0:
            raise ValueError(f"variance must be finite and >= 0 in {item!r}")
        multiplicity = 1
        if len(parts) == 2:
            try:
                multiplicity = int(parts[1])
            except ValueError:
                raise ValueError(f"multiplicity must be an integer >= 1 in {item!r}") from None
            if multiplicity < 1:
                raise ValueError(f"multiplicity must be an integer >= 1 in {item!r}")
        variances.append(variance)
        dims.append(multiplicity)
    return Spectrum(tuple(variances), tuple(dims))


#: The seed paper's synthetic spectrum: stds 1 x2, 0.3 x5, 0.01 x23 in D = 30.
PAPER_SPECTRUM = Spectrum((1.0, 0.09, 1e-4), (2, 5, 23))
