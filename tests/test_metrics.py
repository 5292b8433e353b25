"""Tests of memorisation metrics and measured collapse times."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from numerics.empirical_score import EmpiricalScore
from numerics.factorized_score import FactorizedScore
from numerics.metrics import (distance_to_nearest, measured_collapse_time, memorized_fraction,
                              nearest_training_distances, own_weight_curve)


@pytest.mark.parametrize("chunk", [1, 3, 50, None])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_nearest_distances_match_cdist(chunk, k):
    rng = np.random.default_rng(0)
    train = rng.standard_normal((50, 4))
    samples = rng.standard_normal((13, 4))
    dist, idx = nearest_training_distances(samples, train, k, chunk_size=chunk)
    full = cdist(samples, train)
    order = np.argsort(full, axis=1)[:, :k]
    np.testing.assert_array_equal(idx, order)
    np.testing.assert_allclose(dist, np.take_along_axis(full, order, axis=1), rtol=1e-12)


def test_nearest_distances_keep_precision_and_pad():
    train = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    samples = train[:1] + 1e-10
    dist, idx = nearest_training_distances(samples, train, 3)
    # Recomputed from x - y: 1e-10 * sqrt(3) to ~1e-6 relative (the 1e-10 offset
    # itself is rounded at 1e-16 absolute); the expanded form would give ~1e-8.
    np.testing.assert_allclose(dist[0, 0], np.sqrt(3) * 1e-10, rtol=1e-5)
    assert idx[0].tolist() == [0, 1, -1] and dist[0, 2] == np.inf
    np.testing.assert_allclose(distance_to_nearest(samples, train), dist[:, 0])


def test_memorized_fraction():
    rng = np.random.default_rng(1)
    train = rng.standard_normal((30, 5))
    near = train[:10] + 1e-3 * rng.standard_normal((10, 5))
    # Fresh Gaussian points in 5-D: the nearest and second-nearest of 30 points
    # are at comparable distances (ratio ~0.8), never below 1/3 here.
    far = rng.standard_normal((30, 5))
    ratios = np.divide(*nearest_training_distances(far, train, 2)[0].T)
    assert ratios.min() > 1 / 3
    assert memorized_fraction(near, train) == 1.0
    assert memorized_fraction(far, train) == 0.0
    assert memorized_fraction(np.vstack([near, far]), train) == 10 / 40
    assert memorized_fraction(far, train, threshold=1.0) == 1.0
    assert memorized_fraction(far[:3], train[:1]) == 1.0   # N = 1: second distance inf
    with pytest.raises(ValueError, match="threshold"):
        memorized_fraction(near, train, threshold=0)


def test_own_weight_curve_runs_from_one_to_one_over_n():
    rng = np.random.default_rng(2)
    model = EmpiricalScore(rng.standard_normal((40, 3)), "ve")
    curve = own_weight_curve(model, [1e-6, 1e6], n=32, rng=0)
    # t = 1e-6: neighbours O(1) apart vs sqrt(t) = 1e-3, one-hot. t = 1e6:
    # log-weights differ by ~|y|^2 / t ~ 1e-5, uniform to 1e-4.
    np.testing.assert_allclose(curve, [1.0, 1 / 40], rtol=1e-4)


def test_collapse_time_is_a_crossing_and_deterministic():
    rng = np.random.default_rng(3)
    model = EmpiricalScore(rng.standard_normal((200, 3)), "ve")
    times = np.geomspace(1e-4, 1e2, 25)
    res = measured_collapse_time(model, times, n=101, rng=7)
    again = measured_collapse_time(model, times, n=101, rng=7)
    assert res.time == again.time
    assert res.times[0] < res.time < res.times[-1]
    # Brent's method located the median crossing: evaluate the same median
    # (same mu and z) at the root. Its slope in log t is O(1), so xtol = 1e-6
    # in log t leaves the median within ~1e-6 of 1/2.
    at_root = own_weight_curve(model, [res.time], n=101, rng=7)[0]
    assert abs(at_root - 0.5) < 1e-4
    i = np.searchsorted(res.times, res.time)
    assert res.median_own_weight[i - 1] >= 0.5 > res.median_own_weight[i]


def test_collapse_time_maps_between_processes_and_scales():
    # VP weights at t equal VE weights at exp(2t) - 1 for the same mu and z
    # (x / a_t = y + sqrt(Delta_t / a_t^2) z), so the measured times map exactly.
    rng = np.random.default_rng(4)
    train = rng.standard_normal((100, 4))
    ve = measured_collapse_time(EmpiricalScore(train, "ve"), np.geomspace(1e-4, 1e2, 19),
                                n=64, rng=1)
    vp = measured_collapse_time(EmpiricalScore(train, "vp"), np.geomspace(1e-4, 5, 19),
                                n=64, rng=1)
    # Both roots carry xtol = 1e-6 in log t.
    np.testing.assert_allclose(np.expm1(2 * vp.time), ve.time, rtol=1e-5)
    # VE is scale free: data scaled by c collapse at c^2 t.
    scaled = measured_collapse_time(EmpiricalScore(0.1 * train, "ve"),
                                    np.geomspace(1e-6, 1, 19), n=64, rng=1)
    np.testing.assert_allclose(scaled.time, 0.01 * ve.time, rtol=1e-5)


def test_factorized_collapse_times_per_subspace():
    rng = np.random.default_rng(5)
    base = rng.standard_normal((100, 2))
    train = np.hstack([base, 0.1 * rng.standard_normal((100, 2))])
    times = np.geomspace(1e-6, 1e2, 25)
    one = measured_collapse_time(FactorizedScore(train, [0, 0, 0, 0]), times, n=64, rng=2)
    joint = measured_collapse_time(EmpiricalScore(train), times, n=64, rng=2)
    # One subspace is the joint model: same curve, same root up to rounding.
    np.testing.assert_allclose(one.time, [joint.time], rtol=1e-6)
    two = measured_collapse_time(FactorizedScore(train, [0, 0, 1, 1]), times, n=64, rng=2)
    assert two.time.shape == (2,) and two.median_own_weight.shape == (25, 2)
    # Same N and dimension, variance 100x smaller: VE scale invariance puts the
    # second collapse ~100x earlier; with 64 points and independent data the
    # ratio fluctuates, but by far less than a factor 10 either way.
    assert 10 < two.time[0] / two.time[1] < 1000
    # The joint log-weight gap is the sum of the per-subspace gaps, so the joint
    # model condenses first (at larger t) and each subspace later, alone.
    assert np.all(two.time < joint.time)


def test_no_crossing_is_nan():
    model = EmpiricalScore(np.random.default_rng(6).standard_normal((50, 2)))
    res = measured_collapse_time(model, [1e-8, 1e-7], n=8, rng=0)
    assert np.isnan(res.time)
    np.testing.assert_allclose(res.median_own_weight, 1.0)


def test_bad_input_raises():
    model = EmpiricalScore(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="level"):
        measured_collapse_time(model, level=1.0)
    with pytest.raises(ValueError, match="times"):
        measured_collapse_time(model, [1.0])
    with pytest.raises(ValueError, match="times"):
        own_weight_curve(model, [-1.0])
    with pytest.raises(ValueError, match="n must"):
        own_weight_curve(model, [1.0], n=0)
    with pytest.raises(ValueError, match="k must"):
        nearest_training_distances(np.zeros((1, 2)), np.zeros((3, 2)), 0)
    with pytest.raises(ValueError, match="samples"):
        nearest_training_distances(np.zeros((1, 3)), np.zeros((3, 2)))
