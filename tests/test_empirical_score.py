"""Tests of the streamed empirical score (THEORY §4)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp, softmax

from numerics.data import random_rotation, sample_gaussian_manifold
from numerics.empirical_score import EmpiricalScore
from theory.processes import get_process
from theory.spectrum import parse_spectrum
from tests.conftest import central_difference_jacobian


def brute_force(train, x, t, process):
    """Reference from direct differences x - a y and a full (B, N) softmax."""
    proc = get_process(process)
    a, delta = float(proc.a(t)), float(proc.delta(t))
    diff = x[:, None, :] - a * train[None, :, :]
    logits = -np.einsum("bnd,bnd->bn", diff, diff) / (2 * delta)
    w = softmax(logits, axis=1)
    mean = w @ train
    centred = train[None, :, :] - mean[:, None, :]
    cov = np.einsum("bn,bnd,bne->bde", w, centred, centred)
    jac = -np.eye(train.shape[1]) / delta + (a * a / delta**2) * cov
    dim = train.shape[1]
    log_density = (logsumexp(logits, axis=1) - np.log(len(train))
                   - 0.5 * dim * np.log(2 * np.pi * delta))
    return dict(w=w, score=(a * mean - x) / delta, mean=mean, cov=cov, jac=jac,
                log_density=log_density)


@pytest.fixture(scope="module")
def small_set():
    rng = np.random.default_rng(11)
    train = rng.standard_normal((60, 4)) * np.array([1.0, 0.5, 0.3, 0.1])
    x = rng.standard_normal((9, 4))
    return train, x


@pytest.mark.parametrize("process", ["ve", "vp"])
@pytest.mark.parametrize("t", [1e-3, 0.05, 1.0, 20.0])
def test_one_training_point_is_a_noised_point_mass(process, t):
    # With N = 1 the noised measure is N(a_t y, Delta_t I): score -(x - a_t y)/Delta_t.
    rng = np.random.default_rng(0)
    y = rng.standard_normal((1, 5))
    x = rng.standard_normal((4, 5))
    proc = get_process(process)
    a, delta = float(proc.a(t)), float(proc.delta(t))
    model = EmpiricalScore(y, process)
    # Only rounding separates the two: (a*1*y - x)/Delta vs -(x - a y)/Delta.
    np.testing.assert_allclose(model.score(x, t), -(x - a * y) / delta, rtol=1e-12, atol=0)
    # Cov_w = 0 with one point, so J = -I/Delta exactly.
    np.testing.assert_allclose(model.jacobian(x, t), np.broadcast_to(-np.eye(5) / delta, (4, 5, 5)),
                               rtol=1e-12)
    stats = model.statistics(x, t, own_index=[0, 0, 0, 0])
    assert np.all(stats.own_weight == 1.0)
    assert np.all(stats.effective_samples == 1.0)
    assert np.all(stats.participation_ratio == 1.0)


@pytest.mark.parametrize("process", ["ve", "vp"])
@pytest.mark.parametrize("t", [2e-3, 0.1, 1.0, 10.0])
def test_matches_brute_force_softmax(small_set, process, t):
    train, x = small_set
    ref = brute_force(train, x, t, process)
    basis = random_rotation(4, rng=3)
    model = EmpiricalScore(train, process, chunk_size=7, basis=basis, subspace_index=[0, 0, 1, 2])
    # Both are float64 evaluations of the same sums in different orders: agree
    # to a few hundred ulps of the largest term.
    scale = np.abs(ref["score"]).max()
    np.testing.assert_allclose(model.score(x, t), ref["score"], rtol=0, atol=1e-11 * scale)
    jscale = np.abs(ref["jac"]).max()
    np.testing.assert_allclose(model.jacobian(x, t), ref["jac"], rtol=0, atol=1e-11 * jscale)
    np.testing.assert_allclose(model.weights(x, t), ref["w"], rtol=1e-9, atol=1e-15)
    stats = model.statistics(x, t, own_index=np.arange(9))
    w = ref["w"]
    np.testing.assert_allclose(stats.participation_ratio, 1 / (w**2).sum(axis=1), rtol=1e-10)
    shannon = np.exp(-np.sum(w * np.log(np.where(w > 0, w, 1.0)), axis=1))
    np.testing.assert_allclose(stats.effective_samples, shannon, rtol=1e-10)
    np.testing.assert_allclose(stats.own_weight, w[np.arange(9), np.arange(9)], rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(stats.max_weight, w.max(axis=1), rtol=1e-10)
    np.testing.assert_array_equal(stats.nearest_index, w.argmax(axis=1))
    np.testing.assert_allclose(stats.posterior_mean, ref["mean"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(stats.log_density, ref["log_density"], rtol=1e-10)
    # Per-subspace variance = mean over each subspace of diag(U^T Cov U).
    diag = np.einsum("di,bde,ei->bi", basis, ref["cov"], basis)
    expected = np.stack([diag[:, :2].mean(1), diag[:, 2], diag[:, 3]], axis=1)
    np.testing.assert_allclose(stats.subspace_variance, expected, rtol=1e-8, atol=1e-15)


def test_chunked_equals_unchunked(small_set):
    train, x = small_set
    whole = EmpiricalScore(train, "vp", chunk_size=len(train))
    for chunk in (1, 7, 59, None):
        part = EmpiricalScore(train, "vp", chunk_size=chunk)
        for t in (1e-3, 0.3):
            # Only the order of the floating-point sums differs.
            np.testing.assert_allclose(part.score(x, t), whole.score(x, t), rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(part.jacobian(x, t), whole.jacobian(x, t), rtol=1e-11,
                                       atol=1e-9)
            a, b = part.statistics(x, t), whole.statistics(x, t)
            np.testing.assert_allclose(a.effective_samples, b.effective_samples, rtol=1e-11)
            np.testing.assert_allclose(a.participation_ratio, b.participation_ratio, rtol=1e-11)
            np.testing.assert_allclose(a.subspace_variance, b.subspace_variance, rtol=1e-9)
            np.testing.assert_array_equal(a.nearest_index, b.nearest_index)


@pytest.mark.parametrize("process", ["ve", "vp"])
def test_analytic_jacobian_matches_finite_differences(small_set, process):
    train, x = small_set
    model = EmpiricalScore(train, process)
    t = 0.05
    jac = model.jacobian(x, t)
    fd = central_difference_jacobian(model.score, x, t, h=1e-5)
    # Central differences: truncation O(h^2 |d^3 s|) plus rounding
    # O(eps |s| / h) ~ 1e-16 * 1e2 / 1e-5 = 1e-9; 1e-6 of the largest entry
    # leaves room for both at this t (Delta ~ 0.05, |d^3 s| ~ 1/Delta^3).
    scale = np.abs(jac).max()
    np.testing.assert_allclose(fd, jac, rtol=0, atol=1e-6 * scale)
    assert np.allclose(jac, np.swapaxes(jac, 1, 2))


@pytest.mark.parametrize("process, t", [("ve", 40.0), ("vp", 3.0)])
def test_jacobian_approaches_population_at_large_t(process, t):
    spectrum = parse_spectrum("1:2,0.25:2")
    n = 20000
    basis = random_rotation(4, rng=5)
    train = sample_gaussian_manifold(spectrum, n, rng=1, basis=basis)
    cov = basis @ np.diag(spectrum.per_direction()) @ basis.T
    proc = get_process(process)
    a, delta = float(proc.a(t)), float(proc.delta(t))
    x = sample_gaussian_manifold(spectrum, 8, rng=2, basis=basis) * a \
        + np.sqrt(delta) * np.random.default_rng(3).standard_normal((8, 4))
    model = EmpiricalScore(train, process)
    jac = model.jacobian(x, t)
    population = -np.linalg.inv(a * a * cov + delta * np.eye(4))
    # J_N - J_pop = (a^2/Delta^2) (Cov_w - C/(1+SNR)). For Gaussian data the
    # posterior covariance does not depend on x, and Cov_w tends to it as
    # N -> infinity; at finite N the gap is a weighted sample-covariance error
    # with effective size ~ N e^{-sum phi} ~ 0.97 N here (SNR <= 0.025), std per
    # entry <= lambda_max sqrt(2/N) = 0.01. Allow 5 std (measured: ~1.5).
    tol = 5 * np.sqrt(2 / n) * a * a / delta**2
    assert np.abs(jac - population).max() < tol
    # The check has teeth: the deviation from -I/Delta is ~ a^2 C / Delta^2, far
    # above the tolerance, and the population value gets it right.
    assert np.abs(population + np.eye(4) / delta).max() > 8 * tol


@pytest.mark.parametrize("process", ["ve", "vp"])
def test_weights_finite_at_tiny_t_and_huge_distances(process):
    rng = np.random.default_rng(7)
    train = rng.standard_normal((50, 3))
    # Two training points 1e-4 apart: at t = 1e-8 (sqrt(Delta) = 1e-4) their
    # weights are both of order one, a non-trivial softmax.
    train[1] = train[0] + np.array([1e-4, 0.0, 0.0])
    proc = get_process(process)
    t = 1e-8
    a, delta = float(proc.a(t)), float(proc.delta(t))
    near = a * train[0] + np.sqrt(delta) * rng.standard_normal((6, 3))
    far = 1e6 * rng.standard_normal((6, 3)) / np.sqrt(3)
    model = EmpiricalScore(train, process, chunk_size=9)
    for x, rtol in ((near, 1e-6), (far, 1e-12)):
        w = model.weights(x, t)
        assert np.all(np.isfinite(w))
        np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-12)
        ref = brute_force(train, x, t, process)["w"]
        # Near: the expanded distance |x|^2 - 2a x.y + a^2|y|^2 carries an absolute
        # log-weight error ~ eps a |x||y| / Delta ~ 1e-16 * 4 / 1e-8 = 4e-8, so the
        # O(1) weights agree to ~1e-7 (rtol 1e-6). Far: the softmax is one-hot.
        np.testing.assert_allclose(w, ref, rtol=rtol, atol=1e-12)
        stats = model.statistics(x, t, own_index=np.zeros(6, dtype=int))
        for value in (stats.score, stats.effective_samples, stats.participation_ratio,
                      stats.log_density, stats.own_weight, stats.subspace_variance):
            assert np.all(np.isfinite(value))
        assert np.all(stats.effective_samples >= 1 - 1e-12)
        assert np.all(np.isfinite(model.jacobian(x, t)))
    own = model.statistics(near, t, own_index=np.zeros(6, dtype=int)).own_weight
    np.testing.assert_allclose(own, brute_force(train, near, t, process)["w"][:, 0], rtol=1e-6)


@pytest.mark.parametrize("process", ["ve", "vp"])
def test_large_common_offset_keeps_weights_precise(process):
    # Data far from the origin (|y| ~ 1e3, spread ~ 1) at t = 1e-6: expanding
    # |x - a y|^2 about the origin would carry log-weight errors
    # ~ eps |x||y| / Delta ~ 1e-16 * 1e6 / 1e-6 = 1e-4; about the data centre
    # they are ~ eps * 1 / 1e-6 = 1e-10, so weights agree to 1e-8.
    rng = np.random.default_rng(12)
    train = 1e3 + rng.standard_normal((30, 3))
    train[1] = train[0] + [2e-3, 0.0, 0.0]
    t = 1e-6
    proc = get_process(process)
    x = float(proc.a(t)) * (train[:1] + [[1e-3, 0.0, 0.0]]) \
        + np.sqrt(float(proc.delta(t))) * rng.standard_normal((4, 3)) * 0.1
    ref = brute_force(train, x, t, process)
    model = EmpiricalScore(train, process, chunk_size=7)
    w = model.weights(x, t)
    assert np.all((ref["w"][:, 0] > 0.01) & (ref["w"][:, 1] > 0.01))   # a real two-way split
    np.testing.assert_allclose(w, ref["w"], rtol=1e-8, atol=1e-300)
    # The score subtracts x ~ 1e3 from a * mean: both computations round there,
    # eps * 1e3 / Delta ~ 2e-7 absolute; allow 10x.
    delta = float(proc.delta(t))
    atol = 10 * np.finfo(float).eps * np.abs(x).max() / delta
    np.testing.assert_allclose(model.score(x, t), ref["score"], rtol=0, atol=atol)


@pytest.mark.parametrize("t", [3e-5, 1e-4, 3e-4, 1e-2])
def test_condensed_variance_keeps_relative_precision(t):
    # Two close training points, the rest far: the weighted variance is tiny
    # (~ w_2 |y_1 - y_2|^2, down to 1e-43 here) next to E_w|y|^2 ~ 10, the
    # regime where the expansion sum w y^2 - (sum w y)^2 loses every digit.
    rng = np.random.default_rng(9)
    train = 3.0 + rng.standard_normal((40, 2))
    train[1] = train[0] + [0.05, 0.0]
    x = train[:1] + [[-0.03, 0.0]]
    model = EmpiricalScore(train, "ve", chunk_size=8)
    ref = brute_force(train, x, t, "ve")
    expected = np.einsum("bii->bi", ref["cov"]).mean(axis=1)
    got = model.statistics(x, t).subspace_variance[:, 0]
    # Both from differences about the weighted mean: summation order only.
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    # Entries far below the largest are floored at ~e^-350 weights (LOG_FLOOR),
    # so compare the matrix to 1e-9 of its own scale.
    cov = model.covariance(x, t)
    np.testing.assert_allclose(cov, ref["cov"], rtol=0, atol=1e-9 * np.abs(ref["cov"]).max())
    naive = ((ref["w"] @ train**2) - ref["mean"] ** 2).mean(axis=1)
    if t <= 1e-4:
        # The check has teeth: the expansion is off by ~eps * 10 >> the variance.
        assert abs(naive[0] - expected[0]) > 0.5 * expected[0]


def test_effective_sizes_span_one_to_n():
    rng = np.random.default_rng(2)
    train = rng.standard_normal((40, 3))
    model = EmpiricalScore(train, "ve")
    x = train[:5]
    tiny = model.statistics(x, 1e-6, own_index=np.arange(5))
    # Distances between training points are O(1) >> sqrt(1e-6): one-hot weights.
    np.testing.assert_allclose(tiny.own_weight, 1.0, rtol=1e-12)
    np.testing.assert_allclose(tiny.effective_samples, 1.0, rtol=1e-9)
    huge = model.statistics(x, 1e8)
    # At t = 1e8 the log-weights differ by ~|x||y|/t ~ 1e-8: uniform to 1e-7.
    np.testing.assert_allclose(huge.effective_samples, 40, rtol=1e-6)
    np.testing.assert_allclose(huge.participation_ratio, 40, rtol=1e-6)


@settings(max_examples=25)
@given(
    seed=st.integers(0, 2**31),
    log_t=st.floats(-8, 3),
    scale=st.floats(1e-3, 1e6),
    process=st.sampled_from(["ve", "vp"]),
)
def test_weights_are_a_distribution(seed, log_t, scale, process):
    rng = np.random.default_rng(seed)
    train = rng.standard_normal((17, 3))
    x = scale * rng.standard_normal((4, 3))
    model = EmpiricalScore(train, process, chunk_size=5)
    w = model.weights(x, 10.0**log_t)
    assert np.all(np.isfinite(w)) and np.all(w >= 0)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-12)
    stats = model.statistics(x, 10.0**log_t)
    assert np.all((stats.participation_ratio >= 1 - 1e-9) & (stats.participation_ratio <= 17 + 1e-9))
    assert np.all((stats.effective_samples >= 1 - 1e-9) & (stats.effective_samples <= 17 + 1e-9))
    # Shannon effective size is never below the participation ratio (Renyi order).
    assert np.all(stats.effective_samples >= stats.participation_ratio * (1 - 1e-9))


def test_single_point_input_keeps_its_shape(small_set):
    train, x = small_set
    model = EmpiricalScore(train)
    assert model.score(x[0], 0.1).shape == (4,)
    np.testing.assert_array_equal(model.score(x[0], 0.1), model.score(x[:1], 0.1)[0])
    assert model.jacobian(x[0], 0.1).shape == (4, 4)


@pytest.mark.parametrize("kwargs, message", [
    (dict(train=np.zeros(3)), "shape"),
    (dict(train=np.array([[0.0, np.nan]])), "finite"),
    (dict(train=np.zeros((2, 2)), chunk_size=0), "chunk_size"),
    (dict(train=np.zeros((2, 2)), process="ddpm"), "unknown process"),
    (dict(train=np.zeros((2, 2)), basis=np.ones((2, 2))), "orthonormal"),
    (dict(train=np.zeros((2, 2)), subspace_index=[0, 2]), "skips"),
    (dict(train=np.zeros((2, 2)), subspace_index=[0]), "subspace_index"),
])
def test_bad_construction_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EmpiricalScore(**kwargs)


def test_bad_calls_raise(small_set):
    train, x = small_set
    model = EmpiricalScore(train)
    for t in (0.0, -1.0, np.nan, np.inf, "soon"):
        with pytest.raises(ValueError, match="t must be"):
            model.score(x, t)
    with pytest.raises(ValueError, match=r"shape \(B, 4\)"):
        model.score(np.zeros((2, 3)), 1.0)
    with pytest.raises(ValueError, match="finite"):
        model.jacobian(np.full((1, 4), np.inf), 1.0)
    with pytest.raises(ValueError, match="own_index"):
        model.statistics(x, 1.0, own_index=np.full(9, 60))
    with pytest.raises(ValueError, match="own_index"):
        model.statistics(x, 1.0, own_index=[0, 1])
