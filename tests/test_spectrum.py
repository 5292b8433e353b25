"""Tests of :mod:`theory.spectrum`: parsing, views, normalisation, from_stds.

All expected values are computed by hand from the input text (no output of
the function under test is reused as an expectation).
"""

import math

import numpy as np
import pytest

from theory.spectrum import PAPER_SPECTRUM, Spectrum, parse_spectrum


# -- parsing: valid inputs -------------------------------------------------------
@pytest.mark.parametrize(
    "text, variances, dims",
    [
        ("1:2,0.09:5,1e-4:23", (1.0, 0.09, 1e-4), (2, 5, 23)),
        ("2.5", (2.5,), (1,)),                      # bare variance counts once
        ("0:3", (0.0,), (3,)),                      # zero variance: normal directions
        ("1:2, 0:3", (1.0, 0.0), (2, 3)),           # whitespace around entries
        (" 0.5:1 ,0.25 ", (0.5, 0.25), (1, 1)),
        ("0.09:5,1:2", (0.09, 1.0), (5, 2)),        # order is kept, not sorted
        ("1:2,1:3", (1.0, 1.0), (2, 3)),            # repeated variances stay separate
        ("1E-12:23", (1e-12,), (23,)),
    ],
)
def test_parse_valid(text, variances, dims):
    spec = parse_spectrum(text)
    assert spec.variances == variances
    assert spec.dims == dims
    assert all(isinstance(v, float) for v in spec.variances)
    assert all(isinstance(d, int) for d in spec.dims)
    assert spec.ambient_dim == sum(dims)
    assert spec.n_subspaces == len(dims)
    # classmethod alias
    assert Spectrum.parse(text) == spec


def test_parse_paper_spectrum_and_round_trip():
    spec = parse_spectrum("1:2,0.09:5,1e-4:23")
    assert spec == PAPER_SPECTRUM
    assert spec.ambient_dim == 30
    # str() writes the same text back (in %g form) and parses to the same spectrum
    assert str(spec) == "1:2,0.09:5,0.0001:23"
    assert parse_spectrum(str(spec)) == spec


@pytest.mark.parametrize(
    "text",
    [
        "",            # empty
        "   ",         # blank
        "-1:2",        # negative variance
        "1:2,-0.5",    # negative bare variance
        "nan:2",       # non-finite
        "inf:2",
        "-inf",
        "NaN",
        "1:0",         # multiplicity must be >= 1
        "1:-2",
        "1:2.5",       # multiplicity must be an integer
        "a:2",         # variance not a number
        "1:b",
        "1:2:3",       # too many fields
        "1:2,",        # trailing comma -> empty entry
        ",1:2",        # leading comma
        "1:2,,0.5:1",  # empty entry in the middle
        "1:",          # empty multiplicity
        ":2",          # empty variance
    ],
)
def test_parse_invalid_raises_value_error(text):
    with pytest.raises(ValueError):
        parse_spectrum(text)


@pytest.mark.parametrize("bad", [None, 3, 1.5, ["1:2"]])
def test_parse_non_string_raises_value_error(bad):
    with pytest.raises(ValueError):
        parse_spectrum(bad)


# -- direct construction validation ------------------------------------------------
@pytest.mark.parametrize(
    "variances, dims",
    [
        ((), ()),                   # empty
        ((1.0, 2.0), (1,)),         # length mismatch
        ((-1.0,), (1,)),            # negative
        ((math.nan,), (1,)),        # non-finite
        ((math.inf,), (1,)),
        ((1.0,), (0,)),             # dimension < 1
        ((1.0,), (2.5,)),           # non-integral dimension
        ((1.0,), ("x",)),           # not an integer at all
    ],
)
def test_spectrum_constructor_validation(variances, dims):
    with pytest.raises(ValueError):
        Spectrum(variances, dims)


# -- views --------------------------------------------------------------------------
def test_per_direction_and_subspace_index():
    spec = parse_spectrum("1:2,0.09:3,0:1")
    np.testing.assert_array_equal(spec.per_direction(), [1.0, 1.0, 0.09, 0.09, 0.09, 0.0])
    np.testing.assert_array_equal(spec.subspace_index(), [0, 0, 1, 1, 1, 2])
    assert spec.per_direction().dtype == np.float64
    # total variance = sum_k d_k lambda_k, by hand: 2*1 + 3*0.09 + 0 = 2.27
    assert spec.total_variance == pytest.approx(2.27, rel=1e-15)
    assert spec.largest_variance == 1.0


def test_isotropic():
    spec = Spectrum.isotropic(0.5, 7)
    assert spec.variances == (0.5,) and spec.dims == (7,)
    np.testing.assert_array_equal(spec.per_direction(), np.full(7, 0.5))


def test_normalized_sums_to_one_over_directions():
    spec = parse_spectrum("1:2,0.09:5,1e-4:23")
    norm = spec.normalized()
    total = 2 * 1.0 + 5 * 0.09 + 23 * 1e-4   # by hand
    assert norm.dims == spec.dims
    for v_new, v_old in zip(norm.variances, spec.variances):
        # one division each: rel 1e-15 covers a couple of float64 roundings
        assert v_new == pytest.approx(v_old / total, rel=1e-15)
    assert norm.per_direction().sum() == pytest.approx(1.0, rel=1e-14)
    # ratios between subspaces are preserved
    assert norm.variances[0] / norm.variances[1] == pytest.approx(1.0 / 0.09, rel=1e-14)


def test_normalized_keeps_zero_variances_and_rejects_all_zero():
    norm = parse_spectrum("2:1,0:4").normalized()
    assert norm.variances == (1.0, 0.0)
    with pytest.raises(ValueError):
        parse_spectrum("0:3").normalized()


def test_from_stds_squares_and_rounds_to_the_decimal_meant():
    spec = Spectrum.from_stds([1, 0.3, 0.01], [2, 5, 23])
    # 0.3**2 == 0.09000000000000001 in binary; from_stds quotes the decimal 0.09
    assert spec.variances == (1.0, 0.09, 1e-4)
    assert spec == PAPER_SPECTRUM
    spec0 = Spectrum.from_stds([0.0, 2.0], [1, 3])
    assert spec0.variances == (0.0, 4.0) and spec0.dims == (1, 3)


@pytest.mark.parametrize("stds", [[-1.0], [math.nan], [math.inf]])
def test_from_stds_validation(stds):
    with pytest.raises(ValueError):
        Spectrum.from_stds(stds, [1])


def test_spectrum_is_frozen():
    spec = parse_spectrum("1:2")
    with pytest.raises(AttributeError):
        spec.variances = (2.0,)
