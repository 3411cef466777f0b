"""Reading real MODIS LST tiles: scaling, QC masking, metadata, both layers."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from tests.conftest import MODIS, REAL_LST_TILES
from tests.independent import expected_celsius, raw_layers
from thermoquake.modis.reader import LstTileFile, read_lst_tile


def test_real_tiles_are_the_documented_files():
    text = (MODIS / "PROVENANCE.md").read_text()
    for path in MODIS.glob("*.hdf"):
        assert f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}" in text


@pytest.mark.parametrize("layer", ["LST_Night_1km", "LST_Day_1km"])
@pytest.mark.parametrize("policy", ["strict", "paper", "all"])
def test_real_tile_values_are_dn_times_0_02_minus_273_15_where_qc_passes(real_lst_tile, layer, policy):
    dn, qc, _, _ = raw_layers(real_lst_tile, layer)
    want = expected_celsius(dn, qc, policy)
    got = read_lst_tile(real_lst_tile, layer, policy).celsius
    assert got.dtype == np.float32 and got.shape == (1200, 1200)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.isfinite(want).sum() > 1000  # the check is not vacuous
    np.testing.assert_allclose(got[np.isfinite(got)], want[np.isfinite(want)], atol=2e-5)


def test_cloudy_pixels_become_nan_never_zero_celsius(real_lst_tile):
    dn, qc, _, _ = raw_layers(real_lst_tile, "LST_Night_1km")
    cloudy = (qc & 3) == 2
    assert cloudy.sum() > 1000
    for policy in ("strict", "paper", "all"):
        got = read_lst_tile(real_lst_tile, "LST_Night_1km", policy).celsius
        assert np.isnan(got[cloudy]).all()
        assert not (got == 0).any()


def test_qc_policies_nest_and_differ_on_real_data(real_lst_tile):
    valid = {p: np.isfinite(read_lst_tile(real_lst_tile, qc_policy=p).celsius) for p in ("strict", "paper", "all")}
    assert (valid["strict"] <= valid["paper"]).all() and (valid["paper"] <= valid["all"]).all()
    assert valid["strict"].sum() < valid["paper"].sum()


def test_night_is_colder_than_day_on_average_where_both_are_valid(real_lst_tile):
    night = read_lst_tile(real_lst_tile, "LST_Night_1km").celsius
    day = read_lst_tile(real_lst_tile, "LST_Day_1km").celsius
    both = np.isfinite(night) & np.isfinite(day)
    assert both.sum() > 100
    assert np.nanmean(day[both]) > np.nanmean(night[both]) + 3


def test_tile_metadata_agrees_with_its_name():
    with LstTileFile(REAL_LST_TILES["terra_c6_south"]) as tile:
        assert (tile.granule.product, tile.granule.tile, tile.granule.collection) == ("MOD11A1", "h14v09", "006")
        assert tile.granule.date.isoformat() == "2019-11-01"
        assert tile.grid.grid_name == "MODIS_Grid_Daily_1km_LST"
        assert tile.grid.pixel_width_m == pytest.approx(926.625433, abs=1e-5)
        assert not tile.synthetic


def test_window_read_equals_the_same_part_of_a_full_read(real_lst_tile):
    from rasterio.windows import Window

    full = read_lst_tile(real_lst_tile).celsius
    with LstTileFile(real_lst_tile) as tile:
        part = tile.read("paper", Window(col_off=100, row_off=700, width=300, height=200))
    np.testing.assert_array_equal(part.celsius, full[700:900, 100:400])
    assert part.transform.c == pytest.approx(tile.transform.c + 100 * tile.grid.pixel_width_m)
