"""Gardner-Knopoff window declustering on the real study catalogue."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from thermoquake.catalog import Event, decluster, read_catalog
from thermoquake.catalog.decluster import gardner_knopoff_window, uhrhammer_window
from thermoquake.catalog.select import select_catalog

REPO = Path(__file__).resolve().parents[1]
STUDY_CATALOG = REPO / "data_manifests" / "catalog" / "china_m5_2003_2020.csv"
WENCHUAN = "iscgem:13228121"
QINGCHUAN = "iscgem:12949752"
# Wenchuan-sequence events of 2008-05-12..05-16 within 80 km of the main shock epicentre
# (distances from the catalogue's coordinates, haversine): all inside its 92 km window.
WENCHUAN_NEAR_AFTERSHOCKS = [
    "iscgem:11276637",
    "iscgem:12063498",
    "iscgem:12696351",
    "iscgem:12893949",
    "iscgem:10941489",
    "iscgem:10936616",
    "iscgem:12949396",
    "iscgem:11276711",
    "iscgem:13228161",
    "iscgem:13228259",
]
# ... and some 93-290 km away along the 300 km rupture, beyond the main shock's circle.
WENCHUAN_FAR_AFTERSHOCKS = [
    "iscgem:13228160",
    "iscgem:11533161",
    "iscgem:12949410",
    "iscgem:10943910",
]


@pytest.fixture(scope="module")
def study_events() -> list[Event]:
    return read_catalog(STUDY_CATALOG).events


# Gardner & Knopoff (1974) Table 1: magnitude -> (distance km, time days). The window
# formulas are smooth fits of this table; they stay within 15 % of it (the time fit is
# worst, +12 %, at M 6.5 where its two branches meet).
GK_TABLE = {
    5.0: (40, 155),
    5.5: (47, 290),
    6.0: (54, 510),
    6.5: (61, 790),
    7.0: (70, 915),
    7.5: (81, 960),
    8.0: (94, 985),
}


@pytest.mark.parametrize("magnitude", sorted(GK_TABLE))
def test_gardner_knopoff_window_follows_the_published_table(magnitude):
    km, days = gardner_knopoff_window(magnitude)
    table_km, table_days = GK_TABLE[magnitude]
    assert km == pytest.approx(table_km, rel=0.15)
    assert days == pytest.approx(table_days, rel=0.15)


def test_uhrhammer_window_is_wider_in_space_for_great_earthquakes():
    assert uhrhammer_window(7.9)[0] > 2 * gardner_knopoff_window(7.9)[0]


def test_gardner_knopoff_removes_wenchuan_aftershocks_but_keeps_the_main_shock(study_events):
    result = decluster(study_events, "gardner-knopoff")
    kept = {e.event_id for e in result.mainshocks}
    assert WENCHUAN in kept
    for eid in WENCHUAN_NEAR_AFTERSHOCKS:
        assert result.dependents[eid] == WENCHUAN, eid
    # plain circular windows cannot reach the far end of the rupture
    assert "iscgem:13228160" in kept


def test_linked_windows_gather_aftershocks_along_the_rupture(study_events):
    result = decluster(study_events, "gardner-knopoff", linked=True)
    kept = {e.event_id for e in result.mainshocks}
    assert WENCHUAN in kept
    assert result.dependents["iscgem:13228160"] == WENCHUAN  # 93 km away: kept by plain windows
    for eid in WENCHUAN_NEAR_AFTERSHOCKS + WENCHUAN_FAR_AFTERSHOCKS:
        # the 2008-05-25 Qingchuan Mw 6.1, 260 km NE, stays a main shock of its own cluster
        assert result.dependents[eid] in (WENCHUAN, QINGCHUAN), eid
    sequence = [
        e
        for e in result.mainshocks
        if dt.datetime(2008, 5, 12, tzinfo=dt.timezone.utc)
        <= e.time
        < dt.datetime(2008, 9, 1, tzinfo=dt.timezone.utc)
        and 102 < e.longitude < 106.5
        and 30 < e.latitude < 34
    ]
    assert [e.event_id for e in sequence] == [WENCHUAN, QINGCHUAN, "iscgem:10955664"]


def test_declustering_keeps_the_other_named_main_shocks(study_events):
    kept = {e.event_id for e in decluster(study_events, "gardner-knopoff", linked=True).mainshocks}
    assert {"iscgem:13493073", "iscgem:14573075", "iscgem:607304721", "iscgem:604043291"} <= kept


def test_every_removed_event_is_smaller_and_inside_a_window_of_its_cluster(study_events):
    by_id = {e.event_id: e for e in study_events}
    result = decluster(study_events, "gardner-knopoff")
    assert len(result.mainshocks) + len(result.dependents) == len(study_events)
    assert result.dependents, "nothing removed"
    from thermoquake.catalog.geodesy import haversine_km

    for dep_id, main_id in result.dependents.items():
        dep, main = by_id[dep_id], by_id[main_id]
        km, days = gardner_knopoff_window(main.magnitude)
        assert dep.magnitude <= main.magnitude
        assert float(haversine_km(main.latitude, main.longitude, dep.latitude, dep.longitude)) <= km
        assert abs((dep.time - main.time).total_seconds()) <= days * 86400


def _event(eid, when, lat, lon, mag):
    return Event(
        dt.datetime.fromisoformat(when).replace(tzinfo=dt.timezone.utc),
        eid,
        lat,
        lon,
        10.0,
        mag,
        "Mw",
    )


def test_foreshock_fraction_zero_keeps_foreshocks():
    events = [
        _event("fore", "2010-01-01T00:00:00", 30.0, 100.0, 5.5),
        _event("main", "2010-01-05T00:00:00", 30.1, 100.0, 7.0),
        _event("after", "2010-01-09T00:00:00", 30.0, 100.1, 5.5),
    ]
    assert decluster(events).dependents == {"fore": "main", "after": "main"}
    assert decluster(events, foreshock_fraction=0.0).dependents == {"after": "main"}


def test_aftershock_of_a_main_shock_before_the_period_is_removed(tmp_path):
    src = tmp_path / "cat.csv"
    src.write_text(
        "event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
        "main,2005-12-20T00:00:00Z,30.0,100.0,10,7.0,Mw\n"
        "after,2006-01-05T00:00:00Z,30.2,100.1,10,5.6,Mw\n"
        "other,2006-02-01T00:00:00Z,40.0,80.0,10,5.2,Mw\n"
    )
    out = tmp_path / "events.csv"
    select_catalog(src, out, start=dt.date(2006, 1, 1))
    assert [r["event_id"] for r in csv.DictReader(out.read_text().splitlines())] == [
        "after",
        "other",
    ]
    picked = select_catalog(src, out, start=dt.date(2006, 1, 1), decluster="gardner-knopoff")
    assert [r["event_id"] for r in csv.DictReader(out.read_text().splitlines())] == ["other"]
    assert picked.dependents_removed == 1
