"""Tests of :mod:`theory.rem`: the two derivations of phi, entropy, collapse times.

Independent routes: the closed forms of THEORY §5, numerical quadrature and
Monte Carlo for phi, mpmath root finding on the closed-form entropy, and the
worked values quoted in the brief (computed outside this package).
"""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from numpy.polynomial.hermite_e import hermegauss
from scipy.optimize import brentq

from theory import symbols as sy
from theory.processes import VP
from theory.rem import (collapse_time, collapse_time_mp, derive_isotropic_collapse_time,
                        derive_phi, derive_phi_kl, derive_phi_log_weights, effective_samples,
                        entropy, log_n_of, phi)
from theory.spectrum import PAPER_SPECTRUM, Spectrum, parse_spectrum

PROCESSES = ["ve", "vp"]
PHI_CLOSED = sp.log(1 + sy.a**2 * sy.lam / sy.delta) / 2


def _phi_closed_np(t, lam, process):
    t = np.asarray(t, float)
    snr = lam / t if process == "ve" else lam / np.expm1(2 * t)
    return 0.5 * np.log1p(snr)


def _mp_total_phi(t, spectrum, process):
    # closed-form sum_k d_k log(1 + SNR_k)/2 in mpmath (THEORY §1, §5)
    total = mpmath.mpf(0)
    for v, d in zip(spectrum.variances, spectrum.dims):
        snr = v / t if process == "ve" else v / mpmath.expm1(2 * t)
        total += d * mpmath.log1p(snr) / 2
    return total


# -- derivations ---------------------------------------------------------------
def test_phi_two_routes_agree_symbolically():
    a_route = derive_phi_log_weights()
    b_route = derive_phi_kl()
    assert sp.simplify(a_route - b_route) == 0
    assert sp.simplify(a_route - PHI_CLOSED) == 0
    assert sp.simplify(b_route - PHI_CLOSED) == 0


def test_derive_phi_of_snr():
    assert sp.simplify(derive_phi() - sp.log(1 + sy.snr) / 2) == 0


@pytest.mark.parametrize("a_val, d_val, lam_val", [(0.4, 0.84, 0.09), (2.5, 1e-2, 1.0)])
def test_phi_by_quadrature_of_the_log_weights(a_val, d_val, lam_val):
    # Recipe (route a of THEORY §5, done numerically, no closed form used):
    #   own   = <-z^2/2>_{z ~ N(0,1)} = -1/2
    #   other = < ln E_{y ~ N(0, lam)} exp(-(x - a y)^2/(2 Delta)) >_{x ~ N(0, Delta + a^2 lam)}
    #   phi   = own - other
    # The inner expectation is an mpmath tanh-sinh quadrature over the real
    # line (split at the integrand's peak, 16 digits); the outer average uses
    # 30-node probabilists' Gauss-Hermite on x = sqrt(Delta + a^2 lam) u
    # (the integrand is smooth in u). Tolerance rel 1e-10: both rules are
    # accurate far beyond that here; float64 on the closed-form side.
    nodes, weights = hermegauss(30)
    weights = weights / math.sqrt(2 * math.pi)
    with mpmath.workdps(16):
        a, d, lam = (mpmath.mpf(u) for u in (a_val, d_val, lam_val))
        sx = mpmath.sqrt(d + a * a * lam)
        other = mpmath.mpf(0)
        for u, w in zip(nodes, weights):
            x = sx * mpmath.mpf(u)

            def integrand(y, x=x):
                return (mpmath.exp(-(x - a * y) ** 2 / (2 * d) - y * y / (2 * lam))
                        / mpmath.sqrt(2 * mpmath.pi * lam))

            peak = a * lam * x / (d + a * a * lam)
            other += w * mpmath.log(mpmath.quad(integrand, [-mpmath.inf, peak, mpmath.inf]))
        phi_num = float(mpmath.mpf(-0.5) - other)
    subs = {sy.a: a_val, sy.delta: d_val, sy.lam: lam_val}
    assert float(derive_phi_log_weights().subs(subs)) == pytest.approx(phi_num, rel=1e-10)
    assert float(derive_phi_kl().subs(subs)) == pytest.approx(phi_num, rel=1e-10)


def test_phi_by_monte_carlo():
    # Monte Carlo of the same two averages (seeded): x = a y0 + sqrt(Delta) z with
    # y0 ~ N(0, lam); own = -z^2/2; the annealed other-point weight
    # E_y exp(-(x - a y)^2/(2 Delta)) is itself a sample mean over M fresh
    # y ~ N(0, lam). Error budget: the outer mean has standard error
    # sd/sqrt(n_x), estimated from the sample; the inner log-of-mean has a
    # Jensen bias ~ Var/(2 M mean^2) < 1e-3 at this SNR (= 2). Tolerance
    # 5 standard errors + 5e-3.
    rng = np.random.default_rng(12345)
    a, d, lam = 1.0, 0.5, 1.0
    n_x, m = 4000, 4000
    y0 = rng.normal(0.0, math.sqrt(lam), n_x)
    z = rng.normal(size=n_x)
    x = a * y0 + math.sqrt(d) * z
    y = rng.normal(0.0, math.sqrt(lam), m)
    log_w = -((x[:, None] - a * y[None, :]) ** 2) / (2 * d)
    log_annealed = np.log(np.mean(np.exp(log_w), axis=1))
    gap = -z**2 / 2 - log_annealed
    est, se = gap.mean(), gap.std(ddof=1) / math.sqrt(n_x)
    exact = float(derive_phi_log_weights().subs({sy.a: a, sy.delta: d, sy.lam: lam}))
    assert abs(est - exact) < 5 * se + 5e-3
    # the test can fail: a wrong phi (e.g. without the 1/2) is many SEs away
    assert abs(est - 2 * exact) > 5 * se + 5e-3


@pytest.mark.parametrize("process", PROCESSES)
def test_isotropic_collapse_time_solves_d_phi_equals_ln_n(process):
    t_c = derive_isotropic_collapse_time(process)
    # SNR typed in from THEORY §1 (not from theory.processes)
    snr = sy.lam / sy.t if process == "ve" else sy.lam * sp.exp(-2 * sy.t) / (1 - sp.exp(-2 * sy.t))
    residual = sy.dim * sp.log(1 + snr.subs(sy.t, t_c)) / 2 - sp.log(sy.n_samples)
    assert sp.simplify(sp.expand_log(sp.simplify(residual), force=True)) == 0


def test_isotropic_collapse_time_closed_forms():
    ve = sy.lam / (sy.n_samples ** (2 / sy.dim) - 1)
    assert sp.simplify(derive_isotropic_collapse_time("ve") - ve) == 0
    assert sp.simplify(derive_isotropic_collapse_time("vp") - sp.log(1 + ve) / 2) == 0


# -- numerics: phi, entropy, effective samples ----------------------------------
@pytest.mark.parametrize("process", PROCESSES)
def test_phi_numeric(process):
    t = np.geomspace(1e-8, 50.0, 40)[:, None]
    lam = np.array([0.0, 1e-4, 1.0, 30.0])[None, :]
    # log1p of a float64 SNR: rel 1e-13 (absolute where phi underflows to 0)
    np.testing.assert_allclose(phi(t, lam, process), _phi_closed_np(t, lam, process),
                               rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("process", PROCESSES)
def test_entropy_numeric_and_log_n(process):
    spec = PAPER_SPECTRUM
    t = np.geomspace(1e-6, 10.0, 30)
    expected = math.log(1000) - sum(d * _phi_closed_np(t, v, process)
                                    for v, d in zip(spec.variances, spec.dims))
    np.testing.assert_allclose(entropy(t, spec, 1000, process), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(entropy(t, spec, process=process, log_n=math.log(1000)), expected,
                               rtol=1e-12, atol=1e-12)
    # broadcasting over n
    n = np.array([10.0, 1000.0, 1e8])
    out = entropy(0.01, spec, n, process)
    assert out.shape == (3,)
    assert np.all(np.diff(out) > 0)


@pytest.mark.parametrize("process", PROCESSES)
def test_effective_samples_floor_and_exp(process):
    spec = parse_spectrum("1:3,0.09:4")
    t = np.geomspace(1e-6, 100.0, 200)
    s = entropy(t, spec, 500, process)
    n_eff = effective_samples(t, spec, 500, process)
    assert np.all(n_eff >= 1.0)
    assert np.any(s < 0) and np.any(s > 0)  # the grid crosses t_C
    np.testing.assert_array_equal(n_eff[s <= 0], 1.0)
    # exp(s) where s > 0 (rel 1e-14: one exp); tends to N at large t
    np.testing.assert_allclose(n_eff[s > 0], np.exp(s[s > 0]), rtol=1e-14)
    # never above N, non-decreasing in t, and -> N as t -> inf (s -> ln N)
    assert np.all(n_eff <= 500 * (1 + 1e-14))
    assert np.all(np.diff(n_eff) >= 0)
    assert float(effective_samples(1e9, spec, 500, process)) == pytest.approx(500, rel=1e-6)


# -- worked values ------------------------------------------------------------
def test_isotropic_worked_values():
    iso = Spectrum.isotropic(1.0, 20)
    # values given in the brief (rel 1e-12)
    assert float(collapse_time(iso, 1000, "vp")) == pytest.approx(0.34776223566615697, rel=1e-12)
    assert float(collapse_time(iso, 1000, "ve")) == pytest.approx(1.0047602375372452, rel=1e-12)
    # and the closed forms of THEORY §5
    ve = 1.0 / math.expm1(2 * math.log(1000) / 20)
    assert float(collapse_time(iso, 1000, "ve")) == pytest.approx(ve, rel=1e-12)
    assert float(collapse_time(iso, 1000, "vp")) == pytest.approx(0.5 * math.log1p(ve), rel=1e-12)


def test_paper_spectrum_worked_values():
    from theory.factorized import factorized_times

    times = factorized_times(PAPER_SPECTRUM, 1000, "ve")
    # the brief's values are rounded to 7 significant digits: rel 5e-7
    np.testing.assert_allclose(times, [1.001001e-3, 6.061042e-3, 1.214553e-4], rtol=5e-7)
    # full-precision closed form lambda/(N^(2/d) - 1) at rel 1e-12
    closed = [v / (1000.0 ** (2.0 / d) - 1) for v, d in zip(PAPER_SPECTRUM.variances,
                                                             PAPER_SPECTRUM.dims)]
    np.testing.assert_allclose(times, closed, rtol=1e-12)
    t_c = float(collapse_time(PAPER_SPECTRUM, 1000, "ve"))
    # 8 significant digits quoted: rel 5e-8
    assert t_c == pytest.approx(3.1415188e-2, rel=5e-8)


@pytest.mark.parametrize("process", PROCESSES)
@pytest.mark.parametrize("spec_text, n", [("1:2,0.09:5,1e-4:23", 1000), ("1:20", 1000),
                                          ("3:1,0.01:4,0:2", 50), ("0.5:40,1e-3:2", 1e8)])
def test_entropy_vanishes_at_collapse_time(process, spec_text, n):
    spec = parse_spectrum(spec_text)
    t_c = float(collapse_time(spec, n, process))
    # float64 root in log t: s(t_C) = 0 to 1e-12 (absolute; ln N <= 19 here)
    assert abs(float(entropy(t_c, spec, n, process))) < 1e-12


def _mp_reference_collapse_time(spec, n, process, log_bracket):
    # Independent route: mpmath root (illinois, 30 digits) of the closed-form
    # s(t) = ln N - sum_i phi_i(t) in log t, within log_bracket.
    with mpmath.workdps(30):
        ell = mpmath.log(n)
        root = mpmath.findroot(lambda u: _mp_total_phi(mpmath.exp(u), spec, process) - ell,
                               tuple(mpmath.mpf(b) for b in log_bracket), solver="illinois")
        return float(mpmath.exp(root))


@pytest.mark.parametrize("process", PROCESSES)
@pytest.mark.parametrize("spec_text", ["1:2,0.09:5,1e-4:23", "3:1,0.01:4,0:2", "2:7"])
def test_collapse_time_against_independent_root(process, spec_text):
    # Independent route: mpmath root of the closed-form s(t) in log t at 30 digits.
    spec = parse_spectrum(spec_text)
    for n in (2, 37, 1000, 1e6):
        ref = _mp_reference_collapse_time(spec, n, process, (-40, 10))
        # float64 root finding on a smooth monotone function: rel 1e-12
        assert float(collapse_time(spec, n, process)) == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("process", PROCESSES)
def test_collapse_time_vectorised_equals_loop(process):
    n = np.array([[2.0, 10.0, 1000.0], [1e5, 1e8, 1.0]])
    vec = collapse_time(PAPER_SPECTRUM, n, process)
    assert vec.shape == n.shape
    loop = np.array([[float(collapse_time(PAPER_SPECTRUM, v, process)) for v in row] for row in n])
    # the same solver on the same bracket: rel 1e-13 (elementwise tolerances may
    # differ by an ulp or so between batch and scalar calls)
    np.testing.assert_allclose(vec, loop, rtol=1e-13)
    assert np.isinf(vec[1, 2])


@pytest.mark.parametrize("process", PROCESSES)
@pytest.mark.parametrize("spec_text", ["1:2,0.09:5,1e-4:23", "1:20", "3:1,0.01:4,0:2"])
def test_collapse_time_mp_agrees_with_float(process, spec_text):
    spec = parse_spectrum(spec_text)
    for n in (1000, 10**6):
        t_float = float(collapse_time(spec, n, process))
        t_mp = collapse_time_mp(spec, n, process)
        assert float(t_mp) == pytest.approx(t_float, rel=1e-12)


@pytest.mark.parametrize("spec_text, n", [("1:20", 2), ("2:7", 2), ("10:30", 5)])
def test_collapse_time_mp_vp_when_ve_time_is_large(spec_text, n):
    # Regression test. Bug found by this suite (fixed in 0d3e81d): the VP
    # log-t bracket of collapse_time_mp was built from the VE isotropic times
    # widened by e^{+-1}, but t_VP = log1p(t_VE)/2 is far below t_VE/e once
    # t_VE is a few units ("1:20", N = 2: t_VE = 13.93, t_VP = 1.351, bracket
    # from 5.13), and mpmath raised "Could not find root within given
    # tolerance". The float path collapse_time was unaffected.
    # Reference: the closed form log1p(lambda/(N^(2/d) - 1))/2 (isotropic).
    spec = parse_spectrum(spec_text)
    (lam,), (d,) = spec.variances, spec.dims
    ref = 0.5 * math.log1p(lam / math.expm1(2 * math.log(n) / d))
    assert float(collapse_time(spec, n, "vp")) == pytest.approx(ref, rel=1e-12)
    assert float(collapse_time_mp(spec, n, "vp")) == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("process", PROCESSES)
def test_collapse_time_nearly_equal_variances(process):
    # Regression test. Bug found by this suite's hypothesis properties (fixed
    # in 035c2e5): with two variances a few ulp apart the isotropic bracket
    # [lower, upper] was 1-2 ulp wide; rounding made the excess
    # sum(phi) - ln N the same sign at both ends (+8.9e-16 at both in VP),
    # elementwise.find_root failed and collapse_time raised "root finding for
    # t_C did not converge" (547 of 4000 calls in a seeded scan of
    # two-subspace spectra with variances 1-7 ulp apart).
    # Reference: mpmath root of the closed-form s(t) (independent route).
    spec = Spectrum((1.0, 0.9999999999999994), (23, 23))
    n = 133.90019216636284
    ref = _mp_reference_collapse_time(spec, n, process, (-10, 5))
    assert float(collapse_time(spec, n, process)) == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("process", PROCESSES)
def test_collapse_time_mp_extreme_n(process):
    spec = parse_spectrum("1:1,0.5:1")
    for n_text in ("1e12", "1e300"):
        with mpmath.workdps(50):
            ref_root = mpmath.findroot(
                lambda u: _mp_total_phi(mpmath.exp(u), spec, process) - mpmath.log(mpmath.mpf(n_text)),
                (mpmath.mpf(-2000), mpmath.mpf(10)), solver="illinois")
            ref = mpmath.exp(ref_root)
            t_mp = collapse_time_mp(spec, n=n_text, process=process)
            # 50-digit arithmetic: rel 1e-30
            assert abs(t_mp / ref - 1) < mpmath.mpf("1e-30")
        # the float path agrees (it falls back to mpmath when the bracket leaves float range)
        assert float(collapse_time(spec, float(n_text), process)) == pytest.approx(float(ref),
                                                                                 rel=1e-12)


@pytest.mark.parametrize("process", PROCESSES)
def test_collapse_time_mp_isotropic_1e300(process):
    # isotropic d = 1, N = 1e300: closed forms lambda/(N^2 - 1) (VE) and
    # log(1 + lambda/(N^2 - 1))/2 (VP) evaluated in mpmath; far below float range
    lam = 2.0
    with mpmath.workdps(50):
        n = mpmath.mpf("1e300")
        ve = lam / (n**2 - 1)
        ref = ve if process == "ve" else mpmath.log1p(ve) / 2
        t = collapse_time_mp(Spectrum.isotropic(lam, 1), n="1e300", process=process)
        assert abs(t / ref - 1) < mpmath.mpf("1e-30")
        # beyond float range through log_n (N = 1e400)
        ref400 = lam / mpmath.expm1(2 * 400 * mpmath.log(10))
        ref400 = ref400 if process == "ve" else mpmath.log1p(ref400) / 2
        t400 = collapse_time_mp(Spectrum.isotropic(lam, 1), process=process,
                                log_n=400 * mpmath.log(10))
        assert abs(t400 / ref400 - 1) < mpmath.mpf("1e-30")
    # float path: the true value underflows float64
    assert float(collapse_time(Spectrum.isotropic(lam, 1), 1e300, process)) == 0.0


def test_collapse_time_edge_cases():
    for process in PROCESSES:
        assert np.isinf(collapse_time(PAPER_SPECTRUM, 1, process))
        assert np.isinf(collapse_time(PAPER_SPECTRUM, process=process, log_n=0.0))
        assert mpmath.isinf(collapse_time_mp(PAPER_SPECTRUM, 1, process))
        zero = parse_spectrum("0:3")
        assert float(collapse_time(zero, 1000, process)) == 0.0
        assert collapse_time(zero, np.array([10.0, 100.0]), process).tolist() == [0.0, 0.0]
        assert collapse_time_mp(zero, 1000, process) == 0


def test_collapse_time_ignores_zero_variance_subspaces():
    with_zero = parse_spectrum("1:2,0.09:5,0:7")
    without = parse_spectrum("1:2,0.09:5")
    for process in PROCESSES:
        assert float(collapse_time(with_zero, 1000, process)) == pytest.approx(
            float(collapse_time(without, 1000, process)), rel=1e-14)


# -- validation ---------------------------------------------------------------
@pytest.mark.parametrize("bad_n", [0, 0.5, -3, np.nan, np.inf])
def test_n_validation(bad_n):
    with pytest.raises(ValueError):
        log_n_of(bad_n)
    with pytest.raises(ValueError):
        entropy(1.0, PAPER_SPECTRUM, bad_n)
    with pytest.raises(ValueError):
        collapse_time(PAPER_SPECTRUM, bad_n)


def test_log_n_validation():
    with pytest.raises(ValueError):
        log_n_of()
    with pytest.raises(ValueError):
        log_n_of(10, 1.0)
    for bad in (-1.0, np.nan, np.inf):
        with pytest.raises(ValueError):
            log_n_of(log_n=bad)
    with pytest.raises(ValueError):
        collapse_time_mp(PAPER_SPECTRUM)
    with pytest.raises(ValueError):
        collapse_time_mp(PAPER_SPECTRUM, n="0.5")


@pytest.mark.parametrize("bad_t", [0.0, -1.0, np.nan])
def test_time_validation(bad_t):
    with pytest.raises(ValueError):
        phi(bad_t, 1.0)
    with pytest.raises(ValueError):
        entropy(bad_t, PAPER_SPECTRUM, 10)


def test_vp_phi_large_t_no_warning():
    # SNR underflows to 0 in VP for t > ~355: phi must be 0, finite, no warnings
    assert float(phi(1e3, 1.0, "vp")) == 0.0
    assert float(entropy(1e3, PAPER_SPECTRUM, 1000, "vp")) == pytest.approx(math.log(1000),
                                                                           rel=1e-15)
    assert VP.snr(1e3, 1.0) == 0.0
