"""Atomic file output and provenance.

Nothing a user computed is lost to an interrupted write: every file is
written to a temporary name in the same folder and moved into place with
:func:`os.replace`, which is atomic on POSIX and Windows.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "write_text_atomic", "write_json_atomic", "package_versions",
           "git_revision"]


@contextmanager
def atomic_path(path, suffix=""):
    """Yield a temporary path next to ``path``; move it onto ``path`` on success.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = pathlib.Path(tmp).write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or path.suffix,
                                   dir=path.parent)
    os.close(handle)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text_atomic(path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


def write_json_atomic(path, obj) -> None:
    """Write ``obj`` as strict JSON (no NaN/Infinity) to ``path`` atomically."""
    from .cli.common import to_jsonable

    write_text_atomic(path, json.dumps(to_jsonable(obj), indent=1, allow_nan=False) + "\n")


def package_versions() -> dict:
    """Versions of Python, this toolkit and its scientific dependencies.

    >>> sorted(package_versions())[:3]
    ['losing-dimensions', 'matplotlib', 'mpmath']
    """
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for name in ("losing-dimensions", "numpy", "scipy", "sympy", "mpmath", "matplotlib"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_revision():
    """The git commit of the source tree this package runs from, or ``None``."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None
