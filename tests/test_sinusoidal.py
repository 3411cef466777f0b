"""The sinusoidal grid: one CRS, known points, tiles of a box."""

from __future__ import annotations

import re

import numpy as np
import pytest
from pyhdf.SD import SD
from rasterio.warp import transform as rio_transform

from tests.conftest import REAL_LST_TILES
from thermoquake.image.grid import EpicentreGrid
from thermoquake.modis.sinusoidal import (
    lonlat_to_xy, sinusoidal_crs, tile_bounds, tile_index, tile_transform, xy_to_lonlat,
)


def _gring(path):
    sd = SD(str(path))
    core = sd.attributes()["CoreMetadata.0"]
    sd.end()
    grab = lambda key: [float(v) for v in re.search(  # noqa: E731
        rf"OBJECT\s*=\s*{key}.*?VALUE\s*=\s*\(([^)]*)\)", core, re.S).group(1).split(",")]
    return grab("GRINGPOINTLONGITUDE"), grab("GRINGPOINTLATITUDE")


@pytest.mark.parametrize("name", sorted(REAL_LST_TILES))
def test_nasa_gring_corners_sit_on_the_corners_of_their_tile(name):
    # NASA's CoreMetadata lists the four corners (UL, UR, LR, LL) of the granule's bounding
    # polygon: latitudes of the first/last pixel-row centres, longitudes of the tile edges with
    # at most a pixel of margin. Our mapping must put them on the corners of the named tile.
    path = REAL_LST_TILES[name]
    h, v = (int(s) for s in re.search(r"h(\d\d)v(\d\d)", path.name).groups())
    lons, lats = _gring(path)
    x, y = lonlat_to_xy(np.array(lons), np.array(lats))
    assert list(tile_index(x, y)[1]) == [v] * 4
    col, row = ~tile_transform(h, v) @ (x, y)
    assert np.floor(row).astype(int).tolist() == [0, 0, 1199, 1199]
    assert np.allclose(col, [0, 1200, 1200, 0], atol=1.5)


@pytest.mark.parametrize("name", sorted(REAL_LST_TILES))
def test_tile_bounds_equal_the_corners_in_real_structmetadata(name):
    path = REAL_LST_TILES[name]
    h, v = (int(s) for s in re.search(r"h(\d\d)v(\d\d)", path.name).groups())
    sd = SD(str(path))
    meta = sd.attributes()["StructMetadata.0"]
    sd.end()
    ul = [float(t) for t in re.search(r"UpperLeftPointMtrs=\(([^)]*)\)", meta).group(1).split(",")]
    lr = [float(t) for t in re.search(r"LowerRightMtrs=\(([^)]*)\)", meta).group(1).split(",")]
    west, south, east, north = tile_bounds(h, v)
    assert np.allclose([west, north, east, south], ul + lr, atol=0.01)


def test_forward_mapping_agrees_with_proj_on_the_sphere_without_datum_shift():
    lon = np.array([103.4, -100.0, 82.5, -36.0, 179.9])
    lat = np.array([31.0, 45.0, 36.1, -7.5, -60.0])
    x, y = lonlat_to_xy(lon, lat)
    px, py = rio_transform("EPSG:4326", sinusoidal_crs(), lon, lat)
    assert np.allclose(x, px, atol=1e-3) and np.allclose(y, py, atol=1e-3)
    back_lon, back_lat = xy_to_lonlat(x, y)
    assert np.allclose(back_lon, lon) and np.allclose(back_lat, lat)


def test_wenchuan_box_needs_the_four_tiles_around_the_h26_h27_seam():
    assert EpicentreGrid(31.0, 103.4).tiles() == [(26, 5), (26, 6), (27, 5), (27, 6)]


def test_small_box_inside_one_tile_needs_one_tile():
    assert EpicentreGrid(35.0, 100.0, size=16).tiles() == [(26, 5)]


def test_box_across_the_antimeridian_needs_tiles_on_both_sides():
    grid = EpicentreGrid(-17.0, 179.8, size=64)
    tiles = grid.tiles()
    assert grid.crosses_antimeridian
    assert {h for h, _ in tiles} == {0, 35}


def test_epicentre_is_the_corner_shared_by_the_four_central_pixels():
    grid = EpicentreGrid(31.0, 103.4, size=256)
    lon, lat = grid.transform @ (128, 128)
    assert lon == pytest.approx(103.4, abs=1e-12) and lat == pytest.approx(31.0, abs=1e-12)
    assert grid.dlat == pytest.approx(1000 / 6371007.181 * 180 / np.pi, rel=1e-15)
    assert grid.dlon == pytest.approx(grid.dlat / np.cos(np.radians(31.0)), rel=1e-15)


@pytest.mark.parametrize("lat, lon, size", [(31.0, 103.4, 256), (-17.0, 179.8, 64), (0.0, 0.0, 256),
                                            (39.99, -89.9, 300), (55.0, 10.0, 2000), (-45.0, -70.0, 1500)])
def test_tile_probe_finds_exactly_the_tiles_of_all_pixel_centres(lat, lon, size):
    grid = EpicentreGrid(lat, lon, size=size)
    lons, lats = grid.pixel_centres()
    x, y = lonlat_to_xy(lons, lats)
    h, v = tile_index(x.ravel(), y.ravel())
    assert grid.tiles() == sorted(set(zip(h.tolist(), v.tolist())))
