"""Limit the BLAS thread pool around loops of small matrix products.

A training step multiplies matrices of a few hundred rows; splitting those
over threads costs more than it saves, and on a loaded machine OpenBLAS's
spinning threads can slow a product by two orders of magnitude. The limit is
set through ``threadpoolctl`` when it is installed, else directly through the
``*_set_num_threads*`` entry points of the OpenBLAS library that NumPy has
loaded; if neither is found the block runs unchanged.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools

__all__ = ["blas_threads"]

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
            "openblas_get_num_threads64_", "openblas_get_num_threads")


@functools.lru_cache(maxsize=1)
def _openblas_handles():
    # Cached: the libraries NumPy loaded do not change during a run.
    handles = []
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line and line.rstrip().endswith(".so")
                     or "openblas" in line and ".so." in line}
    except OSError:  # not Linux: no way to find the library without threadpoolctl
        return ()
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        setter = next((getattr(lib, n) for n in _SETTERS if hasattr(lib, n)), None)
        getter = next((getattr(lib, n) for n in _GETTERS if hasattr(lib, n)), None)
        if setter is not None and getter is not None:
            getter.restype = ctypes.c_int
            handles.append((setter, getter))
    return tuple(handles)


@contextlib.contextmanager
def blas_threads(n: int = 1):
    """Run the block with at most ``n`` BLAS threads, then restore the previous count.

    Examples
    --------
    >>> import numpy as np
    >>> with blas_threads(1):
    ...     float((np.ones((2, 2)) @ np.ones((2, 2)))[0, 0])
    2.0
    """
    if int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    if threadpool_limits is not None:
        with threadpool_limits(limits=int(n), user_api="blas"):
            yield
        return
    handles = _openblas_handles()
    previous = [getter() for _, getter in handles]
    for setter, _ in handles:
        setter(int(n))
    try:
        yield
    finally:
        for (setter, _), count in zip(handles, previous):
            setter(count)
