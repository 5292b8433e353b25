"""Optional progress bars for long work.

A bar is shown only when ``tqdm`` is installed (the ``progress`` extra) and
both stdout and stderr are terminals; JSON output and pipes stay clean.
"""

from __future__ import annotations

import sys

__all__ = ["progress", "progress_enabled"]


def progress_enabled(requested: bool = True) -> bool:
    """Whether a progress bar would be drawn now.

    >>> progress_enabled(False)
    False
    """
    if not requested:
        return False
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return sys.stdout.isatty() and sys.stderr.isatty()


def progress(iterable, *, total=None, desc=None, enabled=True):
    """Wrap ``iterable`` in a tqdm bar on a terminal, else return it unchanged.

    >>> list(progress(range(3), enabled=False))
    [0, 1, 2]
    """
    if not progress_enabled(enabled):
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False)
