"""How `experiment synthetic` chooses the controls of a harder world, and what it records.
SYNTHETIC studies only."""

from __future__ import annotations

import csv
from pathlib import Path

from thermoquake.experiment.synthetic import SyntheticStudy, study_controls

CATALOG = Path(__file__).resolve().parents[1] / "data_manifests" / "catalog" / "china_m5_2003_2020.csv"
EVENTS = "event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n" \
         "a,2009-05-01T00:00:00Z,30.5,103.0,10,5.5,mw\nb,2010-07-01T00:00:00Z,35.0,99.5,10,5.1,mw\n"


def _controls(tmp_path: Path, **world) -> tuple[list[dict], Path]:
    events = tmp_path / "events.csv"
    events.write_text(EVENTS)
    out = tmp_path / "controls.csv"
    kept = study_controls(SyntheticStudy(anomaly_k=0, **world), events, CATALOG, out, range(2007, 2013))
    with open(out, newline="") as fh:
        return list(csv.DictReader(fh)), kept


def test_matched_controls_stay_in_the_reference_years(tmp_path: Path):
    rows, kept = _controls(tmp_path)
    assert rows and all(2007 <= int(r["time"][:4]) <= 2012 for r in rows)
    assert kept.name == "controls.events.csv"           # the events that got their control
    with open(kept, newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(rows)


def test_any_year_controls_may_leave_the_reference_years(tmp_path: Path):
    rows, kept = _controls(tmp_path, control_years="any", seed=3)
    assert rows and kept.name == "events.csv"            # no per-event list: the study keeps every event
    places = {(30.5, 103.0), (35.0, 99.5)}
    assert all((float(r["latitude"]), float(r["longitude"])) in places for r in rows)
    assert all(r["mode"] == "matched" for r in rows)


def test_random_controls_come_from_the_events_box_padded_by_one_degree(tmp_path: Path):
    rows, kept = _controls(tmp_path, controls="random")
    assert len(rows) == 2 and kept.name == "events.csv"
    for r in rows:
        assert 98.5 <= float(r["longitude"]) <= 104.0 and 29.5 <= float(r["latitude"]) <= 36.0
        assert r["mode"] == "random"


def test_a_default_study_records_what_it_always_did():
    assert set(SyntheticStudy(anomaly_k=0).record()) == {
        "anomaly_k", "n_events", "size", "first_year", "last_year", "radius_km", "cloud_fraction",
        "min_count", "seed"}
    harder = SyntheticStudy(anomaly_k=0, trend_k_per_year=0.3, paired=False).record()
    assert harder["trend_k_per_year"] == 0.3 and harder["paired"] is False
