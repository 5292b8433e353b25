"""Peak memory of the streamed empirical score on a large training set.

    python benchmarks/bench_memory.py [--n 1000000] [--dim 32] [--batch 256] [--json]

Runs, in a fresh subprocess: build an (N, D) float64 training set in place,
construct :class:`numerics.empirical_score.EmpiricalScore`, evaluate the score
and the full statistics (effective sizes, per-subspace variances, own
weights) for a batch at a moderate and a tiny time (condensed weights: the
precise second pass), the score of a single point and a few Jacobians. Reports the peak above the interpreter's baseline (after
imports, before the data) two ways, as a multiple of the training set's own
bytes (N D 8):

* ``tracemalloc``: peak of traced allocations (NumPy reports its buffers);
* ``rss``: peak resident set size (``resource.getrusage``) minus the resident
  size at the baseline.

Target: < 1.5x the training set's bytes (so the work memory stays below half
of the data, independent of N).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def child(n, dim, batch):
    sys.path.insert(0, ROOT)
    import resource
    import time
    import tracemalloc

    import numpy as np

    from numerics.empirical_score import EmpiricalScore

    def rss_now():
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    base_rss = rss_now()
    tracemalloc.start()
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    train = np.empty((n, dim))
    rng.standard_normal(out=train)                 # no temporary copy
    train *= np.sqrt(np.linspace(1.0, 0.01, dim))   # anisotropic, in place
    model = EmpiricalScore(train, "ve", subspace_index=np.arange(dim) * 4 // dim)
    x = rng.standard_normal((batch, dim))
    model.score(x, 0.5)
    model.statistics(x, 0.5, own_index=np.arange(batch) % n)
    model.statistics(x, 1e-6)            # condensed rows: the precise second pass
    model.score(x[:1], 0.5)              # a single point: chunk bounded by rows too
    model.jacobian(x[:4], 0.5)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    return {
        "n": n, "dim": dim, "batch": batch, "seconds": seconds,
        "train_bytes": train.nbytes,
        "tracemalloc_peak_bytes": peak,
        "rss_peak_above_baseline_bytes": peak_rss - base_rss,
        "tracemalloc_ratio": peak / train.nbytes,
        "rss_ratio": (peak_rss - base_rss) / train.nbytes,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.n, args.dim, args.batch)))
        return
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", "--n", str(args.n),
         "--dim", str(args.dim), "--batch", str(args.batch)],
        capture_output=True, text=True, check=True,
    )
    result = json.loads(out.stdout)
    result["target_met"] = max(result["tracemalloc_ratio"], result["rss_ratio"]) < 1.5
    if args.json:
        print(json.dumps(result))
        return
    mib = 2.0**20
    print(f"N={result['n']} D={result['dim']} B={result['batch']}: training set "
          f"{result['train_bytes'] / mib:.0f} MiB, run {result['seconds']:.1f} s")
    print(f"  tracemalloc peak      {result['tracemalloc_peak_bytes'] / mib:8.1f} MiB = "
          f"{result['tracemalloc_ratio']:.3f}x the training set")
    print(f"  RSS peak - baseline   {result['rss_peak_above_baseline_bytes'] / mib:8.1f} MiB = "
          f"{result['rss_ratio']:.3f}x the training set")
    print(f"  target < 1.5x: {'met' if result['target_met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
