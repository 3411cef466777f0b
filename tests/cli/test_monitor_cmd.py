"""Messages of ``thermoquake monitor`` about space blocks (SYNTHETIC tiles)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from thermoquake.cli.main import cli

REGION = "84.5,27.8,85.5,28.5"
ARGS = ["monitor", "--region", REGION, "--start", "2015-04-24", "--end", "2015-04-24", "--reference-years",
        "2013-2014", "--reference-window-days", "0", "--min-count", "1", "--workers", "0", "--no-geotiffs"]


@pytest.fixture(scope="module")
def hdf(tmp_path_factory) -> Path:
    from thermoquake.catalog.region import Region
    from thermoquake.synth.config import SynthConfig
    from thermoquake.synth.region import write_region

    out = tmp_path_factory.mktemp("cli_blocks") / "hdf"
    write_region(out, "MYD11A1", Region.parse(REGION), dt.date(2015, 4, 24), dt.date(2015, 4, 24), (2013, 2014),
                 0, [], SynthConfig(seed=1), 0.0)
    return out


def test_block_size_below_one_km_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, [*ARGS, "--hdf-dir", str(tmp_path), "--out", str(tmp_path / "m"),
                                      "--block-km", "0"])
    assert result.exit_code == 2 and "--block-km" in result.output and "Traceback" not in result.output


def test_dry_run_tells_how_many_blocks_a_day_is_computed_in(tmp_path):
    from thermoquake.catalog.region import Region
    from thermoquake.modis.region_grid import RegionGrid
    from thermoquake.monitor.blocks import region_blocks

    args = [*ARGS, "--hdf-dir", str(tmp_path), "--out", str(tmp_path / "m"), "--block-km", "50", "--dry-run"]
    plan = json.loads(CliRunner().invoke(cli, [*args, "--json"]).output)
    assert plan["blocks"] == len(region_blocks(RegionGrid.for_region(Region.parse(REGION)), 50)) > 1
    text = CliRunner().invoke(cli, args).output
    assert f"in {plan['blocks']} block(s) of up to 50 km" in text


def test_the_default_block_is_one_tile():
    from thermoquake.modis.region_grid import TILE_PIXELS
    from thermoquake.monitor.blocks import DEFAULT_BLOCK_KM

    from thermoquake.cli.monitor_cmd import monitor

    option = next(p for p in monitor.params if p.name == "block_km")
    assert option.default == DEFAULT_BLOCK_KM == TILE_PIXELS


def test_the_summary_counts_computed_and_reused_units(hdf, tmp_path):
    from thermoquake.catalog.region import Region
    from thermoquake.modis.region_grid import RegionGrid
    from thermoquake.monitor.blocks import region_blocks

    n = len(region_blocks(RegionGrid.for_region(Region.parse(REGION)), 50))
    args = [*ARGS, "--hdf-dir", str(hdf), "--out", str(tmp_path / "m"), "--block-km", "50"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert f"1 days (1 computed, 0 reused; {n} (day, block) units computed, 0 reused, {n} block(s))" in first.output
    second = CliRunner().invoke(cli, args)
    assert f"1 days (0 computed, 1 reused; 0 (day, block) units computed, 0 reused, {n} block(s))" in second.output


def test_monitor_without_tiles_is_a_one_line_error(tmp_path):
    (tmp_path / "hdf").mkdir()
    result = CliRunner().invoke(cli, ["monitor", "--region", REGION, "--reference-years", "2012-2013",
                                      "--reference-window-days", "1", "--start", "2015-04-23", "--end", "2015-04-24",
                                      "--workers", "0", "--min-count", "3", "--hdf-dir", str(tmp_path / "hdf"),
                                      "--out", str(tmp_path / "mon")])
    assert result.exit_code == 1
    assert "no MYD11A1 tiles found" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_evaluate_of_a_directory_without_a_monitor_is_a_one_line_error(tmp_path):
    from tests._monitor_data import CATALOG

    result = CliRunner().invoke(cli, ["monitor", "evaluate", "--monitor", str(tmp_path), "--catalog", str(CATALOG)])
    assert result.exit_code == 1 and "run thermoquake monitor first" in result.output


def test_evaluate_prints_the_n_and_s_tests_of_each_catalogue(tmp_path_factory, tmp_path):
    from tests._monitor_data import CATALOG, run_the_monitor, synthetic_tiles

    out = tmp_path / "mon"
    run_the_monitor(synthetic_tiles(tmp_path_factory), out)
    text = CliRunner().invoke(cli, ["monitor", "evaluate", "--monitor", str(out), "--catalog", str(CATALOG)])
    assert text.exit_code == 0 and "N-test delta1" in text.output and "S-test quantile" in text.output
    assert "declustered (gardner-knopoff) catalogue" in text.output and "raw catalogue" in text.output


def test_the_monitor_demo_pipeline_writes_the_days_and_references_monitor_reads():
    from thermoquake.cli.pipeline.commands import check_pipeline
    from thermoquake.cli.pipeline.config import load_pipeline

    pipeline = load_pipeline(Path(__file__).parents[2] / "pipelines" / "monitor_demo.toml")
    check_pipeline(pipeline)
    stages = {" ".join(s.command): s.options for s in pipeline.stages}
    assert list(stages) == ["synth region", "monitor", "monitor evaluate", "report"]
    for key in ("region", "start", "end", "reference-years", "reference-window-days"):
        assert stages["synth region"][key] == stages["monitor"][key]
    assert stages["synth region"]["out"] == stages["monitor"]["hdf-dir"]
    assert stages["monitor"]["out"] == stages["monitor evaluate"]["monitor"] == stages["report"]["monitor"]
