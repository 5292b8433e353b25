"""Dimension estimators on cases with a known answer, and their mutual agreement."""

import math

import numpy as np
import pytest

from numerics.data import random_rotation, sample_gaussian_manifold
from numerics.estimators import (
    flipd, flipd_dimension, jacobian_singular_values, largest_gap_dimension, log_gap_dimension,
    normal_bundle_dimension, paper_dimension,
)
from theory.processes import get_process
from theory.spectrum import parse_spectrum


class ExactGaussianScore:
    """Population score of a rotated Gaussian manifold: s(x) = -(a^2 C + Delta I)^{-1} x."""

    def __init__(self, spec, process="ve", rng=0):
        self.spectrum = parse_spectrum(spec)
        self.lam = self.spectrum.per_direction()
        self.basis = random_rotation(self.lam.size, rng=rng)
        self.process = get_process(process)

    def precision(self, t):
        a2, delta = float(self.process.a(t)) ** 2, float(self.process.delta(t))
        return (self.basis / (a2 * self.lam + delta)) @ self.basis.T

    def score(self, x, t):
        return -x @ self.precision(t)

    def jacobian(self, x, t):
        return np.broadcast_to(-self.precision(t), (len(x), self.lam.size, self.lam.size))

    def jacobian_trace(self, x, t):
        return np.full(len(x), -np.trace(self.precision(t)))

    def points(self, n, rng):
        return sample_gaussian_manifold(self.spectrum, n, rng=rng, basis=self.basis)


def test_gap_rules_on_hand_made_spectra():
    s = np.random.default_rng(0).permutation([3.0] * 4 + [0.3] * 6)  # unsorted, unnormalised
    assert largest_gap_dimension(s) == 6
    assert log_gap_dimension(s) == 6
    assert paper_dimension(s) == 6
    flat = [1.0, 0.97, 0.95, 0.93, 0.9, 0.88]
    assert largest_gap_dimension(flat) == log_gap_dimension(flat) == paper_dimension(flat) == 0
    # A gap before the very last direction: one tangent direction.
    last = [1.0] * 8 + [0.05]
    assert largest_gap_dimension(last) == log_gap_dimension(last) == paper_dimension(last) == 1
    batch = np.array([[1, 1, 0.1], [1, 0.1, 0.1]])
    assert largest_gap_dimension(batch).tolist() == [1, 2]


def test_two_subspaces_rules_differ_as_documented():
    # "1:2,0.1:3,0:5" at VE t = 0.03: normalised values 1 (x5), 0.23 (x3), 0.029 (x2).
    values = 1.0 / (1.0 + parse_spectrum("1:2,0.1:3,0:5").per_direction() / 0.03)
    assert largest_gap_dimension(values) == 5
    # The log rule sees the larger ratio 0.23 / 0.029 and counts the strong directions only.
    assert log_gap_dimension(values) == 2
    # The paper's ratio test needs long plateaus: two gaps in 9 kept values
    # make the median of |second differences| 0.1, and no spike reaches 10x it.
    assert paper_dimension(values) == 0
    assert paper_dimension(values, factor=5) == 5


def test_thresholds_decide_no_gap():
    values = [1.0] * 5 + [0.8] * 5
    assert largest_gap_dimension(values) == 0
    assert largest_gap_dimension(values, min_gap=0.1) == 5
    assert log_gap_dimension(values) == 0
    assert log_gap_dimension(values, min_log_gap=0.1) == 5
    assert paper_dimension(values) == 0
    assert paper_dimension(values, min_spike=0.1) == 5


@pytest.mark.parametrize("process", ["ve", "vp"])
def test_flipd_equals_its_gaussian_closed_form(process):
    exact = ExactGaussianScore("1:2,0.1:3,0:5", process, rng=1)
    x0 = exact.points(6, rng=2)
    t = 0.03
    proc = get_process(process)
    a, delta = float(proc.a(t)), float(proc.delta(t))
    snr = a * a * exact.lam / delta
    # In the eigenbasis: LID = sum q/(1+q) + Delta a^2 y_i^2 / (a^2 lambda_i + Delta)^2.
    y = x0 @ exact.basis
    closed = np.sum(snr / (1 + snr) + delta * a * a * y**2 / (a * a * exact.lam + delta) ** 2, axis=1)
    measured = flipd(exact.score, exact.jacobian_trace, x0, t, process=process)
    np.testing.assert_allclose(measured, closed, rtol=1e-12)


@pytest.mark.parametrize("process", ["ve", "vp"])
def test_flipd_counts_resolved_directions(process):
    exact = ExactGaussianScore("1:3,0:4", process, rng=3)
    x0 = exact.points(20, rng=4)
    small = flipd_dimension(exact.score, exact.jacobian_trace, x0, 1e-4, process=process)
    assert small.tolist() == [3] * 20
    # Large t: every SNR tiny, LID -> 0 (VE t = 100: LID <= 3 * (0.01 + 0.04) < 0.5).
    large_t = 100.0 if process == "ve" else 5.0
    large = flipd_dimension(exact.score, exact.jacobian_trace, x0, large_t, process=process)
    assert large.tolist() == [0] * 20


@pytest.mark.parametrize("process", ["ve", "vp"])
def test_normal_bundle_on_exact_score(process):
    exact = ExactGaussianScore("1:3,0:4", process, rng=5)
    x0 = exact.points(5, rng=6)
    dims, values = normal_bundle_dimension(exact.score, x0, 1e-3, process=process, rng=7,
                                           return_singular_values=True)
    assert dims.tolist() == [3] * 5, values
    # Large t: the perturbations dwarf the manifold, the stacked scores are isotropic.
    large_t = 100.0 if process == "ve" else 5.0
    far = normal_bundle_dimension(exact.score, x0, large_t, process=process, rng=7)
    assert far.tolist() == [0] * 5


@pytest.mark.parametrize("process", ["ve", "vp"])
@pytest.mark.parametrize("spec, dim", [("1:3,0:4", 3), ("0.5:2,0.3:1,0:5", 3), ("1:6,0:2", 6)])
def test_estimators_agree_on_exact_gaussian_spectrum(process, spec, dim):
    # At VE time 1e-3 (or the VP time with the same SNRs) every tangent
    # direction has SNR >= 300 and reads <= 0.0034, normal ones read 1:
    # every gap is open, and all four estimators must give the true dimension.
    proc = get_process(process)
    t = float(proc.from_ve_time(1e-3))
    exact = ExactGaussianScore(spec, process, rng=8)
    x0 = exact.points(4, rng=9)
    values = jacobian_singular_values(exact.jacobian(x0, t))
    expected_values = np.sort(1 / (1 + proc.snr(t, exact.lam)))[::-1]
    np.testing.assert_allclose(values, np.broadcast_to(expected_values, values.shape), rtol=1e-9)
    results = {
        "largest gap": largest_gap_dimension(values).tolist(),
        "log gap": log_gap_dimension(values).tolist(),
        "paper": paper_dimension(values).tolist(),
        "normal bundle": normal_bundle_dimension(exact.score, x0, t, process=process, rng=10).tolist(),
        "flipd": flipd_dimension(exact.score, exact.jacobian_trace, x0, t, process=process).tolist(),
    }
    assert all(r == [dim] * 4 for r in results.values()), results


def test_validation():
    with pytest.raises(ValueError, match="min_gap"):
        largest_gap_dimension([1, 0.5], min_gap=0)
    with pytest.raises(ValueError, match="all zero"):
        paper_dimension([0.0, 0.0])
    with pytest.raises(ValueError, match="finite"):
        log_gap_dimension([1.0, math.nan])
    with pytest.raises(ValueError, match="drop_top"):
        paper_dimension([1, 0.5], drop_top=-1)
    with pytest.raises(ValueError, match="t must be"):
        flipd(lambda x, t: x, lambda x, t: x[:, 0], np.zeros(2), 0.0)
    with pytest.raises(ValueError, match="shape"):
        normal_bundle_dimension(lambda x, t: x[:, :1], np.zeros(2), 0.1, rng=0)
