"""``lostdim reproduce``: run experiments, save figures with sidecars, write the report.

For each experiment: its tasks run through the cache
(:func:`numerics.experiments.runner.run_tasks`), its data are assembled, its
figure is saved as PNG and PDF, and a JSON sidecar records the parameters,
seeds, package versions, git revision, the data and the report rows. Then
``report.md`` puts every prediction beside its measurement, with the figures
embedded. All files are written atomically; an interrupted run resumes from
the cache.
"""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path

from .compare import format_table
from .experiments import EXPERIMENT_NAMES, get_experiment
from .experiments.runner import run_tasks
from .io import git_revision, package_versions, write_json_atomic, write_text_atomic

__all__ = ["reproduce", "run_experiment", "render_report", "PRESETS"]

PRESETS = ("tiny", "quick", "paper")


def _check_names(names):
    names = list(names or EXPERIMENT_NAMES)
    for name in names:
        get_experiment(name)  # raises ValueError with the list of names
    if len(set(names)) != len(names):
        raise ValueError(f"experiment names repeat: {names}")
    return names


def run_experiment(name, preset, out, *, jobs=1, scheduler="local", address=None,
                   show_progress=False) -> dict:
    """Run one experiment and write its figure and sidecar; return the sidecar."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from .plots import get_plotter, save_figure

    experiment = get_experiment(name)
    if preset not in experiment.PRESETS:
        raise ValueError(f"experiment {name!r} has no preset {preset!r}; "
                         f"expected one of {sorted(experiment.PRESETS)}")
    params = experiment.PRESETS[preset]
    out = Path(out)
    available, why = getattr(experiment, "available", lambda: (True, ""))()
    sidecar = {"experiment": name, "title": experiment.TITLE, "preset": preset,
               "params": params, "seed": params.get("seed"), "versions": package_versions(),
               "git_revision": git_revision(),
               "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
    if not available:
        sidecar.update({"skipped": why, "data": None,
                        "report": {"rows": [], "findings": [why], "lost_first": []},
                        "figures": []})
        write_json_atomic(out / f"{name}.json", sidecar)
        return sidecar
    start = time.perf_counter()
    results = run_tasks(experiment.tasks(params), out / ".cache", jobs=jobs, scheduler=scheduler,
                        address=address, show_progress=show_progress)
    data = experiment.assemble(params, results)
    report = experiment.report(data)
    figure = get_plotter(name)(data)
    paths = save_figure(figure, out / name)
    sidecar.update({"data": data, "report": report, "figures": [Path(p).name for p in paths],
                    "seconds": round(time.perf_counter() - start, 2)})
    write_json_atomic(out / f"{name}.json", sidecar)
    return sidecar


def render_report(sidecars, preset) -> str:
    """The Markdown report of a set of experiment sidecars.

    Numbers are formatted from the sidecars' report rows with the same
    formatter as :func:`numerics.compare.format_table`.
    """
    lines = ["# lostdim reproduce: report", ""]
    versions = sidecars[0]["versions"] if sidecars else {}
    revision = sidecars[0].get("git_revision") if sidecars else None
    lines += [f"Preset `{preset}`; git revision `{revision}`; "
              + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".", ""]
    lost_first = [entry for s in sidecars for entry in s["report"].get("lost_first", [])]
    if lost_first:
        lines += ["## Which subspace is lost first", "",
                  "| model | lost first | at | source |", "|---|---|---|---|"]
        for entry in lost_first:
            subspace = entry["subspace"] or "no loss time measured"
            at = entry["at"] or "—"
            lines.append(f"| {entry['model']} | {subspace} | {at} | {entry.get('source', '')} |")
        lines.append("")
    for s in sidecars:
        lines += [f"## {s['title']}", ""]
        if s.get("skipped"):
            lines += [f"Skipped: {s['skipped']}", ""]
            continue
        png = [f for f in s["figures"] if f.endswith(".png")]
        if png:
            lines += [f"![{s['title']}]({png[0]})", ""]
        for finding in s["report"].get("findings", []):
            lines.append(f"- {finding}")
        if s["report"].get("findings"):
            lines.append("")
        if s["report"].get("rows"):
            lines += [format_table(s["report"]["rows"]), ""]
        lines += [f"Parameters and data: `{s['experiment']}.json` (seed {s.get('seed')}, "
                  f"{s.get('seconds', 0):.0f} s).", ""]
    return "\n".join(lines)


def reproduce(names=None, preset="quick", out="lostdim-output", *, jobs=1, scheduler="local",
              address=None, show_progress=False) -> dict:
    """Run the experiments ``names`` (default: all) with ``preset`` into ``out``.

    Returns
    -------
    dict
        ``{"out", "report", "experiments": {name: {"figures", "seconds",
        "skipped"}}}``.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; expected one of {', '.join(PRESETS)}")
    names = _check_names(names)
    out = Path(out)
    sidecars = [run_experiment(name, preset, out, jobs=jobs, scheduler=scheduler,
                               address=address, show_progress=show_progress)
                for name in names]
    write_text_atomic(out / "report.md", render_report(sidecars, preset))
    return {"out": str(out), "report": str(out / "report.md"),
            "experiments": {s["experiment"]: {"figures": s["figures"], "skipped": s.get("skipped"),
                                               "seconds": s.get("seconds")} for s in sidecars}}

