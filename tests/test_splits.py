"""Splits that are honest in time and space: a chronological cut that holds for every target
and reference day (groups across it left out and counted), and K folds that keep overlapping
epicentre boxes together."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from thermoquake.dataset.splits import (
    box_overlap,
    chronological_fold,
    grouped_folds,
    overlapping_group_pairs,
    reference_years,
    spatial_groups,
    split_summary,
    split_text,
)
from thermoquake.dataset.windows import WindowDay
from thermoquake.image.grid import DLAT_DEG
from thermoquake.errors import ThermoquakeError

MANIFESTS = Path(__file__).resolve().parents[1] / "data_manifests"


def _sample(sid: str, group: str, label: int, when: dt.date, lat: float = float("nan"),
            lon: float = float("nan"), n_days: int = 2, refs: str | None = None) -> list[WindowDay]:
    """The ``n_days`` target days before ``when``; ``refs``: anomalies.csv's reference_years."""
    anomaly = {} if refs is None else {"reference_years": refs}
    return [WindowDay(sid, group, label, sid, when - dt.timedelta(days=k), k, when.year, Path("x.tif"), None,
                      anomaly, lat, lon) for k in range(1, n_days + 1)]


def _pair(g: str, event: dt.date, control: dt.date, lat: float = float("nan"), lon: float = float("nan"),
          refs: str | None = None) -> list[WindowDay]:
    """An event and its matched control (same site)."""
    return (_sample(f"E{g}", f"E{g}", 1, event, lat, lon, refs=refs)
            + _sample(f"C{g}", f"E{g}", 0, control, lat, lon, refs=refs))


def _km_east(lat: float, km: float) -> float:
    return km * DLAT_DEG / np.cos(np.radians(lat))


# --- time -----------------------------------------------------------------------------------------


def test_a_group_whose_control_is_before_the_cut_is_left_out_and_counted():
    days = (_pair("1", dt.date(2011, 5, 1), dt.date(2010, 5, 1))        # train
            + _pair("2", dt.date(2015, 5, 1), dt.date(2016, 5, 1))      # test
            + _pair("3", dt.date(2014, 5, 1), dt.date(2012, 5, 1))      # event after, control before
            + _pair("4", dt.date(2013, 5, 1), dt.date(2015, 5, 1)))     # event before, control after
    (fold,) = chronological_fold(days, 2014)
    assert {days[i].group for i in fold.train} == {"E1"}
    assert {days[i].group for i in fold.test} == {"E2"}
    assert all(days[i].date < dt.date(2014, 1, 1) for i in fold.train)
    assert all(days[i].date >= dt.date(2014, 1, 1) for i in fold.test)
    out = fold.notes["left_out"]
    assert out["groups"] == out["groups_by_dates"] == 2 and out["samples"] == 4 and out["days"] == 8
    assert fold.describe(days)["left_out"] == out


def test_a_window_across_new_year_straddles_the_cut():
    days = (_pair("1", dt.date(2012, 5, 1), dt.date(2011, 5, 1)) + _pair("2", dt.date(2015, 5, 1), dt.date(2016, 5, 1))
            + _pair("3", dt.date(2014, 1, 2), dt.date(2014, 3, 2)))    # E3's days: 2014-01-01 and 2013-12-31
    (fold,) = chronological_fold(days, 2014)
    assert "E3" not in {days[i].group for i in np.concatenate([fold.train, fold.test])}
    assert fold.notes["left_out"]["groups_by_dates"] == 1


def test_a_training_group_whose_reference_uses_test_years_is_left_out():
    days = (_pair("1", dt.date(2011, 5, 1), dt.date(2010, 5, 1), refs="2008;2009")
            + _pair("2", dt.date(2012, 5, 1), dt.date(2010, 5, 1), refs="2009;2014")
            + _pair("3", dt.date(2015, 5, 1), dt.date(2016, 5, 1), refs="2009;2012"))   # test: the past is known
    (fold,) = chronological_fold(days, 2014, [reference_years(d) for d in days])
    assert {days[i].group for i in fold.train} == {"E1"} and {days[i].group for i in fold.test} == {"E3"}
    assert fold.notes["left_out"] == {"groups": 1, "samples": 2, "days": 4, "groups_by_dates": 0,
                                      "groups_by_references": 1}


def test_an_empty_side_is_a_one_line_error_that_names_the_references():
    days = (_pair("1", dt.date(2011, 5, 1), dt.date(2010, 5, 1), refs="2009;2014")
            + _pair("2", dt.date(2015, 5, 1), dt.date(2016, 5, 1), refs="2009;2012"))
    with pytest.raises(ThermoquakeError, match="empty training set.*RST references.*--exclude-years 2014,2015,") as err:
        chronological_fold(days, 2014, [reference_years(d) for d in days])
    assert "\n" not in str(err.value)


def test_reference_years_come_from_anomalies_csv_or_the_r_map_tags(tmp_path):
    import rasterio
    from affine import Affine

    path = tmp_path / "2010-05-01.retira.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32",
                       crs="EPSG:4326", transform=Affine(0.01, 0, 100, 0, -0.01, 30)) as dst:
        dst.write(np.zeros((1, 2, 2), np.float32))
        dst.update_tags(rst_reference_years="2008,2011")
    day = _sample("E1", "E1", 1, dt.date(2010, 5, 3), n_days=1)[0]
    assert reference_years(day) is None                                       # no R map
    assert reference_years(WindowDay(**{**day.__dict__, "retira_path": path})) == (2008, 2011)
    assert reference_years(WindowDay(**{**day.__dict__, "anomaly": {"reference_years": "2007;2009"}})) == (2007, 2009)


def _committed_days(n_days: int = 8) -> list[WindowDay]:
    """Every target day of a 9-day window of the committed study: the events that got a matched control, and those controls."""
    with open(MANIFESTS / "controls_study_matched.events.csv", newline="") as fh:
        events = list(csv.DictReader(fh))
    with open(MANIFESTS / "controls_study_matched.csv", newline="") as fh:
        controls = list(csv.DictReader(fh))
    ids = {e["event_id"] for e in events}

    def when(row):
        return dt.date.fromisoformat(row["time"][:10])

    days = []
    for e in events:
        days += _sample(e["event_id"], e["event_id"], 1, when(e), float(e["latitude"]), float(e["longitude"]),
                        n_days)
    for c in controls:
        group = c["matched_event_id"] if c["matched_event_id"] in ids else c["control_id"]
        days += _sample(c["control_id"], group, 0, when(c), float(c["latitude"]), float(c["longitude"]), n_days)
    return days


def test_on_the_committed_study_every_training_day_is_before_the_cut_and_every_test_day_after():
    days = _committed_days()
    (fold,) = chronological_fold(days, 2014)
    assert max(days[i].date for i in fold.train) < dt.date(2014, 1, 1)
    assert min(days[i].date for i in fold.test) >= dt.date(2014, 1, 1)
    kept = {days[i].group for i in np.concatenate([fold.train, fold.test])}
    across = {d.group for d in days} - kept
    assert across and fold.notes["left_out"]["groups"] == len(across)
    for g in across:          # each left-out group really has days on both sides
        assert len({d.date.year >= 2014 for d in days if d.group == g}) == 2


# --- space ----------------------------------------------------------------------------------------


def test_box_overlap_is_the_shared_fraction_of_a_box():
    lat = np.array([30.0, 30.0, 30.0, np.nan, 0.0, 0.0])
    lon = np.array([100.0, 100.0 + _km_east(30, 128), 100.0 + _km_east(30, 256), 100.0, 179.9, -179.9])
    frac = box_overlap(lat, lon, 256)
    assert frac[0, 0] == pytest.approx(1.0)
    assert frac[0, 1] == pytest.approx(0.5, abs=1e-3) and frac[1, 0] == pytest.approx(frac[0, 1])
    assert frac[0, 2] == pytest.approx(0.0, abs=1e-3)
    assert frac[0, 3] == 0 and frac[3, 3] == 0                          # no coordinates: no overlap
    assert frac[4, 5] == pytest.approx(1 - 0.2 / DLAT_DEG / 256, abs=1e-3)   # across the antimeridian


def test_overlap_max_sets_the_fraction_above_which_boxes_share_a_group():
    days = _pair("1", dt.date(2010, 5, 1), dt.date(2009, 5, 1), 30.0, 100.0) + _pair(
        "2", dt.date(2011, 5, 1), dt.date(2012, 5, 1), 30.0, 100.0 + _km_east(30, 0.6 * 256))   # overlap 0.4
    assert len(set(spatial_groups(days, 256, 0.0).values())) == 1
    assert len(set(spatial_groups(days, 256, 0.25).values())) == 1
    assert len(set(spatial_groups(days, 256, 0.5).values())) == 2
    assert len(set(spatial_groups(days, 256, 1.0).values())) == 2
    with pytest.raises(ThermoquakeError, match="between 0 and 1"):
        spatial_groups(days, 256, 1.5)


def _chain_and_singletons() -> list[WindowDay]:
    """6 events 100 km apart on a line (one spatial cluster at 256 km) and 14 far apart."""
    days = []
    for g in range(6):
        days += _pair(f"L{g}", dt.date(2005 + g, 5, 1), dt.date(2004 + g, 5, 1), 30.0, 90.0 + _km_east(30, 100 * g))
    for g in range(14):
        days += _pair(f"S{g}", dt.date(2005 + g % 5, 6, 1), dt.date(2010, 6, 1), 25.0 + 5 * (g % 2), 100 + 5 * g)
    return days


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_overlapping_boxes_of_different_events_share_a_fold(seed):
    days = _chain_and_singletons()
    pairs = overlapping_group_pairs(days, 256)
    assert pairs                                                      # the line's events overlap
    for overlap_max, straddle in ((0.0, False), (1.0, True)):
        folds = grouped_folds(days, 4, seed, box_km=256, overlap_max=overlap_max)
        fold_of = {days[i].group: f.index for f in folds for i in f.test}
        crossing = sum(fold_of[a] != fold_of[b] for a, b in pairs)
        spatial = folds[0].notes["spatial"]
        assert spatial["straddling_pairs"] == crossing and spatial["overlapping_pairs"] == len(pairs)
        assert (crossing > 0) == straddle, overlap_max                # event groups alone split the line
        assert sum(f.notes["straddling_pairs"] for f in folds) == 2 * crossing
        for f in folds:
            assert {days[i].label for i in f.test} == {0, 1}
    assert split_summary(folds)["spatial"] == spatial and "overlapping pairs" in split_text(split_summary(folds))


def test_fewer_spatial_clusters_than_folds_is_a_one_line_error():
    days = []
    for g in range(6):
        days += _pair(str(g), dt.date(2010, 5, 1), dt.date(2009, 5, 1), 30.0, 100.0 + _km_east(30, 50 * g))
    days += _pair("far1", dt.date(2010, 5, 1), dt.date(2009, 5, 1), 40.0, 80.0)
    with pytest.raises(ThermoquakeError, match="form only 2 spatial clusters.*--overlap-max") as err:
        grouped_folds(days, 4, 0, box_km=256)
    assert "\n" not in str(err.value)
    assert len(grouped_folds(days, 4, 0, box_km=256, overlap_max=1.0)) == 4   # off: by event


def test_one_cluster_with_most_samples_is_refused():
    days = []
    for g in range(6):
        days += _pair(str(g), dt.date(2010, 5, 1), dt.date(2009, 5, 1), 30.0, 100.0 + _km_east(30, 50 * g))
    for g in range(3):
        days += _pair(f"far{g}", dt.date(2010, 5, 1), dt.date(2009, 5, 1), 40.0, 70.0 + 5 * g)
    with pytest.raises(ThermoquakeError, match="put 12 of 18 samples in one spatial cluster"):
        grouped_folds(days, 2, 0, box_km=256)


def test_on_the_committed_study_no_pair_overlapping_more_than_the_limit_straddles_folds():
    days = _committed_days(n_days=1)
    with pytest.raises(ThermoquakeError, match="spatial cluster"):   # 256 km boxes, any overlap: refused
        grouped_folds(days, 4, 0, box_km=256)
    folds = grouped_folds(days, 4, 0, box_km=256, overlap_max=0.5)
    fold_of = {days[i].sample_id: f.index for f in folds for i in f.test}
    ids = list(fold_of)
    where = {d.sample_id: (d.latitude, d.longitude) for d in days}
    frac = box_overlap(np.array([where[s][0] for s in ids]), np.array([where[s][1] for s in ids]), 256)
    i, j = np.nonzero(frac > 0.5)
    assert all(fold_of[ids[a]] == fold_of[ids[b]] for a, b in zip(i, j))
    assert folds[0].notes["spatial"]["straddling_pairs"] > 0       # pairs overlapping less still do


def test_a_chronological_split_reports_overlapping_boxes_across_the_cut():
    days = (_pair("1", dt.date(2011, 5, 1), dt.date(2010, 5, 1), 30.0, 100.0)
            + _pair("2", dt.date(2015, 5, 1), dt.date(2016, 5, 1), 30.0, 100.0 + _km_east(30, 100)))
    (fold,) = chronological_fold(days, 2014, box_km=256)
    assert fold.notes["spatial"]["overlapping_pairs"] == fold.notes["spatial"]["straddling_pairs"] == 1
    assert "train and test" in split_text(split_summary([fold]))
