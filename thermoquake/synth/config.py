"""Parameters of the synthetic LST world (everything but the injected anomalies)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from thermoquake.errors import BadRequestError

SYNTH_VERSION = "1"
"""Version of the field model. Bump it whenever the same parameters would give different pixels,
so that ``thermoquake synth tiles`` regenerates files written by an older model."""


@dataclass(frozen=True)
class SynthConfig:
    """Knobs of the synthetic world. The same config (and anomalies) always gives the same pixels.

    Attributes:
        seed: selects the terrain, weather, clouds and pixel noise (any integer >= 0).
        cloud_fraction: expected fraction of pixels under cloud, 0..1 (before swath gaps).
        swath_gaps: leave the low-latitude gaps between adjacent orbits unobserved.
        qc_mix: give pixels near cloud edges and at swath edges "other quality" QC
            (mandatory QA 01, average LST error <= 2 K or <= 3 K) and a cold bias, as
            real tiles have; if False every produced pixel is QA 00.
        weather_std_k: standard deviation of the day-to-day weather anomaly, K.
        noise_std_k: standard deviation of the independent per-pixel retrieval noise, K.
        lapse_rate_k_per_km: cooling with terrain elevation, K per km.
        max_elevation_km: height of the highest synthetic mountains, km.
        trend_k_per_year: mean of a smooth, spatially varying warming trend, K per year
            (0: none). Locally it is this times a static factor between 0 and 2 (patches of
            tens of km), counted from 2000-01-01 (:func:`fields.trend_k`).
        interannual_k: typical year-to-year LST departure, K (0: none). Each calendar year
            adds a static field (15 to 300 km across) whose standard deviation
            varies between surface patches (10 to 100 km) from 0 to about twice this
            (:func:`fields.interannual_k`).
    """

    seed: int = 0
    cloud_fraction: float = 0.3
    swath_gaps: bool = True
    qc_mix: bool = True
    weather_std_k: float = 3.0
    noise_std_k: float = 0.3
    lapse_rate_k_per_km: float = 6.5
    max_elevation_km: float = 5.0
    trend_k_per_year: float = 0.0
    interannual_k: float = 0.0

    def __post_init__(self) -> None:
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or not 0 <= self.seed < 2**32
        ):
            raise BadRequestError(f"seed must be an integer 0..{2**32 - 1}, got {self.seed!r}")
        if not (
            isinstance(self.cloud_fraction, (int, float)) and 0.0 <= self.cloud_fraction <= 1.0
        ):
            raise BadRequestError(
                f"cloud fraction must be between 0 and 1, got {self.cloud_fraction!r}"
            )
        if not (isinstance(self.trend_k_per_year, (int, float)) and math.isfinite(self.trend_k_per_year)
                and not isinstance(self.trend_k_per_year, bool)):
            raise BadRequestError(f"trend_k_per_year must be a finite number, got {self.trend_k_per_year!r}")
        for name in ("weather_std_k", "noise_std_k", "lapse_rate_k_per_km", "max_elevation_km",
                     "interannual_k"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise BadRequestError(f"{name} must be a finite number >= 0, got {value!r}")
        for name in ("swath_gaps", "qc_mix"):
            if not isinstance(getattr(self, name), bool):
                raise BadRequestError(f"{name} must be True or False, got {getattr(self, name)!r}")

    def to_dict(self) -> dict[str, object]:
        """Plain-JSON form: all fields, except the trend and the inter-annual spread when they
        are 0 (so tiles of a world without them keep the parameters they were written with)."""
        out = asdict(self)
        for name in ("trend_k_per_year", "interannual_k"):
            if not out[name]:
                del out[name]
        return out


DEFAULT_CONFIG = SynthConfig()
"""The default world (seed 0, cloud fraction 0.3, swath gaps, QC mix)."""
