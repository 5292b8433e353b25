"""Experiment 2 (dimension versus N): tiny preset end to end, theory curves, report."""

import math

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

import theory
from numerics.data import sample_gaussian_manifold
from numerics.empirical_score import EmpiricalScore
from numerics.experiments import dimension_measures as measures
from numerics.experiments import dimension_vs_n as exp
from numerics.loss_times import posterior_variance_ratio, reference_variances
from numerics.plots.dimension_vs_n import plot
from tests.conftest import run_tiny_preset

matplotlib.use("Agg", force=False)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return run_tiny_preset(exp, tmp_path_factory.mktemp("cache"))


def test_tiny_preset_produces_the_documented_keys(tiny):
    params, _, data, report = tiny
    assert set(report) == {"rows", "findings", "lost_first"}
    assert data["ns"] == sorted(params["ns"]) and len(data["panels"]) == len(params["times"])
    for panel in data["panels"]:
        assert set(panel["theory_grid"]) == {"n", "paper_criterion", "factorized_rem", "joint_rem"}
        assert set(panel["measured"]) == {"joint_score", "factorized_score", "mlp_low", "mlp_high"}
        for values in panel["measured"].values():
            assert len(values) == len(params["ns"])
    for row in report["rows"]:
        assert set(row) == {"quantity", "theory", "predicted", "measured", "ratio", "verdict"}
    models = {entry["model"] for entry in report["lost_first"]}
    assert {"MLP", "exact joint empirical score", "exact factorised empirical score",
            "factorised REM", "paper criterion (g = 0)"} <= models
    assert all(entry["source"] in ("measured", "theory") for entry in report["lost_first"])


def test_theory_curves_equal_closed_forms(tiny):
    _, _, data, _ = tiny
    # independent recomputation: normalised variances, t_k = lambda/(N^{2/d} - 1),
    # t_k* = lambda/(2 ln N) (g = 0), joint t_C from sum_k d_k/2 ln(1 + lambda_k/t) = ln N
    raw = np.array([1.0, 0.09, 1e-4])
    dims = np.array([2, 5, 23])
    lam = raw / np.sum(raw * dims)
    assert np.allclose(data["variances"], lam)
    for panel in data["panels"]:
        t = panel["time"]
        n = np.asarray(panel["theory_grid"]["n"], dtype=float)
        t_k = lam[None, :] / (n[:, None] ** (2.0 / dims[None, :]) - 1.0)
        t_star = lam[None, :] / (2.0 * np.log(n)[:, None])
        assert panel["theory_grid"]["factorized_rem"] == [int(dims[t >= row].sum()) for row in t_k]
        assert panel["theory_grid"]["paper_criterion"] == [int(dims[t >= row].sum())
                                                           for row in t_star]
        entropy = np.log(n) - 0.5 * np.sum(dims * np.log1p(lam / t))
        # joint REM keeps everything iff s(t) >= 0, i.e. t >= t_C
        assert panel["theory_grid"]["joint_rem"] == [30 if s >= 0 else 0 for s in entropy]


def test_population_spectral_dimension_is_the_largest_gap_rule(tiny):
    _, _, data, _ = tiny
    lam = np.repeat(data["variances"], data["dims"])
    for panel in data["panels"]:
        values = np.sort(1.0 / (panel["time"] + lam))[::-1]
        values /= values[0]
        gaps = values[:-1] - values[1:]
        i = int(np.argmax(gaps))
        expected = lam.size - i - 1 if gaps[i] >= 0.3 else 0
        assert panel["spectral"]["population"] == expected
        for key in ("joint_score", "factorized_score", "mlp"):
            assert all(0 <= d <= lam.size for d in panel["spectral"][key])


def test_measured_dimensions_follow_the_ratios(tiny):
    _, results, data, _ = tiny
    dims = data["dims"]
    for i, panel in enumerate(data["panels"]):
        for j, n in enumerate(data["ns"]):
            ratios = results[f"exact-N{n}"]["factorized"]["ratio"][i]
            expected = sum(d for r, d in zip(ratios, dims) if r >= 0.5)
            assert panel["measured"]["factorized_score"][j] == expected
            net = results[f"mlp-N{n}"]["ratio"][i]
            assert panel["measured"]["mlp_low"][j] == sum(d for r, d in zip(net, dims)
                                                          if r is not None and r >= 0.5)


def test_mlp_ratio_is_null_exactly_where_snr_is_low(tiny):
    _, results, data, _ = tiny
    for n in data["ns"]:
        reference = np.array([v for v in results[f"exact-N{n}"]["reference"]])
        for t, ratios in zip(data["times"], results[f"mlp-N{n}"]["ratio"]):
            snr = reference / t
            assert [r is None for r in ratios] == list(snr < exp.SNR_MIN)


def test_report_numbers_come_from_the_data(tiny):
    _, _, data, report = tiny
    first_t = data["panels"][0]
    rows = [r for r in report["rows"] if r["quantity"].startswith("retained dimension, factorised")
            and f"t = {first_t['time']:g}," in r["quantity"]]
    measured = first_t["measured"]["factorized_score"]
    predicted = first_t["theory_at_n"]["factorized_rem"]
    assert [r["measured"] for r in rows] == [float(v) for v in measured]
    assert [r["predicted"] for r in rows] == [float(v) for v in predicted]
    for j, row in enumerate(rows):
        if row["measured"] == row["predicted"]:
            assert row["verdict"] == "agrees"
        else:
            # the distance to the nearest factorised-REM step, recomputed from the data
            t_k = np.array(data["loss_times"]["factorized_rem"][j])
            factor = np.exp(np.min(np.abs(np.log(first_t["time"] / t_k))))
            assert row["verdict"] == (f"disagrees (measured {row['measured']:g}; t is a factor "
                                      f"{factor:.2g} from the nearest predicted loss time)")
    sentence = [f for f in report["findings"] if f.startswith(f"At t = {first_t['time']:g},")][0]
    assert ", ".join(map(str, first_t["measured"]["joint_score"])) in sentence
    # lost-first entries of the factorised score name the subspace with the largest loss time
    loss = data["loss_times"]["factorized_score"]
    entry = [e for e in report["lost_first"] if e["model"] == "exact factorised empirical score"][0]
    k = int(np.nanargmax([np.nan if v is None else v for v in loss[0]]))
    assert entry["subspace"] == (f"variance {data['raw_variances'][k]:.3g} (dim {data['dims'][k]}, "
                                 f"{data['variances'][k]:.3g} normalised)")


def test_tweedie_ratio_of_the_empirical_score_is_its_weighted_variance():
    spec = theory.parse_spectrum("1:2,0.05:3")
    data = sample_gaussian_manifold(spec, 60, rng=3)
    model = EmpiricalScore(data, subspace_index=spec.subspace_index())
    ref = reference_variances(data, spec.subspace_index())
    for t in (1e-3, 0.3):
        x = measures.probe_points(spec, t, 12, "ve", False, np.random.default_rng(4))
        assert np.allclose(measures.tweedie_ratio(model, x, t, ref, spec.subspace_index()),
                           posterior_variance_ratio(model, x, t, ref), rtol=1e-6)


def test_plot_returns_a_labelled_figure(tiny):
    _, _, data, _ = tiny
    fig = plot(data)
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert len(axes) == len(data["panels"])
    assert all(ax.get_xlabel() == "training-set size N" for ax in axes)
    assert "retained dimension" in axes[0].get_ylabel()
    assert fig.legends and len(fig.legends[0].get_texts()) == 7


@pytest.mark.parametrize("change, message", [
    ({"ns": [1]}, "ns must be distinct integers"),
    ({"times": [0.0]}, "times must be finite values > 0"),
    ({"batch": 1}, "batch must be an integer >= 2"),
    ({"spectrum": "1:-2"}, "multiplicity"),
])
def test_bad_parameters_raise(change, message):
    with pytest.raises(ValueError, match=message):
        exp.tasks({**exp.PRESETS["tiny"], **change})


def test_presets_span_the_documented_range():
    for name in ("quick", "paper"):
        ns = exp.PRESETS[name]["ns"]
        assert math.log10(max(ns) / min(ns)) >= 1.5
    assert max(exp.PRESETS["paper"]["ns"]) == 20000
