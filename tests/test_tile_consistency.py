"""A tile whose compressed layers were damaged is refused in one line, never cropped into
wrong pixels: whole layers are decoded and LST, QC and the plausible range must agree."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from pyhdf.SD import SD, SDC

from tests._hdf4_blocks import compressed_block, flip_byte
from tests.conftest import REAL_LST_TILES
import thermoquake
from thermoquake.errors import InconsistentTileError, ThermoquakeError
from thermoquake.modis.consistency import lst_inconsistency
from thermoquake.modis.products import LST_PRODUCTS, PLAUSIBLE_K
from thermoquake.modis.reader import LstTileFile

QC_OF = {"LST_Night_1km": "QC_Night", "LST_Day_1km": "QC_Day"}
TILE_CENTRES = {   # (lat, lon) of each real tile's centre: a 256 km box well inside it
    "aqua_c6_north": ("25.0", "-93.787"),
    "terra_c61_north": ("35.0", "-79.350"),
    "terra_c6_south": ("-5.0", "-35.134"),
}
FLIPS_PER_LAYER = 12


def _raw(path: Path, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    sd = SD(str(path), SDC.READ)
    try:
        return {n: sd.select(n)[:] for n in names}
    finally:
        sd.end()


@pytest.mark.parametrize("layer", ["LST_Night_1km", "LST_Day_1km"])
def test_real_tiles_have_lst_exactly_where_qc_says_produced_and_only_plausible_values(real_lst_tile, layer):
    raw = _raw(real_lst_tile, (layer, QC_OF[layer]))
    dn, qc = raw[layer].astype(np.int64), raw[QC_OF[layer]].astype(np.int64)
    produced = qc % 4 <= 1                       # mandatory QA 00 or 01
    assert produced.sum() > 1000 and (~produced).sum() > 1000
    assert np.array_equal(dn != 0, produced)
    kelvin = dn[produced] * 0.02
    lo, hi = PLAUSIBLE_K[layer]
    assert lo < kelvin.min() and kelvin.max() < hi
    lst_range = SD(str(real_lst_tile), SDC.READ).select(layer).attributes()["valid_range"]
    assert lst_range[0] * 0.02 <= lo and hi < lst_range[1] * 0.02    # well inside the product's range


@pytest.mark.parametrize("layer", ["LST_Night_1km", "LST_Day_1km"])
def test_real_tiles_pass_the_consistency_check(real_lst_tile, layer):
    raw = _raw(real_lst_tile, (layer, QC_OF[layer]))
    assert lst_inconsistency(raw[layer], raw[QC_OF[layer]], layer, QC_OF[layer],
                             LST_PRODUCTS[real_lst_tile.name[:7]], (7500, 65535)) is None


def test_lst_where_qc_says_not_produced_is_named_with_both_counts():
    dn = np.full((4, 4), 14500, np.uint16)
    qc = np.zeros((4, 4), np.uint8)
    dn[0, :3] = 0           # fill where QC says produced
    qc[1, :2] = 2           # QC says cloud where LST holds a value
    problem = lst_inconsistency(dn, qc, "LST_Night_1km", "QC_Night", LST_PRODUCTS["MOD11A1"], (7500, 65535))
    assert problem == ("LST_Night_1km and QC_Night disagree (a corrupt layer?): 2 pixels hold LST where "
                       "QC_Night says not produced, 3 hold fill where it says produced")


@pytest.mark.parametrize("dn_value, shown", [(60000, "1200.00"), (7600, "152.00"), (17600, "352.00")])
def test_produced_night_value_outside_the_plausible_range_is_named(dn_value, shown):
    dn = np.full((70, 3), 14500, np.uint16)     # more rows than one block of the count
    qc = np.zeros((70, 3), np.uint8)
    dn[66, 1] = dn_value
    problem = lst_inconsistency(dn, qc, "LST_Night_1km", "QC_Night", LST_PRODUCTS["MOD11A1"], (7500, 65535))
    assert problem == (f"LST_Night_1km holds 1 values outside 160..350 K, the plausible range "
                       f"(from {shown} to {shown} K; a corrupt layer?)")


def test_day_layer_may_be_hotter_than_night_layer():
    dn = np.full((2, 2), 17600, np.uint16)      # 352 K: a hot desert afternoon
    qc = np.zeros((2, 2), np.uint8)
    product = LST_PRODUCTS["MYD11A1"]
    assert lst_inconsistency(dn, qc, "LST_Day_1km", "QC_Day", product, (7500, 65535)) is None
    assert lst_inconsistency(dn, qc, "LST_Night_1km", "QC_Night", product, (7500, 65535)) is not None


def _damaged_copies(tile: Path, sds_name: str, folder: Path) -> list[tuple[Path, str]]:
    """Copies of ``tile`` with one byte flipped inside ``sds_name``'s compressed data, at
    evenly spaced offsets; each with what the HDF library makes of the layer read whole:
    ``error``, ``wrong`` (decodes, but into other values) or ``same``."""
    offset, length = compressed_block(tile, sds_name)
    clean = _raw(tile, (sds_name,))[sds_name]
    out = []
    for i in range(FLIPS_PER_LAYER):
        at = offset + (2 * i + 1) * length // (2 * FLIPS_PER_LAYER)
        damaged = flip_byte(tile, folder / f"flip{i}" / tile.name, at)
        try:
            decoded = _raw(damaged, (sds_name,))[sds_name]
        except Exception:   # pyhdf: ValueError("SDreaddata failure") or HDF4Error
            out.append((damaged, "error"))
            continue
        out.append((damaged, "same" if np.array_equal(decoded, clean) else "wrong"))
    return out


def _crop(tile: Path, lat: str, lon: str, layer: str) -> np.ndarray:
    return thermoquake.crop_epicentre([tile], float(lat), float(lon), size=256, layer=layer).celsius


@pytest.mark.parametrize("sds_name, layer", [("LST_Night_1km", "LST_Night_1km"), ("QC_Night", "LST_Night_1km"),
                                             ("LST_Day_1km", "LST_Day_1km"), ("QC_Day", "LST_Day_1km")])
@pytest.mark.parametrize("tile_key", sorted(REAL_LST_TILES))
def test_flipped_byte_in_a_compressed_layer_is_refused_never_cropped_silently(tmp_path, tile_key, sds_name, layer):
    tile = REAL_LST_TILES[tile_key]
    lat, lon = TILE_CENTRES[tile_key]
    clean = _crop(tile, lat, lon, layer)
    copies = _damaged_copies(tile, sds_name, tmp_path / "tiles")
    refused_by_the_check = 0
    for damaged, kind in copies:
        try:                         # any other exception than a ThermoquakeError fails the test
            pixels = _crop(damaged, lat, lon, layer)
        except ThermoquakeError as err:
            lines = str(err).splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"{damaged}: "), lines
        else:                        # only where the damage changes no pixel of the image
            assert kind != "error" and np.array_equal(pixels, clean, equal_nan=True), kind
            continue
        refused_by_the_check += kind == "wrong" and ("disagree" in lines[0] or "outside" in lines[0])
    # the damage this test is about happened: the library decoded a damaged layer without complaint
    assert refused_by_the_check >= 1, [kind for _, kind in copies]


def test_window_read_of_a_tile_damaged_outside_the_window_is_refused(tmp_path):
    tile = REAL_LST_TILES["terra_c6_south"]
    offset, length = compressed_block(tile, "LST_Night_1km")
    damaged = flip_byte(tile, tmp_path / tile.name, offset + length * 49 // 50)   # near the last rows
    clean = _raw(tile, ("LST_Night_1km",))["LST_Night_1km"]
    decoded = _raw(damaged, ("LST_Night_1km",))["LST_Night_1km"]
    changed_rows = np.flatnonzero((decoded != clean).any(axis=1))
    assert changed_rows.size and changed_rows.min() > 100        # the top rows decode as before
    from rasterio.windows import Window

    with LstTileFile(damaged) as t, pytest.raises(InconsistentTileError, match="disagree"):
        t.read("paper", Window(0, 0, 100, 100))


def test_preprocess_lists_a_corrupt_tile_in_failures_and_goes_on(tmp_path):
    tile = REAL_LST_TILES["terra_c61_north"]                   # MOD11A1 2021-08-15 h11v05
    damaged = next(p for p, kind in _damaged_copies(tile, "LST_Night_1km", tmp_path / "flips") if kind == "wrong")
    hdf = tmp_path / "hdf"
    hdf.mkdir()
    (hdf / tile.name).write_bytes(damaged.read_bytes())
    events = tmp_path / "events.csv"
    events.write_text("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
                      "E1,2021-08-16T06:00:00Z,35.0,-79.35,10,6.0,mw\n")
    out = tmp_path / "work"
    thermoquake.preprocess(events, hdf, out, days_before=1, reference_years=range(2020, 2022), size=64,
                           product="MOD11A1", workers=0, progress=False)
    with open(out / "failures.csv", newline="") as fh:
        failures = list(csv.DictReader(fh))
    files = [f for f in failures if f["kind"] == "file"]
    assert [Path(f["file"]).name for f in files] == [tile.name]
    assert "LST_Night_1km and QC_Night disagree" in files[0]["reason"]
    images = [f for f in failures if f["kind"] == "image" and f["date"] == "2021-08-15"]
    assert images and "unreadable" in images[0]["reason"]
    assert not list(out.rglob("*.tif"))
