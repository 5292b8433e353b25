"""Tests of :mod:`theory.factorized`: per-subspace collapse times and the lost-first order.

Independent route: the closed forms of THEORY §5 (factorised model) written
out with NumPy/math, and orderings worked out by hand.
"""

import math

import numpy as np
import pytest
import sympy as sp

from theory import symbols as sy
from theory.factorized import (derive_lost_first_condition, factorized_times, lost_first,
                               lost_first_order)
from theory.rem import entropy
from theory.spectrum import PAPER_SPECTRUM, Spectrum, parse_spectrum


def _closed(variances, dims, n, process):
    ve = np.array([v / math.expm1(2 * math.log(n) / d) for v, d in zip(variances, dims)])
    return ve if process == "ve" else 0.5 * np.log1p(ve)


@pytest.mark.parametrize("process", ["ve", "vp"])
@pytest.mark.parametrize("spec_text", ["1:2,0.09:5,1e-4:23", "3:1,0.01:4", "0.5:40,2:1,1e-3:7"])
@pytest.mark.parametrize("n", [2, 50, 1000, 1e8])
def test_factorized_times_closed_form(process, spec_text, n):
    spec = parse_spectrum(spec_text)
    # t_k = lambda_k/(N^(2/d_k) - 1) (VE), log1p of it over 2 (VP); rel 1e-12 for
    # float64 (expm1 vs N**(2/d) - 1 differ by a few ulp of N^(2/d))
    np.testing.assert_allclose(factorized_times(spec, n, process),
                               _closed(spec.variances, spec.dims, n, process), rtol=1e-12)


@pytest.mark.parametrize("process", ["ve", "vp"])
def test_each_subspace_condenses_on_its_own(process):
    # d_k phi_k(t_k) = ln N: the entropy of subspace k alone vanishes at t_k
    spec = PAPER_SPECTRUM
    times = factorized_times(spec, 1000, process)
    for k, (v, d) in enumerate(zip(spec.variances, spec.dims)):
        s = float(entropy(times[k], Spectrum.isotropic(v, d), 1000, process))
        assert abs(s) < 1e-12


def test_factorized_times_shapes_and_log_n():
    spec = PAPER_SPECTRUM
    n = np.array([[10.0, 1000.0], [1e5, 1e8]])
    out = factorized_times(spec, n)
    assert out.shape == (2, 2, 3)
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(out[i, j], factorized_times(spec, n[i, j]), rtol=1e-15)
    np.testing.assert_allclose(factorized_times(spec, log_n=math.log(1000)),
                               factorized_times(spec, 1000), rtol=1e-14)


def test_factorized_times_zero_variance_and_n_one():
    spec = parse_spectrum("1:2,0:3")
    times = factorized_times(spec, 1000)
    assert times[1] == 0.0                     # nothing to lose
    assert np.isinf(factorized_times(PAPER_SPECTRUM, 1)).all()   # lost at every time


def test_factorized_times_zero_variance_with_n_one_is_not_nan():
    # Regression: for N = 1 a zero-variance subspace used to evaluate
    # 0/expm1(0) = 0/0 and return NaN with a warning. A normal subspace has
    # nothing to lose (0), as collapse_time says for an all-zero spectrum.
    times = factorized_times(parse_spectrum("1:2,0:3"), 1)
    assert np.isinf(times[0])
    assert times[1] == 0.0


def test_lost_first_condition_symbolic_form():
    cond = derive_lost_first_condition()
    assert isinstance(cond, sp.StrictGreaterThan)
    lhs = sy.lam1 / (sy.n_samples ** (2 / sy.dim1) - 1)
    rhs = sy.lam2 / (sy.n_samples ** (2 / sy.dim2) - 1)
    assert sp.simplify(cond.lhs - lhs) == 0
    assert sp.simplify(cond.rhs - rhs) == 0


def test_lost_first_condition_numeric_examples():
    cond = derive_lost_first_condition()
    # worked by hand, N = 1000: 1/(1000 - 1) = 1.0e-3 vs 0.5/(1000^0.1 - 1) = 0.50
    subs = {sy.lam1: 1.0, sy.dim1: 2, sy.lam2: 0.5, sy.dim2: 20, sy.n_samples: 1000}
    assert not bool(cond.subs(subs))
    # equal dimensions: the higher variance is lost first
    subs = {sy.lam1: 1.0, sy.dim1: 5, sy.lam2: 0.5, sy.dim2: 5, sy.n_samples: 1000}
    assert bool(cond.subs(subs))


@pytest.mark.parametrize("spec_text", ["1:2,0.09:5,1e-4:23", "3:1,0.01:4", "0.5:40,2:1,1e-3:7",
                                       "1:2,0.5:20"])
@pytest.mark.parametrize("n", [2, 1000, 1e8])
def test_ve_and_vp_give_the_same_order(spec_text, n):
    spec = parse_spectrum(spec_text)
    order_ve = np.argsort(-factorized_times(spec, n, "ve"), kind="stable")
    order_vp = np.argsort(-factorized_times(spec, n, "vp"), kind="stable")
    np.testing.assert_array_equal(order_ve, order_vp)
    np.testing.assert_array_equal(lost_first_order(spec, n), order_ve)


def test_lost_first_examples_dimension_reverses_variance():
    # "1:2,0.5:20", N = 1000: t_0 = 1/999 ~ 1.0e-3, t_1 = 0.5/(1000^0.1 - 1) ~ 0.50:
    # the LOWER-variance but higher-dimensional subspace is lost first.
    assert int(lost_first(parse_spectrum("1:2,0.5:20"), 1000)) == 1
    # equal dimensions: variance decides
    assert int(lost_first(parse_spectrum("1:5,0.5:5"), 1000)) == 0
    # the paper's spectrum: t = (1.0e-3, 6.06e-3, 1.21e-4) -> 0.09 x5 first,
    # then 1 x2, then 1e-4 x23 (by hand from lambda/(N^(2/d) - 1))
    assert lost_first_order(PAPER_SPECTRUM, 1000).tolist() == [1, 0, 2]
    # the reversal depends on N: with N = 2 (ln N small) t_0 = 1/1 = 1 and
    # t_1 = 0.5/(2^0.1 - 1) ~ 6.96, still reversed; the order is a property of (d, lambda, N)
    assert int(lost_first(parse_spectrum("1:2,0.5:20"), 2)) == 1
    # vectorised over N
    out = lost_first(parse_spectrum("1:1,0.9:2"), np.array([2.0, 1e6]))
    # N=2: 1/3 vs 0.9/1 -> 1 first; N=1e6: 1/(1e12-1) vs 0.9/(1e6-1) -> 1 first
    assert out.tolist() == [1, 1]
    out = lost_first(parse_spectrum("1:1,1e-9:2"), np.array([2.0, 1e6]))
    # N=2: 1/3 vs 1e-9 -> 0 first; N=1e6: 1e-12 vs 9e-16 -> 0 first
    assert out.tolist() == [0, 0]
