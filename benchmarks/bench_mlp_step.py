"""Time one training step of the NumPy score network against the same network in PyTorch.

Both sides run the same work per step in float64: draw a minibatch (indices,
log-uniform times, noise), forward, loss ``mean |eps_hat - eps|^2``, backward,
Adam with bias correction, EMA of the weights. The default model: D = 30,
width 128, depth 3, batch 128. PyTorch is timed with its default thread count
and with one thread (NumPy runs its BLAS on one thread, see
numerics.mlp.blas); the ratio is printed against each.

Usage::

    python benchmarks/bench_mlp_step.py [--steps 200] [--repeats 5]

Prints "skipped: torch not installed" when PyTorch is absent (it is not a
dependency of the package).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from numerics.mlp import MLPConfig, TrainConfig, init_training  # noqa: E402
from numerics.mlp.blas import blas_threads  # noqa: E402
from numerics.mlp.training import flat_views, train_step  # noqa: E402

DIM, WIDTH, DEPTH, BATCH, N_DATA = 30, 128, 3, 128, 5000


def numpy_stepper(data):
    state = init_training(MLPConfig(dim=DIM, width=WIDTH, depth=DEPTH),
                          TrainConfig(steps=10**9, batch=BATCH), rng=0)
    grad, work = np.empty_like(state.weights), np.empty_like(state.weights)
    views = flat_views(grad, state.model_config)

    def run(steps):
        with blas_threads(1):
            for _ in range(steps):
                train_step(state, data, views, grad, work)

    return run


def torch_stepper(data, threads):
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    cfg = MLPConfig(dim=DIM, width=WIDTH, depth=DEPTH)
    freqs = torch.tensor(cfg.frequencies, dtype=torch.float64)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln = nn.LayerNorm(WIDTH, eps=cfg.ln_eps)
            self.fc1 = nn.Linear(WIDTH, WIDTH)
            self.ft = nn.Linear(WIDTH, WIDTH, bias=False)
            self.fc2 = nn.Linear(WIDTH, WIDTH)

        def forward(self, h, temb):
            return h + self.fc2(nn.functional.silu(self.fc1(self.ln(h)) + self.ft(temb)))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(DIM, WIDTH)
            self.time = nn.Linear(2 * cfg.n_frequencies, WIDTH)
            self.blocks = nn.ModuleList(Block() for _ in range(DEPTH))
            self.ln = nn.LayerNorm(WIDTH, eps=cfg.ln_eps)
            self.out = nn.Linear(WIDTH, DIM)

        def forward(self, x, t):
            # Same VE preconditioning as numerics.mlp.model (sigma_d^2 = 1).
            c_in = 1.0 / torch.sqrt(1.0 + t)
            c_skip, c_out = torch.sqrt(t) * c_in**2, c_in
            phase = torch.log(t)[:, None] * freqs[None, :]
            temb = nn.functional.silu(self.time(torch.cat([phase.sin(), phase.cos()], 1)))
            h = self.inp(x * c_in[:, None])
            for block in self.blocks:
                h = block(h, temb)
            return c_skip[:, None] * x + c_out[:, None] * self.out(self.ln(h))

    torch.manual_seed(0)
    net = Net().double()
    ema = [p.detach().clone() for p in net.parameters()]
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, foreach=True)
    y_all = torch.tensor(data)
    lo, hi = math.log(1e-3), math.log(100.0)

    def run(steps):
        for _ in range(steps):
            idx = torch.randint(0, y_all.shape[0], (BATCH,))
            t = torch.exp(lo + (hi - lo) * torch.rand(BATCH, dtype=torch.float64))
            noise = torch.randn(BATCH, DIM, dtype=torch.float64)
            x = y_all[idx] + torch.sqrt(t)[:, None] * noise
            loss = ((net(x, t) - noise) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                torch._foreach_lerp_(ema, list(net.parameters()), 1e-3)

    return run


def per_step(run, steps):
    start = time.perf_counter()
    run(steps)
    return (time.perf_counter() - start) / steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="steps per timed chunk")
    parser.add_argument("--repeats", type=int, default=7, help="interleaved rounds")
    args = parser.parse_args(argv)
    data = np.random.default_rng(0).standard_normal((N_DATA, DIM))
    runners = {"numpy": numpy_stepper(data)}
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        for threads in sorted({torch.get_num_threads(), 1}):
            runners[f"torch {threads} thread(s)"] = torch_stepper(data, threads)
    for run in runners.values():
        run(10)  # warm-up: allocations, caches, lazy initialisation
    # Interleave the contestants round by round so that changes in machine
    # load hit all of them alike; report each one's best round (the least
    # disturbed) and the median of the per-round ratios.
    times = {name: [] for name in runners}
    for _ in range(args.repeats):
        for name, run in runners.items():
            if name.startswith("torch"):
                torch.set_num_threads(int(name.split()[1]))
            times[name].append(per_step(run, args.steps))
    print(f"one training step, D={DIM}, width={WIDTH}, depth={DEPTH}, batch={BATCH}, float64")
    for name, values in times.items():
        print(f"  {name:<20s} best {min(values) * 1e3:8.3f} ms   median {statistics.median(values) * 1e3:8.3f} ms")
    if torch is None:
        print("skipped: torch not installed")
        return 0
    print(f"torch {torch.__version__}; ratio numpy / torch (target <= 1.5):")
    for name in (n for n in times if n.startswith("torch")):
        ratios = [a / b for a, b in zip(times["numpy"], times[name])]
        print(f"  vs {name:<20s} best-vs-best {min(times['numpy']) / min(times[name]):.2f}, "
              f"median per round {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
