"""The command line of ``thermoquake report --monitor`` and ``thermoquake monitor evaluate``:
messages, exit codes and --json output (the monitors come from the library)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests._monitor_data import CATALOG, REGION, model_monitor, run_the_monitor, synthetic_tiles
from thermoquake.cli.main import cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def monitor_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli_monrep") / "mon"
    run_the_monitor(synthetic_tiles(tmp_path_factory), out)
    return out


def _json_lines(args: list[str]) -> list[dict]:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.strip().splitlines()]


def test_evaluate_prints_one_line_per_catalogue_and_writes_the_rule_evaluation(monitor_dir):
    result = CliRunner().invoke(cli, ["monitor", "evaluate", "--monitor", str(monitor_dir), "--catalog", str(CATALOG)])
    assert result.exit_code == 0, result.output
    scored = [line for line in result.output.splitlines() if "area skill" in line]
    assert len(scored) == 2 and all(line.startswith("SYNTHETIC data: ") for line in scored)
    assert not any("model alarms" in line for line in result.output.splitlines())
    (only,) = _json_lines(["monitor", "evaluate", "--monitor", str(monitor_dir), "--catalog", str(CATALOG)])
    assert only["alarm_source"] == "rst" and (monitor_dir / "evaluation.json").is_file()
    assert not (monitor_dir / "evaluation_model.json").exists()


def test_report_json_names_the_monitor_and_its_synthetic_figures(monitor_dir, tmp_path):
    CliRunner().invoke(cli, ["monitor", "evaluate", "--monitor", str(monitor_dir), "--catalog", str(CATALOG)])
    (summary,) = _json_lines(["report", "--monitor", str(monitor_dir), "--out", str(tmp_path / "rep"),
                              "--no-progress", "--no-pdf"])
    assert summary["synthetic"] is True and summary["monitor"] == str(monitor_dir)
    assert sorted(Path(p).name for p in summary["figures"]) == ["monitor_days_2015-04-23.png", "monitor_molchan.png"]
    result = CliRunner().invoke(cli, ["report", "--monitor", str(monitor_dir), "--out", str(tmp_path / "rep2"),
                                      "--no-progress", "--no-pdf"])
    assert result.exit_code == 0 and result.output.startswith("SYNTHETIC monitor report of ")


def test_bad_monitor_inputs_are_one_line_errors_naming_the_file(monitor_dir, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["report", "--monitor", str(tmp_path), "--out", str(tmp_path / "rep")])
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1
    assert result.output.startswith(f"Error: {tmp_path / 'monitor.nc'}: ")
    bad = tmp_path / "evaluation.json"
    bad.write_text("{not json")
    result = runner.invoke(cli, ["report", "--monitor", str(monitor_dir), "--evaluation", str(bad),
                                 "--out", str(tmp_path / "rep")])
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1
    assert result.output.startswith(f"Error: {bad}: ")
    result = runner.invoke(cli, ["report", "--monitor", str(monitor_dir), "--workdir", str(tmp_path),
                                 "--out", str(tmp_path / "rep")])
    assert result.exit_code == 2 and "either --workdir or --monitor" in result.output
    assert not (tmp_path / "rep").exists()


def test_dry_run_lists_the_figures_and_writes_nothing(monitor_dir, tmp_path):
    (plan,) = _json_lines(["report", "--monitor", str(monitor_dir), "--out", str(tmp_path / "rep"), "--dry-run"])
    assert plan["days"] == 3 and plan["synthetic"] is True
    assert not (tmp_path / "rep").exists()


def test_evaluating_model_alarms_of_a_monitor_without_a_model_is_a_one_line_error(tmp_path):
    (tmp_path / "monitor.nc").write_bytes(b"")
    (tmp_path / "monitor.json").write_text(json.dumps({"cell_deg": 0.5, "model": None, "region": REGION,
                                                       "synthetic": True}))
    result = CliRunner().invoke(cli, ["monitor", "evaluate", "--monitor", str(tmp_path), "--catalog", str(CATALOG),
                                      "--alarm-source", "model"])
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1
    assert result.output.startswith(f"Error: {tmp_path / 'monitor.json'}: ") and "--run" in result.output


@pytest.mark.ml
def test_evaluate_of_a_model_monitor_scores_both_records_one_json_line_each(tiny_study, tmp_path_factory):
    out, _, _ = model_monitor(tiny_study, tmp_path_factory)
    lines = _json_lines(["monitor", "evaluate", "--monitor", str(out), "--catalog", str(CATALOG),
                         "--decluster", "none"])
    assert [line["alarm_source"] for line in lines] == ["rst", "model"]
    assert (out / "evaluation.json").is_file() and (out / "evaluation_model.json").is_file()
    result = CliRunner().invoke(cli, ["monitor", "evaluate", "--monitor", str(out), "--catalog", str(CATALOG),
                                      "--decluster", "none"])
    assert sum("model alarms, raw catalogue, M>=5" in line for line in result.output.splitlines()) == 1
