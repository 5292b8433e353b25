"""The NumPy score network: shapes, validation and a gradient check of every block."""

import numpy as np
import pytest

from numerics.mlp import MLPConfig, backward, forward, init_params, param_shapes


def _perturbed_params(config, rng):
    # Zero-initialised output layers and unit gains would hide bugs in the
    # blocks behind them; give every parameter a generic value.
    generator = np.random.default_rng(rng)
    params = init_params(config, rng=generator)
    return {k: v + 0.3 * generator.standard_normal(v.shape) for k, v in params.items()}


def _loss(params, config, x, t, target):
    eps = forward(params, config, x, t)
    return 0.5 * float(np.sum((eps - target) ** 2))


@pytest.mark.parametrize("process", ["ve", "vp"])
def test_gradient_of_every_block_matches_central_differences(process):
    config = MLPConfig(dim=3, width=5, depth=2, n_frequencies=3, process=process, data_variance=0.7)
    rng = np.random.default_rng(1)
    params = _perturbed_params(config, rng)
    x = rng.standard_normal((4, 3))
    t = np.array([0.01, 0.3, 2.0, 7.0])
    target = rng.standard_normal((4, 3))
    eps, cache = forward(params, config, x, t, return_cache=True)
    grads = backward(params, config, cache, eps - target)
    assert set(grads) == set(param_shapes(config))
    # Central differences: truncation O(h^2 f''') ~ 1e-12 and rounding
    # O(eps_mach f / h) ~ 1e-10 at h = 1e-6, far below the 1e-6 tolerance.
    h = 1e-6
    for name, value in params.items():
        numeric = np.empty_like(value)
        for idx in np.ndindex(value.shape):
            saved = value[idx]
            value[idx] = saved + h
            up = _loss(params, config, x, t, target)
            value[idx] = saved - h
            down = _loss(params, config, x, t, target)
            value[idx] = saved
            numeric[idx] = (up - down) / (2 * h)
        err = np.linalg.norm(grads[name] - numeric) / max(np.linalg.norm(numeric), 1e-300)
        assert err <= 1e-6, f"{name}: relative error {err:.2e}"
        assert np.linalg.norm(numeric) > 0, f"{name}: gradient vanishes, the check is vacuous"


def test_untrained_network_is_the_isotropic_gaussian_denoiser():
    # Zero output layers: eps_hat = sqrt(Delta) x / (a^2 sigma_d^2 + Delta),
    # the exact E[z | x] for isotropic Gaussian data of variance sigma_d^2.
    config = MLPConfig(dim=4, width=6, depth=2, process="vp", data_variance=0.5)
    params = init_params(config, rng=0)
    x = np.random.default_rng(2).standard_normal((5, 4))
    t = 0.4
    a, delta = np.exp(-t), -np.expm1(-2 * t)
    expected = np.sqrt(delta) * x / (a * a * 0.5 + delta)
    np.testing.assert_allclose(forward(params, config, x, t), expected, rtol=1e-13)


def test_forward_validates_its_inputs():
    config = MLPConfig(dim=2, width=4, depth=1)
    params = init_params(config, rng=0)
    with pytest.raises(ValueError, match="shape"):
        forward(params, config, np.ones((3, 5)), 1.0)
    with pytest.raises(ValueError, match="times must be finite and > 0"):
        forward(params, config, np.ones((3, 2)), -1.0)
    with pytest.raises(ValueError, match="finite"):
        forward(params, config, np.full((3, 2), np.nan), 1.0)
    with pytest.raises(ValueError, match="width"):
        MLPConfig(dim=2, width=0)
    with pytest.raises(ValueError, match="process"):
        MLPConfig(dim=2, process="ddpm")


def test_init_is_seeded_and_float64():
    config = MLPConfig(dim=3, width=4, depth=2)
    a, b = init_params(config, rng=5), init_params(config, rng=5)
    assert all(np.array_equal(a[k], b[k]) and a[k].dtype == np.float64 for k in a)
    c = init_params(config, rng=6)
    assert not np.array_equal(a["in.W"], c["in.W"])
