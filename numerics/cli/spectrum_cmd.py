"""``lostdim spectrum``: normalised score-Jacobian spectra and dimensions over time."""

from __future__ import annotations

import os

from theory.spectrum import PAPER_SPECTRUM, parse_spectrum

from ..data import sample_gaussian_manifold
from ..simulate import build_model
from ..spectrum_probe import ESTIMATORS, spectra_over_time
from .common import add_common_arguments, add_spectrum_arguments, emit_json, positive_int, time_list

__all__ = ["register", "run"]


def register(subparsers):
    """Add the ``spectrum`` subcommand."""
    parser = subparsers.add_parser(
        "spectrum", help="Jacobian singular values and estimated dimension of a score over time",
        description="Probe a trained network (--model FILE) or the exact empirical score of N "
        "samples (--variances/--n) at the origin or on the manifold.",
    )
    parser.add_argument("--model", metavar="FILE", default=None,
                        help="checkpoint written by 'lostdim train' (instead of --variances)")
    add_spectrum_arguments(parser)
    add_common_arguments(parser)
    parser.add_argument("--score", choices=["joint", "factorized"], default="joint",
                        help="empirical score to probe without --model (default joint)")
    parser.add_argument("--times", type=time_list, required=True, metavar="T1,T2,...",
                        help="probe times")
    parser.add_argument("--at", choices=["origin", "manifold"], default="origin",
                        help="probe at the origin (default) or at points of the manifold")
    parser.add_argument("--points", type=positive_int, default=8,
                        help="manifold probe points per time, spectra averaged (default 8)")
    parser.add_argument("--estimator", choices=sorted(ESTIMATORS), default="gap",
                        help="dimension rule (default gap: largest gap of normalised values)")
    # None marks "not given", so that --model with --variances is an error
    parser.set_defaults(run=run, variances=None)


def run(args) -> int:
    """Entry point of ``lostdim spectrum``."""
    if args.model is not None and args.variances is not None:
        raise ValueError("give either --model FILE or --variances (an exact score), not both")
    if args.model is not None:
        if not os.path.exists(args.model):
            raise ValueError(f"model file not found: {args.model}")
        from ..mlp import load_checkpoint, load_model

        model = load_model(args.model)
        meta = load_checkpoint(args.model).metadata or {}
        if "variances" not in meta:
            raise ValueError(f"{args.model} does not record its training spectrum; "
                             "was it written by 'lostdim train'?")
        spectrum = parse_spectrum(meta["variances"])
        normalize = bool(meta.get("normalize", False))
        process = model.process
        source = {"model": os.path.abspath(args.model), "variances": meta["variances"],
                  "n": meta.get("n")}
    else:
        spectrum = args.variances if args.variances is not None else PAPER_SPECTRUM
        normalize, process = args.normalize, args.process
        train = sample_gaussian_manifold(spectrum, args.n, rng=args.seed, normalize=normalize)
        model = build_model(train, spectrum, process, args.score)
        source = {"score": args.score, "variances": str(spectrum), "n": args.n}
    values, dims = spectra_over_time(model, args.times, process=process, at=args.at,
                                     spectrum=spectrum, normalize=normalize,
                                     points=args.points, rng=args.seed, estimator=args.estimator)
    report = {"times": args.times, "singular_values": values, "dimension": dims,
              "estimator": args.estimator, "at": args.at, "process": process, "source": source}
    if args.json:
        emit_json(report)
        return 0
    label = f"model {args.model}" if args.model else f"{args.score} empirical score, N = {args.n}"
    print(f"lostdim spectrum: {label}, {process.upper()}, spectrum {spectrum}, at the {args.at}")
    print(f"{'t':>10}  {'dimension':>9}  normalised singular values (descending)")
    for t, d, row in zip(args.times, dims, values):
        # the tangent directions are the smallest values: show the tail in full
        cells = [f"{v:.2g}" for v in row]
        shown = " ".join(cells if len(cells) <= 12 else cells[:3] + ["..."] + cells[-9:])
        print(f"{t:>10.4g}  {int(d):>9}  {shown}")
    return 0
