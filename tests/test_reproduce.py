"""``lostdim reproduce`` end to end on the tiny preset: files, JSON, report, resume."""

import json
import os

import pytest

from numerics.cli import main
from numerics.compare import format_table
from numerics.experiments import EXPERIMENT_NAMES


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reproduce")
    status = main(["reproduce", "--preset", "tiny", "--out", str(out), "--json"])
    assert status == 0
    return out


def test_every_file_exists_and_every_json_parses(tiny_run):
    assert (tiny_run / "report.md").is_file()
    for name in EXPERIMENT_NAMES:
        sidecar = json.loads((tiny_run / f"{name}.json").read_text())
        assert sidecar["experiment"] == name and sidecar["preset"] == "tiny"
        for key in ("params", "seed", "versions", "git_revision", "data", "report", "figures"):
            assert key in sidecar, (name, key)
        assert sidecar["versions"]["numpy"]
        assert sorted(sidecar["figures"]) == [f"{name}.pdf", f"{name}.png"]
        for figure in sidecar["figures"]:
            assert (tiny_run / figure).stat().st_size > 1000
    for path in (tiny_run / ".cache").rglob("*.json"):
        json.loads(path.read_text())


def test_report_numbers_equal_the_sidecars(tiny_run):
    report = (tiny_run / "report.md").read_text()
    checked = 0
    for name in EXPERIMENT_NAMES:
        sidecar = json.loads((tiny_run / f"{name}.json").read_text())
        rows = sidecar["report"]["rows"]
        # every row, formatted from the sidecar, stands in the report verbatim
        for line in format_table(rows).splitlines()[2:]:
            assert line in report, line
            checked += 1
        for finding in sidecar["report"]["findings"]:
            assert f"- {finding}" in report
        for entry in sidecar["report"].get("lost_first", []):
            assert entry["model"] in report
        assert f"![{sidecar['title']}]({name}.png)" in report
    assert checked > 0


def test_report_names_the_first_loss_of_every_model(tiny_run):
    report = (tiny_run / "report.md").read_text()
    section = report.split("## Which subspace is lost first", 1)[1].split("\n## ", 1)[0]
    for model in ("paper criterion", "factorised REM", "joint REM", "exact empirical score", "MLP"):
        assert model in section, model


def test_second_run_resumes_from_the_cache(tiny_run, capsys):
    cached = {p: p.stat().st_mtime_ns for p in (tiny_run / ".cache").rglob("*.json")}
    assert cached
    status = main(["reproduce", "spectra", "--preset", "tiny", "--out", str(tiny_run), "--json"])
    assert status == 0
    summary = json.loads(capsys.readouterr().out)
    assert list(summary["experiments"]) == ["spectra"]
    assert {p: p.stat().st_mtime_ns for p in cached} == cached  # nothing recomputed


@pytest.mark.parametrize("argv, fragment", [
    (["nope"], "unknown experiment"),
    (["--preset", "huge"], "invalid choice"),
    (["--jobs", "0"], "integer >= 1"),
])
def test_bad_input_exits_2(tmp_path, capsys, argv, fragment):
    with pytest.raises(SystemExit) as excinfo:
        main(["reproduce", *argv, "--out", str(tmp_path)])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0]
    assert not os.listdir(tmp_path)
