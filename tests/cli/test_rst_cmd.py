"""``thermoquake rst`` and ``thermoquake rst validate`` as a user sees them: option names, --json,
--dry-run, tables, one-line errors. What RST computes is tested on the library in
tests/test_rst_synthetic.py, test_rst_reference.py and test_rst_gate.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import thermoquake
from thermoquake.cli.main import cli
from tests.test_rst_gate import scene, tiffs  # noqa: F401 - fixtures: a real day, its reference, generated sets


def _copy(tiny_study: Path, tmp_path: Path, name: str) -> Path:
    return shutil.copytree(tiny_study / "work", tmp_path / name)


def _tables(work: Path) -> tuple[bytes, bytes]:
    return (work / "anomalies.csv").read_bytes(), (work / "sequences.csv").read_bytes()


def test_rst_json_reports_what_the_library_run_wrote(tiny_study, tmp_path):
    cli_work, lib_work = _copy(tiny_study, tmp_path, "cli"), _copy(tiny_study, tmp_path, "lib")
    result = CliRunner().invoke(cli, ["rst", "--workdir", str(cli_work), "--min-count", "1", "--json"])
    assert result.exit_code == 0, result.output
    summary = thermoquake.run_rst(lib_work, min_count=1)
    assert json.loads(result.stdout) == {"targets": summary.targets, "retira_written": summary.written,
                                         "targets_with_anomaly": summary.with_anomaly, "threshold": 2.0,
                                         "anomalies_csv": str(cli_work / "anomalies.csv")}
    assert summary.targets == summary.written == 10
    assert _tables(cli_work) == _tables(lib_work)


def test_rst_options_reach_the_library_settings(tiny_study, tmp_path):
    cli_work, lib_work = _copy(tiny_study, tmp_path, "cli"), _copy(tiny_study, tmp_path, "lib")
    catalog = tiny_study / "events.csv"
    result = CliRunner().invoke(cli, ["rst", "--workdir", str(cli_work), "--r-threshold", "1.5", "--min-count", "1",
                                      "--exclude-years", "2010", "--sigma-floor-k", "0.5", "--unpaired",
                                      "--catalog", str(catalog), "--exclusion-days", "400", "--min-days", "1",
                                      "--no-progress"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("10 R images written for 10 targets; ")
    from thermoquake.rst.sequences import SequenceRules

    thermoquake.run_rst(lib_work, threshold=1.5, min_count=1, exclude_years=[2010], sigma_floor_k=0.5, paired=False,
                        catalog=catalog, exclusion_days=400,
                        sequence_rules=SequenceRules(threshold=1.5, min_days=1))
    assert _tables(cli_work) == _tables(lib_work)
    default = _copy(tiny_study, tmp_path, "default")
    thermoquake.run_rst(default, min_count=1)
    assert _tables(default) != _tables(lib_work)


def test_rst_dry_run_prints_the_plan_and_writes_nothing(tiny_study, tmp_path):
    work = _copy(tiny_study, tmp_path, "work")
    result = CliRunner().invoke(cli, ["rst", "--workdir", str(work), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("dry run: R maps of 10 targets from 20 reference images")
    plan = json.loads(CliRunner().invoke(cli, ["rst", "--workdir", str(work), "--dry-run", "--json"]).stdout)
    assert plan["dry_run"] is True and plan["targets"] == 10
    assert not (work / "anomalies.csv").exists() and not list(work.rglob("*.retira.tif"))


def test_rst_without_workdir_is_a_usage_error():
    result = CliRunner().invoke(cli, ["rst"])
    assert result.exit_code == 2 and "--workdir is required" in result.output


def test_rst_on_a_directory_without_manifest_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(cli, ["rst", "--workdir", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a thermoquake preprocess workdir" in result.output and len(result.output.splitlines()) == 1


def test_rst_month_reference_on_a_same_day_workdir_names_the_options(tiny_study, tmp_path):
    work = _copy(tiny_study, tmp_path, "work")
    result = CliRunner().invoke(cli, ["rst", "--workdir", str(work), "--reference", "month"])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "--reference month" in result.output and "Traceback" not in result.output


# --- rst validate ----------------------------------------------------------------------------------

def test_validate_prints_a_table_one_row_per_image_and_set_means(tiffs):
    result = CliRunner().invoke(cli, ["rst", "validate", "--real", str(tiffs / "real.tif"),
                                      "--reference", str(tiffs / "ref"),
                                      "--set", f"dcgan={tiffs / 'dcgan'}",
                                      "--set", f"improved={tiffs / 'improved' / '*.tif'}"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["set", "image", "Eq6", "Eq6/sd"]
    rows = [line.split() for line in lines if line.startswith(("dcgan ", "improved "))]
    assert [(r[0], r[1], r[-1]) for r in rows[:4]] == [
        ("dcgan", "g1.tif", "reject"), ("dcgan", "g2.tif", "reject"),
        ("improved", "g1.tif", "accept"), ("improved", "g2.tif", "accept")]
    assert [(r[1], r[-2]) for r in rows[4:]] == [("(mean)", "0%"), ("(mean)", "100%")]
    assert "Rejection reasons:" in result.output and "dcgan/g1.tif: " in result.output
    own = [line for line in lines if line.startswith("the real day's own Eq6/sd: ")]
    assert len(own) == 1 and 0.5 < float(own[0].split()[5]) < 1.25     # this scene's real day is moderate


def test_validate_json_lists_verdicts_and_set_means(tiffs):
    result = CliRunner().invoke(cli, ["rst", "validate", "--real", str(tiffs / "real.tif"),
                                      "--reference", str(tiffs / "ref" / "*.tif"),
                                      "--set", f"improved={tiffs / 'improved'}", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [i["accepted"] for i in data["images"]] == [True, True]
    assert data["images"][0]["figures"]["iou"] == 1.0
    assert data["sets"]["improved"]["accepted"] == 1.0


@pytest.mark.parametrize("args, needle", [
    (["--set", "nolabel"], "LABEL=DIR_OR_GLOB"),
    (["--set", "x=/nonexistent/dir"], "no GeoTIFF found"),
])
def test_validate_bad_input_is_a_one_line_error(tiffs, args, needle):
    result = CliRunner().invoke(cli, ["rst", "validate", "--real", str(tiffs / "real.tif"),
                                      "--reference", str(tiffs / "ref"), *args])
    assert result.exit_code == 1
    assert needle in result.output and len(result.output.strip().splitlines()) == 1


def test_validate_with_a_missing_real_image_names_it(tiffs):
    result = CliRunner().invoke(cli, ["rst", "validate", "--real", str(tiffs / "missing.tif"),
                                      "--reference", str(tiffs / "ref"), "--set", f"a={tiffs / 'improved'}"])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tiffs / 'missing.tif'}: no such file"


def test_rst_on_a_workdir_in_use_exits_1_naming_the_holder(tiny_study, tmp_path):
    from tests.test_dirlock import _Holder

    work = _copy(tiny_study, tmp_path, "work")
    holder = _Holder(work)
    try:
        result = CliRunner().invoke(cli, ["rst", "--workdir", str(work)])
    finally:
        holder.release()
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"Error: {work}: the ") and f"is in use by process {holder.proc.pid} on " in lines[0]
    assert not (work / "anomalies.csv").exists()


# rst option -> RstConfig field
OPTION_FIELDS = {"--r-threshold": "threshold", "--min-count": "min_count", "--sigma-floor-k": "sigma_floor_k",
                 "--reference": "reference_mode", "--reference-window-days": "reference_window_days",
                 "--paired": "paired", "--exclusion-km": "exclusion_km", "--exclusion-days": "exclusion_days",
                 "--exclusion-min-mag": "exclusion_min_mag", "--min-days": "min_days",
                 "--max-distance-km": "max_distance_km", "--min-area-km2": "min_area_km2"}


def test_every_rst_option_defaults_to_the_configuration_field():
    import dataclasses

    import click

    from thermoquake.cli.rst_cmd import rst
    from thermoquake.rst.config import RstConfig

    options = {o.opts[0]: o for o in rst.params if isinstance(o, click.Option) and not o.hidden}
    defaults = RstConfig()
    for flag, field in OPTION_FIELDS.items():
        assert options[flag].default == getattr(defaults, field), flag
    assert set(OPTION_FIELDS.values()) | {"exclude_years"} == {f.name for f in dataclasses.fields(RstConfig)}
