"""monitor --run: a trained classifier's alarm per cell and day, on SYNTHETIC tiles."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from thermoquake.cli.main import cli

CATALOG = Path(__file__).parent / "data" / "catalog" / "comcat_china_2013_2016.csv"
TRAIN_CATALOG = Path(__file__).parents[1] / "data_manifests" / "catalog" / "china_m5_2003_2020.csv"
REGION = "84.5,27.8,85.5,28.5"
COMMON = ["--region", REGION, "--reference-years", "2012-2013", "--reference-window-days", "1"]


def _run(args: list[str]) -> dict:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_a_box_is_cut_around_its_centre_pixel_with_no_data_outside_the_grid():
    from thermoquake.monitor.model import cut_box

    image = np.arange(30, dtype=np.float32).reshape(5, 6)
    box = cut_box(image, 2, 3, (4, 4))
    assert box[2, 2] == image[2, 3]
    np.testing.assert_array_equal(box, image[0:4, 1:5])
    corner = cut_box(image, 0, 0, (4, 4))
    assert np.isnan(corner[:2]).all() and np.isnan(corner[:, :2]).all()
    np.testing.assert_array_equal(corner[2:, 2:], image[:2, :2])


def test_the_forecast_of_a_day_is_the_largest_probability_of_the_window_before_it():
    from thermoquake.monitor.model import window_maximum

    days = [dt.date(2015, 4, d) for d in (1, 2, 3, 5, 6)]
    p = np.array([[0.9, 0.1], [0.2, np.nan], [0.3, 0.4], [0.5, 0.05], [0.6, 0.7]], dtype=np.float32)
    out = window_maximum(days, p, 2)
    np.testing.assert_allclose(out[:, 0], [0.0, 0.9, 0.9, 0.3, 0.5])  # day 5: days 3-4; day 4 missing
    np.testing.assert_allclose(out[:, 1], [0.0, 0.1, 0.1, 0.4, 0.05])


@pytest.fixture(scope="module")
def run_dir(tiny_study, tmp_path_factory) -> Path:
    """A tiny SYNTHETIC classifier on 16 km boxes with an R channel (fast settings)."""
    import shutil

    work = tmp_path_factory.mktemp("mtrain") / "work"
    shutil.copytree(tiny_study / "work", work)
    CliRunner().invoke(cli, ["rst", "--workdir", str(work), "--min-count", "1"])
    out = tmp_path_factory.mktemp("mruns") / "w3"
    result = CliRunner().invoke(cli, ["train", "--workdir", str(work), "--window", "3", "--folds", "2", "--epochs",
                                      "1", "--width", "0.125", "--batch-size", "8", "--no-progress", "--channels",
                                      "lst,mask,retira", "--catalog", str(TRAIN_CATALOG), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def monitored(run_dir, tmp_path_factory) -> tuple[Path, dict]:
    hdf = tmp_path_factory.mktemp("mregion") / "hdf"
    _run(["synth", "region", *COMMON, "--start", "2015-04-23", "--end", "2015-04-25", "--catalog", str(CATALOG),
          "--anomaly-k", "5", "--cloud-fraction", "0.1", "--out", str(hdf), "--no-progress"])
    out = tmp_path_factory.mktemp("mmon") / "mon"
    summary = _run(["monitor", *COMMON, "--start", "2015-04-23", "--end", "2015-04-25", "--workers", "0",
                    "--min-count", "3", "--hdf-dir", str(hdf), "--out", str(out), "--run", str(run_dir)])
    return out, summary


@pytest.mark.ml
@pytest.mark.slow
def test_model_probabilities_are_the_runs_model_on_the_box_centred_on_each_cell(monitored, run_dir):
    import xarray as xr

    from thermoquake.modis.sinusoidal import lonlat_to_xy
    from thermoquake.training.predict import load_run_model

    out, summary = monitored
    assert summary["model"]["window"] == 3 and summary["model"]["box_px"] == [16, 16]
    run = load_run_model(run_dir)
    with xr.open_dataset(out / "monitor.nc") as ds:
        image_p = ds["model_image_probability"].values
        prob = ds["model_probability"].values
        alarm = ds["model_alarm_cell"].values
        x_m, y_m, lst, r = ds["x"].values, ds["y"].values, ds["lst"].values, ds["retira"].values
        centre_lon = (ds["cell_lon_min"].values + ds["cell_lon_max"].values) / 2
        centre_lat = (ds["cell_lat_min"].values + ds["cell_lat_max"].values) / 2
    assert image_p.shape == prob.shape == (3, len(centre_lon)) and np.isfinite(image_p).any()
    finite = np.isfinite(image_p)
    assert ((image_p[finite] >= 0) & (image_p[finite] <= 1)).all()
    cx, cy = lonlat_to_xy(centre_lon, centre_lat)
    size = x_m[1] - x_m[0]                         # the box around the pixel holding the cell's centre,
    margin = 200                                    # which may lie outside the region's grid

    def pad(a: np.ndarray) -> np.ndarray:
        return np.pad(a.astype(np.float32), margin, constant_values=np.nan)

    for k, j in zip(*np.nonzero(finite)):           # a centre on a pixel edge may take either pixel
        rows = {int(np.floor((y_m[0] + size / 2 - cy[j]) / size + e)) for e in (-1e-6, 1e-6)}
        cols = {int(np.floor((cx[j] - (x_m[0] - size / 2)) / size + e)) for e in (-1e-6, 1e-6)}
        boxes = [(slice(a + margin - 8, a + margin + 8), slice(b + margin - 8, b + margin + 8))
                 for a in rows for b in cols]
        expected = run.probabilities(np.stack([pad(lst[k])[bx] for bx in boxes]),
                                     np.stack([pad(r[k])[bx] for bx in boxes]))
        assert np.abs(expected - image_p[k, j]).min() < 1e-6
    filled = np.nan_to_num(image_p, nan=0.0)
    np.testing.assert_allclose(prob[0], 0.0)                    # nothing before the first day
    np.testing.assert_allclose(prob[2], np.maximum(filled[0], filled[1]), rtol=1e-6)
    np.testing.assert_array_equal(alarm, (prob >= run.threshold).astype(np.int8))
    assert (out / "csep_model" / "index.csv").is_file()


@pytest.mark.ml
@pytest.mark.slow
def test_evaluate_scores_the_model_alarm_record_with_its_threshold(monitored):
    out, summary = monitored
    result = _run(["monitor", "evaluate", "--monitor", str(out), "--catalog", str(CATALOG), "--decluster", "none",
                   "--alarm-source", "model"])
    (raw,) = result["scores"]
    assert result["alarm_source"] == "model" and raw["alarm_source"] == "model" and result["synthetic"]
    assert raw["alarm_fraction"] == pytest.approx(summary["model"]["alarmed_cell_days"] / summary["cell_days"])
    assert raw["csep_tests"][0]["days"] == 3
    assert (out / "evaluation_model.json").is_file()


def test_evaluating_model_alarms_of_a_monitor_without_a_model_is_a_one_line_error(tmp_path):
    from thermoquake.monitor.score import read_alarm_record

    (tmp_path / "monitor.nc").write_bytes(b"")
    (tmp_path / "monitor.json").write_text(json.dumps({"cell_deg": 0.5, "model": None, "region": REGION,
                                                       "synthetic": True}))
    result = CliRunner().invoke(cli, ["monitor", "evaluate", "--monitor", str(tmp_path), "--catalog", str(CATALOG),
                                      "--alarm-source", "model"])
    assert result.exit_code != 0 and "--run" in result.output and "Traceback" not in result.output
    with pytest.raises(Exception, match="--run"):
        read_alarm_record(tmp_path, "model")


@pytest.mark.ml
@pytest.mark.slow
def test_model_probabilities_are_cached_per_run_and_recomputed_for_another_run(monitored, run_dir, tmp_path):
    import shutil

    import xarray as xr

    from thermoquake.catalog.region import Region
    from thermoquake.modis.region_grid import RegionGrid
    from thermoquake.monitor.daily import region_cells
    from thermoquake.monitor.model import MODEL_CACHE_DIR, model_alarms

    out, summary = monitored
    assert summary["model"]["computed_days"] == 3 and summary["model"]["cached_days"] == 0
    grid = RegionGrid.for_region(Region.parse(REGION))
    days = [dt.date(2015, 4, d) for d in (23, 24, 25)]
    files = [out / "days" / f"{d.isoformat()}.npz" for d in days]
    cells = region_cells(grid, 0.5)
    with xr.open_dataset(out / "monitor.nc") as ds:
        written = ds["model_image_probability"].values
    again = model_alarms(run_dir, grid, days, files, cells, 0.5, out / MODEL_CACHE_DIR)
    assert (again.computed_days, again.cached_days) == (0, 3)
    np.testing.assert_array_equal(again.image_probability, written)
    assert again.window == summary["model"]["window"] and list(again.box) == summary["model"]["box_px"]
    other = tmp_path / "other_run"
    shutil.copytree(run_dir, other)
    config = other / "config.json"
    config.write_text(config.read_text(encoding="utf-8") + "\n", encoding="utf-8")   # another run's files
    fresh = model_alarms(other, grid, days, files, cells, 0.5, out / MODEL_CACHE_DIR)
    assert (fresh.computed_days, fresh.cached_days) == (3, 0)
    np.testing.assert_allclose(fresh.image_probability, written, rtol=1e-6)      # same weights, same values
