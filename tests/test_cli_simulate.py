"""``lostdim simulate``: JSON keys, plain-words output and bad input."""

import json

import numpy as np
import pytest

import theory
from numerics.cli import main
from numerics.simulate import simulate


def test_json_keys_and_shapes(capsys):
    status = main(["simulate", "--variances", "1:2,0.09:3", "--n", "200", "--times", "1,0.01,1e-4",
                   "--batch", "32", "--json"])
    out = capsys.readouterr().out
    assert status == 0
    report = json.loads(out)
    for key in ("times", "effective_samples", "participation_ratio", "subspaces",
                "memorized_fraction", "measured_collapse_time"):
        assert key in report
    assert report["times"] == [1.0, 0.01, 1e-4]
    assert len(report["effective_samples"]) == 3
    assert [len(s["posterior_variance_ratio"]) for s in report["subspaces"]] == [3, 3]
    # 200 points, 5 directions: condensed at t = 1e-4 (t_C ~ 0.03), spread at t = 1
    assert report["effective_samples"][0] > 20 and report["effective_samples"][-1] < 2
    assert report["memorized_fraction"] > 0.9
    assert report["measured_collapse_time"] > 0


def test_factorized_reports_per_subspace_sizes_and_times(capsys):
    main(["simulate", "--variances", "1:2,0.3:8", "--n", "300", "--score", "factorized",
          "--times", "0.1,1e-3", "--batch", "32", "--process", "vp", "--json"])
    report = json.loads(capsys.readouterr().out)
    for sub in report["subspaces"]:
        assert len(sub["effective_samples"]) == 2
        assert sub["measured_collapse_time"] > 0
    t_k = theory.factorized_times(theory.parse_spectrum("1:2,0.3:8"), 300, "vp")
    assert report["predicted_collapse_time"] == pytest.approx(t_k.max())


def test_plain_words_say_kept_or_lost(capsys):
    main(["simulate", "--variances", "1:3", "--n", "100", "--times", "10,1e-5", "--batch", "16",
          "--no-collapse"])
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "subspace 0" in line]
    assert "kept" in lines[0] and "LOST" in lines[1]


def test_trajectory_points_end_on_training_points():
    report = simulate(theory.parse_spectrum("1:3"), 50, "ve", points="trajectory",
                      times=[1.0, 1e-5], batch=16, rng=0, collapse=False)
    assert report["memorized_fraction"] == 1.0
    assert report["effective_samples"][-1] == pytest.approx(1.0, abs=1e-6)


def test_same_seed_same_numbers():
    spec = theory.parse_spectrum("1:2")
    a = simulate(spec, 40, times=[0.1], batch=8, rng=7, collapse=False)
    b = simulate(spec, 40, times=[0.1], batch=8, rng=7, collapse=False)
    np.testing.assert_array_equal(a["effective_samples"], b["effective_samples"])


@pytest.mark.parametrize("argv, fragment", [
    (["--variances", "-1:2"], "variance must be finite"),
    (["--n", "0"], "integer >= 1"),
    (["--times", "0"], "times must be finite and > 0"),
    (["--batch", "1"], "--batch must be >= 2"),
    (["--score", "both"], "invalid choice"),
    (["--points", "grid"], "invalid choice"),
    (["--process", "sde"], "unknown process"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, fragment):
    with pytest.raises(SystemExit) as excinfo:
        main(["simulate", *argv])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0]
