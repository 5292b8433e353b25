"""Atomic checkpoints of a training run, and the loader of trained models.

A checkpoint is one ``.npz`` file (read with ``allow_pickle=False``) holding
the named parameters, the EMA weights, the Adam moments, the step, the loss
log, the importance statistics, the Generator state and the model and
training configurations as JSON strings. It is written to a temporary file in
the target's directory and moved into place with ``os.replace``, so a reader
(or a crash) never sees half a file. A human-readable copy of the
configuration (model, training, metadata, step, last loss) is written next to
it as ``<name>.json``, also atomically; the ``.npz`` alone is authoritative
when the two are read back.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile

import numpy as np

from .jacobian import ScoreModel
from .model import MLPConfig, param_shapes
from .training import TrainConfig, TrainState, flat_views

__all__ = ["FORMAT", "save_checkpoint", "load_checkpoint", "load_model", "config_path"]

#: format tag stored in every checkpoint; bump when the layout changes
FORMAT = "lostdim-mlp-checkpoint/1"


def save_checkpoint(path, state: TrainState) -> None:
    """Write ``state`` to ``path`` atomically (temp file + ``os.replace``).

    Examples
    --------
    >>> import os, tempfile
    >>> from numerics.mlp.training import TrainConfig, init_training
    >>> state = init_training(MLPConfig(dim=2, width=4, depth=1), TrainConfig(steps=1), rng=0)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_checkpoint(os.path.join(tmp, "ck.npz"), state)
    ...     load_checkpoint(os.path.join(tmp, "ck.npz")).step
    0
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    arrays = {
        "format": np.array(FORMAT),
        "model_config": np.array(json.dumps(state.model_config.to_dict())),
        "train_config": np.array(json.dumps(state.train_config.to_dict())),
        "metadata": np.array(json.dumps(state.metadata)),
        "rng_state": np.array(json.dumps(state.rng.bit_generator.state)),
        "step": np.array(state.step, dtype=np.int64),
        "losses": np.asarray(state.losses, dtype=float),
        "adam_m": state.adam_m, "adam_v": state.adam_v,
        "bin_sq": state.bin_sq, "bin_count": state.bin_count,
    }
    for name, value in state.params.items():
        arrays[f"params/{name}"] = value
    for name, value in state.ema_params.items():
        arrays[f"ema/{name}"] = value
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    from ..io import write_json_atomic

    write_json_atomic(config_path(path), {
        "format": FORMAT, "checkpoint": os.path.basename(path),
        "model_config": state.model_config.to_dict(),
        "train_config": state.train_config.to_dict(), "metadata": state.metadata,
        "step": int(state.step), "last_loss": state.losses[-1] if state.losses else None,
    })


def config_path(path) -> str:
    """The JSON configuration written beside checkpoint ``path``.

    >>> config_path("runs/model.npz")
    'runs/model.json'
    """
    root, _ = os.path.splitext(os.fspath(path))
    return root + ".json"


def _read(path) -> dict:
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(2, "No such file or directory", path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"cannot read checkpoint {path!r}: not a lostdim MLP checkpoint ({exc})") from None


def _json_field(arrays, key, path):
    if key not in arrays:
        raise ValueError(f"checkpoint {path!r} lacks {key!r}; not a lostdim MLP checkpoint")
    try:
        return json.loads(str(arrays[key]))
    except json.JSONDecodeError:
        raise ValueError(f"checkpoint {path!r}: field {key!r} is not valid JSON") from None


def _named(arrays, prefix, config, path):
    params = {}
    for name, shape in param_shapes(config).items():
        key = f"{prefix}/{name}"
        if key not in arrays:
            raise ValueError(f"checkpoint {path!r} lacks {key!r}; it does not match its model configuration")
        if arrays[key].shape != shape:
            raise ValueError(f"checkpoint {path!r}: {key} has shape {arrays[key].shape}, "
                             f"the configuration expects {shape}")
        params[name] = arrays[key].astype(float)
    flat = np.empty(sum(v.size for v in params.values()))
    for name, view in flat_views(flat, config).items():
        view[...] = params[name]
    return flat


def load_checkpoint(path) -> TrainState:
    """Read a checkpoint written by :func:`save_checkpoint`.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a readable checkpoint of this format, or its
        arrays do not match its configuration.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "junk.npz")
    ...     with open(path, "w") as handle:
    ...         _ = handle.write("junk")
    ...     load_checkpoint(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: cannot read checkpoint '...junk.npz': not a lostdim MLP checkpoint (...)
    """
    arrays = _read(path)
    path = os.fspath(path)
    tag = str(arrays["format"]) if "format" in arrays else None
    if tag != FORMAT:
        raise ValueError(f"checkpoint {path!r} has format {tag!r}, expected {FORMAT!r}")
    try:
        model_config = MLPConfig.from_dict(_json_field(arrays, "model_config", path))
        train_config = TrainConfig.from_dict(_json_field(arrays, "train_config", path))
    except TypeError as exc:
        raise ValueError(f"checkpoint {path!r}: bad configuration ({exc})") from None
    weights = _named(arrays, "params", model_config, path)
    ema = _named(arrays, "ema", model_config, path)
    for key in ("adam_m", "adam_v"):
        if key not in arrays or arrays[key].shape != weights.shape:
            raise ValueError(f"checkpoint {path!r}: optimiser state {key!r} missing or of the wrong size")
    bins = train_config.importance_bins
    for key in ("bin_sq", "bin_count", "step", "losses"):
        if key not in arrays:
            raise ValueError(f"checkpoint {path!r} lacks {key!r}; not a lostdim MLP checkpoint")
    if arrays["bin_sq"].shape != (bins,) or arrays["bin_count"].shape != (bins,):
        raise ValueError(f"checkpoint {path!r}: importance statistics do not match {bins} bins")
    rng = np.random.Generator(np.random.PCG64())
    try:
        rng.bit_generator.state = _json_field(arrays, "rng_state", path)
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"checkpoint {path!r}: unusable generator state ({exc})") from None
    step = int(arrays["step"])
    losses = [float(v) for v in arrays["losses"]]
    if len(losses) != step:
        raise ValueError(f"checkpoint {path!r}: {len(losses)} logged losses for step {step}")
    return TrainState(
        model_config=model_config, train_config=train_config, weights=weights, ema=ema,
        adam_m=arrays["adam_m"].astype(float), adam_v=arrays["adam_v"].astype(float), rng=rng,
        step=step, losses=losses, bin_sq=arrays["bin_sq"].astype(float),
        bin_count=arrays["bin_count"].astype(np.int64),
        metadata=_json_field(arrays, "metadata", path),
    )


def load_model(path, *, ema: bool = True) -> ScoreModel:
    """The trained score network stored in a checkpoint.

    Parameters
    ----------
    path : str or path
        A checkpoint written by ``lostdim train`` or :func:`save_checkpoint`.
    ema : bool
        Use the exponential moving average of the weights (default), which
        is what the run is meant to produce, rather than the last iterate.

    Returns
    -------
    ScoreModel
        With ``score``, ``jacobian`` and ``jacobian_trace`` callables.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`load_checkpoint`.

    Examples
    --------
    >>> import os, tempfile
    >>> from numerics.mlp.training import TrainConfig, init_training, train
    >>> data = np.random.default_rng(0).standard_normal((32, 2))
    >>> state = init_training(MLPConfig(dim=2, width=4, depth=1), TrainConfig(steps=3, batch=8), rng=0)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "model.npz")
    ...     _ = train(state, data, checkpoint_path=path)
    ...     model = load_model(path)
    >>> model.score(np.zeros((1, 2)), 0.5).shape, model.jacobian(np.zeros((1, 2)), 0.5).shape
    ((1, 2), (1, 2, 2))
    """
    state = load_checkpoint(path)
    params = state.ema_params if ema else state.params
    return ScoreModel({k: v.copy() for k, v in params.items()}, state.model_config)
