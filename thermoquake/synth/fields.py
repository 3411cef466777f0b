"""Ingredients of synthetic LST, each a deterministic function of global position and time.

- climatology: night LST by latitude and day of year (K), a diurnal amplitude for day LST;
- terrain: elevation 0..max km (static), cooled by a lapse rate;
- weather: a unit-variance anomaly field, hundreds to thousands of km across,
  evolving smoothly from day to day;
- clouds: a unit-variance "cloud index", thresholded to the cloud fraction;
- swath geometry: signed across-track distance to the nearest orbit ground track,
  which makes low-latitude gaps between orbits, view angles and view times.

Time is ``t_days``: days since 2000-01-01 00:00 local solar time plus the overpass hour.
Arrays are float32 (1200, 1200) unless said otherwise.
"""

from __future__ import annotations

import datetime as dt
import functools
import math

import numpy as np

from thermoquake.synth.noise import (
    SPHERE_RADIUS_KM,
    WaveSpec,
    refine_nodes,
    smooth_field,
    smooth_nodes,
    upsample_nodes,
)
from thermoquake.synth.tilegrid import tile_coords

EPOCH = dt.date(2000, 1, 1)

NIGHT = "night"
DAY = "day"

OVERPASS_HOURS: dict[tuple[str, str], float] = {
    ("MYD11A1", NIGHT): 1.5,  # Aqua, descending
    ("MYD11A1", DAY): 13.5,  # Aqua, ascending
    ("MOD11A1", NIGHT): 22.0,  # Terra, ascending
    ("MOD11A1", DAY): 10.5,  # Terra, descending
}
"""Local solar time of each overpass, hours."""

ASCENDING: dict[tuple[str, str], bool] = {
    ("MYD11A1", NIGHT): False,
    ("MYD11A1", DAY): True,
    ("MOD11A1", NIGHT): True,
    ("MOD11A1", DAY): False,
}

# -- swath geometry ----------------------------------------------------------
TRACK_SPACING_DEG = 24.0
"""Degrees of longitude between adjacent ground tracks (15 a day: the pattern wraps the globe)."""
HALF_SWATH_KM = 1165.0
"""Half the MODIS swath width (2330 km). Gaps open where tracks are further apart, below ~29 deg."""
TRACK_TILT = 0.2
"""Ground-track drift, degrees of longitude per degree of latitude (the stripes are diagonal)."""
MAX_VIEW_ZENITH_DEG = 65.0
_TRACK_BASE_DEG = {
    ("MYD11A1", NIGHT): 3.0,
    ("MYD11A1", DAY): 15.0,
    ("MOD11A1", NIGHT): 9.0,
    ("MOD11A1", DAY): 20.0,
}

# -- random fields ----------------------------------------------------------------
TERRAIN_BELTS = WaveSpec("terrain-belts", 24, 1500.0, 6000.0)
TERRAIN_RANGES = WaveSpec("terrain-ranges", 32, 120.0, 800.0)
TERRAIN_PEAKS = WaveSpec("terrain-peaks", 40, 12.0, 80.0)
WEATHER_SYNOPTIC = WaveSpec("weather-synoptic", 40, 500.0, 3000.0, omega_std=0.35)
WEATHER_MESO = WaveSpec("weather-meso", 24, 80.0, 400.0, omega_std=0.9)
CLOUD_LARGE = WaveSpec("cloud-large", 32, 300.0, 2000.0, omega_std=0.6)
CLOUD_MESO = WaveSpec("cloud-meso", 40, 30.0, 200.0, omega_std=1.5)
TREND_PATCHES = WaveSpec("trend-patches", 32, 10.0, 200.0)
INTERANNUAL_PATCHES = WaveSpec("interannual-patches", 32, 10.0, 100.0)
INTERANNUAL_STEP = 4
"""Node spacing (pixels) of the trend and inter-annual fields: they vary over tens of km, like
land cover, so they show inside an epicentre box after its spatial mean is taken off."""
DAYS_PER_YEAR = 365.25


def day_index(date: dt.date) -> int:
    """Whole days from 2000-01-01 to ``date``."""
    return (date - EPOCH).days


def observation_time(product: str, kind: str, date: dt.date) -> float:
    """``t_days`` of the ``kind`` (night/day) overpass of ``product`` on ``date``."""
    return day_index(date) + OVERPASS_HOURS[(product, kind)] / 24.0


# -- climatology ---------------------------------------------------------------
def night_climatology_k(lat_deg: np.ndarray, date: dt.date, product: str) -> np.ndarray:
    """Climatological night LST, K, for latitudes ``lat_deg`` (any shape; float64).

    ``299 - 45 sin^2(lat)`` annual mean (299 K at the equator, ~284 K at 35 deg),
    plus a seasonal cycle of amplitude ``20 |sin lat|^1.2`` K peaking around
    19 July in the north and in January in the south; Aqua's 01:30 overpass is
    1.5 K colder than Terra's 22:00.
    """
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    doy = date.timetuple().tm_yday
    s = np.sin(lat)
    season = 20.0 * np.abs(s) ** 1.2 * np.sign(s) * math.cos(2.0 * math.pi * (doy - 200) / 365.25)
    offset = -1.5 if product == "MYD11A1" else 0.0
    return 299.0 - 45.0 * s**2 + season + offset


def diurnal_amplitude_k(lat_deg: np.ndarray, date: dt.date, product: str) -> np.ndarray:
    """Day minus night LST, K: ``12 (0.5 + 0.8 max(0, cos(lat - solar declination)))``,
    plus 2 K for Aqua's 13:30 overpass (Terra passes at 10:30)."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    doy = date.timetuple().tm_yday
    decl = math.radians(23.44) * math.sin(2.0 * math.pi * (doy - 80) / 365.25)
    amp = 12.0 * (0.5 + 0.8 * np.maximum(0.0, np.cos(lat - decl)))
    return amp + (2.0 if product == "MYD11A1" else 0.0)


# -- terrain -----------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def terrain_km(seed: int, h: int, v: int, max_elevation_km: float) -> np.ndarray:
    """Synthetic elevation, km, float32 (1200, 1200), 0..``max_elevation_km`` (cached, read-only).

    Mountain belts (thousands of km) hold ranges (hundreds of km) with ridged
    peaks (tens of km); outside the belts the land is low (0..~0.3 km).
    """
    belts = smooth_field(seed, TERRAIN_BELTS, h, v, step=40)
    ranges = smooth_field(seed, TERRAIN_RANGES, h, v, step=8)
    peaks = smooth_field(seed, TERRAIN_PEAKS, h, v, step=4)
    mask = 1.0 / (1.0 + np.exp(-3.0 * (belts - 0.5)))
    ridged = 1.0 - np.abs(peaks)
    relief = np.maximum(mask * (0.45 + 0.3 * ranges + 0.3 * ridged), 0.0)
    relief = 1.0 - np.exp(-1.22 * relief**1.8)  # soft saturation: 99th percentile ~0.7
    lowland = 0.06 * (1.0 + np.tanh(ranges))
    elev = np.minimum(relief + lowland, 1.0) * np.float32(max_elevation_km)
    elev = elev.astype(np.float32)
    elev.flags.writeable = False
    return elev


# -- weather and clouds ----------------------------------------------------------------
def weather_index(seed: int, h: int, v: int, t_days: float) -> np.ndarray:
    """Unit-variance weather anomaly at time ``t_days``; lag-1-day correlation ~0.9."""
    syn = refine_nodes(smooth_nodes(seed, WEATHER_SYNOPTIC, h, v, step=24, t_days=t_days), 2)
    meso = smooth_nodes(seed, WEATHER_MESO, h, v, step=12, t_days=t_days)
    return upsample_nodes((0.9 * syn + 0.45 * meso) / math.hypot(0.9, 0.45), 12)


def cloud_index(seed: int, h: int, v: int, t_days: float, ragged: np.ndarray) -> np.ndarray:
    """Unit-variance cloud index at ``t_days``; ``ragged`` is per-pixel uniform [0, 1) noise
    (float32 (1200, 1200)) that roughens cloud edges. Cloud where it exceeds a threshold."""
    large = refine_nodes(smooth_nodes(seed, CLOUD_LARGE, h, v, step=24, t_days=t_days), 3)
    meso = smooth_nodes(seed, CLOUD_MESO, h, v, step=8, t_days=t_days)
    out = upsample_nodes(0.75 * large + 0.6 * meso, 8)
    out += (ragged - np.float32(0.5)) * np.float32(0.25 * math.sqrt(12.0))
    out *= np.float32(1.0 / math.sqrt(0.75**2 + 0.6**2 + 0.25**2))
    return out


# -- swath geometry ----------------------------------------------------------------
def track_offset_deg(product: str, kind: str, date: dt.date) -> float:
    """Longitude of a reference ground track at the equator, degrees (16-day cycle)."""
    shift = (day_index(date) * 7 % 16) / 16.0
    return _TRACK_BASE_DEG[(product, kind)] + TRACK_SPACING_DEG * shift


def across_track_km(product: str, kind: str, h: int, v: int, date: dt.date) -> np.ndarray:
    """Signed distance along the parallel from each pixel to the nearest ground track, km
    (float32 (1200, 1200); NaN off the globe). ``|d| > HALF_SWATH_KM`` is a swath gap."""
    coords = tile_coords(h, v)
    sign = -1.0 if ASCENDING[(product, kind)] else 1.0
    track = track_offset_deg(product, kind, date) + sign * TRACK_TILT * coords.lat_deg
    half = TRACK_SPACING_DEG / 2.0
    rel = coords.lon32 - (track - half).astype(np.float32)[:, None]
    np.mod(rel, np.float32(TRACK_SPACING_DEG), out=rel)
    rel -= np.float32(half)
    km_per_deg = np.radians(1.0) * SPHERE_RADIUS_KM * np.cos(np.radians(coords.lat_deg))
    rel *= km_per_deg.astype(np.float32)[:, None]
    return rel


# -- slow changes: a warming trend and year-to-year departures ------------------------
def _patch_gain(seed: int, spec: WaveSpec, h: int, v: int) -> np.ndarray:
    """A static factor 0..2 (mean about 1), patches set by ``spec``: float32 (1200, 1200)."""
    field = smooth_field(seed, spec, h, v, step=INTERANNUAL_STEP)
    return (2.0 / (1.0 + np.exp(-1.5 * field))).astype(np.float32)


@functools.lru_cache(maxsize=8)
def _trend_gain(seed: int, h: int, v: int) -> np.ndarray:
    gain = _patch_gain(seed, TREND_PATCHES, h, v)
    gain.flags.writeable = False
    return gain


def trend_k(seed: int, h: int, v: int, t_days: float, k_per_year: float) -> np.ndarray:
    """Warming trend at ``t_days`` (days since 2000-01-01), K: ``k_per_year`` x years since
    2000 x a static factor 0..2 that varies over tens of km (land cover). float32 (1200, 1200)."""
    return _trend_gain(seed, h, v) * np.float32(k_per_year * t_days / DAYS_PER_YEAR)


@functools.lru_cache(maxsize=16)
def _interannual_unit(seed: int, h: int, v: int, year: int) -> np.ndarray:
    spec = WaveSpec(f"interannual-{year}", 32, 15.0, 300.0)
    field = smooth_field(seed, spec, h, v, step=INTERANNUAL_STEP) * _patch_gain(seed, INTERANNUAL_PATCHES, h, v)
    field = field.astype(np.float32)
    field.flags.writeable = False
    return field


def interannual_k(seed: int, h: int, v: int, year: int, std_k: float) -> np.ndarray:
    """Departure of calendar ``year`` from the climate, K: a static field for the year (15 to
    300 km across, independent between years) times a static per-surface gain 0..2 (patches
    of 10 to 100 km), so
    the year-to-year standard deviation is about 0 to 2 x ``std_k`` depending on the place.
    float32 (1200, 1200)."""
    return _interannual_unit(seed, h, v, int(year)) * np.float32(std_k)
