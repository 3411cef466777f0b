"""``thermoquake run``: pipeline files, skipping unchanged stages, the run record,
failures, and the shipped pipelines/demo.toml and pipelines/paper.toml.

The runner tests use two cheap CSV commands (``catalog select`` -> ``manifest``) on a real
ComCat extract; one slow test runs synth -> preprocess -> rst -> report at 32 km.
"""

from __future__ import annotations

import csv
import json
import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from thermoquake.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
COMCAT = ROOT / "tests" / "data" / "catalog" / "comcat_china_2013_2016.csv"

TWO_STAGES = """
[pipeline]
name = "t"
out = "out"

[paths]
catalog = "catalog.csv"
events = "{{out}}/events.csv"
granules = "{{out}}/granules.csv"

[[stage]]
name = "select"
command = "catalog select"
inputs = ["{{catalog}}"]
outputs = ["{{events}}"]
[stage.options]
catalog = "{{catalog}}"
min-mag = {min_mag}
start = "{start}"
end = "2016-12-31"
out = "{{events}}"

[[stage]]
name = "manifest"
command = "manifest"
inputs = ["{{events}}"]
outputs = ["{{granules}}"]
[stage.options]
events = "{{events}}"
days-before = {days}
reference-years = "2010-2012"
out = "{{granules}}"
"""


def _write(tmp_path: Path, min_mag=6.0, start="2013-01-01", days=2, extra="") -> Path:
    if not (tmp_path / "catalog.csv").exists():
        shutil.copy(COMCAT, tmp_path / "catalog.csv")
    path = tmp_path / "p.toml"
    path.write_text(TWO_STAGES.format(min_mag=min_mag, start=start, days=days) + extra)
    return path


def _run(*args):
    return CliRunner().invoke(cli, ["run", *map(str, args), "--json"])


def _statuses(result) -> dict[str, str]:
    assert result.exit_code == 0, result.output
    return {s["name"]: s["status"] for s in json.loads(result.stdout)["stages"]}


def test_second_run_skips_every_stage_and_the_record_has_checksums_versions_and_timings(tmp_path):
    path = _write(tmp_path)
    assert _statuses(_run(path)) == {"select": "ran", "manifest": "ran"}
    first = (tmp_path / "out" / "granules.csv").read_bytes()
    assert _statuses(_run(path)) == {"select": "skipped", "manifest": "skipped"}
    assert (tmp_path / "out" / "granules.csv").read_bytes() == first
    record = json.loads((tmp_path / "out" / "run_record.json").read_text())
    assert record["status"] == "complete" and record["versions"]["thermoquake"]
    assert record["configuration"]["pipeline"]["name"] == "t" and record["file"] == str(path)
    import hashlib

    sha = hashlib.sha256((tmp_path / "catalog.csv").read_bytes()).hexdigest()
    (select,) = [s for s in record["stages"] if s["name"] == "select"]
    (digest,) = select["inputs"].values()
    assert digest["files"] == 1 and digest["bytes"] == (tmp_path / "catalog.csv").stat().st_size
    assert digest["sha256"] == hashlib.sha256(f"catalog.csv\0{sha}\n".encode()).hexdigest()
    assert all(s["seconds"] >= 0 for s in record["stages"])


def test_a_later_stage_reruns_only_when_an_earlier_one_changed_its_output(tmp_path):
    _run(_write(tmp_path))
    # a start date that selects the same events: select re-runs, writes the same file, manifest skips
    events = (tmp_path / "out" / "events.csv").read_bytes()
    assert _statuses(_run(_write(tmp_path, start="2012-06-01"))) == {"select": "ran", "manifest": "skipped"}
    assert (tmp_path / "out" / "events.csv").read_bytes() == events
    # another magnitude: other events, so the manifest re-runs
    assert _statuses(_run(_write(tmp_path, min_mag=5.5, start="2012-06-01"))) == {"select": "ran",
                                                                                  "manifest": "ran"}
    # only the second stage's options changed
    assert _statuses(_run(_write(tmp_path, min_mag=5.5, start="2012-06-01", days=3))) == {
        "select": "skipped", "manifest": "ran"}


def test_changed_input_content_deleted_output_and_force_rerun(tmp_path):
    path = _write(tmp_path)
    _run(path)
    lines = (tmp_path / "catalog.csv").read_text().splitlines()
    (tmp_path / "catalog.csv").write_text("\n".join(lines[:-1]) + "\n")      # the last event removed
    assert _statuses(_run(path))["select"] == "ran"
    (tmp_path / "out" / "granules.csv").unlink()
    assert _statuses(_run(path)) == {"select": "skipped", "manifest": "ran"}
    result = CliRunner().invoke(cli, ["run", str(path), "--json", "--force", "select"])
    assert _statuses(result) == {"select": "ran", "manifest": "skipped"}
    result = CliRunner().invoke(cli, ["run", str(path), "--json", "--force", "all"])
    assert _statuses(result) == {"select": "ran", "manifest": "ran"}


def test_a_failing_stage_stops_the_run_with_one_line_and_is_not_recorded_complete(tmp_path):
    path = _write(tmp_path)
    _run(path)
    broken = tmp_path / "broken.toml"
    broken.write_text(path.read_text().replace('reference-years = "2010-2012"', 'reference-years = "2012-2010"')
                      .replace('name = "t"', 'name = "t"\nresult = "{out}/granules.csv"'))
    result = CliRunner().invoke(cli, ["run", str(broken)])
    assert result.exit_code == 1
    last = result.output.splitlines()[-1]
    assert last.startswith(f"Error: {broken}: stage 'manifest' failed: ") and "2012-2010" in last
    assert "result:" not in result.output
    state = json.loads((tmp_path / "out" / ".thermoquake-pipeline" / "state.json").read_text())
    assert set(state["stages"]) == {"select"}          # manifest's earlier complete run is void now
    record = json.loads((tmp_path / "out" / "run_record.json").read_text())
    assert record["status"] == "failed"
    assert [(s["name"], s["status"]) for s in record["stages"]] == [("select", "skipped"), ("manifest", "failed")]
    assert "2012-2010" in record["stages"][1]["error"]
    assert _statuses(_run(path)) == {"select": "skipped", "manifest": "ran"}


@pytest.mark.parametrize("case", ["command", "option", "required", "placeholder", "force"])
def test_the_whole_file_is_checked_before_anything_runs(tmp_path, case):
    extra = {"command": '\n[[stage]]\nname = "train"\ncommand = "forecast"\n[stage.options]\nwindow = 5\n',
             "option": '\n[[stage]]\nname = "again"\ncommand = "manifest"\n[stage.options]\nbogus = 1\n',
             "required": '\n[[stage]]\nname = "train"\ncommand = "train"\n[stage.options]\nwindow = 5\n',
             "placeholder": '\n[[stage]]\nname = "again"\ncommand = "manifest"\n[stage.options]\nout = "{nope}"\n',
             "force": ""}[case]
    path = _write(tmp_path, extra=extra)
    args = ["run", str(path)] + (["--force", "nope"] if case == "force" else [])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1, result.output
    expected = {"command": "stage 'train': unknown command 'thermoquake forecast'",
                "option": "stage 'again': manifest has no option --bogus",
                "required": "stage 'train': train needs --workdir",
                "placeholder": "stage 'again' option out: unknown placeholder {nope}",
                "force": "--force nope: no such stage"}[case]
    assert result.output.startswith(f"Error: {path}: {expected}")
    assert not (tmp_path / "out" / "events.csv").exists()


def test_dry_run_lists_every_stage_including_commands_this_version_lacks(tmp_path):
    path = _write(tmp_path, extra='\n[[stage]]\nname = "forecast"\ncommand = "forecast"\n')
    result = CliRunner().invoke(cli, ["run", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "[3/3] forecast (thermoquake forecast): UNKNOWN COMMAND" in result.output
    assert "thermoquake catalog select --catalog" in result.output
    assert not (tmp_path / "out").exists()


def test_paper_pipeline_runs_the_papers_protocol_with_our_fixes_and_dry_runs():
    paper = ROOT / "pipelines" / "paper.toml"
    from thermoquake.cli.pipeline.commands import find_command
    from thermoquake.cli.pipeline.config import load_pipeline

    pipeline = load_pipeline(paper)
    stages = {s.name: s for s in pipeline.stages}
    trains = [s for s in pipeline.stages if s.command == ("train",)]
    assert sorted(int(s.options["window"]) for s in trains) == [3, 5, 7, 9]
    assert all(s.options["augment"] == "gan" and s.options["folds"] == 4 and s.options["split"] == "grouped"
               for s in trains)
    assert {"manifest", "fetch", "preprocess", "rst", "augment", "report"} <= {s.command[0] for s in stages.values()}
    pre = stages["preprocess"].options
    assert pre["size"] == 256 and pre["days-before"] == 9 and pre["controls"].endswith("controls_study_matched.csv")
    assert "catalog" in stages["rst"].options
    assert all(find_command(s.command) is not None for s in pipeline.stages)
    out = Path(pytest.importorskip("tempfile").mkdtemp())
    result = CliRunner().invoke(cli, ["run", str(paper), "--dry-run", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.count(": would run (no complete run yet)") == len(pipeline.stages)
    assert not any(out.iterdir())


def test_demo_pipeline_is_the_whole_chain_on_real_catalogue_events_and_matched_controls():
    demo = ROOT / "pipelines" / "demo.toml"
    raw = tomllib.loads(demo.read_text())
    from thermoquake.cli.pipeline.config import load_pipeline

    pipeline = load_pipeline(demo)
    with open(ROOT / "data_manifests" / "events_study.csv") as fh:
        study = {row["event_id"]: row for row in csv.DictReader(fh)}
    with open(pipeline.paths["events"]) as fh:
        events = list(csv.DictReader(fh))
    # the study's rows, plus a place name (a region given by hand) that titles the report
    assert 4 <= len(events) <= 12 and all(study[e["event_id"]] == {k: v for k, v in e.items() if k != "place"}
                                          and e["place"] for e in events)
    commands = [" ".join(s.command) for s in pipeline.stages]
    assert commands == ["controls", "synth study", "synth nasa-server", "manifest", "fetch", "preprocess", "rst",
                        "augment train", "augment generate", "train", "report"]
    assert [s.name for s in pipeline.stages if s.service] == ["nasa"]
    stages = {" ".join(s.command): s.options for s in pipeline.stages}
    for key in ("days-before", "reference-years", "size"):     # synthesised = listed = what preprocess reads
        assert stages["synth study"][key] == stages["preprocess"][key] == stages["manifest"][key]
    # the real path: the stand-in serves what synth wrote, preprocess reads what fetch downloaded
    assert stages["synth nasa-server"]["hdf-dir"] == stages["synth study"]["out"]
    assert stages["preprocess"]["hdf-dir"] == stages["fetch"]["dest"]
    assert stages["fetch"]["manifest"] == stages["manifest"]["out"]
    port = stages["synth nasa-server"]["port"]
    assert stages["manifest"]["cmr-url"] == f"http://127.0.0.1:{port}"
    assert pipeline.environment["EARTHDATA_HOST"] == f"http://localhost:{port}"
    # against NASA (paper.toml) the manifest and fetch stages take the same options but the catalogue's URL
    paper = {s.name: s.options for s in load_pipeline(ROOT / "pipelines" / "paper.toml").stages}
    assert set(stages["manifest"]) - set(paper["manifest"]) == {"cmr-url", "size"}  # paper: default 256 km
    assert set(paper["manifest"]) <= set(stages["manifest"]) and paper["manifest"]["cmr"] is True
    assert set(stages["fetch"]) == set(paper["fetch"]) and stages["fetch"]["workers"] == paper["fetch"]["workers"]
    assert stages["controls"]["mode"] == "matched" and stages["preprocess"]["controls"] == stages["synth study"]["controls"]
    assert int(stages["train"]["window"]) - 1 <= int(stages["preprocess"]["days-before"])
    assert raw["pipeline"]["result"].endswith("index.html")
    out = Path(pytest.importorskip("tempfile").mkdtemp())
    result = CliRunner().invoke(cli, ["run", str(demo), "--dry-run", "--out", str(out / "demo")])
    assert result.exit_code == 0, result.output
    assert result.output.count(": would run (no complete run yet)") == len(pipeline.stages) - 1
    assert result.output.count(": would start a service") == 1
    assert not (out / "demo").exists()


TINY_CHAIN = """
[pipeline]
name = "tiny"
out = "out"
result = "{out}/report/index.html"

[paths]
events = "events.csv"
hdf = "{out}/hdf"
workdir = "{out}/work"

[[stage]]
name = "synth"
command = "synth tiles"
outputs = ["{hdf}"]
[stage.options]
out = "{hdf}"
tile = ["h26v05"]
date = ["2006-05-11", "2007-05-11", "2008-05-11", "2009-05-11"]
seed = 3
no-swath-gaps = true
anomaly = ["35.0,103.0,5,6,2,2008-05-12"]

[[stage]]
name = "preprocess"
command = "preprocess"
inputs = ["{events}", "{hdf}"]
outputs = ["{workdir}/manifest.csv", "{workdir}/images"]
exclude = ["*.retira.tif", "synth_run.json"]
[stage.options]
events = "{events}"
hdf-dir = "{hdf}"
out = "{workdir}"
days-before = 1
reference-years = "2006-2009"
size = 32
workers = 0
progress = false

[[stage]]
name = "rst"
command = "rst"
inputs = ["{workdir}/manifest.csv", "{workdir}/images"]
outputs = ["{workdir}/anomalies.csv", "{workdir}/images/**/*.retira.tif"]
exclude = ["*.retira.tif"]
[stage.options]
workdir = "{workdir}"
min-count = 3

[[stage]]
name = "report"
command = "report"
inputs = ["{workdir}/anomalies.csv", "{workdir}/images"]
outputs = ["{out}/report/index.html"]
[stage.options]
workdir = "{workdir}"
out = "{out}/report"
pdf = false
"""


@pytest.mark.slow
def test_synth_preprocess_rst_report_chain_runs_then_skips_and_rst_change_reruns_report(tmp_path):
    (tmp_path / "events.csv").write_text("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
                                         "E1,2008-05-12T06:28:00Z,35.0,103.0,10.0,6.5,Mw\n")
    path = tmp_path / "tiny.toml"
    path.write_text(TINY_CHAIN)
    result = CliRunner().invoke(cli, ["run", str(path)])
    assert result.exit_code == 0, result.output
    index = tmp_path / "out" / "report" / "index.html"
    assert result.output.splitlines()[-1] == f"result: {index}"
    assert "SYNTHETIC" in index.read_text()
    assert _statuses(_run(path)) == {"synth": "skipped", "preprocess": "skipped", "rst": "skipped",
                                     "report": "skipped"}
    path.write_text(TINY_CHAIN.replace("min-count = 3", "min-count = 2"))
    assert _statuses(_run(path)) == {"synth": "skipped", "preprocess": "skipped", "rst": "ran", "report": "ran"}


def test_run_and_report_modules_do_not_import_tensorflow(tmp_path):
    import subprocess
    import sys

    path = _write(tmp_path)
    code = ("import sys\n"
            "from click.testing import CliRunner\n"
            "from thermoquake.cli.main import cli\n"
            "import thermoquake.report.build, thermoquake.report.figures_event, thermoquake.report.figures_run\n"
            "import thermoquake.report.figures_augment\n"
            f"r = CliRunner().invoke(cli, ['run', {str(path)!r}])\n"
            "assert r.exit_code == 0, r.output\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'jax', 'torch')))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_an_interrupted_stage_is_not_complete_and_the_rerun_resumes_there(tmp_path, monkeypatch):
    import thermoquake.cli.pipeline.runner as runner

    path = _write(tmp_path)
    real = runner.invoke

    def interrupted(argv):
        if argv[0] == "manifest":
            raise KeyboardInterrupt
        real(argv)

    monkeypatch.setattr(runner, "invoke", interrupted)
    result = CliRunner().invoke(cli, ["run", str(path)])
    assert result.exit_code != 0
    state = json.loads((tmp_path / "out" / ".thermoquake-pipeline" / "state.json").read_text())
    assert set(state["stages"]) == {"select"}
    assert json.loads((tmp_path / "out" / "run_record.json").read_text())["status"] == "failed"
    monkeypatch.setattr(runner, "invoke", real)
    assert _statuses(_run(path)) == {"select": "skipped", "manifest": "ran"}


def test_relative_option_paths_are_taken_from_the_pipeline_files_directory(tmp_path, monkeypatch):
    """Options name paths as plainly as inputs and outputs do; the working directory plays no part."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(COMCAT, project / "catalog.csv")
    (project / "p.toml").write_text(
        '[pipeline]\nname = "t"\nout = "out"\n\n[[stage]]\nname = "select"\ncommand = "catalog select"\n'
        'inputs = ["catalog.csv"]\noutputs = ["out/events.csv"]\n[stage.options]\n'
        'catalog = "catalog.csv"\nmin-mag = 6.0\nout = "out/events.csv"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert _statuses(_run(project / "p.toml")) == {"select": "ran"}
    assert (project / "out" / "events.csv").is_file()
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("shape", ["itself", "through-another"])
def test_a_pipeline_that_runs_itself_is_refused_before_anything_runs(tmp_path, shape):
    stage = '[[stage]]\nname = "again"\ncommand = "run"\narguments = ["{target}"]\n[stage.options]\nout = "{out}"\n'
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    head = '[pipeline]\nname = "{name}"\nout = "out-{name}"\n\n'
    if shape == "itself":
        first.write_text(head.format(name="a") + stage.format(target="a.toml", out="nested"))
    else:
        first.write_text(head.format(name="a") + stage.format(target="b.toml", out="nested-b"))
        second.write_text(head.format(name="b") + stage.format(target="a.toml", out="nested-a"))
    result = CliRunner().invoke(cli, ["run", str(first)])
    assert result.exit_code == 1, result.output
    message = result.stderr.strip()
    assert "\n" not in message and "cannot contain itself" in message and "a.toml" in message
    assert not any(p.name.startswith(("out-", "nested")) for p in tmp_path.rglob("*"))
