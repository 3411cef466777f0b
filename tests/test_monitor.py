"""Region-wide monitoring on SYNTHETIC tiles through the library: synthetic_region ->
monitor_region -> evaluate_monitor."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

import thermoquake as tq
from tests._monitor_data import CATALOG, MAIN_SHOCK_ID, REGION
from thermoquake.catalog.region import Region
from thermoquake.modis.region_grid import PIXEL_AREA_KM2, RegionGrid
from thermoquake.monitor.calendar import reference_dates

MAIN_SHOCK = (28.2305, 84.7314)         # Gorkha, 2015-04-25 M7.8, inside REGION
COMMON = {"reference_years": range(2012, 2014), "reference_window_days": 1}
MONITOR = {**COMMON, "workers": 0, "min_count": 3}


def _monitor(hdf: Path, out: Path, end: str, **settings) -> dict:
    """``monitor_region`` from 2015-04-23 to ``end`` in this process; its summary."""
    return tq.monitor_region(REGION, "2015-04-23", end, hdf, out, **(MONITOR | settings))


@pytest.fixture(scope="module")
def hdf(tmp_path_factory) -> Path:
    """SYNTHETIC tiles: +5 K on the 7 days before each main shock near the region."""
    out = tmp_path_factory.mktemp("region") / "hdf"
    summary = tq.synthetic_region(REGION, "2015-04-23", "2015-04-25", CATALOG, out, anomaly_k=5.0,
                                  cloud_fraction=0.1, **COMMON)
    assert summary["synthetic"] and summary["written_now"] == summary["files"] > 0
    return out


@pytest.fixture(scope="module")
def monitored(hdf, tmp_path_factory) -> tuple[Path, dict, dict]:
    """A run to 2015-04-24, then to 2015-04-25 in the same MONITORDIR (a resumed run)."""
    out = tmp_path_factory.mktemp("mon") / "mon"
    first = _monitor(hdf, out, "2015-04-24")
    second = _monitor(hdf, out, "2015-04-25")
    return out, first, second


def test_reference_days_never_come_from_the_monitored_year():
    days = reference_dates(dt.date(2015, 1, 1), range(2013, 2017), 2)
    assert days and all(d.year != 2015 for d in days)
    assert dt.date(2013, 12, 30) in days and dt.date(2016, 1, 3) in days     # windows cross New Year
    assert dt.date(2014, 1, 3) in days and dt.date(2014, 1, 4) not in days
    assert dt.date(2015, 12, 31) not in days and dt.date(2016, 1, 1) in days  # 2016's window, 2015's days out


def test_region_grid_is_the_tiles_own_pixels_mosaicked(real_lst_tile):
    from thermoquake.preprocessing.hdf_index import scan_hdf_dir
    from thermoquake.modis.reader import read_lst_tile
    from thermoquake.modis.sinusoidal import tile_bounds, xy_to_lonlat
    from thermoquake.monitor.blocks import HdfImages, region_blocks

    tile = read_lst_tile(real_lst_tile)
    h, v = tile.granule.h, tile.granule.v
    west, south, east, north = tile_bounds(h, v)
    lon, lat = xy_to_lonlat((west + east) / 2, (south + north) / 2)
    region = Region(float(lon) - 0.3, float(lat) - 0.2, float(lon) + 0.3, float(lat) + 0.2)
    grid = RegionGrid.for_region(region)
    assert grid.tiles() == [(h, v)]
    index = scan_hdf_dir(real_lst_tile.parent, tile.granule.product)
    images = HdfImages(index, grid, tile.layer, tile.qc_policy)
    image = np.full(grid.shape, np.inf, dtype=np.float32)
    for block in region_blocks(grid, 25):                  # read block by block
        part, sources, missing, _ = images.read(tile.granule.date, block)
        image[block.slices] = part
        assert sources and not missing
    tr, tc, rr, rc = grid.tile_overlap(h, v)
    inside = grid.inside()
    np.testing.assert_array_equal(image[inside], tile.celsius[tr, tc][inside[rr, rc]])
    assert np.isnan(image[~inside]).all() and (~inside).any()
    total, count = images.valid_sum(tile.granule.date)
    assert count == np.isfinite(image).sum() and total == pytest.approx(np.nansum(image.astype(np.float64)))
    assert PIXEL_AREA_KM2 == pytest.approx(0.8586, abs=1e-4)


def test_a_resumed_run_computes_only_the_days_it_had_not_finished(monitored):
    _, first, second = monitored
    assert first["computed_days"] == 2 and first["reused_days"] == 0
    assert second["computed_days"] == 1 and second["reused_days"] == 2 and second["days"] == 3
    assert second["synthetic"] is True


def test_a_killed_run_resumes_without_redoing_its_finished_days(hdf, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "mon"
    code = ("import sys, thermoquake as tq; tq.monitor_region(sys.argv[1], '2015-04-23', '2015-04-25', sys.argv[2], "
            "sys.argv[3], reference_years=range(2012, 2014), reference_window_days=1, workers=0, min_count=3, "
            "block_days=1)")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1]))
    proc = subprocess.Popen([sys.executable, "-c", code, REGION, str(hdf), str(out)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not list((out / "days").glob("*.npz")):
        time.sleep(0.05)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list((out / "days").glob("*.npz")))
    assert finished >= 1
    resumed = _monitor(hdf, out, "2015-04-25", block_days=1)
    assert resumed["computed_days"] == 3 - finished and resumed["reused_days"] == finished


def test_changed_settings_recompute_every_day(monitored, hdf, tmp_path):
    out, _, _ = monitored
    import shutil

    copy = tmp_path / "mon"
    shutil.copytree(out, copy)
    again = _monitor(hdf, copy, "2015-04-25", threshold=3.0)
    assert again["computed_days"] == 3


def test_a_day_whose_tiles_changed_is_computed_again(monitored, hdf, tmp_path):
    import os
    import shutil

    out, _, _ = monitored
    copy = tmp_path / "mon"
    shutil.copytree(out, copy)
    (tile,) = hdf.glob("MYD11A1.A2015115.*.hdf")           # 2015-04-25, a monitored day only
    st = os.stat(tile)
    os.utime(tile, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    try:
        again = _monitor(hdf, copy, "2015-04-25")
    finally:
        os.utime(tile, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert again["computed_days"] == 1 and again["computed"] == ["2015-04-25"]


def test_the_datacube_opens_in_xarray_and_holds_the_warm_anomaly_before_the_main_shock(monitored):
    import xarray as xr

    out, _, _ = monitored
    with xr.open_dataset(out / "monitor.nc") as ds:
        assert dict(ds.sizes) | {"cell": 0} == {"time": 3, "y": ds.sizes["y"], "x": ds.sizes["x"], "cell": 0}
        assert [str(t)[:10] for t in ds.time.values] == ["2015-04-23", "2015-04-24", "2015-04-25"]
        r = ds.retira.values
        state = ds.state.values
        assert ((state == 1) == (np.isfinite(r) & (r >= 2.0))).all()
        assert ((state == -1) == ~np.isfinite(r)).all()
        assert (ds.valid.values == np.isfinite(ds.lst.values)).all()
        lon, lat = ds.lon.values, ds.lat.values
    from thermoquake.catalog.geodesy import haversine_km

    near = haversine_km(MAIN_SHOCK[0], MAIN_SHOCK[1], lat, lon) <= 30
    far = haversine_km(MAIN_SHOCK[0], MAIN_SHOCK[1], lat, lon) >= 55
    for k in (0, 1):                            # the anomaly is on; the event day (k = 2) has none
        assert np.nanmean(r[k][near]) > 2.0 > np.nanmean(r[k][far])
    assert np.nanmean(r[2][near]) < 2.0


def test_a_sequence_alarms_its_cells_from_the_day_after_it_is_significant(monitored):
    import csv

    import xarray as xr

    out, _, _ = monitored
    rows = list(csv.DictReader((out / "sequences.csv").open()))
    assert rows
    seq = max(rows, key=lambda r: float(r["peak_r"]))
    assert seq["start"] == "2015-04-23" and seq["alarm_from"] == "2015-04-25"
    assert float(seq["max_area_km2"]) >= 150
    with xr.open_dataset(out / "monitor.nc") as ds:
        alarm = ds.alarm_cell.values
    assert alarm[0].sum() == 0 and alarm[1].sum() == 0 and alarm[2].sum() > 0


def test_daily_geotiffs_match_the_datacube(monitored):
    import rasterio
    import xarray as xr

    out, _, _ = monitored
    with rasterio.open(out / "geotiff" / "2015-04-24.tif") as src:
        bands = src.read()
        assert src.tags()["synthetic"] == "true" and src.crs is not None
    with xr.open_dataset(out / "monitor.nc") as ds:
        np.testing.assert_array_equal(bands[1], ds.retira.values[1])
        np.testing.assert_array_equal(bands[0], ds.lst.values[1])


def test_csep_forecasts_load_in_pycsep_with_the_alarmed_cells(monitored):
    csep = pytest.importorskip("csep")
    from thermoquake.monitor.outputs import ALARM_RATE, BACKGROUND_RATE

    out, _, _ = monitored
    index = (out / "csep" / "index.csv").read_text().splitlines()
    assert len(index) == 4
    last = index[-1].split(",")
    forecast = csep.load_gridded_forecast(str(out / "csep" / last[0]), start_date=dt.datetime(2015, 4, 25),
                                          end_date=dt.datetime(2015, 4, 26), name="monitor")
    rates = forecast.data.sum(axis=1)
    alarmed = int(last[3])
    assert alarmed > 0
    assert np.isclose(rates, ALARM_RATE).sum() == alarmed
    assert np.isclose(rates, BACKGROUND_RATE).sum() == len(rates) - alarmed


def test_evaluate_scores_the_alarms_against_raw_and_declustered_catalogues(monitored):
    out, _, _ = monitored
    evaluations = tq.evaluate_monitor(out, CATALOG)
    assert list(evaluations) == ["rst"]
    result = evaluations["rst"]
    declustered, raw = result["scores"]
    assert result["synthetic"] is True
    assert declustered["earthquakes"] == 1 and raw["earthquakes"] > declustered["earthquakes"]
    for s in (declustered, raw):
        assert s["molchan"][0] == [0.0, 1.0] and s["molchan"][-1] == [1.0, 0.0]
        assert 0.0 <= s["area_skill"] <= 1.0
        lo, hi = s["area_skill_random_band"]
        assert lo < 0.5 < hi
    main = [q for q in declustered["earthquake_list"] if q["id"] == MAIN_SHOCK_ID]
    assert main and main[0]["score"] > 0            # the main shock's cell was alarmed
    assert (out / "evaluation.json").is_file()
    for s in (declustered, raw):                    # pycsep's tests of the whole record as one period
        (period,) = s["csep_tests"]
        assert period["days"] == 3 and period["start"] == "2015-04-23" and period["end"] == "2015-04-25"
        assert period["observed_events"] == s["earthquakes"] and period["forecast_events"] > 0
        assert 0.0 <= period["n_test"]["delta1"] <= 1.0 and 0.0 <= period["n_test"]["delta2"] <= 1.0
        assert 0.0 <= period["s_test"]["quantile"] <= 1.0
    assert raw["csep_tests"][0]["n_test"]["delta1"] < declustered["csep_tests"][0]["n_test"]["delta1"]
    daily = tq.evaluate_monitor(out, CATALOG, decluster_window="none", csep_period_days=1)["rst"]
    assert [p["days"] for p in daily["scores"][0]["csep_tests"]] == [1, 1, 1]


def test_catalogue_quakes_keep_reference_pixels_out(hdf, tmp_path):
    from thermoquake.monitor.blocks import BlockImages, HdfImages, block_reference, region_blocks
    from thermoquake.preprocessing.hdf_index import scan_hdf_dir
    from thermoquake.rst.sequences import Quake

    region = Region.parse(REGION)
    grid = RegionGrid.for_region(region)
    images = HdfImages(scan_hdf_dir(hdf, "MYD11A1"), grid, "LST_Night_1km", "paper")
    plain = tq.MonitorSettings(region, (2012, 2013), 1)
    quake = Quake(dt.date(2013, 4, 24), MAIN_SHOCK[0], MAIN_SHOCK[1], 6.0)
    excluded = tq.MonitorSettings(region, (2012, 2013), 1, quakes=(quake,), exclusion_km=30, exclusion_days=0)
    day = dt.date(2015, 4, 24)
    sums = {d: images.valid_sum(d) for d in reference_dates(day, (2012, 2013), 1)}
    means = {d: t / n if n else None for d, (t, n) in sums.items()}
    a_count = np.zeros(grid.shape, dtype=np.int32)
    b_count = np.zeros(grid.shape, dtype=np.int32)
    for block in region_blocks(grid, 30):                  # the exclusion disc crosses block edges
        a, _ = block_reference(day, plain, BlockImages(images, block, 8), means, tmp_path / "a", "x")
        b, cached = block_reference(day, excluded, BlockImages(images, block, 8), means, tmp_path / "b", "x")
        assert not cached
        assert block_reference(day, excluded, BlockImages(images, block, 8), means, tmp_path / "b", "x")[1]
        a_count[block.slices], b_count[block.slices] = a.count, b.count
    from thermoquake.catalog.geodesy import haversine_km

    lon, lat = grid.lonlat()
    near = haversine_km(MAIN_SHOCK[0], MAIN_SHOCK[1], lat, lon) <= 30
    assert (b_count[near] <= a_count[near]).all() and (b_count[near] < a_count[near]).any()
    assert (b_count[~near] == a_count[~near]).all()


def test_molchan_skill_of_a_perfect_alarm_is_outside_the_random_band_and_of_no_alarm_inside():
    from thermoquake.evaluation.metrics import molchan_area_skill
    from thermoquake.monitor.score import area_skill_band, molchan_trajectory, probability_gain

    rng = np.random.default_rng(1)
    scores = np.zeros((50, 20))
    quakes = [(int(k), int(j)) for k, j in zip(rng.integers(0, 50, 12), rng.integers(0, 20, 12))]
    for k, j in quakes:
        scores[k, j] = 3.0
    hit = np.array([scores[k, j] for k, j in quakes])
    lo, hi = area_skill_band(len(quakes), 0.05)
    assert molchan_area_skill(molchan_trajectory(scores, hit)) > hi
    none = np.zeros_like(scores)
    assert lo < molchan_area_skill(molchan_trajectory(none, np.zeros(len(quakes)))) < hi
    gain, glo, ghi = probability_gain(hit > 0, float((scores > 0).mean()))
    assert glo <= gain <= ghi and gain > 1
