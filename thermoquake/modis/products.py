"""What thermoquake knows about each MODIS LST product: grid, layers, scaling.

Scaling comes from this table, never from generic auto-scaling: DN x 0.02 = K,
DN 0 is fill. Night LST outside roughly 150..350 K is implausible.
"""

from __future__ import annotations

from dataclasses import dataclass

KELVIN_AT_0C = 273.15


@dataclass(frozen=True)
class LstProduct:
    short_name: str
    platform: str
    grid_name: str
    pixels: int
    scale_k: float = 0.02
    fill_dn: int = 0
    plausible_k: tuple[float, float] = (150.0, 350.0)


LST_PRODUCTS: dict[str, LstProduct] = {
    "MYD11A1": LstProduct("MYD11A1", "Aqua", "MODIS_Grid_Daily_1km_LST", 1200),
    "MOD11A1": LstProduct("MOD11A1", "Terra", "MODIS_Grid_Daily_1km_LST", 1200),
}

LAYERS: dict[str, str] = {"LST_Night_1km": "QC_Night", "LST_Day_1km": "QC_Day"}
"""LST layer -> the QC layer that goes with it."""

DEFAULT_LAYER = "LST_Night_1km"
