"""Real images as training data: the bundled 8x8 digits or your IDX files, scaled and centred.

Sources (:func:`load_images`): scikit-learn's bundled digits (``load_digits``:
1797 images of 8x8 pixels valued 0..16 with their labels, no download; needs
the ``digits`` extra, see :func:`bundled_digits_available`), or an
MNIST-format IDX file you provide (:func:`numerics.idx.load_idx_images`, e.g.
``train-images-idx3-ubyte.gz``, D = 784), optionally with its labels file.

Scalings (:func:`preprocess`):

* ``"symmetric"``: pixels divided by the largest pixel value in the data
  (16 for digits, 255 for MNIST), then mapped to [-1, 1], the convention of
  DDPM training;
* ``"unit"``: divided by the largest pixel value, in [0, 1];
* ``"standardize"``: each pixel to zero mean and unit variance (constant
  pixels stay 0).

``centre`` (default True) then subtracts the per-pixel mean.
"""

from __future__ import annotations

import numpy as np

from .idx import load_idx_images

__all__ = ["bundled_digits_available", "preprocess", "load_images"]

_INSTALL = ("needs scikit-learn: install the digits extra, pip install '.[digits]' in the "
            "source folder (or pip install scikit-learn)")


def bundled_digits_available():
    """``(True, "")`` if scikit-learn (the bundled digits) is installed, else how to install it."""
    try:
        import sklearn.datasets  # noqa: F401
    except ImportError:
        return False, _INSTALL
    return True, ""


def preprocess(pixels, scaling="symmetric", centre=True):
    """Scale raw pixels (module docstring) and optionally centre them.

    Parameters
    ----------
    pixels : array_like (n, D)
        Raw non-negative pixel values.
    scaling : {"symmetric", "unit", "standardize"}
    centre : bool

    Returns
    -------
    ndarray (n, D) float64

    Examples
    --------
    >>> preprocess([[0.0, 16.0], [8.0, 16.0]], centre=False).tolist()
    [[-1.0, 1.0], [0.0, 1.0]]
    >>> preprocess([[0.0, 16.0], [8.0, 16.0]], "unit").tolist()
    [[-0.25, 0.0], [0.25, 0.0]]
    """
    x = np.array(pixels, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or not np.all(np.isfinite(x)):
        raise ValueError(f"pixels must be a finite (n >= 2, D) array, got shape {x.shape}")
    if scaling in ("symmetric", "unit"):
        top = np.abs(x).max()
        if top == 0:
            raise ValueError("every pixel is 0: nothing to scale")
        x /= top
        if scaling == "symmetric":
            x = 2.0 * x - 1.0
    elif scaling == "standardize":
        std = x.std(axis=0)
        x = (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)
    else:
        raise ValueError(f"unknown scaling {scaling!r}; expected 'symmetric', 'unit' or "
                         "'standardize'")
    if centre:
        x -= x.mean(axis=0)
    return x


def load_images(idx_images=None, idx_labels=None, idx_limit=None, scaling="symmetric",
                centre=True):
    """Preprocessed images and labels: bundled digits, or IDX files if given.

    Returns
    -------
    images : ndarray (n, D)
    labels : ndarray (n,) or None
    source : str
    """
    if idx_images is not None:
        pixels, labels = load_idx_images(idx_images, idx_labels, limit=idx_limit)
        source = f"IDX file {idx_images}"
    else:
        ok, why = bundled_digits_available()
        if not ok:
            raise ValueError(why)
        from sklearn.datasets import load_digits

        bunch = load_digits()
        pixels, labels = bunch.data, bunch.target
        source = "scikit-learn digits (8x8)"
    return preprocess(pixels, scaling, centre), labels, source
