"""The Python API: ``import thermoquake`` is light, every public name resolves, and a tiny
SYNTHETIC study runs through library calls only, ending in an xarray Dataset and a netCDF file."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import thermoquake as tq
from tests.conftest import CONTROLS, EVENTS


def test_importing_thermoquake_imports_no_tensorflow_keras_dask_or_xarray():
    code = ("import sys, thermoquake as tq; tq.preprocess; tq.run_rst; tq.open_workdir; tq.train_gan; "
            "heavy = [m for m in ('tensorflow', 'keras', 'dask', 'xarray') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves_to_a_callable():
    for name in tq.__all__:
        assert callable(getattr(tq, name)) or name in ("__version__", "errors"), name
    assert tq.read_epicentre_image.__module__ == "thermoquake.image.geotiff"
    with pytest.raises(AttributeError):
        tq.no_such_function  # noqa: B018


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("api")
    (root / "events.csv").write_text(EVENTS)
    (root / "controls.csv").write_text(CONTROLS)
    common = {"days_before": 2, "reference_years": range(2008, 2011), "size": 16}
    tq.synthetic_study(root / "events.csv", root / "hdf", controls=root / "controls.csv", anomaly_k=3.0,
                       cloud_fraction=0.1, progress=False, **common)
    summary = tq.preprocess(root / "events.csv", root / "hdf", root / "work", controls=root / "controls.csv",
                            workers=0, progress=False, **common)
    tq.run_rst(root / "work", min_count=1)   # one reference year per group in this tiny study
    return root, summary


def test_preprocess_returns_its_summary_and_a_dry_run_writes_nothing(study, tmp_path):
    root, summary = study
    assert summary.targets == 5 * 2 and summary.images == summary.targets + summary.references
    assert summary.manifest_rows == summary.images and summary.failure_rows == 0
    dry = tq.preprocess(root / "events.csv", root / "hdf", tmp_path / "w", controls=root / "controls.csv",
                        days_before=2, reference_years=range(2008, 2011), size=16, dry_run=True)
    assert dry.dry_run and dry.images == summary.images and not (tmp_path / "w").exists()


def test_workdir_dataset_holds_the_images_in_kelvin_with_their_r_maps(study, tmp_path):
    root, _ = study
    work = tq.open_workdir(root / "work")
    ds = work.to_xarray()
    assert dict(ds.sizes) == {"site": 5, "time": len({r["date"] for r in work.manifest if r["role"] == "target"}),
                              "y": 16, "x": 16}
    assert set(ds.data_vars) >= {"lst", "mask", "retira", "n_reference", "label"}
    assert ds["lst"].attrs["units"] == "K" and ds["lon"].attrs["units"] == "degrees_east"
    row = next(r for r in work.manifest if r["role"] == "target")
    image = tq.read_epicentre_image(root / "work" / row["path"])
    got = ds["lst"].sel(site=row["site"], time=np.datetime64(row["date"])).values
    np.testing.assert_allclose(got, image.celsius + 273.15, rtol=0, atol=1e-4)
    assert np.array_equal(ds["mask"].sel(site=row["site"], time=np.datetime64(row["date"])).values == 1,
                          np.isfinite(image.celsius))
    np.testing.assert_allclose(ds["lon"].sel(site=row["site"]).mean(), image.grid.lon, atol=1e-6)
    assert sorted(ds["label"].values.tolist()) == [0, 0, 0, 1, 1]
    r = tq.read_epicentre_image(work.retira_maps(row["site"])[0])
    first = ds["retira"].sel(site=row["site"], time=np.datetime64(r.date.isoformat())).values
    assert np.isfinite(r.celsius).any()
    np.testing.assert_array_equal(first, r.celsius)
    out = tmp_path / "images.nc"
    ds.to_netcdf(out, engine="h5netcdf")
    import xarray as xr

    with xr.open_dataset(out, engine="h5netcdf") as back:
        xr.testing.assert_allclose(back["lst"], ds["lst"])


def test_workdir_knows_its_files(study):
    root, _ = study
    work = tq.open_workdir(root / "work")
    for path in (work.metadata_file, work.manifest_file, work.samples_file, work.anomalies_file,
                 work.failures_file):
        assert path.is_file(), path
    assert len(work.retira_maps()) == len(work.images("target")) == 10
    assert work.parameters["size"] == 16 and len(work.anomalies) == 10


def test_opening_a_directory_of_the_wrong_kind_names_it(tmp_path):
    with pytest.raises(tq.errors.WorkdirError, match="manifest.csv"):
        tq.open_workdir(tmp_path)
    with pytest.raises(tq.errors.RunDirectoryError, match="config.json"):
        tq.open_run(tmp_path)
    with pytest.raises(FileNotFoundError):
        tq.open_workdir(tmp_path / "none")


def test_library_preprocess_raises_instead_of_exiting(tmp_path):
    (tmp_path / "hdf").mkdir()
    with pytest.raises(tq.errors.InputNotFoundError, match="no such events file"):
        tq.preprocess(tmp_path / "none.csv", tmp_path / "hdf", tmp_path / "work")
    (tmp_path / "events.csv").write_text(EVENTS)
    with pytest.raises(tq.errors.BadRequestError, match="size"):
        tq.preprocess(tmp_path / "events.csv", tmp_path / "hdf", tmp_path / "work", size=7)
    assert not (tmp_path / "work").exists()
