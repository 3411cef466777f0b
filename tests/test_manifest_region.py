"""``thermoquake manifest --region``: the granules ``thermoquake monitor`` reads for a region."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from thermoquake.catalog.region import Region
from thermoquake.cli.main import cli
from thermoquake.study.granules import read_manifest
from thermoquake.modis.region_grid import RegionGrid

NEPAL = "84,27,87,29"                      # inside tile h25v06
ACROSS = "89.5,27,90.5,28"                 # crosses the h25/h26 tile edge (90 E at 27-28 N)
D = dt.date


def _manifest(tmp_path: Path, *args: str) -> tuple[dict, list]:
    out = tmp_path / "region.csv"
    result = CliRunner().invoke(cli, ["manifest", *args, "--no-cmr", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output), read_manifest(out)


def test_a_day_at_new_year_lists_its_reference_days_but_none_of_its_own_year(tmp_path):
    summary, rows = _manifest(tmp_path, "--region", NEPAL, "--start", "2015-01-01", "--end", "2015-01-01",
                              "--reference-years", "2014-2016", "--reference-window-days", "1")
    assert [(r.date, r.role) for r in rows] == [
        (D(2013, 12, 31), "reference"), (D(2014, 1, 1), "reference"), (D(2014, 1, 2), "reference"),
        (D(2015, 1, 1), "target"),                       # 2015-12-31 is in the monitored year: left out
        (D(2016, 1, 1), "reference"), (D(2016, 1, 2), "reference")]
    assert {r.tile for r in rows} == {"h25v06"} and summary["tiles"] == ["h25v06"]
    assert summary["region"] == NEPAL and summary["granules"] == 6
    assert rows[0].directory.endswith("/MOLA/MYD11A1.061/2013.12.31/")


def test_every_tile_of_a_region_across_a_tile_edge_is_listed_on_every_day(tmp_path):
    summary, rows = _manifest(tmp_path, "--region", ACROSS, "--start", "2016-03-01", "--end", "2016-03-03",
                              "--reference-years", "2015", "--reference-window-days", "0",
                              "--product", "MOD11A1")
    assert summary["tiles"] == ["h25v06", "h26v06"]
    assert [(h, v) for h, v in RegionGrid.for_region(Region.parse(ACROSS)).tiles()] == [(25, 6), (26, 6)]
    dates = sorted({r.date for r in rows})
    assert dates == [D(2015, 3, 1), D(2015, 3, 2), D(2015, 3, 3), D(2016, 3, 1), D(2016, 3, 2), D(2016, 3, 3)]
    assert len(rows) == 2 * len(dates) and all(r.product == "MOD11A1" for r in rows)
    assert summary["by_role"] == {"target": 6, "reference": 6, "target+reference": 0}


def test_a_monitored_day_that_is_another_days_reference_is_both(tmp_path):
    _, rows = _manifest(tmp_path, "--region", NEPAL, "--start", "2015-06-01", "--end", "2016-06-01",
                        "--reference-years", "2015-2016", "--reference-window-days", "0")
    roles = {r.date: r.role for r in rows}
    assert roles[D(2015, 6, 1)] == "target+reference" and roles[D(2016, 6, 1)] == "target+reference"
    assert roles[D(2015, 5, 31)] == "reference"               # 2016-05-31's reference, not monitored
    assert roles[D(2016, 5, 31)] == "target"                  # 2015-05-31 is not monitored: nothing refers to it
    assert roles[D(2015, 7, 1)] == "target"                   # 2016-07-01 is not monitored


def test_the_reference_window_defaults_to_monitors(tmp_path):
    _, rows = _manifest(tmp_path, "--region", NEPAL, "--start", "2015-04-25", "--end", "2015-04-25",
                        "--reference-years", "2014")
    assert [r.date for r in rows if r.role == "reference"] == [D(2014, 4, 21) + dt.timedelta(days=i)
                                                               for i in range(9)]     # +- 4 days


@pytest.mark.parametrize("args,message", [
    (["--region", NEPAL, "--start", "2015-01-01"], "--region needs --start and --end"),
    (["--region", NEPAL, "--start", "2015-01-01", "--end", "2015-01-02", "--days-before", "3"],
     "--days-before does not go with --region"),
    (["--start", "2015-01-01", "--end", "2015-01-02"], "give either --events or --region"),
])
def test_options_that_do_not_go_together_are_usage_errors(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["manifest", *args, "--no-cmr", "--out", str(tmp_path / "m.csv")])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "m.csv").exists()


@pytest.mark.parametrize("args,message", [
    (["--start", "2015-01-02", "--end", "2015-01-01"], "--end 2015-01-01 is before --start 2015-01-02"),
    (["--start", "2015-01-01", "--end", "2015-01-01", "--reference-years", "1999-2000"], "MYD11A1 starts on"),
    (["--start", "1 May", "--end", "2015-01-01"], "must be dates YYYY-MM-DD"),
])
def test_bad_dates_are_one_line_errors(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["manifest", "--region", NEPAL, *args, "--no-cmr",
                                      "--out", str(tmp_path / "m.csv")])
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1 and message in result.output
    assert not (tmp_path / "m.csv").exists()
