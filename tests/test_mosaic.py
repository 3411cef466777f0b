"""Mosaics across a tile seam, a four-tile corner and the antimeridian, on SYNTHETIC tiles,
checked pixel by pixel against the independent sinusoidal mapping."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tests.independent import expected_celsius, expected_crop, raw_layers
from thermoquake.image.crop import crop_epicentre
from thermoquake.image.grid import EpicentreGrid
from thermoquake.synth import SynthConfig, write_synthetic_tile

DATE = dt.date(2008, 5, 8)
CORNER = (30.0, 100.0 + 2.0)      # near the h26/h27 seam and the v05/v06 corner (30 N)
ANTIMERIDIAN = (-17.0, 179.8)


@pytest.fixture(scope="module")
def clear_config():
    return SynthConfig(seed=7, cloud_fraction=0.0, swath_gaps=False)


def _tiles_for(tmp_path_factory, name, lat, lon, size, config):
    out = tmp_path_factory.mktemp(name)
    return [write_synthetic_tile(out, "MYD11A1", h, v, DATE, config=config)
            for h, v in EpicentreGrid(lat, lon, size).tiles()]


def _independent(paths, lat, lon, size):
    tiles = []
    for p in paths:
        dn, qc, ul, pix = raw_layers(p, "LST_Night_1km")
        tiles.append((expected_celsius(dn, qc, "paper"), ul, pix))
    return expected_crop(tiles, lat, lon, size)


def _corner_box():
    # A box centred exactly on the corner shared by h26v05, h27v05, h26v06, h27v06.
    lat = 30.0
    x = -20015109.354 + 27 * 1111950.5197665233
    lon = np.degrees(x / (6371007.181 * np.cos(np.radians(lat))))
    return lat, float(lon)


def test_four_tile_corner_box_is_one_seamless_image(tmp_path_factory, clear_config):
    lat, lon = _corner_box()
    grid = EpicentreGrid(lat, lon, 256)
    assert grid.tiles() == [(26, 5), (26, 6), (27, 5), (27, 6)]
    paths = _tiles_for(tmp_path_factory, "corner", lat, lon, 256, clear_config)
    image = crop_epicentre(paths, lat, lon)
    want, clear = _independent(paths, lat, lon, 256)
    assert image.missing_tiles == () and len(image.sources) == 4 and image.synthetic
    assert np.isfinite(want).mean() > 0.95
    assert np.array_equal(np.isnan(image.celsius[clear]), np.isnan(want[clear]))
    np.testing.assert_allclose(image.celsius[clear & np.isfinite(want)], want[clear & np.isfinite(want)], atol=2e-5)
    # each quadrant comes from a different tile, and the field joins smoothly at the seams
    steps = np.abs(np.diff(image.celsius, axis=1))
    assert np.nanmedian(steps[:, 127]) < 3 * np.nanmedian(steps) + 0.5


def test_seam_box_with_one_tile_missing_is_nan_on_that_side(tmp_path_factory, clear_config):
    lat, lon = _corner_box()
    paths = _tiles_for(tmp_path_factory, "seam", lat, lon, 256, clear_config)
    only_nw = [p for p in paths if ".h26v05." in p.name]
    image = crop_epicentre(only_nw, lat, lon)
    assert image.missing_tiles == ("h26v06", "h27v05", "h27v06")
    want, clear = _independent(only_nw, lat, lon, 256)
    assert np.array_equal(np.isnan(image.celsius[clear]), np.isnan(want[clear]))
    assert np.isnan(image.celsius[129:, :]).all()          # south of 30 N is v06: missing
    assert np.isnan(image.celsius[:, 129:]).mean() > 0.5    # east of the (slanted) h26/h27 seam: missing
    assert np.isfinite(image.celsius[:110, :110]).mean() > 0.95
    full = crop_epicentre(paths, lat, lon)
    nw = np.isfinite(image.celsius)
    np.testing.assert_array_equal(image.celsius[nw], full.celsius[nw])


def test_box_across_the_antimeridian_gets_a_correct_full_image(tmp_path_factory, clear_config):
    lat, lon = ANTIMERIDIAN
    grid = EpicentreGrid(lat, lon, 256)
    assert grid.crosses_antimeridian
    paths = _tiles_for(tmp_path_factory, "antimeridian", lat, lon, 256, clear_config)
    assert {"h00", "h35"} <= {p.name.split(".")[2][:3] for p in paths}
    image = crop_epicentre(paths, lat, lon)
    want, clear = _independent(paths, lat, lon, 256)
    assert np.isfinite(image.celsius).mean() > 0.95
    assert np.array_equal(np.isnan(image.celsius[clear]), np.isnan(want[clear]))
    np.testing.assert_allclose(image.celsius[clear & np.isfinite(want)], want[clear & np.isfinite(want)], atol=2e-5)
    assert image.grid.bounds[2] > 180.0


def test_fast_source_window_equals_testing_every_pixel_centre():
    from thermoquake.image.crop import _dense_source_window, source_window
    from thermoquake.modis.sinusoidal import tile_transform

    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(300):
        lat, lon = rng.uniform(-70, 70), rng.uniform(-179, 179)
        grid = EpicentreGrid(float(lat), float(lon), int(rng.choice([16, 64, 256])))
        for h, v in grid.tiles():
            t = tile_transform(h, v)
            fast = source_window(t, (1200, 1200), grid)
            dense = _dense_source_window(~t, (1200, 1200), *grid.sinusoidal_centres())
            assert fast == dense, (lat, lon, h, v)
            checked += dense is not None
    assert checked > 300
