"""``lostdim simulate``: measure memorisation in the exact empirical-score diffusion."""

from __future__ import annotations

from ..progress import progress_enabled
from ..simulate import DEFAULT_SIMULATION_TIMES, LOSS_THRESHOLD, simulate
from .common import add_common_arguments, add_spectrum_arguments, emit_json, positive_int, time_list

__all__ = ["register", "run"]


def register(subparsers):
    """Add the ``simulate`` subcommand."""
    parser = subparsers.add_parser(
        "simulate", help="measure effective samples, subspace loss and collapse in the exact simulator",
        description="Draw N training points from the spectrum and measure, with the exact "
        "(joint or factorised) empirical score, what the theory predicts. A subspace is "
        f"reported lost when its posterior-variance ratio is below {LOSS_THRESHOLD}.",
    )
    add_spectrum_arguments(parser)
    add_common_arguments(parser)
    parser.add_argument("--score", choices=["joint", "factorized"], default="joint",
                        help="joint empirical score (default) or the factorised model")
    parser.add_argument("--points", choices=["fresh", "trajectory"], default="fresh",
                        help="fresh draws of p_t (default) or reverse-SDE trajectories")
    parser.add_argument("--batch", type=positive_int, default=256,
                        help="points per time; medians are over them (default 256)")
    parser.add_argument("--times", type=time_list, default=None, metavar="T1,T2,...",
                        help="measurement times (default "
                        + ",".join(f"{t:g}" for t in DEFAULT_SIMULATION_TIMES) + ")")
    parser.add_argument("--no-collapse", action="store_true",
                        help="skip the collapse-time search (faster)")
    parser.set_defaults(run=run)


def _words(report):
    print(f"lostdim simulate: {report['score']} empirical score, {report['process'].upper()}, "
          f"N = {report['n']}, spectrum {report['spectrum']}, {report['points']} points "
          f"(batch {report['batch']})")
    print(f"a subspace counts as lost when the weighted variance of the training points along it "
          f"falls below {report['loss_threshold']:g} x the exact posterior variance")
    print()
    for j, t in enumerate(report["times"]):
        parts = []
        for k, sub in enumerate(report["subspaces"]):
            if sub["lost"] is None:
                continue
            state = "LOST" if sub["lost"][j] else "kept"
            parts.append(f"subspace {k} (variance {sub['variance']:g}, dim {sub['dim']}) {state} "
                         f"[ratio {sub['posterior_variance_ratio'][j]:.2g}]")
        print(f"t = {t:<8.3g} effective samples {report['effective_samples'][j]:10.4g} "
              f"(REM {report['predicted_effective_samples'][j]:.4g})")
        for part in parts:
            print(f"    {part}")
    print()
    print(f"memorized fraction at t = {report['times'][-1]:g}: {report['memorized_fraction']:.3f}")
    measured, predicted = report["measured_collapse_time"], report["predicted_collapse_time"]
    label = "first subspace collapse" if report["score"] == "factorized" else "joint collapse"
    print(f"{label}: measured t = {measured if measured is None else f'{measured:.4g}'}, "
          f"theory t = {predicted if predicted is None else f'{predicted:.4g}'}")
    for k, sub in enumerate(report["subspaces"]):
        words = []
        if sub.get("measured_loss_time") is not None:
            words.append(f"lost below t = {sub['measured_loss_time']:.4g} (posterior-variance ratio)")
        if sub.get("measured_collapse_time") is not None:
            words.append(f"collapses at t = {sub['measured_collapse_time']:.4g} "
                         f"(factorised REM {sub['predicted_collapse_time']:.4g})")
        if words:
            print(f"    subspace {k} (variance {sub['variance']:g}, dim {sub['dim']}): "
                  + "; ".join(words))
    for note in report["notes"]:
        print(f"note: {note}")


def run(args) -> int:
    """Entry point of ``lostdim simulate``."""
    if args.batch < 2:
        raise ValueError(f"--batch must be >= 2 (medians over the batch), got {args.batch}")
    report = simulate(args.variances, args.n, args.process, score=args.score, points=args.points,
                      batch=args.batch, times=args.times, rng=args.seed,
                      normalize=args.normalize, collapse=not args.no_collapse,
                      show_progress=progress_enabled(not args.json))
    if args.json:
        emit_json(report)
    else:
        _words(report)
    return 0
