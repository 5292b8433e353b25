"""Property tests (hypothesis) of the theory core.

Strategies: variances log-uniform in [1e-4, 1e2], subspace dimensions 1..40,
1 to 4 subspaces, N log-uniform in [2, 1e8]. Tolerances: rel 1e-9 wherever a
float64 root finder (t_C) or a time map round trip is involved (the solver
converges to ~1e-15 in log t, the margin absorbs conditioning); closed forms
in float64 are compared at the same 1e-9 for uniformity.
"""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from theory import symbols as sy
from theory.factorized import derive_lost_first_condition, factorized_times
from theory.gaussian import apparent_dimension
from theory.paper import paper_times
from theory.rem import collapse_time, effective_samples, entropy, phi
from theory.spectrum import Spectrum

REL = 1e-9
EXAMPLES = settings(max_examples=40)

variances = st.floats(min_value=-4.0, max_value=2.0).map(lambda e: float(10.0**e))
dims = st.integers(min_value=1, max_value=40)
sizes = st.floats(min_value=math.log10(2.0), max_value=8.0).map(lambda e: float(10.0**e))
subspace = st.tuples(variances, dims)


def _no_near_ties(pairs):
    # Variances within a few ulp of each other (but not equal) used to trip
    # collapse_time (degenerate bracket); that case is tested deterministically
    # in tests/test_rem.py::test_collapse_time_nearly_equal_variances, and the
    # properties here keep a relative separation of 1e-9 so that their
    # tolerances (rel 1e-9) stay meaningful.
    vs = sorted(v for v, _ in pairs)
    return all(b == a or b > a * (1 + 1e-9) for a, b in zip(vs, vs[1:]))


@st.composite
def spectra(draw, min_size=1, max_size=4):
    pairs = draw(st.lists(subspace, min_size=min_size, max_size=max_size).filter(_no_near_ties))
    return Spectrum(tuple(v for v, _ in pairs), tuple(d for _, d in pairs))


def _extend(spec, extra):
    return Spectrum(spec.variances + (extra[0],), spec.dims + (extra[1],))


# -- collapse time ----------------------------------------------------------
@EXAMPLES
@given(spec=spectra(), n1=sizes, n2=sizes, process=st.sampled_from(["ve", "vp"]))
def test_collapse_time_decreases_with_n(spec, n1, n2, process):
    # ln(N2/N1) >= 1e-3 moves log t_C by >= 1e-3/(D/2) ~ 1e-5 >> solver error
    assume(n2 > n1 * 1.001)
    t1 = float(collapse_time(spec, n1, process))
    t2 = float(collapse_time(spec, n2, process))
    assert t2 < t1


@EXAMPLES
@given(spec=spectra(max_size=3), extra=subspace, n=sizes, process=st.sampled_from(["ve", "vp"]))
def test_adding_a_subspace_never_lowers_collapse_time(spec, extra, n, process):
    assume(_no_near_ties(list(zip(spec.variances, spec.dims)) + [extra]))
    # more directions add entropy cost at every t, so the root moves to larger t
    # (rel 1e-9: both are float64 roots)
    before = float(collapse_time(spec, n, process))
    after = float(collapse_time(_extend(spec, extra), n, process))
    assert after >= before * (1 - REL)


@EXAMPLES
@given(spec=spectra(), n=sizes, process=st.sampled_from(["ve", "vp"]))
def test_collapse_time_between_isotropic_bounds(spec, n, process):
    # phi is increasing in the variance: t_C lies between the isotropic times of
    # the smallest and the largest variance with all D directions (closed form)
    D = spec.ambient_dim
    ve = [v / math.expm1(2 * math.log(n) / D) for v in (min(spec.variances), max(spec.variances))]
    lo, hi = (ve if process == "ve" else [0.5 * math.log1p(u) for u in ve])
    t = float(collapse_time(spec, n, process))
    assert lo * (1 - REL) <= t <= hi * (1 + REL)


# -- VE <-> VP agreement under sigma^2 = e^{2t} - 1 ---------------------------
@EXAMPLES
@given(spec=spectra(), n=sizes)
def test_collapse_time_ve_equals_mapped_vp(spec, n):
    t_vp = float(collapse_time(spec, n, "vp"))
    t_ve = float(collapse_time(spec, n, "ve"))
    assert t_ve == pytest.approx(math.expm1(2 * t_vp), rel=REL)


@EXAMPLES
@given(spec=spectra(), n=sizes)
def test_factorized_times_ve_equals_mapped_vp(spec, n):
    np.testing.assert_allclose(factorized_times(spec, n, "ve"),
                               np.expm1(2 * factorized_times(spec, n, "vp")), rtol=REL)


@EXAMPLES
@given(spec=spectra(), n=sizes, t_vp=st.floats(min_value=-6.0, max_value=1.0).map(lambda e: 10.0**e))
def test_entropy_ve_equals_mapped_vp(spec, n, t_vp):
    s_vp = float(entropy(t_vp, spec, n, "vp"))
    s_ve = float(entropy(math.expm1(2 * t_vp), spec, n, "ve"))
    # s = ln N - sum phi cancels: absolute error ~ REL * (ln N + sum phi)
    sum_phi = math.log(n) - s_vp
    scale = math.log(n) + sum_phi
    assert s_vp == pytest.approx(s_ve, rel=REL, abs=REL * scale)


@EXAMPLES
@given(spec=spectra(), t_vp=st.floats(min_value=-6.0, max_value=1.0).map(lambda e: 10.0**e),
       kappa=st.sampled_from([0.5, 1.0, 3.0]))
def test_apparent_dimension_ve_equals_mapped_vp(spec, t_vp, kappa):
    t_ve = math.expm1(2 * t_vp)
    # skip draws within float rounding of the threshold SNR = kappa
    snr = np.array(spec.variances) / t_ve
    assume(np.all(np.abs(snr / kappa - 1) > 1e-9))
    assert int(apparent_dimension(t_vp, spec, "vp", kappa)) == int(
        apparent_dimension(t_ve, spec, "ve", kappa))


@EXAMPLES
@given(spec=spectra(), n=sizes, g=st.sampled_from([0.0, 1.0]))
def test_paper_times_ve_equals_mapped_vp(spec, n, g):
    np.testing.assert_allclose(paper_times(spec, n, g=g, process="ve"),
                               np.expm1(2 * paper_times(spec, n, g=g, process="vp")), rtol=REL)


# -- lost-first condition vs the factorised ordering --------------------------
@EXAMPLES
@given(s1=subspace, s2=subspace, n=sizes)
def test_lost_first_condition_matches_factorized_order(s1, s2, n):
    (l1, d1), (l2, d2) = s1, s2
    spec = Spectrum((l1, l2), (d1, d2))
    for process in ("ve", "vp"):
        t1, t2 = factorized_times(spec, n, process)
        assume(abs(t1 - t2) > 1e-9 * max(t1, t2))  # no near-ties
        cond = derive_lost_first_condition().subs(
            {sy.lam1: l1, sy.dim1: d1, sy.lam2: l2, sy.dim2: d2, sy.n_samples: n})
        assert bool(cond) == bool(t1 > t2)


# -- entropy monotonicity -----------------------------------------------------
@EXAMPLES
@given(spec=spectra(), n1=sizes, n2=sizes, t=st.floats(min_value=-6.0, max_value=2.0).map(
    lambda e: 10.0**e), process=st.sampled_from(["ve", "vp"]))
def test_entropy_monotone_in_n(spec, n1, n2, t, process):
    # s(t) = ln N - sum phi grows with N at fixed t, by exactly ln(N2/N1)
    assume(n2 > n1)
    s1 = float(entropy(t, spec, n1, process))
    s2 = float(entropy(t, spec, n2, process))
    assert s2 > s1
    scale = abs(s1) + abs(s2) + math.log(n2)
    assert s2 - s1 == pytest.approx(math.log(n2 / n1), rel=REL, abs=1e-12 * scale)
    # and so does the effective number of samples (floored at 1)
    assert float(effective_samples(t, spec, n2, process)) >= float(
        effective_samples(t, spec, n1, process))


@EXAMPLES
@given(spec=spectra(), n=sizes, t1=st.floats(min_value=-6.0, max_value=2.0).map(lambda e: 10.0**e),
       t2=st.floats(min_value=-6.0, max_value=2.0).map(lambda e: 10.0**e),
       process=st.sampled_from(["ve", "vp"]))
def test_entropy_decreases_as_t_decreases(spec, n, t1, t2, process):
    # going backwards in time the SNRs grow, phi grows, s falls. The total phi
    # is strictly monotone; s = ln N - sum phi only weakly in float64 (at large
    # VP times sum phi ~ e^{-2t} is below the rounding of ln N).
    assume(t1 < t2 * (1 - 1e-6))
    sum_phi = [sum(d * float(phi(t, v, process)) for v, d in zip(spec.variances, spec.dims))
               for t in (t1, t2)]
    assert sum_phi[0] > sum_phi[1]
    assert float(entropy(t1, spec, n, process)) <= float(entropy(t2, spec, n, process))
