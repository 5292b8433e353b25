"""Vectorised theory predictions versus SymPy ``subs``/``evalf``.

Evaluates the entropy s(t) = ln N - sum_i phi_i(t), the factorised collapse
times and the joint collapse time t_C on 10^5 (N, t) pairs through the
compiled path, and the same entropy through SymPy substitution on a sample of
pairs (SymPy is far too slow for all 10^5; its per-pair time is measured on
the sample and scaled). Both run in this process, so the ratio is measured on
the same machine state.

Run: ``python benchmarks/bench_theory.py [--pairs 100000] [--sympy-pairs 200]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import sympy as sp

import theory
from theory import symbols as sy
from theory.rem import derive_phi


def best_of(fn, repeat=3):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--sympy-pairs", type=int, default=200)
    parser.add_argument("--process", default="ve", choices=["ve", "vp"])
    args = parser.parse_args()

    spectrum = theory.PAPER_SPECTRUM
    rng = np.random.default_rng(0)
    n = np.exp(rng.uniform(np.log(2), np.log(1e6), args.pairs))
    t = np.exp(rng.uniform(np.log(1e-5), np.log(10.0), args.pairs))

    theory.entropy(t[:10], spectrum, n[:10], args.process)  # compile once, outside the timing
    theory.collapse_time(spectrum, n[:10], args.process)
    t_entropy = best_of(lambda: theory.entropy(t, spectrum, n, args.process))
    t_factorized = best_of(lambda: theory.factorized_times(spectrum, n, args.process))
    t_collapse = best_of(lambda: theory.collapse_time(spectrum, n, args.process), repeat=1)

    # The same entropy through SymPy: substitute numbers, then evalf.
    process = theory.get_process(args.process)
    phi = derive_phi().subs(sy.snr, process.snr_expr())
    entropy_expr = sp.log(sy.n_samples) - sum(
        d * phi.subs(sy.lam, sp.Float(v)) for v, d in zip(spectrum.variances, spectrum.dims))
    k = args.sympy_pairs
    start = time.perf_counter()
    sympy_values = [float(entropy_expr.subs({sy.n_samples: n[i], sy.t: t[i]}).evalf()) for i in range(k)]
    t_sympy = (time.perf_counter() - start) / k * args.pairs

    np.testing.assert_allclose(sympy_values, theory.entropy(t[:k], spectrum, n[:k], args.process),
                               rtol=1e-10)
    print(f"pairs: {args.pairs} (N in [2, 1e6], t in [1e-5, 10]), spectrum {spectrum}, {args.process}")
    print(f"entropy s(t), compiled NumPy:      {t_entropy * 1e3:10.2f} ms")
    print(f"factorised times t_k, compiled:    {t_factorized * 1e3:10.2f} ms")
    print(f"joint t_C (vectorised root find):  {t_collapse * 1e3:10.2f} ms")
    print(f"entropy via SymPy subs/evalf:      {t_sympy * 1e3:10.2f} ms "
          f"(measured on {k} pairs, scaled to {args.pairs})")
    print(f"ratio SymPy / compiled (entropy):  {t_sympy / t_entropy:10.0f} x")


if __name__ == "__main__":
    main()
