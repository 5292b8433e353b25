"""Tests of the reverse-time samplers and start points."""

import numpy as np
import pytest

from numerics.empirical_score import EmpiricalScore
from numerics.factorized_score import FactorizedScore
from numerics.metrics import memorized_fraction, nearest_training_distances
from numerics.samplers import (fresh_points, noised_training_points, probability_flow,
                               reverse_sde, time_grid)
from theory.processes import get_process
from theory.spectrum import parse_spectrum

LAMBDA = np.array([1.0, 0.1, 0.01])
T_START = {"ve": 10.0, "vp": 3.0}


def population_score(process):
    proc = get_process(process)

    def score(x, t):
        a, delta = float(proc.a(t)), float(proc.delta(t))
        return -x / (a * a * LAMBDA + delta)

    return score


def test_time_grid_is_geometric_and_exact_at_the_ends():
    grid = time_grid(10.0, 1e-4, 50)
    assert grid[0] == 10.0 and grid[-1] == 1e-4 and grid.size == 51
    ratios = grid[1:] / grid[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-12)
    for bad in [(1.0, 2.0, 5), (1.0, 0.0, 5), (1.0, 0.1, 0), (np.nan, 0.1, 3), (1.0, 0.1, 2.5)]:
        with pytest.raises(ValueError):
            time_grid(*bad)


@pytest.mark.parametrize("process", ["ve", "vp"])
@pytest.mark.parametrize("sampler", ["sde", "heun"])
def test_gaussian_population_score_gives_the_marginal(process, sampler):
    # Start exactly from p_T of N(0, diag(LAMBDA)); the reverse dynamics must
    # reproduce p_t at t_min: variance a^2 lambda + Delta per direction.
    proc = get_process(process)
    t_max, t_min, n = T_START[process], 1e-2, 20000
    a, delta = float(proc.a(t_max)), float(proc.delta(t_max))
    start = np.random.default_rng(0).standard_normal((n, 3)) * np.sqrt(a * a * LAMBDA + delta)
    grid = time_grid(t_max, t_min, 400)
    if sampler == "sde":
        result = reverse_sde(population_score(process), grid, start, process=process, rng=1)
    else:
        result = probability_flow(population_score(process), grid, start, process=process,
                                  method="heun")
    target = float(proc.a(t_min)) ** 2 * LAMBDA + float(proc.delta(t_min))
    # Sample variance of n = 20000 Gaussians: relative std sqrt(2/n) = 1%; allow
    # 4 std plus 2% for the O(log(T/t_min) / steps) discretisation bias.
    np.testing.assert_allclose(result.samples.var(axis=0), target, rtol=0.06)
    # Sample mean: std sqrt(target / n) per direction; 4 std.
    assert np.all(np.abs(result.samples.mean(axis=0)) < 4 * np.sqrt(target / n))


@pytest.mark.parametrize("process", ["ve", "vp"])
@pytest.mark.parametrize("kind", ["sde", "ode"])
def test_samples_land_on_training_points(process, kind):
    # At t -> 0 the empirical score sends every trajectory to a training point.
    rng = np.random.default_rng(3)
    train = rng.standard_normal((20, 4))
    model = EmpiricalScore(train, process)
    grid = time_grid(T_START[process], 1e-6, 300)
    run = reverse_sde if kind == "sde" else probability_flow
    result = run(model.score, grid, 64, process=process, rng=5)
    # Deterministic outcome: the spread around the end point is sqrt(D Delta_min)
    # ~ 2e-3, while training points are O(1) apart: every ratio is < 1/3.
    assert memorized_fraction(result.samples, train) == 1.0
    assert nearest_training_distances(result.samples, train, 1)[0].max() < 0.05


def test_factorized_samples_recombine_subspaces():
    # The factorised score memorises each subspace separately: samples sit on a
    # recombination (subspace 1 of y^mu, subspace 2 of y^nu), not necessarily
    # on a training point.
    rng = np.random.default_rng(8)
    train = rng.standard_normal((6, 4))
    index = np.array([0, 0, 1, 1])
    model = FactorizedScore(train, index, "ve")
    result = reverse_sde(model.score, time_grid(20.0, 1e-6, 300), 200, rng=2)
    for cols in (slice(0, 2), slice(2, 4)):
        # Each projection lands on a projected training point (same argument).
        assert memorized_fraction(result.samples[:, cols], train[:, cols]) == 1.0
    # With 6 x 6 recombinations and 200 samples, a fair share miss the 6 originals
    # (expected 5/6 of them); more than 1/2 is far beyond sampling noise.
    on_original = nearest_training_distances(result.samples, train, 1)[0][:, 0] < 0.05
    assert np.mean(~on_original) > 0.5


def test_recording_and_reproducibility():
    rng = np.random.default_rng(0)
    train = rng.standard_normal((10, 3))
    model = EmpiricalScore(train, "vp")
    grid = time_grid(2.0, 1e-3, 40)
    record = {"x": lambda x, t: x.copy(), "t": lambda x, t: t}
    one = reverse_sde(model.score, grid, 5, process="vp", rng=11, record=record)
    two = reverse_sde(model.score, grid, 5, process="vp", rng=11, record=record)
    np.testing.assert_array_equal(one.samples, two.samples)
    np.testing.assert_array_equal(one.records["x"], two.records["x"])
    assert one.records["x"].shape == (41, 5, 3)
    np.testing.assert_array_equal(one.records["t"], grid)
    np.testing.assert_array_equal(one.records["x"][-1], one.samples)
    other = reverse_sde(model.score, grid, 5, process="vp", rng=12)
    assert not np.allclose(other.samples, one.samples)
    # A Generator is used as given (state advances); start points from model.train.
    gen = np.random.default_rng(11)
    three = reverse_sde(model.score, grid, 5, process="vp", rng=gen)
    np.testing.assert_array_equal(three.samples, one.samples)
    snapped = probability_flow(model.score, grid, 5, process="vp", rng=1,
                               record={"n": lambda x, t: len(x)}, record_times=[2.0, 0.1, 1e-3])
    assert snapped.times[0] == 2.0 and snapped.times[-1] == 1e-3 and snapped.times.size == 3
    assert abs(np.log(snapped.times[1] / 0.1)) <= 0.5 * np.log(grid[0] / grid[1]) + 1e-12


def test_start_points():
    train = np.arange(12.0).reshape(4, 3)
    x1, mu1 = noised_training_points(train, 0.3, 6, "vp", rng=4)
    x2, mu2 = noised_training_points(train, 0.3, 6, "vp", rng=4)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(mu1, mu2)
    # Common random numbers: same mu and z at another time.
    z = np.random.default_rng(1).standard_normal((6, 3))
    xa, _ = noised_training_points(train, 0.1, 6, "ve", index=mu1, noise=z)
    np.testing.assert_allclose(xa, train[mu1] + np.sqrt(0.1) * z, rtol=1e-15)
    # Residuals of many draws are standard normal: mean within 5 std (1/sqrt(3n)).
    n = 30000
    x, mu = noised_training_points(train, 0.5, n, "vp", rng=0)
    proc = get_process("vp")
    z = (x - float(proc.a(0.5)) * train[mu]) / np.sqrt(float(proc.delta(0.5)))
    assert abs(z.mean()) < 5 / np.sqrt(3 * n)
    # Variance of 3n unit normals: relative std sqrt(2/(3n)) ~ 0.5%; 5 std.
    assert abs(z.var() - 1) < 5 * np.sqrt(2 / (3 * n))
    assert set(np.unique(mu)) == {0, 1, 2, 3}


@pytest.mark.parametrize("process", ["ve", "vp"])
def test_fresh_points_have_the_population_covariance(process):
    spectrum = parse_spectrum("1:1,0.1:1,0:1")
    n = 40000
    x = fresh_points(spectrum, 0.2, n, process, rng=9)
    proc = get_process(process)
    target = float(proc.a(0.2)) ** 2 * spectrum.per_direction() + float(proc.delta(0.2))
    # Relative std of a sample variance sqrt(2/n) = 0.7%; allow 5 std.
    np.testing.assert_allclose(x.var(axis=0), target, rtol=5 * np.sqrt(2 / n))
    np.testing.assert_array_equal(fresh_points(spectrum, 0.2, 3, process, rng=1),
                                  fresh_points(spectrum, 0.2, 3, process, rng=1))


def test_bad_input_raises():
    train = np.zeros((3, 2))
    model = EmpiricalScore(train)
    grid = time_grid(1.0, 0.1, 3)
    with pytest.raises(ValueError, match="decrease"):
        reverse_sde(model.score, grid[::-1], 2)
    with pytest.raises(ValueError, match="train"):
        reverse_sde(lambda x, t: -x, grid, 2)
    with pytest.raises(ValueError, match="callable"):
        reverse_sde(model.score, grid, 2, record={"bad": 3})
    with pytest.raises(ValueError, match="method"):
        probability_flow(model.score, grid, 2, method="rk4")
    with pytest.raises(ValueError, match="start"):
        reverse_sde(model.score, grid, np.zeros(2))
    with pytest.raises(ValueError, match="index"):
        noised_training_points(train, 1.0, 2, index=[0, 3])
    with pytest.raises(ValueError, match="t must be"):
        noised_training_points(train, -1.0, 2)
    with pytest.raises(ValueError, match="n must be"):
        fresh_points(parse_spectrum("1:2"), 1.0, 0)
