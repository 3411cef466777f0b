"""Forecasts pycsep reads: CSEP gridded files that pycsep 0.8 loads, per-site temporal files in
the layout of pycsep PR #283's reader, each forecast valid for the days its image's label covers,
and a hit of a run being a hit in pycsep's observations."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

import thermoquake

from thermoquake.preprocessing.plan import target_days
from thermoquake.preprocessing.samples import SAMPLE_COLUMNS
from thermoquake.dataset.windows import forecast_period
from thermoquake.errors import ThermoquakeError
from thermoquake.evaluation.csep_files import (CellGrid, MagnitudeBins, TemporalForecast, gridded_forecast_text,
                                               rates_by_cell, temporal_forecast_text, temporal_observations)
from thermoquake.evaluation.pycsep_export import export_pycsep

csep = pytest.importorskip("csep")
from csep.core.catalogs import CSEPCatalog  # noqa: E402
from csep.core.poisson_evaluations import number_test  # noqa: E402

UTC = dt.timezone.utc

# A hand-built run: 3-day window (images 1 and 2 days before), threshold 0.5. E1 and E2 (same
# day) share one 1-degree cell; C1 is E1's matched control a year later; E3 and C3 elsewhere.
STUDY = {  # sample_id: (label, time, latitude, longitude, magnitude, depth km)
    "E1": (1, "2008-05-12T06:28:01Z", 31.02, 103.37, 7.9, 19.0),
    "E2": (1, "2008-05-12T21:40:00Z", 31.55, 103.88, 5.6, 12.0),
    "C1": (0, "2009-05-12T06:28:01Z", 31.02, 103.37, None, None),
    "E3": (1, "2010-04-13T23:49:38Z", 33.17, 96.55, 6.9, 17.0),
    "C3": (0, "2011-04-13T23:49:38Z", 33.17, 96.55, None, None),
}
PROBS = {("E1", 1): 0.81, ("E1", 2): 0.62, ("E2", 1): 0.93, ("E2", 2): 0.34, ("C1", 1): 0.21,
         ("C1", 2): 0.44, ("E3", 1): 0.72, ("E3", 2): 0.15, ("C3", 1): 0.57, ("C3", 2): 0.18}
WINDOW, THRESHOLD = 3, 0.5


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def run_dir(tmp_path) -> Path:
    work, run = tmp_path / "work", tmp_path / "run"
    work.mkdir()
    run.mkdir()
    with open(work / "samples.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(SAMPLE_COLUMNS)
        for sid, (label, time, lat, lon, _, _) in STUDY.items():
            group = "E1" if sid == "C1" else "E3" if sid == "C3" else sid
            w.writerow([sid, sid, label, "event" if label else "control", time, lat, lon, group,
                        group if group != sid else ""])
    with open(run / "predictions.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["sample_id", "group", "label", "site", "date", "days_before", "fold", "prob"])
        for (sid, k), p in PROBS.items():
            label, time = STUDY[sid][:2]
            day = _time(time).date() - dt.timedelta(days=k)
            group = "E1" if sid == "C1" else "E3" if sid == "C3" else sid
            w.writerow([sid, group, label, sid, day.isoformat(), k, 0, p])
    (run / "config.json").write_text(json.dumps({"train": {"window": WINDOW, "threshold": THRESHOLD, "seed": 0},
                                                 "workdir": str(work), "synthetic": True}))
    return run


def _catalog(region=None) -> CSEPCatalog:
    """The study's earthquakes as a pycsep catalogue (id, origin time in ms, lat, lon, depth, mag)."""
    rows = [(i, int(_time(t).timestamp() * 1000), lat, lon, depth, mag)
            for i, (sid, (label, t, lat, lon, mag, depth)) in enumerate(STUDY.items()) if label]
    return CSEPCatalog(data=rows, region=region)


# --- the period a forecast claims --------------------------------------------------------------


@pytest.mark.parametrize("window", [3, 5, 7, 9])
def test_an_image_forecasts_exactly_the_days_that_make_it_a_positive(window):
    image = dt.date(2010, 3, 1)
    start, end = forecast_period(image, window)
    for offset in range(-3, window + 3):
        event_day = image + dt.timedelta(days=offset)
        labelled = image in {d for _, d in target_days(event_day, window - 1)}
        for hour in (0, 12, 23):
            t = dt.datetime.combine(event_day, dt.time(hour, 59), UTC)
            assert (start <= t < end) == labelled, (window, offset, hour)


# --- the gridded format against pycsep 0.8 -----------------------------------------------------


@pytest.mark.parametrize("cell_deg,mags", [(1.0, MagnitudeBins()), (0.1, MagnitudeBins(5.0, 6.0, 0.5)),
                                           (0.25, MagnitudeBins(5.0, 9.0, 4.0))])
def test_gridded_forecast_loads_in_pycsep_with_its_cells_magnitudes_and_rates(tmp_path, cell_deg, mags):
    grid = CellGrid(cell_deg)
    places = [(31.02, 103.37, 0.8), (-33.4, -70.6, 0.05), (64.1, -21.9, 0.0), (35.7, 139.7, 0.33)]
    rates = rates_by_cell(places, grid)
    path = tmp_path / "f.dat"
    path.write_text(gridded_forecast_text(rates, grid, mags))
    lines = path.read_text().splitlines()
    assert all(len(line.split("\t")) == 10 and line.endswith("\t1") for line in lines)
    forecast = csep.load_gridded_forecast(str(path), start_date=dt.datetime(2008, 5, 11, tzinfo=UTC),
                                          end_date=dt.datetime(2008, 5, 13, tzinfo=UTC), name="t")
    assert forecast.region.num_nodes == len(rates)
    assert np.allclose(forecast.magnitudes, mags.edges())
    for (lat, lon, p), cell in zip(places, [grid.cell_of(lat, lon) for lat, lon, _ in places]):
        lon0, lon1, lat0, lat1 = grid.bounds(cell)
        assert lon0 <= lon < lon1 and lat0 <= lat < lat1
        idx = forecast.region.get_index_of([lon], [lat])[0]
        assert np.allclose(forecast.region.origins()[idx], [lon0, lat0])
        assert np.allclose(forecast.data[idx], p * mags.shares())
    assert forecast.event_count == pytest.approx(sum(p for _, _, p in places))


def test_places_in_one_cell_share_one_global_cell_and_take_the_largest_rate():
    grid = CellGrid(1.0)
    rates = rates_by_cell([(31.02, 103.37, 0.62), (31.55, 103.88, 0.34), (30.9, 103.5, 0.1)], grid)
    assert len(rates) == 2
    assert grid.bounds(grid.cell_of(31.02, 103.37)) == (103.0, 104.0, 31.0, 32.0)
    assert rates[grid.cell_of(31.55, 103.88)] == 0.62 and rates[grid.cell_of(30.9, 103.5)] == 0.1
    half = CellGrid(0.5)
    assert half.cell_of(31.55, 103.88) != half.cell_of(31.02, 103.37)
    assert half.bounds(half.cell_of(31.55, 103.88)) == (103.5, 104.0, 31.5, 32.0)


def test_magnitude_bins_split_a_rate_by_gutenberg_richter_with_an_open_last_bin():
    mags = MagnitudeBins(5.0, 6.0, 0.5, b_value=1.0)
    assert mags.edges().tolist() == [5.0, 5.5]
    assert mags.shares() == pytest.approx([1 - 10 ** -0.5, 10 ** -0.5])
    assert MagnitudeBins(5.0, 10.0, 5.0).shares().tolist() == [1.0]
    with pytest.raises(ValueError, match="whole number"):
        MagnitudeBins(5.0, 6.0, 0.3)
    with pytest.raises(ValueError, match="divide 180"):
        CellGrid(0.7)


def test_a_one_row_gridded_forecast_is_refused():
    grid, one_bin = CellGrid(1.0), MagnitudeBins(5.0, 9.0, 4.0)
    with pytest.raises(ValueError, match="one row"):
        gridded_forecast_text({(1, 1): 0.5}, grid, one_bin)
    assert len(gridded_forecast_text({(1, 1): 0.5, (1, 2): 0.1}, grid, one_bin).splitlines()) == 2


def test_temporal_forecast_has_the_columns_pycsep_pr283_reads_and_its_observations_follow_the_periods():
    import pandas as pd

    day = dt.date(2008, 5, 10)
    rows = [TemporalForecast(*forecast_period(day + dt.timedelta(days=k), 3), p, day + dt.timedelta(days=k))
            for k, p in ((1, 0.81), (0, 0.62))]
    text = temporal_forecast_text(rows)
    df = pd.read_csv(__import__("io").StringIO(text), delimiter=",")        # as PR #283's reader does
    assert list(df.columns[:2]) == ["time", "probability"]
    times = pd.to_datetime(df["time"].values)
    assert times[0] == pd.Timestamp("2008-05-11T00:00:00Z") and df["probability"].tolist() == [0.62, 0.81]
    assert (pd.to_datetime(df["time_end"]) - pd.to_datetime(df["time"])).tolist() == [pd.Timedelta(days=2)] * 2
    event = dt.datetime(2008, 5, 12, 6, 28, tzinfo=UTC)
    assert temporal_observations(sorted(rows, key=lambda r: r.start), [event]).tolist() == [1, 1]
    with pytest.raises(ValueError, match="0..1"):
        temporal_forecast_text([TemporalForecast(rows[0].start, rows[0].end, 1.2, day)])


# --- a run exported: files load, hits stay hits --------------------------------------------------


def test_every_hit_of_a_run_is_an_observed_event_in_a_forecast_cell_of_pycsep(run_dir, tmp_path):
    out = tmp_path / "pycsep"
    index = export_pycsep(run_dir, out)
    assert json.loads((out / "forecasts.json").read_text()) == index
    assert index["window_days"] == WINDOW and index["threshold"] == THRESHOLD
    periods = {e["image_date"]: e for e in index["gridded"]}
    hits = 0
    for (sid, k), p in PROBS.items():
        label, time, lat, lon = STUDY[sid][:4]
        image = _time(time).date() - dt.timedelta(days=k)
        entry = periods[image.isoformat()]
        start, end = _time(entry["start_time"]), _time(entry["end_time"])
        assert entry["file"] == f"gridded/{start:%Y-%m-%d}.dat" and start.date() == image + dt.timedelta(days=1)
        forecast = csep.load_gridded_forecast(str(out / entry["file"]), start_date=start, end_date=end)
        catalog = _catalog(forecast.region)
        catalog.filter([f"origin_time >= {start.timestamp() * 1000}", f"origin_time < {end.timestamp() * 1000}"])
        catalog.filter_spatial(forecast.region)
        counts = catalog.spatial_magnitude_counts().sum(axis=1)
        cell = forecast.region.get_index_of([lon], [lat])[0]
        rate = forecast.data[cell].sum()
        assert rate >= p - 1e-9                              # the cell carries at least this image's p
        if label == 1:
            assert counts[cell] >= 1                         # the event is observed in its own cell and period
            hits += p >= THRESHOLD and rate >= THRESHOLD
            assert number_test(forecast, catalog).observed_statistic == catalog.event_count >= 1
        else:
            assert counts[cell] == 0                         # a control's period and cell hold no event
    assert hits == sum(1 for (sid, _), p in PROBS.items() if STUDY[sid][0] == 1 and p >= THRESHOLD)


def test_shared_cell_takes_the_larger_probability_and_each_site_gets_a_temporal_file(run_dir, tmp_path):
    import pandas as pd

    out = tmp_path / "pycsep"
    index = export_pycsep(run_dir, out)
    shared = next(e for e in index["gridded"] if e["image_date"] == "2008-05-10")
    assert shared["sites"] == ["E1", "E2"] and shared["cells"] == 1
    forecast = csep.load_gridded_forecast(str(out / shared["file"]))
    assert forecast.event_count == pytest.approx(max(PROBS[("E1", 2)], PROBS[("E2", 2)]))
    assert sorted(e["site"] for e in index["temporal"]) == sorted(STUDY)
    for entry in index["temporal"]:
        df = pd.read_csv(out / entry["file"])
        sid = entry["site"]
        assert df["probability"].tolist() == [PROBS[(sid, 2)], PROBS[(sid, 1)]]
        cell = entry["cell"]
        assert cell["lon_0"] <= STUDY[sid][3] < cell["lon_1"] and cell["lat_0"] <= STUDY[sid][2] < cell["lat_1"]
        rows = [TemporalForecast(_time(a), _time(b), p, dt.date.fromisoformat(d))
                for a, p, b, d in df[["time", "probability", "time_end", "image_date"]].itertuples(index=False)]
        label, time = STUDY[sid][:2]
        events = [_time(t) for s, (lab, t, la, lo, *_) in STUDY.items()
                  if lab and cell["lon_0"] <= lo < cell["lon_1"] and cell["lat_0"] <= la < cell["lat_1"]]
        assert temporal_observations(rows, events).tolist() == [label, label]


def test_an_export_replaces_its_own_files_and_refuses_a_foreign_directory(run_dir, tmp_path):
    out = tmp_path / "pycsep"
    export_pycsep(run_dir, out)
    stale = out / "gridded" / "2001-01-01.dat"
    index = json.loads((out / "forecasts.json").read_text())
    index["gridded"].append({"file": "gridded/2001-01-01.dat"})
    (out / "forecasts.json").write_text(json.dumps(index))
    stale.write_text("old\n")
    export_pycsep(run_dir, out, grid=CellGrid(0.5))
    assert not stale.exists() and json.loads((out / "forecasts.json").read_text())["cell_deg"] == 0.5
    foreign = tmp_path / "other"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(ThermoquakeError, match="not empty"):
        export_pycsep(run_dir, foreign)


def test_an_export_needs_the_sites_places(run_dir, tmp_path):
    (Path(json.loads((run_dir / "config.json").read_text())["workdir"]) / "samples.csv").unlink()
    with pytest.raises(ThermoquakeError, match="samples.csv"):
        export_pycsep(run_dir, tmp_path / "out")


# --- a run's predictions as files (`thermoquake evaluate --pycsep-dir --alarms-csv`) ---------------


def test_the_export_writes_pycsep_forecasts_and_alarm_rows_cover_the_event(run_dir, tmp_path):
    from thermoquake.evaluation.rescore import alarm_forecast_csv

    out, alarms = tmp_path / "pycsep", tmp_path / "alarms.csv"
    doc = thermoquake.evaluate_run(run_dir, n_boot=10)
    index = export_pycsep(run_dir, out, doc.threshold, CellGrid(1.0), MagnitudeBins(5.0, 9.0, 0.1))
    assert index == json.loads((out / "forecasts.json").read_text())
    assert len(index["gridded"]) == len(list((out / "gridded").glob("*.dat"))) == 8
    for entry in index["gridded"]:
        csep.load_gridded_forecast(str(out / entry["file"]))
    alarms.write_text(alarm_forecast_csv(run_dir, doc.threshold, min_mag=5.0))
    with open(alarms, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(PROBS)
    for row in rows:                        # a sample's (event's or control's) time lies in every period of its images
        assert _time(row["start_time"]) <= _time(STUDY[row["sample_id"]][1]) < _time(row["end_time"])
    with pytest.raises(ValueError, match="divide 180"):
        CellGrid(0.7)
