"""Shared fixtures: the real MODIS tiles copied into tests/data/modis."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
MODIS = DATA / "modis"

REAL_LST_TILES = {
    "aqua_c6_north": MODIS / "MYD11A1.A2002185.h09v06.006.2015146150958.hdf",
    "terra_c61_north": MODIS / "MOD11A1.A2021227.h11v05.061.2021228105320.hdf",
    "terra_c6_south": MODIS / "MOD11A1.A2019305.h14v09.006.2019306084028.hdf",
}
OTHER_PRODUCT_TILE = MODIS / "MOD13A2.A2021225.h11v06.061.2021320163717.hdf"


@pytest.fixture(autouse=True)
def no_catalogue_by_default(monkeypatch):
    """`thermoquake manifest` looks granules up in NASA's catalogue unless told not to; tests never
    reach NASA: those that want the catalogue give --cmr and a local --cmr-url."""
    monkeypatch.setenv("THERMOQUAKE_CMR", "0")
    monkeypatch.delenv("THERMOQUAKE_CMR_URL", raising=False)


@pytest.fixture(params=sorted(REAL_LST_TILES))
def real_lst_tile(request) -> Path:
    """Each real LST tile in turn (Aqua/Terra, collections 6/6.1, north/south)."""
    return REAL_LST_TILES[request.param]


@pytest.fixture
def other_product_tile() -> Path:
    return OTHER_PRODUCT_TILE


# --- a tiny SYNTHETIC study: 2 events, 2 matched controls, 1 random control, 16 km boxes ---------

EVENTS = "event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n" \
         "E1,2009-05-10T01:00:00Z,35.0,103.0,10,5.5,Mw\nE2,2010-06-20T01:00:00Z,35.3,103.4,10,5.5,Mw\n"
CONTROLS = "control_id,time,latitude,longitude,mode,matched_event_id\n" \
           "C1,2008-05-10T01:00:00Z,35.0,103.0,matched,E1\nC2,2009-06-20T01:00:00Z,35.3,103.4,matched,E2\n" \
           "R1,2009-08-01T00:00:00Z,35.1,103.2,random,\n"


@pytest.fixture(scope="session")
def tiny_study(tmp_path_factory) -> Path:
    """events.csv, controls.csv, hdf/ (SYNTHETIC tiles, +3 K before events) and work/ (a
    preprocess workdir with samples.csv; 2 target days, reference years 2008-2010)."""
    import thermoquake as tq

    root = tmp_path_factory.mktemp("study")
    (root / "events.csv").write_text(EVENTS)
    (root / "controls.csv").write_text(CONTROLS)
    common = {"days_before": 2, "reference_years": range(2008, 2011), "size": 16, "progress": False}
    tq.synthetic_study(root / "events.csv", root / "hdf", controls=root / "controls.csv", anomaly_k=3.0,
                       cloud_fraction=0.1, **common)
    tq.preprocess(root / "events.csv", root / "hdf", root / "work", controls=root / "controls.csv", workers=0,
                  **common)
    return root


# --- the tiny study after rst, and one classifier trained on it (needs TensorFlow) ---------------

CATALOG = Path(__file__).parents[1] / "data_manifests" / "catalog" / "china_m5_2003_2020.csv"
TINY_TRAINING = {"window": 3, "folds": 2, "epochs": 2, "width": 0.125, "batch_size": 8}


@pytest.fixture(scope="session")
def tiny_rst_workdir(tiny_study, tmp_path_factory) -> Path:
    """A copy of tiny_study's workdir with its R maps (one reference year suffices)."""
    import shutil

    import thermoquake as tq

    work = tmp_path_factory.mktemp("train") / "work"
    shutil.copytree(tiny_study / "work", work)
    tq.run_rst(work, min_count=1)
    return work


@pytest.fixture(scope="session")
def tiny_run(tiny_rst_workdir, tmp_path_factory) -> Path:
    """A run directory: TINY_TRAINING on tiny_rst_workdir with the clustering baseline's
    catalogue, final model included."""
    import thermoquake as tq

    out = tmp_path_factory.mktemp("runs") / "w3"
    tq.train_window(tiny_rst_workdir, out, catalog=CATALOG, **TINY_TRAINING)
    return out
