"""``lostdim spectrum``: empirical and trained-model sources, JSON keys, bad input."""

import json

import numpy as np
import pytest

from numerics.cli import main


def test_empirical_score_at_origin_resolves_then_loses_dimensions(capsys):
    # 1:2,0.1:3,0:5 with N = 5000: at t = 0.03 both subspaces are resolved and
    # not yet memorised at the origin (t_C ~ 0.01); at t = 30 nothing is resolved.
    status = main(["spectrum", "--variances", "1:2,0.1:3,0:5", "--n", "5000",
                   "--times", "30,0.03", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 0
    assert set(report) >= {"times", "singular_values", "dimension", "estimator"}
    values = np.array(report["singular_values"])
    assert values.shape == (2, 10)
    assert np.all(np.diff(values, axis=1) <= 1e-12) and np.allclose(values[:, 0], 1.0)
    assert report["dimension"] == [0, 5], values.round(3).tolist()


def test_trained_model_checkpoint_is_probed(tmp_path, capsys):
    ckpt = tmp_path / "m.npz"
    main(["train", "--variances", "1:2,0:2", "--n", "64", "--steps", "5", "--width", "8",
          "--depth", "1", "--batch", "16", "--out", str(ckpt), "--json"])
    capsys.readouterr()
    status = main(["spectrum", "--model", str(ckpt), "--times", "1,0.1", "--at", "manifold",
                   "--points", "2", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 0 and len(report["singular_values"]) == 2
    assert len(report["singular_values"][0]) == 4
    assert report["source"]["variances"] == "1:2,0:2"


@pytest.mark.parametrize("argv, fragment", [
    (["--times", "1", "--model", "does-not-exist.npz"], "not found"),
    (["--times", "0"], "times must be finite"),
    (["--n", "10"], "required: --times"),
    (["--times", "1", "--at", "moon"], "invalid choice"),
    (["--times", "1", "--estimator", "magic"], "invalid choice"),
    (["--times", "1", "--model", "m.npz", "--variances", "1:2"], "not both"),
])
def test_bad_input_exits_2(capsys, argv, fragment):
    with pytest.raises(SystemExit) as excinfo:
        main(["spectrum", *argv])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0]


def test_unreadable_checkpoint_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(SystemExit) as excinfo:
        main(["spectrum", "--model", str(bad), "--times", "1"])
    assert excinfo.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
