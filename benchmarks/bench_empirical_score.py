"""Time one empirical-score evaluation against two baselines, in one run.

    python benchmarks/bench_empirical_score.py [--batch 256] [--dim 64] [--n 20000]
                                               [--repeats 15] [--threads K] [--json]

Baselines, same shapes, float64, measured interleaved round by round so that
load on a shared machine hits all three alike:

* ``bare``: the matrix product ``X @ Y.T`` alone (B x N), the unavoidable core;
* ``plain``: the textbook implementation, squared distances over the full
  B x N matrix, ``scipy.special.softmax``, then ``w @ Y``.

Targets: streamed score <= 3x bare, and >= 1.5x faster than plain. The best
(minimum) time of the rounds is reported, with the median alongside.

``--threads K`` sets the BLAS/OpenMP thread count before NumPy is imported.
On a loaded machine, multi-threaded BLAS on small chunked products can stall
(threads spin waiting for busy cores); one thread gives stable ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--t", type=float, default=1.0, help="time (VE)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads (default: the environment's setting)")
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.threads is not None:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import numpy as np
    from scipy.special import softmax

    from numerics.empirical_score import EmpiricalScore

    rng = np.random.default_rng(0)
    train = rng.standard_normal((args.n, args.dim))
    x = rng.standard_normal((args.batch, args.dim)) * np.sqrt(1 + args.t)
    t = args.t
    model = EmpiricalScore(train, "ve", chunk_size=args.chunk_size)

    def bare():
        return x @ train.T

    def plain():
        sq = (x * x).sum(axis=1)[:, None] - 2.0 * (x @ train.T) + (train * train).sum(axis=1)[None, :]
        w = softmax(-sq / (2 * t), axis=1)
        return (w @ train - x) / t

    def streamed():
        return model.score(x, t)

    # Correctness first: the two score implementations agree.
    reference, ours = plain(), streamed()
    err = float(np.abs(reference - ours).max() / np.abs(reference).max())
    if err > 1e-10:
        raise SystemExit(f"streamed and plain scores differ (relative {err:.2e})")

    timings = {"bare": [], "plain": [], "streamed": []}
    funcs = {"bare": bare, "plain": plain, "streamed": streamed}
    for f in funcs.values():
        f()  # warm-up
    for _ in range(args.repeats):
        for name, f in funcs.items():
            start = time.perf_counter()
            f()
            timings[name].append(time.perf_counter() - start)
    best = {k: min(v) for k, v in timings.items()}
    median = {k: float(np.median(v)) for k, v in timings.items()}
    result = {
        "batch": args.batch, "dim": args.dim, "n": args.n, "t": t,
        "threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "chunk_size": model._chunk(args.batch, 1),
        "seconds_best": best, "seconds_median": median,
        "ratio_to_bare": best["streamed"] / best["bare"],
        "speedup_over_plain": best["plain"] / best["streamed"],
        "ratio_to_bare_median": median["streamed"] / median["bare"],
        "speedup_over_plain_median": median["plain"] / median["streamed"],
        "max_relative_difference": err,
    }
    result["target_ratio_to_bare_met"] = result["ratio_to_bare"] <= 3.0
    result["target_speedup_met"] = result["speedup_over_plain"] >= 1.5
    if args.json:
        print(json.dumps(result))
        return
    print(f"B={args.batch} D={args.dim} N={args.n} float64, BLAS threads: {result['threads']}, "
          f"chunk {result['chunk_size']}")
    for name in funcs:
        print(f"  {name:9s} best {best[name] * 1e3:8.2f} ms   median {median[name] * 1e3:8.2f} ms")
    print(f"  streamed / bare product : {result['ratio_to_bare']:.2f}x (median "
          f"{result['ratio_to_bare_median']:.2f}x; target <= 3) "
          f"{'met' if result['target_ratio_to_bare_met'] else 'NOT met'}")
    print(f"  plain / streamed        : {result['speedup_over_plain']:.2f}x (median "
          f"{result['speedup_over_plain_median']:.2f}x; target >= 1.5) "
          f"{'met' if result['target_speedup_met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
