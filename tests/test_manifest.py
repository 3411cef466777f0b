"""``thermoquake.build_manifest`` (the ``manifest`` command): every (product, collection, date,
tile) for targets and RST reference. The command's --json, --dry-run and messages:
tests/cli/test_manifest_cmd.py."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

import thermoquake
from thermoquake.catalog import CatalogError
from thermoquake.errors import ThermoquakeError
from thermoquake.study.granules import (
    ManifestSettings,
    datapool_directory,
    read_manifest,
    reference_dates,
)

REPO = Path(__file__).resolve().parents[1]
CATALOG = REPO / "data_manifests" / "catalog" / "china_m5_2003_2020.csv"
WENCHUAN_ROW = "iscgem:13228121,2008-05-12T06:28:00.470Z,30.98,103.396,10.0,7.91,Mw\n"
# The 256 km box at 30.98 N 103.396 E spans 102.05..104.74 E, 29.83..32.13 N. In tile units
# (x = R lon cos(lat), 1111950.52 m per tile, from -20015109 m) its corners lie at h 26.64 (NW),
# 26.87 (NE), 26.85 (SW) and 27.09 (SE); tiles are 10 degrees tall, so 30 N is the v05/v06 line.
# The box touches h26 and h27 (its south-east corner), v05 and v06.
WENCHUAN_TILES = ["h26v05", "h26v06", "h27v05", "h27v06"]


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def wenchuan_events(tmp_path_factory) -> Path:
    """The Wenchuan main shock alone, selected from the real catalogue (aftershocks declustered)."""
    out = tmp_path_factory.mktemp("events") / "wenchuan.csv"
    thermoquake.select_catalog(CATALOG, out, region="103,30.5,104,31.5", start=dt.date(2008, 5, 12),
                               end=dt.date(2008, 5, 12), decluster="gardner-knopoff")
    assert out.read_text().splitlines()[1] + "\n" == WENCHUAN_ROW
    return out


def test_wenchuan_needs_ten_target_days_and_their_calendar_days_in_fourteen_years(
    tmp_path, wenchuan_events
):
    out = tmp_path / "granules.csv"
    granules = thermoquake.build_manifest(wenchuan_events, out, days_before=9, sample_day=True,
                                          reference_years=range(2003, 2017), product="MYD11A1")
    got = rows(out)
    assert len(granules) == len(got)
    assert sorted({r["tile"] for r in got}) == WENCHUAN_TILES
    dates = sorted({r["date"] for r in got})
    expected = sorted(f"{y}-05-{d:02d}" for y in range(2003, 2017) for d in range(3, 13))
    assert dates == expected
    assert len(got) == 140 * 4
    targets = sorted({r["date"] for r in got if r["role"] != "reference"})
    assert targets == [f"2008-05-{d:02d}" for d in range(3, 13)]
    assert {r["role"] for r in got if r["date"].startswith("2008")} == {"target+reference"}
    assert all(r["product"] == "MYD11A1" and r["collection"] == "061" for r in got)
    last = next(r for r in got if r["date"] == "2008-05-12")
    assert last["directory"] == "https://e4ftl01.cr.usgs.gov/MOLA/MYD11A1.061/2008.05.12/"


def test_target_days_outside_the_reference_years_are_target_only(tmp_path, wenchuan_events):
    out = tmp_path / "granules.csv"
    thermoquake.build_manifest(wenchuan_events, out, reference_years=range(2010, 2013), sample_day=False)
    got = rows(out)
    assert sorted({r["date"] for r in got if r["role"] == "target"}) == [
        f"2008-05-{d:02d}" for d in range(3, 12)
    ]
    assert len(got) == (9 + 9 * 3) * 4


def test_a_matched_control_in_a_reference_year_adds_no_granule(tmp_path, wenchuan_events):
    controls = tmp_path / "controls.csv"
    controls.write_text(
        "control_id,time,latitude,longitude,mode,matched_event_id\n"
        "matched:iscgem:13228121:2005,2005-05-12T06:28:00.470Z,30.98,103.396,matched,"
        "iscgem:13228121\n"
    )
    alone, both = tmp_path / "alone.csv", tmp_path / "both.csv"
    thermoquake.build_manifest(wenchuan_events, alone)
    thermoquake.build_manifest(wenchuan_events, both, controls=controls)
    a, b = rows(alone), rows(both)
    assert [(r["date"], r["tile"]) for r in a] == [(r["date"], r["tile"]) for r in b]
    assert {r["role"] for r in b if r["date"].startswith("2005")} == {"target+reference"}
    assert {r["role"] for r in a if r["date"].startswith("2005")} == {"reference"}


def test_reference_window_widens_each_calendar_day(tmp_path, wenchuan_events):
    out = tmp_path / "granules.csv"
    thermoquake.build_manifest(wenchuan_events, out, reference_window_days=1)
    assert len(rows(out)) == 11 * 14 * 4  # 05-02 .. 05-12 in 2003..2016


def test_29_february_has_reference_days_only_in_leap_years():
    settings = ManifestSettings(reference_years=range(2003, 2017))
    days = reference_dates([dt.date(2008, 2, 29)], settings, 2008)
    assert sorted(days) == [dt.date(y, 2, 29) for y in (2004, 2008, 2012, 2016)]


def test_terra_granules_live_under_molt_and_the_base_url_is_configurable(tmp_path, wenchuan_events):
    out = tmp_path / "granules.csv"
    thermoquake.build_manifest(wenchuan_events, out, product="MOD11A1", base_url="http://127.0.0.1:8123/pool")
    assert rows(out)[0]["directory"] == "http://127.0.0.1:8123/pool/MOLT/MOD11A1.061/2003.05.03/"
    assert datapool_directory(
        "https://e4ftl01.cr.usgs.gov/", "MYD11A1", "061", dt.date(2010, 4, 13)
    ) == ("https://e4ftl01.cr.usgs.gov/MOLA/MYD11A1.061/2010.04.13/")


def test_without_out_the_granules_are_returned_and_nothing_is_written(tmp_path, wenchuan_events):
    granules = thermoquake.build_manifest(wenchuan_events)
    # default: days 1..9 before (05-03 .. 05-11), as `thermoquake preprocess` plans them
    assert len(granules) == 9 * 14 * 4 and sorted({g.tile for g in granules}) == WENCHUAN_TILES
    roles = {role: sum(g.role == role for g in granules) for role in ("target", "reference", "target+reference")}
    assert roles == {"target": 0, "reference": 9 * 13 * 4, "target+reference": 9 * 4}
    assert list(tmp_path.iterdir()) == []


def test_dates_before_the_product_exists_fail_without_output(tmp_path, wenchuan_events):
    out = tmp_path / "granules.csv"
    with pytest.raises(ThermoquakeError, match="MYD11A1 starts on 2002-07-04") as err:
        thermoquake.build_manifest(wenchuan_events, out, reference_years=range(2000, 2017))
    assert "\n" not in str(err.value)
    assert not out.exists()


def test_events_file_without_events_is_refused(tmp_path):
    events = tmp_path / "events.csv"
    events.write_text("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n")
    out = tmp_path / "granules.csv"
    with pytest.raises(CatalogError, match="no usable events"):
        thermoquake.build_manifest(events, out)
    assert not out.exists()


def test_bad_controls_rows_are_reported_by_line(tmp_path, wenchuan_events):
    controls = tmp_path / "controls.csv"
    controls.write_text(
        "control_id,time,latitude,longitude,mode,matched_event_id\n"
        "c1,2005-05-12T06:28:00Z,30.98,103.396,matched,x\n"
        "c2,2005-05-12T06:28:00Z,130.98,103.396,matched,x\n"
    )
    with pytest.raises(CatalogError, match="line 3: latitude 130.98 is outside -90..90"):
        thermoquake.build_manifest(wenchuan_events, tmp_path / "g.csv", controls=controls)
    assert not (tmp_path / "g.csv").exists()


def test_manifest_reads_back_and_bad_rows_are_named(tmp_path, wenchuan_events):
    out = tmp_path / "granules.csv"
    granules = thermoquake.build_manifest(wenchuan_events, out)
    back = read_manifest(out)
    assert back == granules
    assert len(back) == 504 and back[0].name_prefix == "MYD11A1.A2003123.h26v05.061."
    lines = out.read_text().splitlines(keepends=True)
    assert "h26v06" in lines[2]
    lines[2] = lines[2].replace("h26v06", "h40v06")
    lines.append(lines[1])
    out.write_text("".join(lines))
    with pytest.raises(
        CatalogError,
        match=r"line 3: tile 'h40v06'.*line 506: duplicate granule \(first at line 2\)",
    ):
        read_manifest(out)
