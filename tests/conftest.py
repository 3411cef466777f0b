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


@pytest.fixture(params=sorted(REAL_LST_TILES))
def real_lst_tile(request) -> Path:
    """Each real LST tile in turn (Aqua/Terra, collections 6/6.1, north/south)."""
    return REAL_LST_TILES[request.param]


@pytest.fixture
def other_product_tile() -> Path:
    return OTHER_PRODUCT_TILE
