"""``lostdim reproduce``: the paper's experiments, figures and the agreement report."""

from __future__ import annotations

from ..experiments import EXPERIMENT_NAMES
from ..progress import progress_enabled
from ..reproduce import PRESETS, reproduce
from .common import emit_json, positive_int

__all__ = ["register", "run"]


def register(subparsers):
    """Add the ``reproduce`` subcommand."""
    parser = subparsers.add_parser(
        "reproduce", help="run the paper's experiments; write figures, sidecars and report.md",
        description="Derive, simulate, train and show: each experiment writes NAME.png, "
        "NAME.pdf and NAME.json into --out, then report.md compares every prediction with "
        "its measurement. Finished pieces are cached in OUT/.cache, so an interrupted run "
        "resumes.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="experiments to run (default all): " + ", ".join(EXPERIMENT_NAMES))
    parser.add_argument("--preset", choices=PRESETS, default="quick",
                        help="quick (default, minutes), paper (the paper's sizes), tiny (seconds)")
    parser.add_argument("--out", default="lostdim-output", metavar="DIR",
                        help="output folder (default lostdim-output)")
    parser.add_argument("--jobs", type=positive_int, default=1,
                        help="independent pieces run in parallel (default 1)")
    parser.add_argument("--scheduler", choices=["local", "dask"], default="local",
                        help="local processes (default) or a dask.distributed cluster")
    parser.add_argument("--address", default=None,
                        help="dask scheduler address (default: start a local cluster)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object on stdout and nothing else")
    parser.set_defaults(run=run)


def run(args) -> int:
    """Entry point of ``lostdim reproduce``."""
    summary = reproduce(args.names, args.preset, args.out, jobs=args.jobs,
                        scheduler=args.scheduler, address=args.address,
                        show_progress=progress_enabled(not args.json))
    if args.json:
        emit_json(summary)
        return 0
    print(f"lostdim reproduce ({args.preset}): wrote {summary['report']}")
    for name, info in summary["experiments"].items():
        if info["skipped"]:
            print(f"  {name}: skipped: {info['skipped']}")
        else:
            print(f"  {name}: {', '.join(info['figures'])} ({info['seconds']:.0f} s)")
    return 0
