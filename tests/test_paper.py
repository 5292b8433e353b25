"""Tests of :mod:`theory.paper`: the seed paper's per-direction criterion (THEORY §6).

Independent route: the formulas of THEORY §6 re-implemented by hand in NumPy
in this file (``_paper_sigma_by_hand``), and S, L computed from the spectrum
text directly.
"""

import math

import numpy as np
import pytest
import sympy as sp

from theory import symbols as sy
from theory.factorized import factorized_times
from theory.paper import (derive_critical_time, derive_fixed_point, derive_phi_paper,
                          paper_constants, paper_singular_values, paper_times)
from theory.spectrum import PAPER_SPECTRUM, Spectrum, parse_spectrum


def _paper_sigma_by_hand(t, spectrum, n, g):
    # THEORY §6, VE, written out directly (t a scalar > 0)
    lam_dir = spectrum.per_direction()
    S = float(np.sum(lam_dir**2) / 2)
    L = 2 * math.log(n)
    weight = float(np.sum(lam_dir / (t**2 * (t + lam_dir))))
    tc0 = math.sqrt(g * S / L)
    phi0 = g * max(0.0, 1 / t - (1 / tc0 if tc0 > 0 else 0.0))
    out = []
    for lam in spectrum.variances:
        tci = math.sqrt((g * S + t * lam) / L)
        phi_i = max(0.0, 1 / t - (1 / tci if tci > 0 else 0.0))
        v = weight * (phi0 + phi_i)
        out.append(math.sqrt((t + lam) ** -2 + v**2))
    return np.array(out)


# -- derivations ---------------------------------------------------------------
def test_critical_time_form():
    assert sp.simplify(derive_critical_time() - sp.sqrt((sy.g * sy.S + sy.t * sy.lam) / sy.L)) == 0
    assert sp.simplify(derive_critical_time(False) - sp.sqrt(sy.g * sy.S / sy.L)) == 0


def test_fixed_point_solves_t_equals_tc():
    t_star = derive_fixed_point("ve")
    tc_at_star = derive_critical_time().subs(sy.t, t_star)
    # SymPy does not denest sqrt(... + lambda*sqrt(...)) on its own, so compare
    # squares: both sides are positive (t* is a sum of positive terms, t_c a
    # square root), hence t*^2 == t_c(t*)^2 implies t* == t_c(t*).
    assert t_star.is_positive and tc_at_star.is_nonnegative
    assert sp.simplify(sp.expand(t_star**2 - tc_at_star**2)) == 0
    # and numerically at a few points (rel 1e-13, float64 evaluation)
    for vals in ({sy.lam: 1.0, sy.g: 1, sy.S: 3.0, sy.L: 2.0},
                 {sy.lam: 0.09, sy.g: 1, sy.S: 1.02, sy.L: 13.8}):
        assert float(t_star.subs(vals)) == pytest.approx(float(tc_at_star.subs(vals)), rel=1e-13)
    # and it is the closed form of THEORY §6
    closed = (sy.lam + sp.sqrt(sy.lam**2 + 4 * sy.g * sy.S * sy.L)) / (2 * sy.L)
    assert sp.simplify(t_star - closed) == 0
    # positive at a few numeric points (the other root is negative)
    for vals in ({sy.lam: 1, sy.g: 1, sy.S: 3, sy.L: 2}, {sy.lam: 1e-4, sy.g: 0, sy.S: 1, sy.L: 9}):
        assert float(t_star.subs(vals)) > 0


def test_fixed_point_with_g_zero():
    assert sp.simplify(derive_fixed_point("ve").subs(sy.g, 0) - sy.lam / sy.L) == 0
    # L = 2 ln N: t* = lambda/(2 ln N)
    for n in (2, 1000, 1e8):
        np.testing.assert_allclose(paper_times(PAPER_SPECTRUM, n, g=0),
                                   np.array(PAPER_SPECTRUM.variances) / (2 * math.log(n)),
                                   rtol=1e-14)


def test_fixed_point_vp_through_time_map():
    closed = sp.log(1 + derive_fixed_point("ve")) / 2
    assert sp.simplify(derive_fixed_point("vp") - closed) == 0


def test_phi_paper_form():
    expected = sp.Max(0, 1 / sy.t - 1 / sp.sqrt((sy.g * sy.S + sy.t * sy.lam) / sy.L))
    vals = {sy.L: 2.0, sy.S: 0.7, sy.g: 1}
    for t in (0.01, 0.3, 1.0, 5.0):
        for lam in (1e-4, 1.0):
            v = {**vals, sy.t: t, sy.lam: lam}
            assert float(derive_phi_paper().subs(v)) == pytest.approx(float(expected.subs(v)),
                                                                     rel=1e-14, abs=1e-300)


# -- numerics ------------------------------------------------------------------
def test_paper_constants_by_hand():
    spec = parse_spectrum("1:2,0.09:5,1e-4:23")
    S, L = paper_constants(spec, 1000)
    # S = sum_j lambda_j^2/2 over directions = (2*1 + 5*0.0081 + 23*1e-8)/2
    assert S == pytest.approx((2 * 1.0 + 5 * 0.09**2 + 23 * 1e-8) / 2, rel=1e-15)
    assert L == pytest.approx(2 * math.log(1000), rel=1e-15)


@pytest.mark.parametrize("n", [2, 1000, 1e8])
def test_paper_times_g1_closed_form(n):
    spec = parse_spectrum("1:2,0.09:5,1e-4:23")
    S = (2 * 1.0**2 + 5 * 0.09**2 + 23 * 1e-4**2) / 2      # by hand
    L = 2 * math.log(n)
    expected = np.array([(lam + math.sqrt(lam**2 + 4 * S * L)) / (2 * L)
                         for lam in (1.0, 0.09, 1e-4)])
    # a handful of float64 operations: rel 1e-13
    np.testing.assert_allclose(paper_times(spec, n, g=1), expected, rtol=1e-13)
    np.testing.assert_allclose(paper_times(spec, n, g=1, process="vp"), np.log1p(expected) / 2,
                               rtol=1e-13)


def test_paper_times_n_one_and_validation():
    assert np.isinf(paper_times(PAPER_SPECTRUM, 1)).all()
    for bad in (-1.0, np.nan, np.inf):
        with pytest.raises(ValueError):
            paper_times(PAPER_SPECTRUM, 1000, g=bad)
        with pytest.raises(ValueError):
            paper_singular_values(1.0, PAPER_SPECTRUM, 1000, g=bad)
    for bad_t in (0.0, -1.0, np.nan):
        with pytest.raises(ValueError):
            paper_singular_values(bad_t, PAPER_SPECTRUM, 1000)
    with pytest.raises(ValueError):
        paper_times(PAPER_SPECTRUM, 0.5)


@pytest.mark.parametrize("g", [0.0, 1.0])
def test_paper_singular_values_large_t_no_memorisation(g):
    # above every fixed point phi_i = phi_0 = 0, so sigma_i = 1/(t + lambda_i)
    spec = parse_spectrum("1:2,0.09:5,0:3")
    t = np.array([10.0, 50.0, 1e3])
    assert np.all(t[:, None] > paper_times(spec, 1000, g=g)[None, :])
    sv = paper_singular_values(t, spec, 1000, g=g)
    assert sv.shape == (3, 3)
    np.testing.assert_allclose(sv, 1 / (t[:, None] + np.array(spec.variances)[None, :]),
                               rtol=1e-14)


@pytest.mark.parametrize("g", [0.0, 1.0])
@pytest.mark.parametrize("n", [10, 1000])
def test_paper_singular_values_match_hand_formula(g, n):
    spec = parse_spectrum("1:2,0.09:5,1e-4:23")
    t = np.geomspace(5e-3, 1.0, 25)
    sv = paper_singular_values(t, spec, n, g=g)
    for i, ti in enumerate(t):
        # same formula, float64 both sides: rel 1e-12
        np.testing.assert_allclose(sv[i], _paper_sigma_by_hand(ti, spec, n, g), rtol=1e-12)


def test_paper_singular_values_n_one():
    # N = 1: L = 0, t_c = inf, phi_i = 1/t (memorised at every time)
    spec = parse_spectrum("1:2,0.09:1")
    t = 0.5
    lam_dir = spec.per_direction()
    weight = np.sum(lam_dir / (t**2 * (t + lam_dir)))
    for g in (0.0, 1.0):
        expected = np.sqrt((t + np.array(spec.variances)) ** -2 + (weight * (g / t + 1 / t)) ** 2)
        np.testing.assert_allclose(paper_singular_values(t, spec, 1, g=g), expected, rtol=1e-14)


@pytest.mark.parametrize("g", [0.0, 1.0])
def test_paper_singular_values_vp_equal_ve_at_mapped_time(g):
    # VP score at (x, t) = VE score at (x/a_t, e^{2t} - 1) divided by a_t, so the
    # Jacobian singular values are the VE ones divided by a_t^2 = e^{-2t}.
    spec = parse_spectrum("1:2,0.09:5,1e-4:23")
    t = np.geomspace(1e-3, 3.0, 30)
    vp = paper_singular_values(t, spec, 1000, g=g, process="vp")
    ve = paper_singular_values(np.expm1(2 * t), spec, 1000, g=g, process="ve")
    # rel 1e-12: the time map and a_t^2 in float64
    np.testing.assert_allclose(vp, ve / np.exp(-2 * t)[:, None], rtol=1e-12)


def test_paper_criterion_disagrees_with_factorised_rem_on_paper_spectrum():
    """A finding (THEORY §6), not a bug.

    On the paper's own spectrum ``1:2,0.09:5,1e-4:23`` with N = 1000 and g = 0
    the paper's criterion ``t_i* = lambda_i/(2 ln N)`` loses subspaces in order
    of decreasing variance (1, then 0.09, then 1e-4), whatever their
    dimensions. The exact factorised REM ``t_k = lambda_k/(N^(2/d_k) - 1)``
    instead loses the 5-dimensional 0.09 subspace first (t = 6.06e-3) and the
    2-dimensional variance-1 subspace second (t = 1.00e-3): dimension reverses
    the variance ordering. The two theories disagree; the simulator decides.
    """
    n = 1000
    paper = paper_times(PAPER_SPECTRUM, n, g=0)
    fact = factorized_times(PAPER_SPECTRUM, n)
    paper_order = np.argsort(-paper).tolist()
    fact_order = np.argsort(-fact).tolist()
    by_variance = np.argsort(-np.array(PAPER_SPECTRUM.variances)).tolist()
    assert paper_order == by_variance == [0, 1, 2]
    assert fact_order == [1, 0, 2]
    assert paper_order != fact_order
    # the paper's order is by variance for any dimensions: shuffle dims, same order
    shuffled = Spectrum(PAPER_SPECTRUM.variances, (23, 2, 5))
    assert np.argsort(-paper_times(shuffled, n, g=0)).tolist() == [0, 1, 2]
