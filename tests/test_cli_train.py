"""``lostdim train``: checkpoints, resume, JSON output and user mistakes."""

import json

import numpy as np
import pytest

import numerics.cli
from numerics.cli import main
from numerics.mlp import load_checkpoint, load_model


@pytest.fixture(autouse=True)
def only_train_command(monkeypatch):
    # Other subcommands are developed elsewhere; this file tests train alone.
    monkeypatch.setattr(numerics.cli, "COMMAND_MODULES", ("train_cmd",))


BASE = ["train", "--variances", "1:2,0.1:1,0:2", "--n", "100", "--width", "8", "--depth", "1",
        "--batch", "16", "--seed", "3"]


def _run(argv, capsys):
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def test_train_writes_a_loadable_checkpoint_and_json(tmp_path, capsys):
    out = tmp_path / "model.npz"
    status, stdout, stderr = _run(BASE + ["--steps", "12", "--out", str(out), "--json"], capsys)
    assert status == 0, stderr
    report = json.loads(stdout)
    assert report["steps"] == 12 and report["dim"] == 5 and report["process"] == "ve"
    assert np.isfinite(report["final_loss"])
    model = load_model(out)
    assert model.score(np.zeros((2, 5)), 0.1).shape == (2, 5)
    assert model.jacobian(np.zeros((2, 5)), 0.1).shape == (2, 5, 5)


def test_resume_continues_bit_for_bit(tmp_path, capsys):
    full, part = tmp_path / "full.npz", tmp_path / "part.npz"
    assert _run(BASE + ["--steps", "20", "--out", str(full), "--json"], capsys)[0] == 0
    assert _run(BASE + ["--steps", "8", "--out", str(part), "--json"], capsys)[0] == 0
    status, stdout, _ = _run(BASE + ["--steps", "20", "--out", str(part), "--resume", "--json"], capsys)
    assert status == 0 and json.loads(stdout)["resumed_from_step"] == 8
    a, b = load_checkpoint(full), load_checkpoint(part)
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.ema, b.ema)
    assert a.losses == b.losses


@pytest.mark.parametrize("argv, message", [
    (["--variances", "1:-2"], "multiplicity"),
    (["--variances", "1:2", "--n", "0"], "integer >= 1"),
    (["--variances", "0:3"], "no variance"),
    (["--variances", "1:2", "--lr", "-1"], "number > 0"),
    (["--variances", "1:2", "--ema", "1.5"], "ema_decay"),
    (["--variances", "1:2", "--process", "ddpm"], "unknown process"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, argv, message):
    status, stdout, stderr = _run(["train", *argv, "--steps", "2", "--out", str(tmp_path / "m.npz")], capsys)
    assert status == 2 and stdout == ""
    assert len(stderr.strip().splitlines()) == 1 and message in stderr, stderr


def test_unreadable_checkpoint_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"\x00garbage")
    status, stdout, stderr = _run(BASE + ["--steps", "2", "--out", str(bad), "--resume"], capsys)
    assert status == 2 and stdout == ""
    assert len(stderr.strip().splitlines()) == 1 and "cannot read checkpoint" in stderr


def test_mismatched_checkpoint_exits_2(tmp_path, capsys):
    out = tmp_path / "m.npz"
    assert _run(BASE + ["--steps", "4", "--out", str(out), "--json"], capsys)[0] == 0
    other_data = ["train", "--variances", "1:3", "--n", "100", "--width", "8", "--depth", "1",
                  "--batch", "16", "--seed", "3", "--steps", "6", "--out", str(out), "--resume"]
    status, _, stderr = _run(other_data, capsys)
    assert status == 2 and "other data" in stderr and len(stderr.strip().splitlines()) == 1
    wider = [a if a != "8" else "16" for a in BASE] + ["--steps", "6", "--out", str(out), "--resume"]
    status, _, stderr = _run(wider, capsys)
    assert status == 2 and "holds a model" in stderr
    fewer = BASE + ["--steps", "2", "--out", str(out), "--resume"]
    status, _, stderr = _run(fewer, capsys)
    assert status == 2 and "beyond --steps" in stderr


def test_missing_output_directory_exits_2(tmp_path, capsys):
    status, _, stderr = _run(BASE + ["--out", str(tmp_path / "no" / "m.npz")], capsys)
    assert status == 2 and "does not exist" in stderr


def test_module_entry_point_reports_unreadable_checkpoint(tmp_path):
    # End to end through ``python -m numerics`` with every subcommand registered.
    import subprocess
    import sys

    bad = tmp_path / "bad.npz"
    bad.write_text("not an archive")
    proc = subprocess.run(
        [sys.executable, "-m", "numerics", "train", "--variances", "1:2,0:1", "--n", "10",
         "--steps", "1", "--width", "4", "--depth", "1", "--out", str(bad), "--resume"],
        capture_output=True, text=True, timeout=120,
        cwd=__import__("pathlib").Path(__file__).resolve().parents[1],
    )
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot read checkpoint" in lines[0], proc.stderr
