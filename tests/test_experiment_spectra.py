"""Experiment 1 ("spectra"): tasks, assembly, report and figure on the tiny preset."""

import math
import re

import numpy as np
import pytest

import theory
from numerics.experiments import get_experiment, spectra
from tests.conftest import run_tiny_preset


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return run_tiny_preset(spectra, tmp_path_factory.mktemp("cache"))


def test_registered_and_presets():
    assert get_experiment("spectra") is spectra
    assert set(spectra.PRESETS) == {"tiny", "quick", "paper"}
    assert spectra.PRESETS["paper"]["n"] == 1000


def test_bad_params():
    with pytest.raises(ValueError, match="n must be an integer"):
        spectra.tasks(dict(spectra.PRESETS["tiny"], n=1))
    with pytest.raises(ValueError, match="VE process"):
        spectra.tasks(dict(spectra.PRESETS["tiny"], process="vp"))
    with pytest.raises(ValueError, match="t_min < t_max"):
        spectra.tasks(dict(spectra.PRESETS["tiny"], t_min=1.0))
    with pytest.raises(ValueError, match="miss"):
        spectra.tasks({"n": 10})


def test_documented_keys(tiny):
    params, results, data, rep = tiny
    assert set(results) == {"theory", "empirical_joint", "empirical_factorized", "mlp"}
    for key in ("times", "theory", "empirical", "mlp", "subspaces", "reference_lines", "dim"):
        assert key in data
    assert [line["index"] for line in data["reference_lines"]] == [23, 28, 25]
    t = len(data["times"])
    assert t == params["n_times"]
    for panel in (data["mlp"], data["empirical"]["joint"], data["empirical"]["factorized"]):
        assert np.shape(panel["origin"]) == (t, 30)
        assert np.shape(panel["manifold"]) == (t, 30)
        assert np.shape(panel["manifold_levels"]) == (t, 3)
        assert len(panel["loss_times"]) == 3
    assert set(rep) == {"rows", "findings", "lost_first"}
    models = {e["model"] for e in rep["lost_first"]}
    assert models == {"paper criterion", "factorised REM", "joint REM",
                      "exact empirical score (joint)", "exact empirical score (factorised)",
                      "MLP"}
    for row in rep["rows"]:
        assert set(row) == {"quantity", "theory", "predicted", "measured", "ratio", "verdict"}


def test_paper_panel_recomputed(tiny):
    _, _, data, _ = tiny
    spec = theory.parse_spectrum(spectra.SPECTRUM).normalized()
    times = np.asarray(data["times"])
    # Independent recomputation: per-direction values, descending, drop the top 7
    # (2 + 5 tangent directions), divide by the largest remaining one.
    raw = theory.paper_singular_values(times, spec, data["n"], 0.0)
    expected = []
    for row in raw:
        per_direction = np.concatenate([np.full(d, v) for v, d in zip(row, spec.dims)])
        kept = sorted(per_direction, reverse=True)[7:]
        expected.append(np.array(kept) / kept[0])
    assert data["theory"]["drop_top"] == 7
    assert data["theory"]["paper_index"] == list(range(8, 31))
    np.testing.assert_allclose(data["theory"]["paper"], expected, rtol=1e-12)


def test_rem_panel_drops_subspace_below_its_time():
    spec = theory.parse_spectrum(spectra.SPECTRUM).normalized()
    n = 1000
    t_k = theory.factorized_times(spec, n)
    k = 1  # the 0.09 subspace, dims 5, directions 2..6
    just_above, just_below = t_k[k] * (1 + 1e-9), t_k[k] * (1 - 1e-9)
    values = spectra.rem_values([just_above, just_below], spec, n)
    snr = spec.variances[k] * (1 / just_above)
    np.testing.assert_allclose(values[0, 2:7], 1 / (1 + snr), rtol=1e-12)
    assert np.all(values[0, 2:7] < 0.1)
    np.testing.assert_array_equal(values[1, 2:7], 1.0)
    # the variance-1 subspace is not lost yet at this time (t_0 < t_1)
    assert t_k[0] < just_below
    assert np.all(values[1, :2] < 0.1)


def test_rem_panel_in_data(tiny):
    _, _, data, _ = tiny
    spec = theory.parse_spectrum(spectra.SPECTRUM).normalized()
    times = np.asarray(data["times"])
    per_direction = spectra.rem_values(times, spec, data["n"])
    np.testing.assert_allclose(data["theory"]["rem"], -np.sort(-per_direction, axis=1))
    t_k = np.asarray(data["theory"]["factorized_times"])
    # at every time, the number of directions at exactly 1 counts the lost subspaces
    for t, row in zip(times, data["theory"]["rem"]):
        lost = sum(d for d, tk in zip(spec.dims, t_k) if t < tk)
        assert np.count_nonzero(np.asarray(row) == 1.0) == lost


def _numbers(text):
    # "t = 0.0126." at the end of a sentence: drop the full stop
    return [float(x.rstrip(".")) for x in re.findall(r"t = ([0-9.e+-]+)", text)]


def test_report_numbers_come_from_data(tiny):
    _, _, data, rep = tiny
    joint = data["empirical"]["joint"]["loss_times"]
    fact = data["empirical"]["factorized"]["loss_times"]
    rows = {(r["quantity"], r["theory"]): r for r in rep["rows"]}
    for k, sub in enumerate(data["subspaces"]):
        row = rows[(f"loss time of {sub['label']}, exact factorised empirical score",
                    "factorised REM t_k")]
        assert row["measured"] == fact[k]
        assert row["predicted"] == data["theory"]["factorized_times"][k]
        row = rows[(f"loss time of {sub['label']}, exact joint empirical score",
                    "paper criterion t_i* (g = 0)")]
        assert row["measured"] == joint[k]
        if joint[k] is not None:
            assert math.isclose(row["ratio"], joint[k] / data["theory"]["paper_times"][k])
    # findings quote the measured times (3 significant digits)
    text = rep["findings"][1]
    quoted = _numbers(text)
    expected = [v for v in (joint[0], joint[1]) if v is not None]
    np.testing.assert_allclose(quoted, expected, rtol=5e-3)
    # lost-first entries match the largest measured manifold time
    entry = next(e for e in rep["lost_first"] if e["model"] == "exact empirical score (joint)")
    if joint[0] is None and joint[1] is None:
        assert entry["subspace"] is None
    else:
        k = int(np.nanargmax([np.nan if v is None else v for v in joint[:2]]))
        assert entry["subspace"] == data["subspaces"][k]["label"]
        assert math.isclose(_numbers(entry["at"])[0], joint[k], rel_tol=5e-3)


def test_report_changes_with_data(tiny):
    # a perturbed measurement must show up in the report (nothing hard-coded)
    _, _, data, _ = tiny
    import copy

    changed = copy.deepcopy(data)
    changed["empirical"]["factorized"]["loss_times"] = [1.234e-3, 5.678e-3, None]
    rep = spectra.report(changed)
    assert any("0.00568" in f for f in rep["findings"])
    entry = next(e for e in rep["lost_first"]
                 if e["model"] == "exact empirical score (factorised)")
    assert entry == {"model": "exact empirical score (factorised)",
                     "subspace": "variance 0.09 (dim 5)", "at": "t = 0.00568",
                     "source": "measured"}
    changed["mlp"]["loss_times"] = [None, None, None]
    rep = spectra.report(changed)
    entry = next(e for e in rep["lost_first"] if e["model"] == "MLP")
    assert entry["subspace"] is None and entry["at"].startswith("no manifold subspace lost")
    row = next(r for r in rep["rows"] if r["quantity"].startswith("loss time of variance 0.0001")
               and "factorised" in r["quantity"])
    assert row["measured"] is None and row["verdict"] == "no crossing on the grid"


def test_rise_time():
    times = np.geomspace(1.0, 1e-4, 5)
    assert spectra.rise_time(times, [0.9, 0.4, 0.3, 0.2, 0.1]) is None   # never lost
    assert spectra.rise_time(times, [0.9, 0.8, 0.7, 0.6, 0.9]) is None   # never resolved
    t = spectra.rise_time(times, [0.9, 0.2, 0.5, 0.9, 1.0])
    assert t == pytest.approx(1e-2)                                        # exactly at a grid time


def test_plot(tiny):
    from matplotlib.figure import Figure

    from numerics.plots import get_plotter

    _, _, data, _ = tiny
    fig = get_plotter("spectra")(data)
    assert isinstance(fig, Figure)
    axes = [ax for ax in fig.axes if ax.get_title()]
    assert len(axes) == 6
    for ax in axes:
        assert ax.get_ylabel()
        assert "N = 200" in ax.get_title() and "VE" in ax.get_title()
    assert all(ax.get_xlabel() == "index of singular value (descending)" for ax in axes[3:])
    colorbar = [ax for ax in fig.axes if not ax.get_title()]
    assert colorbar and colorbar[0].get_ylabel() == "diffusion time t (VE)"
    # one curve per time in every panel
    for ax in axes:
        assert len(ax.get_lines()) >= len(data["times"])
