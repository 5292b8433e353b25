"""Tests of :mod:`theory.processes`: VE/VP coefficients, SNR, time maps, stability.

Independent routes: the closed forms of THEORY §1 written out with NumPy and,
for the small-t stability checks, mpmath at 50 digits.
"""

import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp

from theory import symbols as sy
from theory.processes import (VE, VP, Process, derive_inverse_time_map, derive_time_map,
                              from_ve_expr, get_process, sigma_from_ve_time,
                              ve_time_from_sigma, ve_time_from_vp, vp_time_from_alpha_bar,
                              vp_time_from_ve)

TIMES = np.array([1e-8, 1e-4, 0.01, 0.3, 1.0, 2.5, 10.0, 50.0])
VARIANCES = np.array([1e-4, 0.09, 1.0, 37.0])


# -- coefficients against the closed forms --------------------------------------------
def test_ve_coefficients():
    # a_t = 1, Delta_t = t, SNR = lambda/t: exact in float64 up to one division
    np.testing.assert_array_equal(VE.a(TIMES), np.ones_like(TIMES))
    np.testing.assert_array_equal(VE.delta(TIMES), TIMES)
    t, lam = np.meshgrid(TIMES, VARIANCES, indexing="ij")
    np.testing.assert_allclose(VE.snr(t, lam), lam / t, rtol=1e-15)


def test_vp_coefficients():
    # closed forms a = e^-t, Delta = 1 - e^-2t = -expm1(-2t), SNR = e^-2t lambda/Delta;
    # rel 1e-14: a few float64 roundings in either expression
    np.testing.assert_allclose(VP.a(TIMES), np.exp(-TIMES), rtol=1e-14)
    np.testing.assert_allclose(VP.delta(TIMES), -np.expm1(-2 * TIMES), rtol=1e-14)
    t, lam = np.meshgrid(TIMES, VARIANCES, indexing="ij")
    np.testing.assert_allclose(VP.snr(t, lam), np.exp(-2 * t) * lam / -np.expm1(-2 * t),
                               rtol=1e-13)


def test_snr_expressions_symbolic():
    assert sp.simplify(VE.snr_expr() - sy.lam / sy.t) == 0
    closed = sp.exp(-2 * sy.t) * sy.lam / (1 - sp.exp(-2 * sy.t))
    assert sp.simplify(VP.snr_expr() - closed) == 0


def test_snr_broadcasts():
    out = VP.snr(TIMES[:, None], VARIANCES[None, :])
    assert out.shape == (TIMES.size, VARIANCES.size)
    assert VE.snr(0.5, VARIANCES).shape == VARIANCES.shape
    assert np.shape(VE.snr(0.5, 1.0)) == ()


# -- time maps -------------------------------------------------------------------------
def test_derive_time_map_is_exp2t_minus_1_exactly():
    assert sp.simplify(derive_time_map() - (sp.exp(2 * sy.t) - 1)) == 0
    assert sp.simplify(derive_inverse_time_map() - sp.log(1 + sy.s_ve) / 2) == 0
    # the map does equate the SNRs symbolically
    s = derive_time_map()
    assert sp.simplify(VE.snr_expr().subs(sy.t, s) - VP.snr_expr()) == 0


def test_snr_vp_equals_snr_ve_at_mapped_time_over_wide_range():
    t = np.geomspace(1e-8, 50.0, 200)
    for lam in VARIANCES:
        # both sides are a couple of roundings from lambda/expm1(2t): rel 1e-13
        np.testing.assert_allclose(VP.snr(t, lam), VE.snr(np.expm1(2 * t), lam), rtol=1e-13)
        np.testing.assert_allclose(VP.snr(t, lam), VE.snr(ve_time_from_vp(t), lam), rtol=1e-13)


def test_time_map_functions():
    t = np.geomspace(1e-10, 300.0, 101)
    s = ve_time_from_vp(t)
    # expm1 keeps full relative precision at tiny t (exp(2t) - 1 would not): rel 1e-14
    np.testing.assert_allclose(s, np.expm1(2 * t), rtol=1e-14)
    np.testing.assert_allclose(vp_time_from_ve(s), t, rtol=1e-13)
    sv = np.geomspace(1e-12, 1e12, 97)
    np.testing.assert_allclose(vp_time_from_ve(sv), np.log1p(sv) / 2, rtol=1e-14)
    np.testing.assert_allclose(ve_time_from_vp(vp_time_from_ve(sv)), sv, rtol=1e-13)
    # Process.to_ve_time/from_ve_time
    np.testing.assert_allclose(VP.to_ve_time(t), np.expm1(2 * t), rtol=1e-14)
    np.testing.assert_array_equal(VE.to_ve_time(t), t)
    np.testing.assert_allclose(VP.from_ve_time(sv), np.log1p(sv) / 2, rtol=1e-14)
    np.testing.assert_array_equal(VE.from_ve_time(sv), sv)


def test_sigma_maps():
    sig = np.array([1e-3, 0.1, 1.0, 80.0])
    np.testing.assert_allclose(ve_time_from_sigma(sig), sig**2, rtol=1e-15)
    np.testing.assert_allclose(sigma_from_ve_time(sig**2), sig, rtol=1e-15)


def test_vp_time_from_alpha_bar():
    # DDPM: alpha_bar = a_t^2 = exp(-2t), so t = -log(alpha_bar)/2 and VP.a(t)^2 = alpha_bar
    t = np.array([1e-6, 0.01, 0.5, 3.0, 10.0])
    alpha_bar = np.exp(-2 * t)
    np.testing.assert_allclose(vp_time_from_alpha_bar(alpha_bar), t, rtol=1e-9)
    np.testing.assert_allclose(VP.a(vp_time_from_alpha_bar(alpha_bar)) ** 2, alpha_bar,
                               rtol=1e-14)


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5, np.nan, np.inf])
def test_vp_time_from_alpha_bar_validation(bad):
    with pytest.raises(ValueError):
        vp_time_from_alpha_bar(bad)


@pytest.mark.parametrize("func", [ve_time_from_vp, vp_time_from_ve, ve_time_from_sigma,
                                  sigma_from_ve_time])
@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf, [1.0, -1.0]])
def test_time_map_validation(func, bad):
    with pytest.raises(ValueError):
        func(bad)


def test_from_ve_expr():
    assert from_ve_expr(sy.lam, "ve") == sy.lam
    assert sp.simplify(from_ve_expr(sy.lam, "vp") - sp.log(1 + sy.lam) / 2) == 0


def test_get_process():
    assert get_process("ve") is VE
    assert get_process("VP") is VP
    assert get_process(VP) is VP
    assert isinstance(VE, Process)
    for bad in ("ddpm", "", None, 3):
        with pytest.raises(ValueError):
            get_process(bad)


# -- stability ---------------------------------------------------------------------------
def test_vp_delta_small_t_accurate():
    # 1 - exp(-2t) loses ~4 digits at t = 1e-12 in float64; -expm1(-2t) does not.
    # Reference: mpmath at 50 digits. Tolerance 1e-12 relative as required (the
    # compiled form is accurate to a few ulp, ~1e-16).
    with mpmath.workdps(50):
        for t in (1e-12, 1e-15, 1e-9):
            ref = float(1 - mpmath.exp(-2 * mpmath.mpf(t)))
            assert VP.delta(t) == pytest.approx(ref, rel=1e-12)
            ref_snr = float(mpmath.exp(-2 * mpmath.mpf(t)) / ref)
            assert VP.snr(t, 1.0) == pytest.approx(ref_snr, rel=1e-12)


def test_vp_large_t_finite_without_warnings():
    t = np.array([1.0, 100.0, 354.0, 356.0, 500.0, 1e3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        snr = VP.snr(t, 1.0)
        a = VP.a(t)
        delta = VP.delta(t)
    assert np.all(np.isfinite(snr)) and np.all(snr >= 0)
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(delta))
    # SNR ~ lambda e^{-2t} for large t: compare where it does not underflow
    np.testing.assert_allclose(snr[1:3], np.exp(-2 * t[1:3]), rtol=1e-13)
    assert snr[-1] == 0.0 and delta[-1] == 1.0
    # monotone decreasing in t
    assert np.all(np.diff(snr) <= 0)
