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
