"""monitor --run: a trained classifier's alarm per cell and day, on SYNTHETIC tiles."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from tests._monitor_data import CATALOG, REGION, model_monitor


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
def monitored(tiny_study, tmp_path_factory) -> tuple[Path, dict]:
    out, summary, _ = model_monitor(tiny_study, tmp_path_factory)
    return out, summary


@pytest.fixture(scope="module")
def run_dir(tiny_study, tmp_path_factory) -> Path:
    return model_monitor(tiny_study, tmp_path_factory)[2]


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
    from thermoquake.monitor.outputs import evaluation_path, read_evaluation
    from thermoquake.monitor.score import evaluate_monitor

    out, summary = monitored
    result = evaluate_monitor(out, CATALOG, decluster_window="none", sources=("model",))["model"]
    (raw,) = result["scores"]
    assert result["alarm_source"] == "model" and raw["alarm_source"] == "model" and result["synthetic"]
    assert result["threshold"] == summary["model"]["threshold"]
    assert raw["alarm_fraction"] == pytest.approx(summary["model"]["alarmed_cell_days"] / summary["cell_days"])
    assert raw["csep_tests"][0]["days"] == 3
    assert read_evaluation(evaluation_path(out, "model")) == json.loads(json.dumps(result))


@pytest.mark.ml
@pytest.mark.slow
def test_evaluate_scores_the_rule_and_the_model_by_the_same_measures_by_default(monitored):
    from thermoquake.monitor.score import evaluate_monitor

    out, summary = monitored
    result = evaluate_monitor(out, CATALOG, decluster_window="none", write=False)
    assert sorted(result) == ["model", "rst"]
    (rule,), (model,) = result["rst"]["scores"], result["model"]["scores"]
    measures = {"alarm_fraction", "hits", "area_skill", "area_skill_random_band", "probability_gain",
                "probability_gain_interval", "molchan", "earthquake_list", "csep_tests"}
    assert measures <= set(rule) and measures <= set(model)
    assert rule["earthquakes"] == model["earthquakes"] > 0            # the same target earthquakes
    assert rule["alarm_fraction"] == pytest.approx(summary["alarmed_cell_days"] / summary["cell_days"])
    assert model["alarm_fraction"] == pytest.approx(summary["model"]["alarmed_cell_days"] / summary["cell_days"])


def test_model_alarms_of_a_monitor_without_a_model_are_an_error_naming_run(tmp_path):
    from thermoquake.errors import ThermoquakeError
    from thermoquake.monitor.score import evaluate_monitor, read_alarm_record

    (tmp_path / "monitor.nc").write_bytes(b"")
    (tmp_path / "monitor.json").write_text(json.dumps({"cell_deg": 0.5, "model": None, "region": REGION,
                                                       "synthetic": True}))
    with pytest.raises(ThermoquakeError, match="--run"):
        read_alarm_record(tmp_path, "model")
    with pytest.raises(ThermoquakeError, match="--run"):
        evaluate_monitor(tmp_path, CATALOG, sources=("model",))


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
