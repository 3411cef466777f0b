"""Epicentre crops of real tiles, checked pixel by pixel against an independent
computation of the sinusoidal mapping (tests/independent.py), and the GeoTIFF contract."""

from __future__ import annotations

import math

import numpy as np
import pytest
import rasterio

from tests.conftest import REAL_LST_TILES
from tests.independent import R, expected_celsius, expected_crop, raw_layers
from thermoquake.image.crop import crop_epicentre
from thermoquake.image.geotiff import write_epicentre_geotiff

CENTRES = {  # (lat, lon) where each real tile has clear-sky pixels; the last one is at a tile edge
    "aqua_c6_north": [(28.93, -95.43)],
    "terra_c61_north": [(39.37, -89.75)],
    "terra_c6_south": [(-6.88, -37.14), (-4.38, -39.49)],
}
CASES = [(name, centre) for name, centres in CENTRES.items() for centre in centres]


@pytest.mark.parametrize("layer", ["LST_Night_1km", "LST_Day_1km"])
@pytest.mark.parametrize("name, centre", CASES)
def test_crop_equals_independent_sinusoidal_nearest_neighbour(name, centre, layer):
    path = REAL_LST_TILES[name]
    dn, qc, ul, pix = raw_layers(path, layer)
    want, clear = expected_crop([(expected_celsius(dn, qc, "paper"), ul, pix)], *centre, 256)
    got = crop_epicentre([path], *centre, size=256, layer=layer, qc_policy="paper").celsius
    assert got.shape == (256, 256) and got.dtype == np.float32
    compared = clear & np.isfinite(want)
    assert compared.sum() > 300, "too few clear-sky pixels for a meaningful check"
    assert clear.mean() > 0.99
    assert np.array_equal(np.isnan(got[clear]), np.isnan(want[clear]))
    np.testing.assert_allclose(got[compared], want[compared], atol=2e-5)


def test_crop_at_a_tile_edge_names_the_missing_neighbour_and_leaves_it_nan():
    image = crop_epicentre([REAL_LST_TILES["terra_c6_south"]], -4.38, -39.49)
    assert image.missing_tiles == ("h13v09",)
    west_columns = image.celsius[:, :20]
    assert np.isnan(west_columns).all()
    assert np.isfinite(image.celsius).sum() > 1000


def test_geotiff_follows_the_epicentre_image_contract(tmp_path):
    lat, lon, size = -6.88, -37.14, 256
    image = crop_epicentre([REAL_LST_TILES["terra_c6_south"]], lat, lon, size=size)
    out = write_epicentre_geotiff(tmp_path / "wenchuan.tif", image)
    dlat = (1000 / R) * 180 / math.pi
    dlon = dlat / math.cos(math.radians(lat))
    with rasterio.open(out) as ds:
        assert (ds.count, ds.width, ds.height, ds.dtypes[0]) == (1, size, size, "float32")
        assert ds.crs.to_epsg() == 4326
        assert math.isnan(ds.nodata)
        t = ds.transform
        assert t.a == pytest.approx(dlon, rel=1e-12) and t.e == pytest.approx(-dlat, rel=1e-12)
        assert t.c == pytest.approx(lon - size / 2 * dlon, abs=1e-12)
        assert t.f == pytest.approx(lat + size / 2 * dlat, abs=1e-12)
        tags = ds.tags()
        band = ds.read(1)
    assert tags["product"] == "MOD11A1" and tags["layer"] == "LST_Night_1km"
    assert tags["date"] == "2019-11-01" and tags["qc_policy"] == "paper"
    assert tags["source_files"] == REAL_LST_TILES["terra_c6_south"].name
    assert tags["synthetic"] == "false" and tags["units"] == "degC"
    np.testing.assert_array_equal(band, image.celsius)
    assert not list(tmp_path.glob(".*tmp-*"))
