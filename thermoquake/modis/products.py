"""What thermoquake knows about each MODIS LST product: grid, layers, scaling.

Scaling comes from this table, never from generic auto-scaling: DN x 0.02 = K,
DN 0 is fill. The files' ``valid_range`` (DN 7500..65535, 150..1310.7 K) is far wider
than any land surface temperature; :data:`PLAUSIBLE_K` is what a produced value may be.
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


LST_PRODUCTS: dict[str, LstProduct] = {
    "MYD11A1": LstProduct("MYD11A1", "Aqua", "MODIS_Grid_Daily_1km_LST", 1200),
    "MOD11A1": LstProduct("MOD11A1", "Terra", "MODIS_Grid_Daily_1km_LST", 1200),
}

LAYERS: dict[str, str] = {"LST_Night_1km": "QC_Night", "LST_Day_1km": "QC_Day"}
"""LST layer -> the QC layer that goes with it."""

DEFAULT_LAYER = "LST_Night_1km"

PLAUSIBLE_K: dict[str, tuple[float, float]] = {"LST_Night_1km": (160.0, 350.0), "LST_Day_1km": (160.0, 370.0)}
"""LST layer -> (lowest, highest) produced value, K, that a tile may hold. Generous bounds
(the coldest LST measured from space is ~175 K on the Antarctic plateau, the hottest
~355 K by day in the Lut desert); a produced value outside them marks a corrupt layer.
The real tiles in tests/data/modis hold 280..303 K at night and 285..326 K by day."""
