"""Tests of :mod:`theory.gaussian`: exact score spectra, posterior, resolution, gaps, MP edges.

Independent routes: the closed forms of THEORY §3 written out by hand,
mpmath quadrature for the posterior moments, scipy's scalar minimiser for the
widest gap and random-matrix sampling for the Marchenko-Pastur edges.
"""

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize_scalar

from theory import symbols as sy
from theory.gaussian import (apparent_dimension, derive_jacobian_eigenvalue,
                             derive_normalized_singular_value, derive_posterior,
                             derive_resolution_time, derive_widest_gap_time, gap_times,
                             jacobian_eigenvalues, marchenko_pastur_edges,
                             normalized_singular_values, posterior_variance, resolution_time,
                             widest_gap_time)
from theory.processes import VE, VP, get_process
from theory.spectrum import Spectrum, parse_spectrum

PROCESSES = ["ve", "vp"]


def _closed_a_delta(process):
    # a_t and Delta_t of THEORY §1, typed in independently of theory.processes
    if process == "ve":
        return sp.Integer(1), sy.t
    return sp.exp(-sy.t), 1 - sp.exp(-2 * sy.t)


def _snr_np(t, lam, process):
    t = np.asarray(t, float)
    return lam / t if process == "ve" else lam * np.exp(-2 * t) / -np.expm1(-2 * t)


# -- derivations ---------------------------------------------------------------
@pytest.mark.parametrize("process", PROCESSES)
def test_jacobian_eigenvalue_closed_form(process):
    a, delta = _closed_a_delta(process)
    expected = -1 / (delta + a**2 * sy.lam)
    assert sp.simplify(derive_jacobian_eigenvalue(process) - expected) == 0


@pytest.mark.parametrize("process", PROCESSES)
def test_normalized_singular_value_is_one_over_one_plus_snr(process):
    a, delta = _closed_a_delta(process)
    snr = a**2 * sy.lam / delta
    assert sp.simplify(derive_normalized_singular_value(process) - 1 / (1 + snr)) == 0


def test_posterior_symbolic_closed_form():
    m, v = derive_posterior()
    a, d, lam = sy.a, sy.delta, sy.lam
    assert sp.simplify(m - a * lam / (d + a**2 * lam)) == 0
    assert sp.simplify(v - lam * d / (d + a**2 * lam)) == 0


@pytest.mark.parametrize("a_val, d_val, lam_val, x_val",
                         [(1.0, 0.3, 2.0, 0.7), (0.4, 0.84, 0.09, -1.3), (2.5, 1e-2, 1.0, 3.0)])
def test_posterior_against_mpmath_quadrature(a_val, d_val, lam_val, x_val):
    # Recipe: the unnormalised posterior of y given x is
    #   q(y) = exp(-(x - a y)^2/(2 Delta) - y^2/(2 lambda)).
    # Integrate y^k q(y) over the real line (k = 0, 1, 2) with mpmath.quad at
    # 30 digits; mean = M1/M0 = m x and variance = M2/M0 - mean^2 = v.
    # Tolerance 1e-12 relative: quadrature error is ~1e-25, the compiled
    # expressions are float64.
    m, v = derive_posterior()
    subs = {sy.a: a_val, sy.delta: d_val, sy.lam: lam_val}
    with mpmath.workdps(30):
        a, d, lam, x = (mpmath.mpf(u) for u in (a_val, d_val, lam_val, x_val))

        def q(y):
            return mpmath.exp(-(x - a * y) ** 2 / (2 * d) - y**2 / (2 * lam))

        # split at the mode so that quad sees the peak
        mode = a * lam * x / (d + a**2 * lam)
        pts = [-mpmath.inf, mode, mpmath.inf]
        m0 = mpmath.quad(q, pts)
        m1 = mpmath.quad(lambda y: y * q(y), pts)
        m2 = mpmath.quad(lambda y: y * y * q(y), pts)
        mean = m1 / m0
        var = m2 / m0 - mean**2
    assert float(m.subs(subs)) * x_val == pytest.approx(float(mean), rel=1e-12)
    assert float(v.subs(subs)) == pytest.approx(float(var), rel=1e-12)


@pytest.mark.parametrize("process", PROCESSES)
def test_posterior_variance_numeric(process):
    t = np.geomspace(1e-6, 20.0, 25)
    for lam in (0.0, 1e-4, 1.0, 30.0):
        if process == "ve":
            a, d = np.ones_like(t), t
        else:
            a, d = np.exp(-t), -np.expm1(-2 * t)
        expected = lam * d / (d + a**2 * lam)
        # rational expression of float64 inputs: rel 1e-13
        np.testing.assert_allclose(posterior_variance(t, lam, process), expected, rtol=1e-13)


@pytest.mark.parametrize("process", PROCESSES)
def test_resolution_time_solves_snr_equals_kappa(process):
    expr = derive_resolution_time(process)
    snr = get_process(process).snr_expr()
    # substitute the derived time back into the process's own SNR
    assert sp.simplify(snr.subs(sy.t, expr) - sy.kappa) == 0
    # and independently against the closed-form SNR of THEORY §1
    a, delta = _closed_a_delta(process)
    assert sp.simplify((a**2 * sy.lam / delta).subs(sy.t, expr) - sy.kappa) == 0


def test_resolution_time_vp_closed_form():
    assert sp.simplify(derive_resolution_time("vp") - sp.log(1 + sy.lam / sy.kappa) / 2) == 0
    assert sp.simplify(derive_resolution_time("ve") - sy.lam / sy.kappa) == 0


@pytest.mark.parametrize("process", PROCESSES)
@pytest.mark.parametrize("kappa", [0.1, 1.0, 7.0])
def test_resolution_time_numeric(process, kappa):
    lam = np.array([1e-4, 0.09, 1.0, 50.0])
    t = resolution_time(lam, process, kappa)
    # SNR at the resolution time equals kappa (rel 1e-12: log1p/expm1 round trip)
    np.testing.assert_allclose(_snr_np(t, lam, process), kappa, rtol=1e-12)
    # zero variance never resolves
    assert resolution_time([0.0], process, kappa)[0] == 0.0


@pytest.mark.parametrize("process", PROCESSES)
def test_widest_gap_time_is_a_maximum(process):
    # Independent route: maximise the gap 1/(1+SNR_lo) - 1/(1+SNR_hi) numerically
    # in log t with scipy (bounded Brent on t in [1e-8, 1e3], xatol 1e-12 in log t) and compare the location.
    # The gap is flat at its maximum (quadratic), so the minimiser locates the
    # argmax only to ~sqrt(machine eps) ~ 1e-8 relative: tolerance rel 1e-6.
    for hi, lo in [(1.0, 0.01), (1.0, 1e-4), (5.0, 0.09), (0.3, 0.2)]:
        def neg_gap(u):
            t = np.exp(u)
            return -(1 / (1 + _snr_np(t, lo, process)) - 1 / (1 + _snr_np(t, hi, process)))

        res = minimize_scalar(neg_gap, bounds=(np.log(1e-8), np.log(1e3)), method="bounded",
                              options={"xatol": 1e-12})
        assert res.success
        t_num = np.exp(res.x)
        t_star = float(widest_gap_time(hi, lo, process))
        assert t_star == pytest.approx(t_num, rel=1e-6)
        # and it is a maximum: the gap at t* beats neighbouring times
        for f in (0.9, 1.1, 0.5, 2.0):
            assert neg_gap(np.log(t_star)) < neg_gap(np.log(t_star * f))


def test_widest_gap_time_closed_form():
    assert sp.simplify(derive_widest_gap_time("ve") - sp.sqrt(sy.lam1 * sy.lam2)) == 0
    expected_vp = sp.log(1 + sp.sqrt(sy.lam1 * sy.lam2)) / 2
    assert sp.simplify(derive_widest_gap_time("vp") - expected_vp) == 0
    hi, lo = np.array([1.0, 4.0]), np.array([0.01, 1.0])
    np.testing.assert_allclose(widest_gap_time(hi, lo, "ve"), np.sqrt(hi * lo), rtol=1e-15)
    np.testing.assert_allclose(widest_gap_time(hi, lo, "vp"), np.log1p(np.sqrt(hi * lo)) / 2,
                               rtol=1e-14)


# -- numerics -----------------------------------------------------------------
@pytest.mark.parametrize("process", PROCESSES)
def test_jacobian_eigenvalues_numeric(process):
    t = np.geomspace(1e-6, 1e3, 30)[:, None]
    lam = np.array([0.0, 1e-4, 1.0, 30.0])[None, :]
    if process == "ve":
        expected = -1 / (t + lam)
    else:
        expected = -1 / (-np.expm1(-2 * t) + np.exp(-2 * t) * lam)
    np.testing.assert_allclose(jacobian_eigenvalues(t, lam, process), expected, rtol=1e-13)
    # normal directions sit at -1/Delta_t, the largest magnitude
    ev = jacobian_eigenvalues(t, lam, process)
    assert np.all(np.abs(ev[:, :1]) >= np.abs(ev))


@pytest.mark.parametrize("process", PROCESSES)
def test_normalized_singular_values_numeric(process):
    t = np.geomspace(1e-6, 1e3, 30)[:, None]
    lam = np.array([0.0, 1e-4, 1.0, 30.0])[None, :]
    nsv = normalized_singular_values(t, lam, process)
    np.testing.assert_allclose(nsv, 1 / (1 + _snr_np(t, lam, process)), rtol=1e-13)
    # equals |eigenvalue| / max |eigenvalue| (the normal one, lam = 0)
    ev = np.abs(jacobian_eigenvalues(t, lam, process))
    np.testing.assert_allclose(nsv, ev / ev[:, :1], rtol=1e-12)


@pytest.mark.parametrize("process", PROCESSES)
@pytest.mark.parametrize("kappa", [0.5, 1.0, 4.0])
def test_apparent_dimension_counts_snr_above_kappa(process, kappa):
    spec = parse_spectrum("1:2,0.09:5,1e-4:23,0:3")
    t = np.geomspace(1e-7, 1e2, 300)
    lam = spec.per_direction()
    expected = np.sum(_snr_np(t[:, None], lam[None, :], process) > kappa, axis=1)
    np.testing.assert_array_equal(apparent_dimension(t, spec, process, kappa), expected)
    # values are the cumulative dims of the subspaces by decreasing variance
    assert set(np.unique(expected)) <= {0, 2, 7, 30}
    # tiny t: every tangent direction resolved; the 3 normal ones never are
    assert apparent_dimension(1e-12, spec, process, kappa) == 30
    assert apparent_dimension(1e3, spec, process, kappa) == 0


def test_apparent_dimension_shape():
    spec = parse_spectrum("1:2,0.09:5")
    assert apparent_dimension(np.ones((3, 4)), spec).shape == (3, 4)
    assert np.shape(apparent_dimension(0.5, spec)) == ()


@pytest.mark.parametrize("process", PROCESSES)
@pytest.mark.parametrize("kappa", [1.0, 2.0])
def test_gap_times(process, kappa):
    spec = parse_spectrum("0.09:5,1:2,0:3,1e-4:23,0.09:1")

    def res(lam):  # closed form resolution time
        return lam / kappa if process == "ve" else np.log1p(lam / kappa) / 2

    gaps = gap_times(spec, process, kappa)
    # ordered by decreasing variance: 1 (idx 1) > 0.09 (idx 0, 4; equal levels,
    # no gap between them) > 1e-4 (idx 3) > 0 (idx 2)
    pairs = [(g["upper"], g["lower"]) for g in gaps]
    assert pairs == [(1, 0), (4, 3), (3, 2)]
    for g in gaps:
        assert g["t_open"] == pytest.approx(res(spec.variances[g["upper"]]), rel=1e-14)
        assert g["t_close"] == pytest.approx(res(spec.variances[g["lower"]]), rel=1e-14)
        assert g["t_open"] > g["t_close"]
    # a gap above a zero-variance level never closes
    assert gaps[-1]["t_close"] == 0.0


def test_gap_times_single_level_has_no_gaps():
    assert gap_times(parse_spectrum("1:2,1:3")) == []
    assert gap_times(Spectrum.isotropic(1.0, 4)) == []


def test_marchenko_pastur_edges_closed_form():
    lo, hi = marchenko_pastur_edges(2.0, 0.25)
    assert lo == pytest.approx(2.0 * 0.25, rel=1e-15)
    assert hi == pytest.approx(2.0 * 2.25, rel=1e-15)
    assert marchenko_pastur_edges(1.0, 1.0) == (0.0, 4.0)


@pytest.mark.parametrize("variance", [1.0, 0.09])
def test_marchenko_pastur_edges_by_sampling(variance):
    # Convention (as documented in theory.gaussian): F is D x m with iid
    # N(0, variance/D) entries; the m non-zero eigenvalues of F F^T (equal to
    # those of the m x m matrix F^T F) fill [variance(1-sqrt(m/D))^2,
    # variance(1+sqrt(m/D))^2] as D, m -> inf at m/D fixed.
    # Sample D = 2000, m = 500 (ratio 1/4, edges variance * [0.25, 2.25]).
    # The extreme eigenvalues fluctuate on the Tracy-Widom scale
    # sigma_TW ~ variance * D^(-2/3) * (1 + sqrt(c)) (1 + 1/sqrt(c))^(1/3)
    # ~ variance * 0.0136 at the upper edge (~0.0032 at the lower edge), with a
    # mean shift of about -1.2 sigma_TW; 1/D corrections are smaller still.
    # Tolerance: 6 * variance * 0.0136 ~ 0.08 variance at both edges, far below
    # what a wrong convention would give (e.g. variance/m entries: edges x4).
    D, m = 2000, 500
    rng = np.random.default_rng(20241008)
    F = rng.normal(0.0, np.sqrt(variance / D), size=(D, m))
    eig = np.linalg.eigvalsh(F.T @ F)
    lo, hi = marchenko_pastur_edges(variance, m / D)
    tol = 6 * variance * 0.0136
    assert abs(eig.max() - hi) < tol
    assert abs(eig.min() - lo) < tol
    # the bulk lies inside the edges up to the same tolerance
    assert np.all((eig > lo - tol) & (eig < hi + tol))
    # a sanity check that the tolerance is discriminating: the MP mean is variance
    assert eig.mean() == pytest.approx(variance, rel=0.02)


# -- validation ---------------------------------------------------------------
@pytest.mark.parametrize("bad_t", [0.0, -1.0, np.nan, np.inf])
def test_time_validation(bad_t):
    with pytest.raises(ValueError):
        jacobian_eigenvalues(bad_t, 1.0)
    with pytest.raises(ValueError):
        normalized_singular_values(bad_t, 1.0)
    with pytest.raises(ValueError):
        posterior_variance(bad_t, 1.0)
    with pytest.raises(ValueError):
        apparent_dimension(bad_t, Spectrum.isotropic(1.0, 2))


@pytest.mark.parametrize("bad_var", [-1.0, np.nan, np.inf])
def test_variance_validation(bad_var):
    with pytest.raises(ValueError):
        jacobian_eigenvalues(1.0, bad_var)
    with pytest.raises(ValueError):
        normalized_singular_values(1.0, bad_var)
    with pytest.raises(ValueError):
        posterior_variance(1.0, bad_var)
    with pytest.raises(ValueError):
        resolution_time(bad_var)


@pytest.mark.parametrize("bad_kappa", [0.0, -1.0, np.nan, np.inf])
def test_kappa_validation(bad_kappa):
    with pytest.raises(ValueError):
        apparent_dimension(1.0, Spectrum.isotropic(1.0, 2), kappa=bad_kappa)
    with pytest.raises(ValueError):
        resolution_time(1.0, kappa=bad_kappa)
    with pytest.raises(ValueError):
        gap_times(parse_spectrum("1:1,0.1:1"), kappa=bad_kappa)


@pytest.mark.parametrize("hi, lo", [(1.0, 1.0), (0.1, 1.0), (1.0, 0.0), (-1.0, -2.0)])
def test_widest_gap_validation(hi, lo):
    with pytest.raises(ValueError):
        widest_gap_time(hi, lo)


@pytest.mark.parametrize("variance, ratio",
                         [(0.0, 0.5), (-1.0, 0.5), (np.nan, 0.5), (1.0, 0.0), (1.0, 1.5),
                          (1.0, np.nan), (np.inf, 0.5)])
def test_marchenko_pastur_validation(variance, ratio):
    with pytest.raises(ValueError):
        marchenko_pastur_edges(variance, ratio)


def test_unknown_process():
    with pytest.raises(ValueError):
        jacobian_eigenvalues(1.0, 1.0, "ddpm")
    with pytest.raises(ValueError):
        resolution_time(1.0, "ddpm")
