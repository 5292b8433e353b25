"""Tests of the exact and black-box spectrum probes."""

import numpy as np
import pytest

from numerics.data import sample_gaussian_manifold
from numerics.empirical_score import EmpiricalScore
from numerics.probes import (blackbox_spectrum, jacobian_spectrum, normalized_singular_values,
                             probe_points, spectra_along_trajectories)
from numerics.samplers import time_grid
from theory.processes import get_process
from theory.spectrum import parse_spectrum

SPECTRUM = parse_spectrum("1:2,0.1:2,0.001:2")


def population(process):
    proc = get_process(process)
    lam = SPECTRUM.per_direction()

    def score(x, t):
        return -x / (float(proc.a(t)) ** 2 * lam + float(proc.delta(t)))

    return score


@pytest.mark.parametrize("process", ["ve", "vp"])
@pytest.mark.parametrize("centered", [False, True])
def test_blackbox_is_exact_for_a_linear_score(process, centered):
    # For s(x) = -M x the centred stack is -sigma Q M exactly; at the origin the
    # uncentred one is the same (s(0) = 0). Singular values of Q M = those of M:
    # 1/(Delta + a^2 lambda), i.e. 1/(1 + SNR) in units of 1/Delta (THEORY §3),
    # normalised by the largest (no exact normal direction here), to rounding.
    t = 0.05
    proc = get_process(process)
    expected = np.sort(1 / (1 + proc.snr(t, SPECTRUM.per_direction())))[::-1]
    expected /= expected[0]
    got = blackbox_spectrum(population(process), np.zeros(6), t, sigma=0.3, rng=1,
                            centered=centered)
    np.testing.assert_allclose(got, expected, rtol=1e-10)


@pytest.mark.parametrize("process", ["ve", "vp"])
def test_blackbox_agrees_with_exact_jacobian_of_empirical_score(process):
    train = sample_gaussian_manifold(SPECTRUM, 300, rng=0)
    model = EmpiricalScore(train, process)
    t = 0.02
    points = probe_points("training", t, 3, process=process, train=train, rng=1)
    exact = jacobian_spectrum(model, points, t)
    delta = float(get_process(process).delta(t))
    errors = []
    for scale in (1e-3, 1e-4):
        # A forward difference of size sigma: the stack is sigma Q J^T +
        # (sigma^2/2) d2s[q, q], so the normalised spectrum is off by O(sigma |d2s| / |J|);
        # with |d2s| / |J| ~ a / Delta^(1/2) the error is ~ sigma / sqrt(Delta), i.e.
        # ~ the relative step `scale`. Rounding adds eps |s| / (sigma |J|) ~ 1e-10.
        sigma = scale * np.sqrt(delta)
        probe = blackbox_spectrum(model.score, points, t, sigma=sigma, rng=2, centered=True)
        errors.append(np.abs(probe - exact).max())
        # Measured ~0.2 * scale on these points; 2 * scale keeps a 10x margin.
        assert errors[-1] < 2 * scale
    # First order in sigma: ten times smaller steps, about ten times smaller error.
    assert errors[1] < 0.3 * errors[0]


def test_uncentred_probe_spends_the_top_value_on_the_mean_score():
    train = sample_gaussian_manifold(SPECTRUM, 200, rng=3)
    model = EmpiricalScore(train, "ve")
    t = 0.05
    x0 = probe_points("fresh", t, 1, spectrum=SPECTRUM, rng=4)[0] + 3.0
    sigma = 1e-4
    raw = blackbox_spectrum(model.score, x0, t, sigma=sigma, rng=5)
    # |s(x0)| sqrt(D) ~ 3 sqrt(6) / t >> sigma |J| ~ sigma / t: one huge value,
    # the rest O(sigma / |s|) after normalising.
    assert raw[1] < 1e-3
    dropped = blackbox_spectrum(model.score, x0, t, sigma=sigma, rng=5, drop_top=1)
    np.testing.assert_allclose(dropped, raw[1:] / raw[1], rtol=1e-12)


def test_exact_spectrum_loses_all_dimensions_at_small_t():
    # THEORY §4: once the weights condense on one point Cov_w -> 0 and every
    # direction reads like a normal one: all normalised singular values -> 1.
    train = sample_gaussian_manifold(SPECTRUM, 100, rng=6)
    model = EmpiricalScore(train, "ve")
    t = 1e-6
    x = probe_points("training", t, 4, train=train, rng=7)
    spec = jacobian_spectrum(model, x, t)
    # Neighbours are >~1e-2 apart (6-D, 100 points) vs sqrt(t) = 1e-3: the
    # second weight is < e^-50, so Cov_w is negligible against 1/Delta.
    np.testing.assert_allclose(spec, 1.0, atol=1e-10)
    # At large t the spectrum follows the population: 1/(1 + SNR) per direction.
    big = jacobian_spectrum(model, probe_points("origin", 10.0, 1, dim=6), 10.0)[0]
    assert big[-1] < 0.95 and big[0] == 1.0


def test_spectra_along_trajectories_and_probe_points():
    train = sample_gaussian_manifold(SPECTRUM, 50, rng=8)
    model = EmpiricalScore(train, "vp")
    res = spectra_along_trajectories(model, time_grid(3.0, 1e-5, 80), 4, process="vp",
                                     rng=9, record_times=[0.3, 1e-5], kind="ode")
    spec = res.records["spectrum"]
    assert spec.shape == (2, 4, 6)
    # End of the flow: on a training point, every direction lost (all ~1; the
    # second weight is at most ~exp(-1e-2 / 1e-5) here).
    np.testing.assert_allclose(spec[-1], 1.0, atol=1e-6)
    # At t ~ 0.3 the variance-1 directions have SNR ~ 1: their values ~ 1/2
    # (population 1/(1 + SNR); 50 points blur it, not by a factor two).
    assert np.all(spec[0][:, -1] < 0.8)
    fresh = probe_points("fresh", 0.5, 5, process="vp", spectrum=SPECTRUM, rng=1)
    np.testing.assert_array_equal(fresh, probe_points("fresh", 0.5, 5, process="vp",
                                                      spectrum=SPECTRUM, rng=1))
    assert probe_points("origin", 0.5, 2, spectrum=SPECTRUM).shape == (2, 6)


def test_bad_input_raises():
    linear = population("ve")
    with pytest.raises(ValueError, match="sigma"):
        blackbox_spectrum(linear, np.zeros(6), 1.0, sigma=0)
    with pytest.raises(ValueError, match="t must"):
        blackbox_spectrum(linear, np.zeros(6), -1.0, sigma=0.1)
    with pytest.raises(ValueError, match="drop_top"):
        normalized_singular_values(np.eye(3), drop_top=3)
    with pytest.raises(ValueError, match="zero"):
        normalized_singular_values(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="shape"):
        blackbox_spectrum(lambda x, t: x[:, :2], np.zeros(6), 1.0, sigma=0.1)
    with pytest.raises(ValueError, match="probe kind"):
        probe_points("manifold", 1.0, 2, dim=3)
    with pytest.raises(ValueError, match="spectrum"):
        probe_points("fresh", 1.0, 2)
    with pytest.raises(ValueError, match="kind"):
        spectra_along_trajectories(EmpiricalScore(np.zeros((2, 6))), [1.0, 0.5], 2, kind="x")
