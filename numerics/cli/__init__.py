"""The ``lostdim`` command line.

Each subcommand lives in its own module with a ``register(subparsers)``
function that adds its parser and sets ``run``; this module only dispatches
and turns user mistakes into one line on stderr with exit status 2.
"""

from __future__ import annotations

import importlib
import re
import sys

from .common import CliParser, die

__all__ = ["main", "build_parser"]

#: subcommand modules, in the order ``--help`` lists them
COMMAND_MODULES = (
    "theory_cmd",
    "simulate_cmd",
    "spectrum_cmd",
    "train_cmd",
    "reproduce_cmd",
)


def build_parser() -> CliParser:
    """The full argument parser (all subcommands registered)."""
    parser = CliParser(
        prog="lostdim",
        description="Geometric memorization in generative diffusion: derive, simulate, check.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


_NEGATIVE_VALUE = re.compile(r"^-[\d.]")


def _attach_negative_values(argv):
    # argparse reads "--variances -1:2" as two options; glue a value that
    # starts like a negative number to its option so validation can say what
    # is wrong with the value itself.
    out = []
    for token in argv:
        if out and out[-1].startswith("--") and "=" not in out[-1] and _NEGATIVE_VALUE.match(token):
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


def main(argv=None) -> int:
    """Run ``lostdim`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(_attach_negative_values(argv))
    try:
        return int(args.run(args) or 0)
    except ValueError as exc:
        # Library validation errors are user mistakes: one line, status 2.
        die(str(exc))
    except FileNotFoundError as exc:
        die(f"file not found: {exc.filename}")
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        print("lostdim: interrupted", file=sys.stderr)
        return 130
