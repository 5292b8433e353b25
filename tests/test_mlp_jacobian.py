"""Exact Jacobian of the network's score against central finite differences."""

import numpy as np
import pytest

from numerics.mlp import MLPConfig, ScoreModel, init_params
from tests.conftest import central_difference_jacobian


def _model(process):
    config = MLPConfig(dim=4, width=7, depth=3, n_frequencies=4, process=process, data_variance=0.4)
    generator = np.random.default_rng(3)
    params = init_params(config, rng=generator)
    # Generic parameters (the zero-initialised output layers would make the
    # network part of the Jacobian vanish and the check vacuous).
    params = {k: v + 0.4 * generator.standard_normal(v.shape) for k, v in params.items()}
    return ScoreModel(params, config)


@pytest.mark.parametrize("process", ["ve", "vp"])
def test_jacobian_matches_central_differences(process):
    model = _model(process)
    x = np.random.default_rng(4).standard_normal((3, 4))
    t = np.array([0.02, 0.5, 3.0])
    jac = model.jacobian(x, t)
    assert jac.shape == (3, 4, 4)
    numeric = central_difference_jacobian(model.score, x, t, h=1e-5)
    # Central differences carry O(h^2) ~ 1e-10 truncation (relative to the
    # third derivative) and O(1e-16 / h) ~ 1e-11 rounding: 1e-7 is loose.
    scale = np.abs(jac).max()
    np.testing.assert_allclose(jac, numeric, rtol=0, atol=1e-7 * scale)
    # The network part must matter, or the check would only test c_skip.
    off_diagonal = jac - np.einsum("bii->bi", jac)[:, :, None] * np.eye(4)
    assert np.abs(off_diagonal).max() > 1e-3 * scale


def test_trace_and_score_callables():
    model = _model("ve")
    x = np.random.default_rng(5).standard_normal((6, 4))
    np.testing.assert_allclose(model.jacobian_trace(x, 0.1),
                               np.trace(model.jacobian(x, 0.1), axis1=1, axis2=2))
    np.testing.assert_allclose(model(x, 0.1), -model.eps(x, 0.1) / np.sqrt(0.1))
    with pytest.raises(ValueError):
        model.jacobian(x, 0.0)
