"""``lostdim train``: fit the NumPy score network to a Gaussian manifold.

Draws ``--n`` samples of the manifold ``--variances`` (seeded), trains by
denoising score matching and writes one checkpoint (``.npz``, see
:mod:`numerics.mlp.checkpoint`) to ``--out``, atomically, every
``--checkpoint-every`` steps and at the end. ``--resume`` continues the run
stored in ``--out`` (if the file exists) bit for bit; the data, model and
optimiser settings must match the checkpoint's, only ``--steps`` may grow.
"""

from __future__ import annotations

import dataclasses
import os
import time

import numpy as np

from numerics.data import sample_gaussian_manifold
from numerics.mlp import MLPConfig, TrainConfig, init_training, load_checkpoint, train

from .common import add_common_arguments, add_spectrum_arguments, emit_json, positive_float, positive_int

__all__ = ["register", "run"]


def register(subparsers):
    """Add the ``train`` subcommand."""
    parser = subparsers.add_parser(
        "train", help="train the NumPy score network on a Gaussian manifold",
        description="Train the NumPy MLP by denoising score matching and write a checkpoint.",
    )
    add_spectrum_arguments(parser, required=True)
    add_common_arguments(parser, n_default=1000)
    parser.add_argument("--steps", type=positive_int, default=2000, help="optimisation steps (default 2000)")
    parser.add_argument("--width", type=positive_int, default=128, help="hidden width (default 128)")
    parser.add_argument("--depth", type=positive_int, default=3, help="residual blocks (default 3)")
    parser.add_argument("--batch", type=positive_int, default=128, help="minibatch size (default 128)")
    parser.add_argument("--lr", type=positive_float, default=1e-3, help="learning rate (default 1e-3)")
    parser.add_argument("--optimizer", choices=("adam", "radam"), default="adam",
                        help="adam (default) or radam")
    parser.add_argument("--lr-schedule", choices=("constant", "cosine"), default="constant",
                        help="learning-rate schedule (default constant)")
    parser.add_argument("--ema", type=float, default=0.999, metavar="DECAY",
                        help="EMA decay of the weights, in [0, 1) (default 0.999)")
    parser.add_argument("--t-min", type=positive_float, default=1e-3, help="smallest training time (default 1e-3)")
    parser.add_argument("--t-max", type=positive_float, default=None,
                        help="largest training time (default 100 for ve, 5 for vp)")
    parser.add_argument("--time-sampling", choices=("log-uniform", "importance"), default="log-uniform",
                        help="how training times are drawn (default log-uniform)")
    parser.add_argument("--checkpoint-every", type=int, default=500, metavar="STEPS",
                        help="also save every STEPS steps (0: only at the end; default 500)")
    parser.add_argument("--out", required=True, metavar="FILE", help="checkpoint file to write (.npz)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run stored in FILE if it exists (settings must match)")
    parser.set_defaults(run=run)


def _metadata(args) -> dict:
    return {"variances": str(args.variances), "n": args.n, "normalize": bool(args.normalize),
            "seed": args.seed, "process": args.process}


def _configs(args, data):
    # Mean per-coordinate variance sets the network's input scaling.
    variance = float(np.mean(np.var(data, axis=0)))
    if variance <= 0:
        raise ValueError(f"the spectrum {args.variances} has no variance to learn; "
                         "give at least one variance > 0")
    model = MLPConfig(dim=data.shape[1], width=args.width, depth=args.depth,
                      process=args.process, data_variance=variance)
    training = TrainConfig(steps=args.steps, batch=args.batch, lr=args.lr, optimizer=args.optimizer,
                           lr_schedule=args.lr_schedule, ema_decay=args.ema, t_min=args.t_min,
                           t_max=args.t_max, time_sampling=args.time_sampling).resolved(args.process)
    return model, training


def _resume(args, model, training):
    state = load_checkpoint(args.out)
    expected = _metadata(args)
    if state.metadata != expected:
        diff = {k: (state.metadata.get(k), expected[k]) for k in expected if state.metadata.get(k) != expected[k]}
        raise ValueError(f"checkpoint {args.out!r} was trained on other data or settings "
                         f"(checkpoint vs command line: {diff}); drop --resume to start afresh")
    if state.model_config != model:
        raise ValueError(f"checkpoint {args.out!r} holds a model {state.model_config.to_dict()}, "
                         f"the command line asks for {model.to_dict()}")
    if dataclasses.replace(state.train_config, steps=training.steps) != training:
        raise ValueError(f"checkpoint {args.out!r} was trained with {state.train_config.to_dict()}; "
                         "only --steps may change on --resume")
    if training.steps < state.step:
        raise ValueError(f"checkpoint {args.out!r} is at step {state.step}, beyond --steps {training.steps}")
    state.train_config = training
    return state


def run(args) -> int:
    """Train, write the checkpoint, report."""
    directory = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(directory):
        raise ValueError(f"output directory {directory!r} does not exist")
    if args.checkpoint_every < 0:
        raise ValueError(f"--checkpoint-every must be >= 0, got {args.checkpoint_every}")
    data_seed, train_seed = np.random.SeedSequence(args.seed).spawn(2)
    data = sample_gaussian_manifold(args.variances, args.n, rng=np.random.default_rng(data_seed),
                                    normalize=args.normalize)
    model, training = _configs(args, data)
    resumed = args.resume and os.path.exists(args.out)
    if resumed:
        state = _resume(args, model, training)
    else:
        state = init_training(model, training, rng=np.random.default_rng(train_seed),
                              metadata=_metadata(args))
    start_step = state.step
    started = time.perf_counter()
    train(state, data, show_progress=not args.json, checkpoint_path=args.out,
          checkpoint_every=args.checkpoint_every)
    seconds = time.perf_counter() - started
    losses = np.asarray(state.losses)
    tail = losses[-min(100, losses.size):] if losses.size else losses
    result = {
        "out": args.out, "process": args.process, "n": args.n, "dim": model.dim,
        "variances": str(args.variances), "normalize": bool(args.normalize), "seed": args.seed,
        "resumed_from_step": start_step if resumed else None, "steps": state.step,
        "final_loss": float(tail.mean()) if tail.size else None,
        "seconds": seconds, "model": model.to_dict(), "training": state.train_config.to_dict(),
    }
    if args.json:
        emit_json(result)
    else:
        loss = "n/a" if result["final_loss"] is None else f"{result['final_loss']:.4g}"
        print(f"trained {model.dim}-d {args.process} score network for {state.step} steps "
              f"(mean loss of the last {tail.size}: {loss}) in {seconds:.1f} s -> {args.out}")
    return 0
