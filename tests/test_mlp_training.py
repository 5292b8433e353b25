"""Training: bitwise determinism, bitwise resume, checkpoints, optimiser options."""

import os

import numpy as np
import pytest

from numerics.mlp import (
    MLPConfig, TrainConfig, init_training, load_checkpoint, load_model, save_checkpoint, train,
)

DATA = np.random.default_rng(0).standard_normal((200, 3)) * np.array([1.0, 0.3, 0.0])


def _state(process="ve", **overrides):
    model = MLPConfig(dim=3, width=16, depth=2, n_frequencies=4, process=process, data_variance=0.4)
    options = dict(steps=40, batch=32, lr=3e-3, lr_schedule="cosine", warmup=5)
    options.update(overrides)
    return init_training(model, TrainConfig(**options), rng=7)


def _same(a, b):
    return (np.array_equal(a.weights, b.weights) and np.array_equal(a.ema, b.ema)
            and np.array_equal(a.adam_m, b.adam_m) and np.array_equal(a.adam_v, b.adam_v)
            and a.losses == b.losses and a.step == b.step)


@pytest.mark.parametrize("options", [
    {}, {"optimizer": "radam"}, {"time_sampling": "importance", "importance_bins": 4},
])
def test_same_seed_gives_bitwise_identical_weights(options):
    a = train(_state(**options), DATA)
    b = train(_state(**options), DATA)
    assert _same(a, b)
    c = init_training(a.model_config, a.train_config, rng=8)
    train(c, DATA)
    assert not np.array_equal(a.weights, c.weights)


@pytest.mark.parametrize("process, options", [
    ("ve", {}), ("vp", {"optimizer": "radam", "time_sampling": "importance", "importance_bins": 4}),
])
def test_resume_from_checkpoint_is_bitwise_identical(tmp_path, process, options):
    full = train(_state(process, **options), DATA)
    path = tmp_path / "ck.npz"
    half = train(_state(process, **options), DATA, until=17)
    save_checkpoint(path, half)
    del half
    resumed = train(load_checkpoint(path), DATA)
    assert _same(full, resumed)
    np.testing.assert_array_equal(full.bin_sq, resumed.bin_sq)
    assert full.rng.bit_generator.state == resumed.rng.bit_generator.state


def test_periodic_checkpoints_and_atomic_write(tmp_path):
    path = tmp_path / "run.npz"
    state = train(_state(), DATA, until=20, checkpoint_path=path, checkpoint_every=10)
    assert load_checkpoint(path).step == 20
    # Only the checkpoint remains: the temporary file was moved into place.
    assert os.listdir(tmp_path) == ["run.npz"]
    model = load_model(path)
    np.testing.assert_array_equal(model.params["in.W"], state.ema_params["in.W"])
    last = load_model(path, ema=False)
    np.testing.assert_array_equal(last.params["in.W"], state.params["in.W"])


def test_training_reduces_the_loss():
    # 400 steps on a 2-d Gaussian: the denoising loss must fall clearly below
    # its value at the start (the untrained net is the isotropic denoiser, so
    # the gain comes from learning the anisotropy). Averages over 50 steps
    # keep the minibatch noise (about 10% per step) out of the comparison.
    state = train(_state(steps=400, lr=3e-3), DATA)
    assert np.mean(state.losses[-50:]) < 0.9 * np.mean(state.losses[:50])


def test_unreadable_or_mismatched_checkpoints_raise_value_error(tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="cannot read checkpoint"):
        load_checkpoint(garbage)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(ValueError, match="format"):
        load_model(other)
    state = _state()
    path = tmp_path / "ck.npz"
    save_checkpoint(path, state)
    with np.load(path) as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays["params/in.W"] = np.zeros((2, 2))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match="shape"):
        load_checkpoint(tmp_path / "bad.npz")
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.npz")


def test_config_and_data_validation():
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="sgd")
    with pytest.raises(ValueError, match="t_max"):
        TrainConfig(t_min=1.0, t_max=0.5)
    with pytest.raises(ValueError, match="shape"):
        train(_state(), np.zeros((10, 4)))
    with pytest.raises(ValueError, match="until"):
        train(_state(), DATA, until=41)
