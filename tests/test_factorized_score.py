"""Tests of the factorised empirical score (THEORY §5, factorised model)."""

import itertools

import numpy as np
import pytest

from numerics.data import random_rotation
from numerics.empirical_score import EmpiricalScore
from numerics.factorized_score import FactorizedScore
from theory.spectrum import parse_spectrum


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(4)
    train = rng.standard_normal((6, 5)) * np.array([1.0, 1.0, 0.4, 0.4, 0.1])
    x = rng.standard_normal((7, 5))
    return train, x


def recombined(train, subspace_index, basis):
    """All N^K recombinations of the per-subspace projections, in coordinates."""
    coords = train @ basis
    groups = [np.flatnonzero(subspace_index == k) for k in range(subspace_index.max() + 1)]
    points = []
    for choice in itertools.product(range(len(train)), repeat=len(groups)):
        c = np.empty(train.shape[1])
        for mu, cols in zip(choice, groups):
            c[cols] = coords[mu, cols]
        points.append(basis @ c)
    return np.array(points)


@pytest.mark.parametrize("process", ["ve", "vp"])
def test_one_subspace_is_the_joint_score(data, process):
    train, x = data
    basis = random_rotation(5, rng=1)
    joint = EmpiricalScore(train, process, basis=basis)
    fact = FactorizedScore(train, np.zeros(5, dtype=int), process, basis=basis)
    for t in (1e-3, 0.2, 5.0):
        # The only difference is the rotation x @ U, train @ U and back: rounding.
        np.testing.assert_allclose(fact.score(x, t), joint.score(x, t), rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(fact.jacobian(x, t), joint.jacobian(x, t), rtol=1e-8, atol=1e-6)
        fs = fact.statistics(x, t, own_index=np.arange(7) % 6)
        js = joint.statistics(x, t, own_index=np.arange(7) % 6)
        np.testing.assert_allclose(fs.effective_samples[:, 0], js.effective_samples, rtol=1e-9)
        np.testing.assert_allclose(fs.participation_ratio[:, 0], js.participation_ratio, rtol=1e-9)
        np.testing.assert_allclose(fs.own_weight[:, 0], js.own_weight, rtol=1e-8, atol=1e-300)
        np.testing.assert_allclose(fs.subspace_variance[:, 0], js.subspace_variance[:, 0],
                                   rtol=1e-8, atol=1e-14)


@pytest.mark.parametrize("process", ["ve", "vp"])
@pytest.mark.parametrize("rotate", [False, True])
def test_score_of_the_product_of_marginals(data, process, rotate):
    # The defining property: the factorised score is the joint empirical score
    # of the N^K recombined training set.
    train, x = data
    index = np.array([0, 0, 1, 1, 2])
    basis = random_rotation(5, rng=2) if rotate else np.eye(5)
    fact = FactorizedScore(train, index, process, basis=basis if rotate else None)
    product = EmpiricalScore(recombined(train, index, basis), process)
    for t in (2e-3, 0.1, 2.0):
        scale = np.abs(product.score(x, t)).max()
        # Same sums factorised differently: agreement to rounding of the largest term.
        np.testing.assert_allclose(fact.score(x, t), product.score(x, t), rtol=0, atol=1e-10 * scale)
        jscale = np.abs(product.jacobian(x, t)).max()
        np.testing.assert_allclose(fact.jacobian(x, t), product.jacobian(x, t), rtol=0,
                                   atol=1e-10 * jscale)
        # Effective sizes multiply over independent subspaces (product measure).
        joint_stats = product.statistics(x, t)
        fstats = fact.statistics(x, t)
        np.testing.assert_allclose(fstats.effective_samples.prod(axis=1),
                                   joint_stats.effective_samples, rtol=1e-8)
        np.testing.assert_allclose(fstats.participation_ratio.prod(axis=1),
                                   joint_stats.participation_ratio, rtol=1e-8)


def test_jacobian_is_block_diagonal_in_the_basis(data):
    train, x = data
    basis = random_rotation(5, rng=3)
    index = np.array([1, 0, 1, 0, 2])
    fact = FactorizedScore(train, index, basis=basis)
    jac_basis = basis.T @ fact.jacobian(x, 0.3) @ basis
    cross = index[:, None] != index[None, :]
    scale = np.abs(jac_basis).max()
    # Cross-subspace blocks vanish up to the rounding of two rotations.
    assert np.abs(jac_basis[:, cross]).max() < 1e-12 * scale
    assert np.abs(jac_basis[:, ~cross]).max() > 0.1 * scale


def test_subspaces_condense_separately():
    # A wide subspace (variance 1) next to a narrow one (variance 1e-8): at
    # t = 1e-4 the narrow projections are all within ~sqrt(t) of each other,
    # so the narrow subspace keeps many samples while the wide one has one.
    rng = np.random.default_rng(0)
    spectrum = parse_spectrum("1:2,1e-8:2")
    train = rng.standard_normal((30, 4)) * np.sqrt(spectrum.per_direction())
    fact = FactorizedScore(train, spectrum, "ve")
    x = train[:5].copy()
    x[:, :2] += 1e-2 * rng.standard_normal((5, 2))
    stats = fact.statistics(x, 1e-4, own_index=np.arange(5))
    # Wide: neighbours are O(1) apart vs sqrt(t) = 0.01, so weights are one-hot
    # up to exp(-O(1)/1e-4); own weight 1 to double precision.
    np.testing.assert_allclose(stats.own_weight[:, 0], 1.0, rtol=1e-12)
    # Narrow: squared distances <~ 3e-7 << 2t = 2e-4, log-weights within
    # ~2e-3 of each other, so weights and effective size are uniform to 1%.
    np.testing.assert_allclose(stats.effective_samples[:, 1], 30, rtol=1e-2)
    np.testing.assert_allclose(stats.own_weight[:, 1], 1 / 30, rtol=1e-2)


def test_bad_input_raises(data):
    train, x = data
    with pytest.raises(ValueError, match="subspace_index"):
        FactorizedScore(train, [0, 1])
    with pytest.raises(ValueError, match="skips"):
        FactorizedScore(train, [0, 0, 2, 2, 2])
    with pytest.raises(ValueError, match="shape"):
        FactorizedScore(train[0], [0])
    fact = FactorizedScore(train, [0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="t must be"):
        fact.score(x, 0.0)
    with pytest.raises(ValueError, match=r"shape \(B, 5\)"):
        fact.score(x[:, :3], 1.0)
