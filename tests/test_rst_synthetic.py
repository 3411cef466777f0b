"""RETIRA end to end on synthetic MODIS tiles, and ``thermoquake rst`` on a workdir.

Reference: the same calendar day in 8 other years; target: that day with and without a 4 K
warm anomaly (Gaussian, e-folding radius 15 km) at the epicentre. 64 km images keep it fast.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
import thermoquake
from thermoquake.errors import ThermoquakeError
from thermoquake.image.crop import crop_epicentre
from thermoquake.image.geotiff import write_epicentre_geotiff
from thermoquake.rst import DEFAULT_SIGMA_FLOOR_K, null_exceedance, retira_result
from thermoquake.rst.anomalies import summarize_anomalies

LAT, LON, SIZE = 35.0, 103.0, 64
DAY = dt.date(2010, 7, 10)
REFERENCE_YEARS = range(2002, 2010)
RADIUS_KM, AMPLITUDE_K = 15.0, 4.0


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """Cropped EpicentreImages: {"reference": [8 years], "with": target, "without": target}."""
    from thermoquake.synth import SynthConfig, SyntheticAnomaly, write_synthetic_tile

    root = tmp_path_factory.mktemp("rst_tiles")
    config = SynthConfig(seed=3, cloud_fraction=0.2, swath_gaps=False)
    anomaly = SyntheticAnomaly(LAT, LON, AMPLITUDE_K, RADIUS_KM, 3, DAY + dt.timedelta(days=2))

    def crop(name, date, anomalies=()):
        folder = root / name
        folder.mkdir()
        tile = write_synthetic_tile(folder, "MYD11A1", 26, 5, date, config=config, anomalies=anomalies)
        return crop_epicentre([tile], LAT, LON, SIZE)

    return {"reference": [crop(str(y), DAY.replace(year=y)) for y in REFERENCE_YEARS],
            "with": crop("with", DAY, [anomaly]), "without": crop("without", DAY)}


def _retira(images, which, sigma_floor_k=DEFAULT_SIGMA_FLOOR_K):
    target = images[which]
    result = retira_result(target.celsius, np.stack([im.celsius for im in images["reference"]]), min_count=5,
                           sigma_floor_k=sigma_floor_k)
    return result, summarize_anomalies(result.r, target.grid.transform, (LAT, LON), threshold=2.0)


def test_injected_anomaly_is_found_at_the_epicentre_with_about_its_area(images):
    result, s = _retira(images, "with")
    assert s.centroid_distance_km < 3.0
    disc_km2 = math.pi * RADIUS_KM**2
    assert 0.3 * disc_km2 < s.anomalous_area_km2 < 2.0 * disc_km2
    assert s.max_r > 5
    assert 0 < result.clear_sky_fraction <= 1 and result.n_reference == len(REFERENCE_YEARS)


def test_without_anomaly_the_exceedance_is_near_the_noise_expectation(images):
    """Weather is spatially correlated, so pixels are not independent: the tolerance is a
    factor (0.3x to 2x of the finite-reference expectation), not a binomial interval. The
    expectation is that of R without a sigma floor: the synthetic pixels' year-to-year spread
    (median about 0.4 K) is below the 0.5 K default floor, which would lower the fraction."""
    result, s = _retira(images, "without", sigma_floor_k=0.0)
    valid = np.isfinite(result.r)
    expected = float(null_exceedance(2.0, result.count[valid]).mean())
    assert 0.3 * expected < s.anomalous_fraction < 2.0 * expected
    _, with_anomaly = _retira(images, "with")
    assert with_anomaly.anomalous_area_km2 > 3 * s.anomalous_area_km2


def _workdir(tmp_path: Path, images) -> Path:
    """A workdir in the preprocess layout, written directly (one site, one target day)."""
    rows = ["event_id,site,date,role,days_before,valid_fraction,source_files,missing_tiles,path"]
    def add(image, role):
        rel = f"images/E1/{role}/{image.date.isoformat()}.tif"
        write_epicentre_geotiff(tmp_path / rel, image)
        rows.append(f"E1,E1,{image.date.isoformat()},{role},2,0.9,,,{rel}")
    add(images["with"], "target")
    for image in images["reference"]:
        add(image, "reference")
    (tmp_path / "manifest.csv").write_text("\n".join(rows) + "\n")
    return tmp_path


def test_rst_writes_retira_geotiffs_and_the_anomalies_table(tmp_path, images):
    workdir = _workdir(tmp_path, images)
    summary = thermoquake.run_rst(workdir)
    assert (summary.targets, summary.written, summary.with_anomaly) == (1, 1, 1)
    assert summary.anomalies_csv == workdir / "anomalies.csv"
    rpath = workdir / "images/E1/target/2010-07-10.retira.tif"
    with rasterio.open(rpath) as src, rasterio.open(workdir / "images/E1/target/2010-07-10.tif") as tgt:
        assert src.transform == tgt.transform and src.dtypes[0] == "float32" and math.isnan(src.nodata)
        tags, r = src.tags(), src.read(1)
    assert tags["rst_reference_years"] == ",".join(map(str, REFERENCE_YEARS))
    assert tags["synthetic"] == "true" and tags["rst_min_count"] == "5"
    expected, _ = _retira(images, "with")
    np.testing.assert_allclose(r, expected.r.astype(np.float32), equal_nan=True)
    with open(workdir / "anomalies.csv", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["site"] == "E1" and row["n_reference"] == "8" and row["days_before"] == "2"
    assert float(row["centroid_distance_km"]) < 3.0
    assert float(row["anomalous_area_km2"]) > 100


def test_rst_threshold_excluded_years_and_min_count_settings(tmp_path, images):
    workdir = _workdir(tmp_path, images)
    thermoquake.run_rst(workdir, threshold=4, exclude_years=(2002, 2003), min_count=3)
    with open(workdir / "anomalies.csv", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["threshold"] == "4.0" and row["n_reference"] == "6"
    assert row["reference_years"] == "2004;2005;2006;2007;2008;2009"


def test_rst_on_a_directory_without_manifest_is_a_one_line_error(tmp_path):
    with pytest.raises(ThermoquakeError, match="not a thermoquake preprocess workdir") as err:
        thermoquake.run_rst(tmp_path)
    assert len(str(err.value).splitlines()) == 1 and err.value.source is not None


@pytest.mark.slow
def test_rst_runs_on_a_workdir_made_by_preprocess(tmp_path):
    from thermoquake.synth import SynthConfig, write_synthetic_tile

    event = dt.date(2008, 5, 12)
    hdf = tmp_path / "hdf"
    hdf.mkdir()
    for year in (2005, 2006, 2007, 2008):
        write_synthetic_tile(hdf, "MYD11A1", 26, 5, dt.date(year, 5, 11),
                             config=SynthConfig(seed=7, cloud_fraction=0.2, swath_gaps=False))
    events = tmp_path / "events.csv"
    events.write_text("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
                      f"E1,{event.isoformat()}T06:28:00Z,35.0,103.0,10.0,6.5,mw\n")
    out = tmp_path / "wd"
    thermoquake.preprocess(events, hdf, out, days_before=1, reference_years=range(2005, 2009), size=32,
                           workers=0, progress=False)
    thermoquake.run_rst(out, min_count=3)
    with open(out / "anomalies.csv", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["date"] == "2008-05-11" and row["n_reference"] == "3"
    assert (out / "images/E1/target/2008-05-11.retira.tif").is_file()


def test_rst_leaves_reference_dates_near_catalogue_quakes_out(tmp_path, images):
    workdir = _workdir(tmp_path, images)
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(
        "event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
        f"near,2004-07-25T03:00:00Z,{LAT + 0.5},{LON},10,5.6,Mw\n"       # 56 km, 15 days after 07-10
        f"far,2005-07-10T03:00:00Z,{LAT + 9.0},{LON},10,6.5,Mw\n"        # 1000 km away
        f"small,2006-07-10T03:00:00Z,{LAT},{LON},10,4.2,Mw\n")           # below --exclusion-min-mag
    thermoquake.run_rst(workdir, catalog=catalog)
    with open(workdir / "anomalies.csv", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["n_reference"] == "7" and "2004" not in row["reference_years"].split(";")


def test_rst_writes_significant_sequences_of_consecutive_anomalous_days(tmp_path, images):
    workdir = _workdir(tmp_path, images)
    second = DAY + dt.timedelta(days=1)
    rel = f"images/E1/target/{second.isoformat()}.tif"
    write_epicentre_geotiff(workdir / rel, images["with"])        # the same warm image, a day later
    with open(workdir / "manifest.csv", "a") as fh:
        fh.write(f"E1,E1,{second.isoformat()},target,1,0.9,,,{rel}\n")
    thermoquake.run_rst(workdir, window_days=1)
    with open(workdir / "sequences.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    near = [r for r in rows if float(r["min_distance_km"]) < 5]
    assert len(near) == 1
    assert (near[0]["start"], near[0]["end"], near[0]["days"]) == (DAY.isoformat(), second.isoformat(), "2")
    assert near[0]["synthetic"] == "true" and float(near[0]["max_area_km2"]) >= 150
