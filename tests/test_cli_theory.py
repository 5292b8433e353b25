"""``lostdim theory``: the JSON contract, the readable table and bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest

import theory
from numerics.cli import main


def run_cli(capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_json_has_the_contract_keys_and_worked_values(capsys):
    status, out, err = run_cli(capsys, "theory", "--variances", "1:2,0.09:5,1e-4:23",
                               "--n", "1000", "--json")
    assert status == 0 and err == ""
    report = json.loads(out)  # one object and nothing else on stdout
    for key in ("process", "n", "subspaces", "collapse_time", "speciation_time"):
        assert key in report
    assert report["process"] == "ve" and report["n"] == 1000
    assert [s["dim"] for s in report["subspaces"]] == [2, 5, 23]
    # worked values of the issue (7 significant digits quoted there)
    np.testing.assert_allclose([s["factorized_time"] for s in report["subspaces"]],
                               [1.001001e-3, 6.061042e-3, 1.214553e-4], rtol=5e-7)
    assert report["collapse_time"] == pytest.approx(3.1415188e-2, rel=5e-8)
    assert report["speciation_time"] is None  # VE
    # without --normalize the paper's g is 1: t* = (lam + sqrt(lam^2 + 4 S L))/(2 L)
    S = (2 * 1.0**2 + 5 * 0.09**2 + 23 * 1e-8) / 2
    L = 2 * np.log(1000)
    expected = [(v + np.sqrt(v * v + 4 * S * L)) / (2 * L) for v in (1.0, 0.09, 1e-4)]
    np.testing.assert_allclose([s["paper_time"] for s in report["subspaces"]], expected, rtol=1e-12)


def test_normalize_sets_g_zero_and_rescales(capsys):
    _, out, _ = run_cli(capsys, "theory", "--variances", "1:2,0.5:4", "--n", "100",
                        "--normalize", "--json")
    report = json.loads(out)
    variances = [s["variance"] for s in report["subspaces"]]
    assert sum(v * s["dim"] for v, s in zip(variances, report["subspaces"])) == pytest.approx(1.0)
    assert report["g"] == 0.0
    # g = 0: t_i* = lambda_i / (2 ln N)
    np.testing.assert_allclose([s["paper_time"] for s in report["subspaces"]],
                               np.array(variances) / (2 * np.log(100)), rtol=1e-12)
    _, out, _ = run_cli(capsys, "theory", "--variances", "1:2,0.5:4", "--n", "100",
                        "--normalize", "--g", "1", "--json")
    assert json.loads(out)["g"] == 1.0


def test_times_keys_shapes_and_values(capsys):
    times = [1.0, 0.1, 0.01]
    _, out, _ = run_cli(capsys, "theory", "--variances", "1:2,0.09:5", "--n", "50",
                        "--process", "vp", "--times", ",".join(map(str, times)), "--json")
    report = json.loads(out)
    assert report["times"] == times
    spectrum = theory.parse_spectrum("1:2,0.09:5")
    np.testing.assert_allclose(report["entropy"], theory.entropy(times, spectrum, 50, "vp"))
    s = np.array(report["entropy"])
    np.testing.assert_allclose(report["effective_samples"], np.maximum(np.exp(s), 1.0))
    eig = np.array(report["jacobian_eigenvalues"])
    assert eig.shape == (2, 3)
    a2 = np.exp(-2 * np.array(times))
    np.testing.assert_allclose(eig[1], -1 / (1 - a2 + a2 * 0.09), rtol=1e-12)
    assert np.array(report["paper_singular_values"]).shape == (2, 3)
    assert report["speciation_time"] == pytest.approx(0.0)  # VP with Lambda = 1


def test_n_one_reports_null_with_a_reason(capsys):
    _, out, _ = run_cli(capsys, "theory", "--n", "1", "--json")
    report = json.loads(out)
    assert report["collapse_time"] is None
    assert any("N = 1" in note for note in report["notes"])


def test_table_says_which_subspace_is_lost_first(capsys):
    status, out, _ = run_cli(capsys, "theory")
    assert status == 0
    assert "lost first, factorised REM: subspace 1 (variance 0.09" in out
    assert "lost first, paper criterion: subspace 0 (variance 1" in out
    assert "disagree" in out


@pytest.mark.parametrize("argv, fragment", [
    (["--variances", "-1:2"], "variance must be finite and >= 0"),
    (["--n", "0"], "integer >= 1"),
    (["--times", "0.1,0"], "times must be finite and > 0"),
    (["--times", "-1"], "times must be finite and > 0"),
    (["--variances", "1:2;3"], "multiplicity"),
    (["--variances", ""], "empty spectrum"),
    (["--process", "ddpm"], "unknown process"),
    (["--bogus"], "unrecognized arguments"),
    (["--g", "-1"], "--g must be"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, fragment):
    with pytest.raises(SystemExit) as excinfo:
        main(["theory", *argv])
    assert excinfo.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lostdim: error:")
    assert fragment in lines[0]


def test_module_entry_point_runs_in_a_subprocess():
    result = subprocess.run([sys.executable, "-m", "numerics", "theory", "--json", "--n", "200"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["n"] == 200
    bad = subprocess.run([sys.executable, "-m", "numerics", "theory", "--n", "-5"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
