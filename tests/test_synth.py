"""Synthetic MODIS LST tiles: file structure (against the real tiles), determinism, seams,
clouds/QC, swath gaps, injected anomalies and their truth, reader round trip, runs of many
tiles (the ``synth`` command itself: tests/cli/test_synth_cmd.py)."""

from __future__ import annotations

import datetime as dt
import filecmp
import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pyhdf.V  # noqa: F401  (HDF.vgstart)
import pytest
from pyhdf.HDF import HC, HDF
from pyhdf.SD import SD, SDC

from tests.conftest import REAL_LST_TILES
from thermoquake.errors import ThermoquakeError
from thermoquake.modis.qc import qc_keep_mask
from thermoquake.modis.reader import read_lst_tile
from thermoquake.modis.sinusoidal import tile_bounds
from thermoquake.modis.structmeta import parse_struct_metadata
from thermoquake.synth import (
    SynthConfig,
    SyntheticAnomaly,
    fields,
    parse_anomaly_spec,
    read_parameters,
    synthetic_lst_kelvin,
    truth_path,
    write_synthetic_tile,
)
from thermoquake.synth.anomaly import anomaly_field
from thermoquake.synth.model import cloud_threshold
from thermoquake.synth.run import plan_run, run_synthetic_tiles
from thermoquake.synth.tilegrid import tile_coords

DATE = dt.date(2008, 5, 8)
# an anomaly centred inside h26v05 (35 N, 100 E), active 2008-05-03 .. 2008-05-07
ANOMALY = SyntheticAnomaly(
    lat=35.0,
    lon=100.0,
    amplitude_k=5.0,
    radius_km=30.0,
    onset_days=5,
    event_date=dt.date(2008, 5, 8),
)
ACTIVE_DATE = dt.date(2008, 5, 6)
SMOOTH = SynthConfig(cloud_fraction=0.0, swath_gaps=False, qc_mix=False, noise_std_k=0.0)
"""Everything observed, no pixel noise: the field itself."""
REAL_C61 = REAL_LST_TILES["terra_c61_north"]  # MOD11A1 h11v05 2021-08-15


def _sds(path: Path, name: str) -> np.ndarray:
    sd = SD(str(path), SDC.READ)
    try:
        return sd.select(name)[:]
    finally:
        sd.end()


def _global_attrs(path: Path) -> dict:
    sd = SD(str(path), SDC.READ)
    try:
        return sd.attributes()
    finally:
        sd.end()


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("synth")


@pytest.fixture(scope="module")
def aqua_tile(synth_dir) -> Path:
    """MYD11A1 h26v05 on a date the anomaly is active."""
    return write_synthetic_tile(synth_dir, "MYD11A1", 26, 5, ACTIVE_DATE, anomalies=[ANOMALY])


@pytest.fixture(scope="module")
def terra_twin(synth_dir) -> Path:
    """The synthetic twin of the real collection-6.1 tile MOD11A1 h11v05 2021-08-15."""
    return write_synthetic_tile(synth_dir, "MOD11A1", 11, 5, dt.date(2021, 8, 15))


# -- file structure --------------------------------------------------------------------------------
def test_file_name_follows_the_modis_convention_with_a_fixed_production_time(aqua_tile):
    assert aqua_tile.name == "MYD11A1.A2008127.h26v05.061.2008128000000.hdf"
    assert aqua_tile.read_bytes()[:4] == b"\x0e\x03\x13\x01"


def test_structmetadata_matches_real_tile_layout(terra_twin):
    real = _global_attrs(REAL_C61)["StructMetadata.0"]
    ours = _global_attrs(terra_twin)["StructMetadata.0"]
    assert ours == real  # same tile: the very same text, NUL padding included
    (grid,) = parse_struct_metadata(ours)
    (real_grid,) = parse_struct_metadata(real)
    assert grid == real_grid
    assert grid.grid_name == "MODIS_Grid_Daily_1km_LST" and (grid.xdim, grid.ydim) == (1200, 1200)
    assert grid.projection == "GCTP_SNSOID" and grid.sphere_radius_m == 6371007.181
    assert len(grid.data_fields) == 12


def test_structmetadata_corners_are_those_of_the_tile(aqua_tile):
    (grid,) = parse_struct_metadata(_global_attrs(aqua_tile)["StructMetadata.0"])
    west, south, east, north = tile_bounds(26, 5)
    assert grid.upper_left_m == pytest.approx((west, north), abs=1e-5)
    assert grid.lower_right_m == pytest.approx((east, south), abs=1e-5)


def test_datasets_and_their_attributes_match_the_real_tile(terra_twin):
    real, ours = SD(str(REAL_C61), SDC.READ), SD(str(terra_twin), SDC.READ)
    try:
        assert list(ours.datasets().items()) == list(
            real.datasets().items()
        )  # names, dims, types, order
        for name in real.datasets():
            assert ours.select(name).attributes(full=1) == real.select(name).attributes(full=1), (
                name
            )
            assert (
                ours.select(name).getcompress()
                == real.select(name).getcompress()
                == (SDC.COMP_DEFLATE, 1)
            )
        real_globals = list(real.attributes())
        assert list(ours.attributes())[: len(real_globals)] == real_globals
    finally:
        real.end()
        ours.end()


def test_hdfeos_vgroups_are_those_of_a_real_grid_file(aqua_tile):
    def vgroups(path):
        hdf = HDF(str(path), HC.READ)
        vgs = hdf.vgstart()
        found, ref = {}, -1
        while True:
            try:
                ref = vgs.getid(ref)
            except Exception:
                break
            vg = vgs.attach(ref)
            found[vg._name] = (vg._class, vg._nmembers)
            vg.detach()
        vgs.end()
        hdf.close()
        return found

    ours, real = vgroups(aqua_tile), vgroups(REAL_C61)
    for name in ("MODIS_Grid_Daily_1km_LST", "Data Fields", "Grid Attributes"):
        assert ours[name] == real[name]
    cdf = [name for name, (klass, _) in ours.items() if klass == "CDF0.0"]
    assert cdf == [aqua_tile.name]  # not the temporary name it was written under
    assert b".tmp-" not in aqua_tile.read_bytes()


@pytest.mark.skipif(
    shutil.which("gdalinfo") is None, reason="gdalinfo (GDAL with HDF4) not installed"
)
def test_gdal_sees_an_hdf_eos_grid_with_sinusoidal_georeferencing(aqua_tile):
    out = subprocess.run(
        ["gdalinfo", str(aqua_tile)], capture_output=True, text=True, check=True
    ).stdout
    sub = f'HDF4_EOS:EOS_GRID:"{aqua_tile}":MODIS_Grid_Daily_1km_LST:LST_Night_1km'
    assert sub in out
    info = subprocess.run(["gdalinfo", sub], capture_output=True, text=True, check=True).stdout
    assert "Sinusoidal" in info and "6371007.181" in info
    west, _, _, north = tile_bounds(26, 5)
    origin = re.search(r"Origin = \(([-0-9.]+),([-0-9.]+)\)", info)
    assert (float(origin.group(1)), float(origin.group(2))) == pytest.approx(
        (west, north), abs=1e-3
    )


def test_file_is_labelled_synthetic(aqua_tile):
    attrs = _global_attrs(aqua_tile)
    assert attrs["thermoquake_synthetic"] == "true"
    params = json.loads(attrs["thermoquake_synth_parameters"])
    assert (
        params["synthetic"] is True and params["config"]["seed"] == 0 and params["tile"] == "h26v05"
    )
    assert params["anomalies"] == [ANOMALY.to_dict()]
    core = attrs["CoreMetadata.0"]
    assert '"SYNTHETIC"' in core and "SYNTHETIC data" in core
    assert f'"{aqua_tile.name}"' in core  # LOCALGRANULEID
    assert '"MYD11A1"' in core and '"2008-05-06"' in core  # SHORTNAME, RANGEBEGINNINGDATE
    assert "SYNTHETIC" in attrs["ArchiveMetadata.0"]
    assert "SYNTHETIC" in attrs["identifier_product_doi"]
    assert read_lst_tile(aqua_tile).synthetic is True
    assert read_parameters(aqua_tile) == params
    assert read_parameters(REAL_C61) is None


# -- determinism and continuity --------------------------------------------------------------------
def test_same_seed_gives_identical_tiles(tmp_path, aqua_tile):
    again = write_synthetic_tile(tmp_path, "MYD11A1", 26, 5, ACTIVE_DATE, anomalies=[ANOMALY])
    for name in (
        "LST_Night_1km",
        "QC_Night",
        "LST_Day_1km",
        "QC_Day",
        "Night_view_time",
        "Emis_31",
    ):
        assert np.array_equal(_sds(again, name), _sds(aqua_tile, name)), name
    assert _global_attrs(again) == _global_attrs(aqua_tile)
    # rewritten into the same directory, the file is byte-identical
    keep = tmp_path / "first.bin"
    shutil.copy(again, keep)
    assert filecmp.cmp(
        write_synthetic_tile(tmp_path, "MYD11A1", 26, 5, ACTIVE_DATE, anomalies=[ANOMALY]),
        keep,
        shallow=False,
    )


def test_tiles_do_not_depend_on_what_was_computed_before():
    first = synthetic_lst_kelvin("MYD11A1", 20, 8, DATE)
    synthetic_lst_kelvin("MOD11A1", 21, 8, DATE + dt.timedelta(days=3), SynthConfig(seed=9))
    second = synthetic_lst_kelvin("MYD11A1", 20, 8, DATE)
    assert np.array_equal(first[0], second[0], equal_nan=True) and np.array_equal(
        first[1], second[1]
    )


def test_another_seed_gives_another_world():
    a, _ = synthetic_lst_kelvin("MYD11A1", 20, 8, DATE, SMOOTH)
    b, _ = synthetic_lst_kelvin(
        "MYD11A1",
        20,
        8,
        DATE,
        SynthConfig(seed=1, cloud_fraction=0.0, swath_gaps=False, qc_mix=False, noise_std_k=0.0),
    )
    assert np.nanmean(np.abs(a - b)) > 1.0


def _seam_ratio(edge_a: np.ndarray, edge_b: np.ndarray, inner_a: np.ndarray) -> float:
    """Mean jump across a seam over the mean step between the last two inner rows/columns."""
    return float(np.nanmean(np.abs(edge_a - edge_b)) / np.nanmean(np.abs(inner_a - edge_a)))


def test_fields_are_continuous_across_tile_seam():
    date = DATE
    nw, _ = synthetic_lst_kelvin("MYD11A1", 26, 5, date, SMOOTH)
    ne, _ = synthetic_lst_kelvin("MYD11A1", 27, 5, date, SMOOTH)
    sw, _ = synthetic_lst_kelvin("MYD11A1", 26, 6, date, SMOOTH)
    se, _ = synthetic_lst_kelvin("MYD11A1", 27, 6, date, SMOOTH)
    # a jump across a seam is no bigger than a step between neighbouring pixels inside a tile
    assert _seam_ratio(nw[:, -1], ne[:, 0], nw[:, -2]) < 2.0  # vertical seam
    assert _seam_ratio(nw[-1, :], sw[0, :], nw[-2, :]) < 2.0  # horizontal seam
    assert _seam_ratio(sw[:, -1], se[:, 0], sw[:, -2]) < 2.0
    # the 2 x 2 pixels at the four-tile corner spread no more than 2 x 2 blocks inside a tile do
    corner = np.array([nw[-1, -1], ne[-1, 0], sw[0, -1], se[0, 0]])
    blocks = np.ptp(np.stack([nw[:-1, :-1], nw[1:, :-1], nw[:-1, 1:], nw[1:, 1:]]), axis=0)
    assert np.ptp(corner) <= np.percentile(blocks, 99)


def test_random_tile_fields_would_fail_the_seam_check():
    """The seam check above has teeth: two unrelated worlds side by side jump by kelvins."""
    a, _ = synthetic_lst_kelvin("MYD11A1", 26, 5, DATE, SMOOTH)
    other = SynthConfig(seed=5, cloud_fraction=0.0, swath_gaps=False, qc_mix=False, noise_std_k=0.0)
    b, _ = synthetic_lst_kelvin("MYD11A1", 27, 5, DATE, other)
    assert _seam_ratio(a[:, -1], b[:, 0], a[:, -2]) > 5.0


def test_fields_are_continuous_across_the_antimeridian():
    east, _ = synthetic_lst_kelvin("MYD11A1", 35, 8, DATE, SMOOTH)
    west, _ = synthetic_lst_kelvin("MYD11A1", 0, 8, DATE, SMOOTH)
    on_e, on_w = tile_coords(35, 8).on_globe, tile_coords(0, 8).on_globe
    jumps, steps = [], []
    for row in range(0, 1200, 10):
        last_e = np.nonzero(on_e[row])[0].max()
        first_w = np.nonzero(on_w[row])[0].min()
        jumps.append(abs(east[row, last_e] - west[row, first_w]))
        steps.append(abs(east[row, last_e] - east[row, last_e - 1]))
    assert np.mean(jumps) < 3 * np.mean(steps) + 0.05


# -- climatology, terrain, weather -----------------------------------------------------------------
def test_climatology_is_warm_at_the_equator_and_seasons_are_reversed_in_the_south():
    jul, jan = dt.date(2010, 7, 19), dt.date(2010, 1, 17)
    lat = np.array([0.0, 35.0, -35.0])
    k_jul = fields.night_climatology_k(lat, jul, "MOD11A1")
    k_jan = fields.night_climatology_k(lat, jan, "MOD11A1")
    assert 295 < k_jul[0] < 302
    assert k_jul[1] > k_jan[1] + 10 and k_jan[2] > k_jul[2] + 10
    assert 265 < k_jan[1] < 280 and 285 < k_jul[1] < 300
    aqua = fields.night_climatology_k(lat, jul, "MYD11A1")
    assert np.all(aqua < k_jul)  # 01:30 is colder than 22:00


def test_lst_follows_climatology_minus_lapse_rate_times_elevation():
    config = SynthConfig(
        cloud_fraction=0.0, swath_gaps=False, qc_mix=False, noise_std_k=0.0, weather_std_k=0.0
    )
    lst, _ = synthetic_lst_kelvin("MYD11A1", 26, 5, DATE, config)
    clim = fields.night_climatology_k(tile_coords(26, 5).lat_deg, DATE, "MYD11A1")
    elev = fields.terrain_km(0, 26, 5, 5.0)
    assert 0.0 <= elev.min() and elev.max() <= 5.0 and np.percentile(elev, 99) > 2.0
    expected = clim[:, None] - 6.5 * elev
    assert np.nanmax(np.abs(lst - expected)) < 0.011 + 1e-4 * 300  # DN quantum and float32


def test_weather_is_correlated_from_day_to_day_and_decorrelates_later():
    t0 = fields.observation_time("MYD11A1", fields.NIGHT, DATE)
    w = [fields.weather_index(0, 26, 5, t0 + lag)[::8, ::8].ravel() for lag in (0, 1, 10)]
    assert np.corrcoef(w[0], w[1])[0, 1] > 0.75
    assert abs(np.corrcoef(w[0], w[2])[0, 1]) < 0.5


def test_cloud_fraction_is_about_the_configured_fraction():
    fractions = []
    threshold = cloud_threshold(0.3)
    flat = np.full((1200, 1200), 0.5, dtype=np.float32)
    for i, (h, v) in enumerate([(26, 5), (11, 5), (20, 8), (14, 9), (3, 3), (30, 12)]):
        for day in (0, 9, 23):
            cloud = fields.cloud_index(0, h, v, 7000.3 + day + 5 * i, flat)
            fractions.append(float((cloud[::4, ::4] >= threshold).mean()))
    assert 0.2 < np.mean(fractions) < 0.4


# -- clouds, QC, swath gaps ------------------------------------------------------------------------
def test_cloudy_pixels_have_fill_and_cloud_qc_bits(aqua_tile):
    for lst_name, qc_name in (("LST_Night_1km", "QC_Night"), ("LST_Day_1km", "QC_Day")):
        dn, qc = _sds(aqua_tile, lst_name), _sds(aqua_tile, qc_name)
        qa = qc & 3
        assert set(np.unique(qc).tolist()) <= {
            0,
            2,
            3,
            17,
            65,
            81,
            129,
            145,
        }  # the bytes real tiles hold
        assert (qc[qa == 2] == 2).all() and (qc[qa == 3] == 3).all()
        assert 0.05 < (qa == 2).mean() < 0.95
        assert (dn[qa >= 2] == 0).all()
        assert (dn[qa <= 1] >= 7500).all()


def test_qc_mix_makes_the_three_policies_differ(aqua_tile):
    qc = _sds(aqua_tile, "QC_Night")
    kept = {p: int(qc_keep_mask(qc, p).sum()) for p in ("strict", "paper", "all")}
    assert kept["strict"] < kept["paper"] < kept["all"]
    assert kept["strict"] > 0.5 * kept["all"]  # most produced pixels are good
    values = set(np.unique(qc).tolist())
    assert {0, 17, 65, 129} <= values


def test_without_qc_mix_every_produced_pixel_is_good():
    _, qc = synthetic_lst_kelvin("MYD11A1", 26, 5, DATE, SynthConfig(qc_mix=False))
    assert set(np.unique(qc).tolist()) <= {0, 2, 3}


def test_cloud_fraction_zero_and_one():
    lst, qc = synthetic_lst_kelvin("MYD11A1", 26, 5, DATE, SynthConfig(cloud_fraction=0.0))
    assert not ((qc & 3) == 2).any() and np.isfinite(lst).all()
    lst, qc = synthetic_lst_kelvin("MYD11A1", 26, 5, DATE, SynthConfig(cloud_fraction=1.0))
    assert ((qc & 3) == 2).all() and np.isnan(lst).all()


def test_swath_gaps_are_diagonal_stripes_at_low_latitudes_only():
    config = SynthConfig(cloud_fraction=0.0)
    found = []
    for day in range(3):  # gaps move from day to day; some day has one in this 10-degree-wide tile
        _, qc = synthetic_lst_kelvin("MYD11A1", 20, 8, DATE + dt.timedelta(days=day), config)
        found.append(qc == 3)
    assert any(g.mean() > 0.05 for g in found)
    assert not np.array_equal(found[0], found[1])
    gap = next(g for g in found if g.mean() > 0.05)
    cols = [np.nonzero(gap[r])[0].mean() for r in (0, 1199) if gap[r].any()]
    assert len(cols) < 2 or abs(cols[0] - cols[1]) > 20  # the stripe is slanted
    _, qc = synthetic_lst_kelvin("MYD11A1", 20, 4, DATE, config)  # 40-50 N: orbits overlap
    assert not (qc == 3).any()
    _, qc = synthetic_lst_kelvin(
        "MYD11A1", 20, 8, DATE, SynthConfig(cloud_fraction=0.0, swath_gaps=False)
    )
    assert not (qc == 3).any()


def test_pixels_off_the_globe_are_fill():
    lst, qc = synthetic_lst_kelvin(
        "MYD11A1", 0, 8, DATE, SynthConfig(cloud_fraction=0.0, swath_gaps=False)
    )
    off = ~tile_coords(0, 8).on_globe
    assert off.sum() > 1000
    assert np.isnan(lst[off]).all() and (qc[off] == 3).all()
    assert np.isfinite(lst[~off]).all()


# -- anomalies and truth ---------------------------------------------------------------------------
def test_injected_anomaly_warms_the_epicentre_by_its_amplitude():
    config = SynthConfig(cloud_fraction=0.0)
    base, _ = synthetic_lst_kelvin("MYD11A1", 26, 5, ACTIVE_DATE, config)
    warm, _ = synthetic_lst_kelvin("MYD11A1", 26, 5, ACTIVE_DATE, config, [ANOMALY])
    diff = warm - base
    _, truth = anomaly_field([ANOMALY], 26, 5, ACTIVE_DATE)
    row, col = truth[0]["centre_pixel"]
    assert diff[row, col] == pytest.approx(ANOMALY.amplitude_k, abs=0.03)
    assert np.nanmax(diff) == pytest.approx(ANOMALY.amplitude_k, abs=0.03)
    # nothing beyond 3 radii: rows more than 3 radii (in latitude) from the centre are untouched
    lat = tile_coords(26, 5).lat_deg
    far = np.abs(lat - ANOMALY.lat) > math.degrees(3 * ANOMALY.radius_km / 6371.007181) + 0.01
    assert np.nanmax(np.abs(diff[far])) == 0.0
    # everywhere the warming is amplitude x exp(-(d / radius)^2), d the great-circle distance
    coords = tile_coords(26, 5)
    lat1, lon1 = np.radians(coords.lat_deg)[:, None], np.radians(coords.lon_deg)
    lat0, lon0 = math.radians(ANOMALY.lat), math.radians(ANOMALY.lon)
    cos_d = np.sin(lat1) * math.sin(lat0) + np.cos(lat1) * math.cos(lat0) * np.cos(lon1 - lon0)
    d_km = 6371.007181 * np.arccos(np.clip(cos_d, -1, 1))
    near = d_km < 2.5 * ANOMALY.radius_km
    want = ANOMALY.amplitude_k * np.exp(-((d_km / ANOMALY.radius_km) ** 2))
    assert near.sum() > 5000
    assert np.max(np.abs(diff[near] - want[near])) < 0.03


@pytest.mark.parametrize(
    "date, active",
    [
        (dt.date(2008, 5, 2), False),
        (dt.date(2008, 5, 3), True),
        (dt.date(2008, 5, 7), True),
        (dt.date(2008, 5, 8), False),
    ],
)
def test_anomaly_is_present_from_onset_to_the_day_before_the_event(date, active):
    assert ANOMALY.is_active(date) is active
    field, truth = anomaly_field([ANOMALY], 26, 5, date)
    assert (field is not None) is active
    assert truth[0]["active"] is active
    assert truth[0]["centre_amplitude_k"] == (5.0 if active else 0.0)


def test_truth_sidecar_lists_the_anomalies_that_reach_the_tile(synth_dir, aqua_tile):
    truth = json.loads(truth_path(aqua_tile).read_text())
    assert truth["synthetic"] is True and truth["file"] == aqua_tile.name
    (entry,) = truth["anomalies"]
    assert entry["lat"] == 35.0 and entry["event_date"] == "2008-05-08"
    assert entry["active"] is True and entry["centre_amplitude_k"] == 5.0
    assert entry["max_in_tile_k"] == pytest.approx(5.0, abs=0.01)
    assert entry["centre_pixel"] is not None
    assert "exp" in truth["anomaly_rule"]
    assert truth_path(aqua_tile).read_text() == json.dumps(truth, sort_keys=True, indent=2) + "\n"
    # a tile the footprint does not reach lists nothing
    _, none = anomaly_field([ANOMALY], 27, 6, ACTIVE_DATE)
    assert none == []


def test_anomaly_spec_parsing():
    a = parse_anomaly_spec("31.0, 103.4, 4, 40, 7, 2008-05-12")
    assert a == SyntheticAnomaly(31.0, 103.4, 4.0, 40.0, 7, dt.date(2008, 5, 12))
    for bad in (
        "1,2,3",
        "x,1,1,1,1,2008-01-01",
        "1,1,1,0,1,2008-01-01",
        "1,1,1,1,0,2008-01-01",
        "95,1,1,1,1,2008-01-01",
        "1,1,1,1,1,2008-02-30",
    ):
        with pytest.raises(ThermoquakeError):
            parse_anomaly_spec(bad)


# -- reader round trip -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "layer, policy",
    [("LST_Night_1km", "paper"), ("LST_Night_1km", "strict"), ("LST_Day_1km", "all")],
)
def test_reader_gives_the_synthetic_kelvin_minus_273_15_where_qc_passes(aqua_tile, layer, policy):
    kelvin, qc = synthetic_lst_kelvin(
        "MYD11A1", 26, 5, ACTIVE_DATE, anomalies=[ANOMALY], layer=layer
    )
    assert np.array_equal(qc, _sds(aqua_tile, "QC_Night" if layer == "LST_Night_1km" else "QC_Day"))
    got = read_lst_tile(aqua_tile, layer, policy).celsius
    keep = qc_keep_mask(qc, policy) & np.isfinite(kelvin)
    assert keep.sum() > 10_000
    assert np.array_equal(np.isfinite(got), keep)
    assert np.array_equal(got[keep], kelvin[keep] - np.float32(273.15))


def test_night_is_colder_than_day(aqua_tile):
    night = read_lst_tile(aqua_tile, "LST_Night_1km").celsius
    day = read_lst_tile(aqua_tile, "LST_Day_1km").celsius
    both = np.isfinite(night) & np.isfinite(day)
    assert np.mean(day[both] - night[both]) > 8


def test_bad_requests_are_thermoquake_errors(tmp_path):
    with pytest.raises(ThermoquakeError, match="product"):
        write_synthetic_tile(tmp_path, "MOD13A2", 1, 1, DATE)
    with pytest.raises(ThermoquakeError, match="outside"):
        write_synthetic_tile(tmp_path, "MYD11A1", 36, 1, DATE)
    with pytest.raises(ThermoquakeError, match="collection"):
        write_synthetic_tile(tmp_path, "MYD11A1", 1, 1, DATE, collection="61")
    with pytest.raises(ThermoquakeError, match="cloud fraction"):
        SynthConfig(cloud_fraction=1.5)
    assert list(tmp_path.iterdir()) == []


# -- many tiles and the run manifest (``thermoquake synth tiles``) ---------------------------------
def _counts(plan) -> dict[str, int]:
    return {action: sum(p.action == action for p in plan) for action in ("write", "replace", "skip")}


def test_run_writes_tiles_truth_and_a_run_manifest_and_resumes(tmp_path):
    dates = [dt.date(2008, 5, 6), dt.date(2008, 5, 7)]
    anomalies = [parse_anomaly_spec("35.0,100.0,5,30,5,2008-05-08")]
    plan, manifest_path = run_synthetic_tiles(tmp_path, "MYD11A1", [(26, 5)], dates, anomalies=anomalies)
    assert _counts(plan) == {"write": 2, "replace": 0, "skip": 0}
    assert manifest_path == tmp_path / "synth_run.json"
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "MYD11A1.A2008127.h26v05.061.2008128000000.hdf",
        "MYD11A1.A2008127.h26v05.061.2008128000000.truth.json",
        "MYD11A1.A2008128.h26v05.061.2008129000000.hdf",
        "MYD11A1.A2008128.h26v05.061.2008129000000.truth.json",
        "synth_run.json",
    ]
    manifest_text = manifest_path.read_text()
    manifest = json.loads(manifest_text)
    assert manifest["synthetic"] is True and manifest["tiles"] == ["h26v05"]
    assert manifest["dates"] == ["2008-05-06", "2008-05-07"] and len(manifest["files"]) == 2
    assert manifest["anomalies"][0]["amplitude_k"] == 5.0

    mtimes = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.hdf")}
    again, _ = run_synthetic_tiles(tmp_path, "MYD11A1", [(26, 5)], dates, anomalies=anomalies)
    assert _counts(again) == {"write": 0, "replace": 0, "skip": 2}
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.hdf")} == mtimes
    assert (tmp_path / "synth_run.json").read_text() == manifest_text

    # a file lost (or its truth) is made again; a new seed replaces the other world's files
    truth_path(tmp_path / names[0]).unlink()
    lost, _ = run_synthetic_tiles(tmp_path, "MYD11A1", [(26, 5)], dates, anomalies=anomalies)
    assert _counts(lost) == {"write": 0, "replace": 1, "skip": 1}
    reseeded, _ = run_synthetic_tiles(tmp_path, "MYD11A1", [(26, 5)], dates[:1], anomalies=anomalies,
                                      config=SynthConfig(seed=3))
    assert _counts(reseeded) == {"write": 0, "replace": 1, "skip": 0}
    assert read_parameters(tmp_path / names[0])["config"]["seed"] == 3


def test_plan_of_the_epicentre_box_tiles_writes_nothing(tmp_path):
    from thermoquake.image.grid import EpicentreGrid

    plan = plan_run(tmp_path, "MYD11A1", EpicentreGrid(lat=31.0, lon=103.4, size=256).tiles(), [DATE],
                    config=SynthConfig())
    assert sorted(p.tile for p in plan) == ["h26v05", "h26v06", "h27v05", "h27v06"]
    assert {p.action for p in plan} == {"write"} and list(tmp_path.iterdir()) == []


def test_run_refuses_to_overwrite_a_file_that_is_not_synthetic(tmp_path):
    target = tmp_path / "MOD11A1.A2021227.h11v05.061.2021228000000.hdf"
    shutil.copy(REAL_C61, target)
    with pytest.raises(ThermoquakeError, match="not a thermoquake synthetic tile") as err:
        run_synthetic_tiles(tmp_path, "MOD11A1", [(11, 5)], [dt.date(2021, 8, 15)])
    assert len(str(err.value).splitlines()) == 1
    assert filecmp.cmp(target, REAL_C61, shallow=False)


def test_run_settings_reach_the_files(tmp_path):
    config = SynthConfig(seed=4, cloud_fraction=0.5, swath_gaps=False, qc_mix=False)
    plan, _ = run_synthetic_tiles(tmp_path, "MOD11A1", [(26, 5)], [DATE], config=config, collection="006")
    (path,) = tmp_path.glob("*.hdf")
    assert [p.path for p in plan] == [path]
    assert path.name == "MOD11A1.A2008129.h26v05.006.2008130000000.hdf"
    saved = read_parameters(path)["config"]
    assert saved["seed"] == 4 and saved["cloud_fraction"] == 0.5
    assert saved["swath_gaps"] is False and saved["qc_mix"] is False
    assert set(np.unique(_sds(path, "QC_Night")).tolist()) <= {0, 2, 3}
