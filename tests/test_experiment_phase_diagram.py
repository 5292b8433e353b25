"""Experiment 3 (phase diagram): tiny preset end to end, boundaries, report."""

import math

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from numerics.experiments import phase_diagram as exp
from numerics.plots.phase_diagram import plot
from tests.conftest import run_tiny_preset

matplotlib.use("Agg", force=False)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return run_tiny_preset(exp, tmp_path_factory.mktemp("cache"))


def _closed_form(lam, d, n):
    return lam / (n ** (2.0 / d) - 1.0)


def test_tiny_preset_produces_the_documented_keys(tiny):
    params, _, data, report = tiny
    assert set(report) == {"rows", "findings", "lost_first"}
    assert len(data["points"]) == len(params["points"])
    assert len(data["joint"]) == len(params["joint"])
    for pt in data["points"]:
        assert set(pt) == {"lambda_ratio", "d1", "d2", "predicted_times", "paper_times",
                           "measured_times"}
    assert {"alpha", "ve", "vp"} <= set(data["collapse_line"])
    for row in report["rows"]:
        assert set(row) == {"quantity", "theory", "predicted", "measured", "ratio", "verdict"}
    assert any(e["source"] == "measured" for e in report["lost_first"])


def test_rem_boundary_is_where_the_two_times_are_equal(tiny):
    _, _, data, _ = tiny
    n, dim = data["n"], data["ambient_dim"]
    for ratio, y in zip(data["boundary"]["lambda_ratio"], data["boundary"]["d_ratio"]):
        d1 = dim * y / (1 + y)
        assert _closed_form(ratio, d1, n) == pytest.approx(_closed_form(1.0, dim - d1, n),
                                                           rel=1e-9)
    # the colour map is log10(t_1/t_2) of the closed form at every grid node
    x = np.asarray(data["map"]["lambda_ratio"])
    y = np.asarray(data["map"]["d_ratio"])
    z = np.asarray(data["map"]["log10_t1_over_t2"])
    d1 = dim * y / (1 + y)
    expected = np.log10(_closed_form(x[None, :], d1[:, None], n)
                        / _closed_form(1.0, dim - d1[:, None], n))
    assert np.allclose(z, expected, rtol=1e-9, atol=1e-9)


def test_point_predictions_equal_closed_forms(tiny):
    _, _, data, _ = tiny
    n = data["n"]
    for pt in data["points"]:
        lam1 = pt["lambda_ratio"] * data["lambda2"]
        assert pt["predicted_times"] == pytest.approx(
            [_closed_form(lam1, pt["d1"], n), _closed_form(data["lambda2"], pt["d2"], n)], rel=1e-9)
        # paper criterion with g = 0: t* = lambda / (2 ln N)
        assert pt["paper_times"] == pytest.approx(
            [lam1 / (2 * math.log(n)), data["lambda2"] / (2 * math.log(n))], rel=1e-9)


def test_collapse_line_equals_closed_forms(tiny):
    _, _, data, _ = tiny
    alpha = np.asarray(data["collapse_line"]["alpha"])
    assert np.allclose(data["collapse_line"]["ve"], 1.0 / np.expm1(2 * alpha), rtol=1e-9)
    assert np.allclose(data["collapse_line"]["vp"], -0.5 * np.log(-np.expm1(-2 * alpha)),
                       rtol=1e-9)
    for j in data["joint"]:
        ve = _closed_form(1.0, j["d"], j["n"])
        expected = ve if j["process"] == "ve" else 0.5 * math.log1p(ve)
        assert j["predicted_time"] == pytest.approx(expected, rel=1e-9)


def test_report_numbers_come_from_the_data(tiny):
    _, results, data, report = tiny
    for i, pt in enumerate(data["points"]):
        t1, t2 = results[f"phase-{i}"]["measured_times"]
        assert pt["measured_times"] == [t1, t2]
        where = f"lambda1/lambda2 = {pt['lambda_ratio']:g}, d1/d2 = {pt['d1']}/{pt['d2']}"
        rem_row = [r for r in report["rows"] if r["quantity"] == f"t_1/t_2 at {where}"
                   and r["theory"] == "factorised REM"][0]
        assert rem_row["measured"] == pytest.approx(t1 / t2)
        rem1, rem2 = pt["predicted_times"]
        assert rem_row["predicted"] == pytest.approx(rem1 / rem2)
        first = 1 if t1 > t2 else 2
        assert f"subspace {first}" in rem_row["verdict"]
        assert any(f"measured t_1 = {t1:.3g}, t_2 = {t2:.3g}" in f for f in report["findings"])
    for j in data["joint"]:
        row = [r for r in report["rows"] if r["quantity"].startswith(
            f"joint collapse time t_C, {j['process'].upper()}, N = {j['n']}, d = {j['d']} ")][0]
        assert row["measured"] == j["measured_time"]
        assert row["ratio"] == pytest.approx(j["measured_time"] / j["predicted_time"])


def test_measured_order_far_from_the_boundary():
    # three decades right of the REM boundary (d1 = d2 = 3, boundary at 1):
    # t_1/t_2 = 1000, far beyond finite-d shifts (tens of percent), so the
    # measured order must be subspace 1 first
    r = exp.measure_phase_point(200, 1000.0, 1.0, 3, 3, 32, 5, 0, [1e-4, 1e4, 25])
    t1, t2 = r["measured_times"]
    assert t1 / t2 > 100


def test_plot_returns_a_labelled_figure(tiny):
    _, _, data, _ = tiny
    fig = plot(data)
    assert isinstance(fig, Figure)
    ax, bx = fig.get_axes()[:2]
    assert "λ_1 / λ_2" in ax.get_xlabel() and "d_1 / d_2" in ax.get_ylabel()
    assert bx.get_xlabel() == "ln N / d" and "t_C" in bx.get_ylabel()
    assert len(fig.get_axes()) == 3  # two panels and the colour bar
    assert "log10(t_1 / t_2)" in fig.get_axes()[2].get_ylabel()


@pytest.mark.parametrize("change, message", [
    ({"points": [[0.0, 3]]}, "each point needs"),
    ({"n": 1}, "n must be an integer >= 2"),
    ({"joint": [["ve", 1, 3]]}, "joint points need"),
    ({"collapse_grid": [1.0, 0.1, 5]}, "collapse_grid must be"),
])
def test_bad_parameters_raise(change, message):
    with pytest.raises(ValueError, match=message):
        exp.tasks({**exp.PRESETS["tiny"], **change})
