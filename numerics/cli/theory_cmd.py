"""``lostdim theory``: the predictions of the symbolic core for one spectrum."""

from __future__ import annotations

import math

import numpy as np

import theory

from .common import (add_common_arguments, add_spectrum_arguments, emit_json,
                     spectrum_from_args, time_list)

__all__ = ["register", "theory_report", "run"]


def register(subparsers):
    """Add the ``theory`` subcommand."""
    parser = subparsers.add_parser(
        "theory", help="predicted collapse times, entropy and spectra (no simulation)",
        description="Evaluate the exact REM (joint and factorised), the exact Gaussian "
        "score spectrum and the seed paper's criterion for one spectrum.",
    )
    add_spectrum_arguments(parser)
    add_common_arguments(parser, seed=False)
    parser.add_argument("--times", type=time_list, default=None, metavar="T1,T2,...",
                        help="times at which to evaluate s(t), N_t and the spectra")
    parser.add_argument("--g", type=float, default=None,
                        help="the paper's norm-fluctuation switch g (default: 0 with "
                        "--normalize, else 1)")
    parser.set_defaults(run=run)


def _none_if_inf(value):
    value = float(value)
    return value if math.isfinite(value) else None


def theory_report(spectrum, n: int, process: str = "ve", *, g: float = 1.0, times=None,
                  normalize: bool = False) -> dict:
    """Every prediction the CLI reports, as a JSON-ready dict.

    Parameters
    ----------
    spectrum : theory.Spectrum
        The spectrum the theory uses (already normalised if ``normalize``).
    n : int
        Training-set size.
    process : {"ve", "vp"}
    g : float
        The paper's switch (0 on the unit sphere).
    times : sequence of float, optional
        Times for the time-resolved keys.
    normalize : bool
        Recorded in the output only.

    Examples
    --------
    >>> r = theory_report(theory.PAPER_SPECTRUM, 1000)
    >>> [round(s["factorized_time"], 9) for s in r["subspaces"]]
    [0.001001001, 0.006061042, 0.000121455]
    >>> r["lost_first"]["factorized_rem"]["variance"], r["lost_first"]["paper_criterion"]["variance"]
    (0.09, 1.0)
    """
    if not math.isfinite(g) or g < 0:
        raise ValueError(f"--g must be finite and >= 0, got {g!r}")
    notes = []
    t_k = theory.factorized_times(spectrum, n, process)
    t_star = theory.paper_times(spectrum, n, g, process)
    t_c = float(theory.collapse_time(spectrum, n, process))
    if n == 1:
        notes.append("N = 1: every time is condensed, so collapse and loss times are "
                     "infinite and reported as null")
    speciation = theory.speciation_time(spectrum.largest_variance, process) \
        if spectrum.largest_variance > 0 else None
    if speciation is None:
        notes.append("speciation_time is null: defined for the VP process with largest "
                     "variance >= 1 only" if process == "vp" else
                     "speciation_time is null: defined for the VP process only")
    subspaces = [
        {"variance": v, "dim": d, "factorized_time": _none_if_inf(tk),
         "paper_time": _none_if_inf(ts)}
        for v, d, tk, ts in zip(spectrum.variances, spectrum.dims, t_k, t_star)
    ]

    def describe(index):
        return {"index": int(index), "variance": spectrum.variances[index],
                "dim": spectrum.dims[index]}

    report = {
        "process": process,
        "n": int(n),
        "normalize": bool(normalize),
        "g": float(g),
        "spectrum": str(spectrum),
        "ambient_dim": spectrum.ambient_dim,
        "subspaces": subspaces,
        "collapse_time": _none_if_inf(t_c),
        "speciation_time": speciation,
        "lost_first": {
            "factorized_rem": describe(int(np.argmax(t_k))),
            "paper_criterion": describe(int(np.argmax(t_star))),
        },
        "notes": notes,
    }
    if times is not None:
        times = np.asarray(times, dtype=float)
        variances = np.asarray(spectrum.variances)
        s = theory.entropy(times, spectrum, n, process)
        report.update({
            "times": times,
            "entropy": s,
            "effective_samples": theory.effective_samples(times, spectrum, n, process),
            "apparent_dimension": theory.apparent_dimension(times, spectrum, process),
            "jacobian_eigenvalues": theory.jacobian_eigenvalues(
                times[None, :], variances[:, None], process),
            "paper_singular_values": theory.paper_singular_values(
                times, spectrum, n, g, process).T,
        })
    return report


def _format_time(value):
    return "never" if value is None else f"{value:.6g}"


def _print_table(report):
    print(f"lostdim theory: {report['process'].upper()} process, N = {report['n']}, "
          f"D = {report['ambient_dim']}, spectrum {report['spectrum']}, g = {report['g']:g}")
    print()
    header = f"{'subspace':>8}  {'variance':>10}  {'dim':>4}  {'t_k (factorised REM)':>21}  {'t_i* (paper)':>13}"
    print(header)
    print("-" * len(header))
    for k, sub in enumerate(report["subspaces"]):
        print(f"{k:>8}  {sub['variance']:>10.4g}  {sub['dim']:>4}  "
              f"{_format_time(sub['factorized_time']):>21}  {_format_time(sub['paper_time']):>13}")
    print()
    print(f"joint collapse time t_C (exact REM): {_format_time(report['collapse_time'])}")
    if report["speciation_time"] is not None:
        print(f"speciation time t_S: {report['speciation_time']:.6g}")
    rem, paper = report["lost_first"]["factorized_rem"], report["lost_first"]["paper_criterion"]
    print(f"lost first, factorised REM: subspace {rem['index']} (variance {rem['variance']:g}, "
          f"dim {rem['dim']})")
    print(f"lost first, paper criterion: subspace {paper['index']} (variance {paper['variance']:g}, "
          f"dim {paper['dim']})")
    if rem["index"] != paper["index"]:
        print("  -> the two theories disagree here; run 'lostdim simulate --score factorized' "
              "to see which the exact simulator follows")
    for note in report["notes"]:
        print(f"note: {note}")
    if "times" in report:
        print()
        print(f"{'t':>10}  {'s(t)':>10}  {'N_t':>10}  {'dim':>4}  normalised singular values per subspace")
        variances = [s["variance"] for s in report["subspaces"]]
        for j, t in enumerate(report["times"]):
            values = theory.normalized_singular_values(t, variances, report["process"])
            print(f"{t:>10.4g}  {report['entropy'][j]:>10.4g}  {report['effective_samples'][j]:>10.4g}  "
                  f"{int(report['apparent_dimension'][j]):>4}  "
                  + "  ".join(f"{v:.3g}" for v in values))


def run(args) -> int:
    """Entry point of ``lostdim theory``."""
    spectrum = spectrum_from_args(args)
    g = args.g if args.g is not None else (0.0 if args.normalize else 1.0)
    report = theory_report(spectrum, args.n, args.process, g=g, times=args.times,
                           normalize=args.normalize)
    if args.json:
        emit_json(report)
    else:
        _print_table(report)
    return 0
