"""Read (and write) IDX files, the format of the MNIST distribution.

An IDX file is a 4-byte magic number, one big-endian 32-bit size per
dimension, then the data in row-major (C) order, big-endian::

    byte 0, 1   0x00 0x00
    byte 2      type code: 0x08 ubyte, 0x09 byte, 0x0B short (2 bytes),
                0x0C int (4 bytes), 0x0D float (4 bytes), 0x0E double (8 bytes)
    byte 3      number of dimensions (>= 1)
    then        sizes, 4 bytes each, big-endian
    then        prod(sizes) items of the type, big-endian

MNIST ships ``train-images-idx3-ubyte`` (60000 x 28 x 28 ubyte) and
``train-labels-idx1-ubyte`` (60000 ubyte), usually gzip-compressed (``.gz``).
Gzip is recognised by its own magic bytes (``1f 8b``), whatever the file
name. A file whose header is malformed, whose data are shorter or longer than
its sizes announce, or whose gzip stream is damaged is a ``ValueError``
naming the file and the problem; a missing file is a ``FileNotFoundError``
saying what was expected.

The toolkit never downloads data: point it at files you have.

Reference: Y. LeCun, C. Cortes, C. Burges, "The MNIST database of handwritten
digits" (file-format section).
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from .io import atomic_path

__all__ = ["read_idx", "write_idx", "load_idx_images", "IDX_TYPES"]

#: IDX type code -> big-endian NumPy dtype.
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_TYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path) -> bytes:
    path = Path(os.fspath(path))
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"IDX file not found: {str(path)!r}; expected an MNIST-format "
                                "file such as train-images-idx3-ubyte(.gz)") from None
    except IsADirectoryError:
        raise ValueError(f"{str(path)!r} is a directory, expected an IDX file") from None
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{str(path)!r}: damaged or truncated gzip stream ({exc})") from None
    return raw


def _parse(raw: bytes, name: str) -> np.ndarray:
    if len(raw) < 4:
        raise ValueError(f"{name}: {len(raw)} bytes, too short for the 4-byte IDX magic number")
    zero, code, ndim = raw[:2], raw[2], raw[3]
    if zero != b"\x00\x00":
        raise ValueError(f"{name}: magic number starts with {zero.hex()}, expected 0000 "
                         "(not an IDX file)")
    if code not in IDX_TYPES:
        raise ValueError(f"{name}: unknown IDX type code 0x{code:02X}; expected one of "
                         + ", ".join(f"0x{c:02X}" for c in IDX_TYPES))
    if ndim < 1:
        raise ValueError(f"{name}: the header declares 0 dimensions, expected >= 1")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{name}: truncated header ({len(raw)} bytes, {ndim} dimensions need "
                         f"{header})")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = IDX_TYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(raw) - header
    if actual != expected:
        kind = "truncated" if actual < expected else "has trailing bytes"
        raise ValueError(f"{name}: data {kind}: {actual} bytes after the header, shape "
                         f"{tuple(shape)} of {dtype.name} needs {expected}")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def read_idx(path) -> np.ndarray:
    """Read an IDX file (optionally gzip-compressed) into a native-endian array.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    ndarray
        Shape from the header; dtype uint8, int8, int16, int32, float32 or
        float64 from the type code.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        Malformed header, unknown type code, truncated or over-long data,
        damaged gzip stream.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x-idx2-short.gz")
    >>> write_idx(path, np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int16))
    >>> read_idx(path)
    array([[ 1, -2,  3],
           [ 4,  5, -6]], dtype=int16)
    """
    return _parse(_read_bytes(path), repr(str(os.fspath(path))))


def write_idx(path, array) -> None:
    """Write ``array`` as an IDX file (gzip-compressed when ``path`` ends in ``.gz``).

    The dtype must be one of uint8, int8, int16, int32, float32, float64;
    the file is written atomically.

    >>> write_idx("/nonexistent-dir/x.idx", np.zeros(2, dtype=np.int64))
    Traceback (most recent call last):
    ...
    ValueError: IDX has no type for int64; expected one of uint8, int8, int16, int32, float32, float64
    """
    arr = np.asarray(array)
    native = arr.dtype.newbyteorder("=")
    if native not in _CODES:
        raise ValueError(f"IDX has no type for {arr.dtype.name}; expected one of "
                         + ", ".join(d.name for d in _CODES))
    if arr.ndim < 1 or arr.ndim > 255:
        raise ValueError(f"IDX holds 1 to 255 dimensions, got {arr.ndim}")
    if any(size >= 2**32 for size in arr.shape):
        raise ValueError(f"IDX sizes must be below 2^32, got {arr.shape}")
    header = bytes([0, 0, _CODES[native], arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    payload = header + np.ascontiguousarray(arr, dtype=IDX_TYPES[_CODES[native]]).tobytes()
    path = os.fspath(path)
    if str(path).endswith(".gz"):
        payload = gzip.compress(payload, mtime=0)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(payload)


def load_idx_images(images, labels=None, *, limit=None):
    """Images of an IDX file as rows of float64 pixels, with optional labels.

    Parameters
    ----------
    images : path
        IDX file of shape (n, ...) (e.g. (n, 28, 28)); each item is flattened.
    labels : path, optional
        IDX file of shape (n,), one label per image.
    limit : int, optional
        Keep only the first ``limit`` images (>= 1).

    Returns
    -------
    pixels : ndarray (n, D) float64
        Raw values (not rescaled).
    labels : ndarray (n,) of int, or None

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> write_idx(os.path.join(folder, "img"), np.arange(12, dtype=np.uint8).reshape(3, 2, 2))
    >>> write_idx(os.path.join(folder, "lab"), np.array([7, 1, 0], dtype=np.uint8))
    >>> x, y = load_idx_images(os.path.join(folder, "img"), os.path.join(folder, "lab"), limit=2)
    >>> x.tolist(), y.tolist()
    ([[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]], [7, 1])
    """
    pixels = read_idx(images)
    if pixels.ndim < 2:
        raise ValueError(f"{str(images)!r}: images need shape (n, ...) with at least 2 "
                         f"dimensions, got {pixels.shape}")
    if limit is not None:
        if int(limit) != limit or limit < 1:
            raise ValueError(f"limit must be an integer >= 1, got {limit!r}")
        pixels = pixels[: int(limit)]
    pixels = pixels.reshape(pixels.shape[0], -1).astype(np.float64)
    if not np.all(np.isfinite(pixels)):
        raise ValueError(f"{str(images)!r}: pixel values must be finite")
    if labels is None:
        return pixels, None
    tags = read_idx(labels)
    if tags.ndim != 1:
        raise ValueError(f"{str(labels)!r}: labels need shape (n,), got {tags.shape}")
    if np.issubdtype(tags.dtype, np.floating):
        raise ValueError(f"{str(labels)!r}: labels must be integers, got {tags.dtype.name}")
    if limit is not None:
        tags = tags[: int(limit)]
    if tags.shape[0] != pixels.shape[0]:
        raise ValueError(f"{tags.shape[0]} labels for {pixels.shape[0]} images; "
                         "expected one label per image")
    return pixels, tags.astype(np.int64)
