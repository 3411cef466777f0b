"""The closed-form ("direct") resampling and rasterio's reproject ("gdal") give the same image."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tests.conftest import REAL_LST_TILES
from tests.test_crop_real import CASES
from thermoquake.errors import BadRequestError
from thermoquake.image.crop import crop_epicentre
from thermoquake.image.grid import EpicentreGrid
from thermoquake.synth import SynthConfig, write_synthetic_tile


@pytest.mark.parametrize("layer", ["LST_Night_1km", "LST_Day_1km"])
@pytest.mark.parametrize("name, centre", CASES)
def test_engines_agree_on_real_tiles(name, centre, layer):
    path = REAL_LST_TILES[name]
    direct = crop_epicentre([path], *centre, layer=layer, engine="direct").celsius
    gdal = crop_epicentre([path], *centre, layer=layer, engine="gdal").celsius
    assert np.isfinite(direct).sum() > 300
    np.testing.assert_array_equal(direct, gdal)


@pytest.mark.parametrize("lat, lon", [(30.0, 102.37), (-17.0, 179.8), (-16.5, -179.7), (45.3, 0.4)])
def test_engines_agree_on_synthetic_mosaics_and_across_the_antimeridian(tmp_path, lat, lon):
    config = SynthConfig(seed=11, cloud_fraction=0.3)
    paths = [write_synthetic_tile(tmp_path, "MYD11A1", h, v, dt.date(2010, 1, 5), config=config)
             for h, v in EpicentreGrid(lat, lon, 128).tiles()]
    direct = crop_epicentre(paths, lat, lon, size=128, engine="direct").celsius
    gdal = crop_epicentre(paths, lat, lon, size=128, engine="gdal").celsius
    assert np.isfinite(direct).sum() > 1000  # clouds and swath gaps leave less at low latitude
    np.testing.assert_array_equal(direct, gdal)


def test_unknown_engine_is_refused_before_any_tile_is_read(tmp_path):
    with pytest.raises(BadRequestError, match="unknown engine 'fast'; choose one of direct, gdal"):
        crop_epicentre([tmp_path / "no-such-tile.hdf"], -6.88, -37.14, engine="fast")
