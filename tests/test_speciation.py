"""Tests of :mod:`theory.speciation`: t_S = log(Lambda)/2 in VP (THEORY §7)."""

import math

import numpy as np
import pytest
import sympy as sp

from theory.processes import VP
from theory.speciation import derive_speciation_time, speciation_time



def test_derive_speciation_time_closed_form():
    expr = derive_speciation_time()
    (top,) = expr.free_symbols
    assert sp.simplify(expr - sp.log(top) / 2) == 0
    # substituting back: a_t^2 Lambda = exp(-2t) Lambda = 1 (a_t typed in by hand)
    assert sp.simplify(sp.exp(-2 * expr) * top - 1) == 0


def test_speciation_time_solves_condition_numerically():
    for lam in (1.0001, 2.0, math.e**2, 37.5, 1e6):
        t_s = speciation_time(lam)
        assert isinstance(t_s, float)
        # log(Lambda)/2 in float64: rel 1e-14
        assert t_s == pytest.approx(0.5 * math.log(lam), rel=1e-14)
        # the VP signal variance along the top direction equals 1 (noise scale)
        assert float(VP.a(t_s)) ** 2 * lam == pytest.approx(1.0, rel=1e-13)


def test_speciation_time_boundary_lambda_one():
    # Lambda = 1: the condition holds at t = 0 (not negative, so not None)
    assert speciation_time(1.0) == 0.0


def test_speciation_time_ve_is_none():
    assert speciation_time(4.0, "ve") is None
    assert speciation_time(4.0, "VE") is None
    assert speciation_time(4.0, "vp") == pytest.approx(math.log(2.0), rel=1e-14)


@pytest.mark.parametrize("lam", [0.999, 0.5, 1e-4])
def test_speciation_time_lambda_below_one_is_none(lam):
    assert speciation_time(lam) is None


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
def test_speciation_time_validation(bad):
    with pytest.raises(ValueError):
        speciation_time(bad)


def test_speciation_time_unknown_process():
    with pytest.raises(ValueError):
        speciation_time(4.0, "ddpm")
