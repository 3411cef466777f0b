"""``thermoquake.build_region_manifest`` (``thermoquake manifest --region``): the granules
``thermoquake monitor`` reads for a region. The command's options and messages:
tests/cli/test_manifest_cmd.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import thermoquake
from thermoquake.catalog.region import Region
from thermoquake.errors import BadRequestError
from thermoquake.study.granules import read_manifest
from thermoquake.modis.region_grid import RegionGrid

NEPAL = "84,27,87,29"                      # inside tile h25v06
ACROSS = "89.5,27,90.5,28"                 # crosses the h25/h26 tile edge (90 E at 27-28 N)
D = dt.date


def _manifest(tmp_path: Path, region: str, start: str, end: str, **settings) -> list:
    out = tmp_path / "region.csv"
    rows = thermoquake.build_region_manifest(region, start, end, out, **settings)
    assert read_manifest(out) == rows
    return rows


def _roles(rows) -> dict[str, int]:
    return {role: sum(r.role == role for r in rows) for role in ("target", "reference", "target+reference")}


def test_a_day_at_new_year_lists_its_reference_days_but_none_of_its_own_year(tmp_path):
    rows = _manifest(tmp_path, NEPAL, "2015-01-01", "2015-01-01", reference_years=range(2014, 2017),
                     reference_window_days=1)
    assert [(r.date, r.role) for r in rows] == [
        (D(2013, 12, 31), "reference"), (D(2014, 1, 1), "reference"), (D(2014, 1, 2), "reference"),
        (D(2015, 1, 1), "target"),                       # 2015-12-31 is in the monitored year: left out
        (D(2016, 1, 1), "reference"), (D(2016, 1, 2), "reference")]
    assert {r.tile for r in rows} == {"h25v06"} and len(rows) == 6
    assert rows[0].directory.endswith("/MOLA/MYD11A1.061/2013.12.31/")


def test_every_tile_of_a_region_across_a_tile_edge_is_listed_on_every_day(tmp_path):
    rows = _manifest(tmp_path, Region.parse(ACROSS), D(2016, 3, 1), D(2016, 3, 3), reference_years=[2015],
                     reference_window_days=0, product="MOD11A1")
    assert sorted({r.tile for r in rows}) == ["h25v06", "h26v06"]
    assert [(h, v) for h, v in RegionGrid.for_region(Region.parse(ACROSS)).tiles()] == [(25, 6), (26, 6)]
    dates = sorted({r.date for r in rows})
    assert dates == [D(2015, 3, 1), D(2015, 3, 2), D(2015, 3, 3), D(2016, 3, 1), D(2016, 3, 2), D(2016, 3, 3)]
    assert len(rows) == 2 * len(dates) and all(r.product == "MOD11A1" for r in rows)
    assert _roles(rows) == {"target": 6, "reference": 6, "target+reference": 0}


def test_a_monitored_day_that_is_another_days_reference_is_both(tmp_path):
    rows = _manifest(tmp_path, NEPAL, "2015-06-01", "2016-06-01", reference_years=range(2015, 2017),
                     reference_window_days=0)
    roles = {r.date: r.role for r in rows}
    assert roles[D(2015, 6, 1)] == "target+reference" and roles[D(2016, 6, 1)] == "target+reference"
    assert roles[D(2015, 5, 31)] == "reference"               # 2016-05-31's reference, not monitored
    assert roles[D(2016, 5, 31)] == "target"                  # 2015-05-31 is not monitored: nothing refers to it
    assert roles[D(2015, 7, 1)] == "target"                   # 2016-07-01 is not monitored


def test_the_reference_window_defaults_to_monitors(tmp_path):
    rows = _manifest(tmp_path, NEPAL, "2015-04-25", "2015-04-25", reference_years=[2014])
    assert [r.date for r in rows if r.role == "reference"] == [D(2014, 4, 21) + dt.timedelta(days=i)
                                                               for i in range(9)]     # +- 4 days


@pytest.mark.parametrize("start, end, years, message", [
    ("2015-01-02", "2015-01-01", range(2003, 2017), "--end 2015-01-01 is before --start 2015-01-02"),
    ("2015-01-01", "2015-01-01", range(1999, 2001), "MYD11A1 starts on"),
    ("1 May", "2015-01-01", range(2003, 2017), "must be dates YYYY-MM-DD"),
])
def test_bad_dates_are_one_line_errors(tmp_path, start, end, years, message):
    with pytest.raises(BadRequestError, match=message) as err:
        thermoquake.build_region_manifest(NEPAL, start, end, tmp_path / "m.csv", reference_years=years)
    assert len(str(err.value).splitlines()) == 1
    assert not (tmp_path / "m.csv").exists()
