"""Shared pieces of the command line: argument types, JSON output, errors."""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np

from theory.spectrum import PAPER_SPECTRUM, parse_spectrum

__all__ = [
    "CliParser", "add_spectrum_arguments", "add_common_arguments", "spectrum_from_args",
    "positive_int", "positive_float", "time_list", "to_jsonable", "emit_json", "die",
]


class CliParser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message):  # noqa: D102 - argparse hook
        die(f"{message} (see '{self.prog} --help')")


def die(message: str, status: int = 2):
    """Print ``lostdim: error: message`` on one line of stderr and exit."""
    line = " ".join(str(message).split())
    print(f"lostdim: error: {line}", file=sys.stderr)
    raise SystemExit(status)


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (scientific notation such as 1e4 accepted)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if not math.isfinite(value) or value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return int(value)


def positive_float(text: str) -> float:
    """argparse type: a finite float > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def time_list(text: str) -> list:
    """argparse type: comma-separated times, each finite and > 0."""
    items = [item.strip() for item in text.split(",")]
    if not items or any(not item for item in items):
        raise argparse.ArgumentTypeError(f"expected comma-separated times such as 1,0.1,0.01, got {text!r}")
    times = []
    for item in items:
        try:
            value = float(item)
        except ValueError:
            raise argparse.ArgumentTypeError(f"time {item!r} is not a number") from None
        if not math.isfinite(value) or value <= 0:
            raise argparse.ArgumentTypeError(f"times must be finite and > 0, got {item}")
        times.append(value)
    return times


def _spectrum_type(text: str):
    try:
        return parse_spectrum(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _process_type(text: str) -> str:
    if text.lower() not in ("ve", "vp"):
        raise argparse.ArgumentTypeError(f"unknown process {text!r}; expected 've' or 'vp'")
    return text.lower()


def add_spectrum_arguments(parser, *, required=False):
    """Add ``--variances`` and ``--normalize`` (the data model)."""
    parser.add_argument(
        "--variances", type=_spectrum_type, default=None if required else PAPER_SPECTRUM,
        required=required, metavar="SPEC",
        help="variance:multiplicity pairs, e.g. 1:2,0.09:5,1e-4:23 (default: the paper's "
        "spectrum; 0:k adds k exact normal directions)",
    )
    parser.add_argument(
        "--normalize", action="store_true",
        help="samples on the unit sphere as in the paper (theory: variances rescaled to "
        "sum to 1 and g = 0)",
    )


def add_common_arguments(parser, *, n_default=1000, seed=True):
    """Add ``--n``, ``--process``, ``--seed`` and ``--json``."""
    parser.add_argument("--n", type=positive_int, default=n_default, metavar="N",
                        help=f"training-set size (default {n_default})")
    parser.add_argument("--process", type=_process_type, default="ve",
                        help="forward process: ve (default) or vp")
    if seed:
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object on stdout and nothing else")


def spectrum_from_args(args):
    """The spectrum the theory should use: normalised when ``--normalize``."""
    spectrum = args.variances
    return spectrum.normalized() if getattr(args, "normalize", False) else spectrum


def to_jsonable(obj):
    """Convert numpy scalars/arrays to plain Python; non-finite floats to None.

    >>> to_jsonable({"a": np.float64(1.5), "b": [np.inf, 2], "c": np.arange(2)})
    {'a': 1.5, 'b': [None, 2], 'c': [0, 1]}
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    return obj


def emit_json(obj, stream=None):
    """Write ``obj`` as one strict JSON object (no NaN/Infinity) and a newline."""
    stream = sys.stdout if stream is None else stream
    stream.write(json.dumps(to_jsonable(obj), allow_nan=False) + "\n")
