"""Compose the synthetic LST layers of one tile and date from the fields in :mod:`fields`.

``LST_Night_1km`` (K) = night climatology(lat, date)
                      - lapse rate x terrain elevation
                      + weather_std x weather(t_night)
                      + trend(t_night) + this year's departure (both 0 by default)
                      + injected anomalies
                      + retrieval noise - cloud-edge cold bias;
``LST_Day_1km`` is the same with the diurnal amplitude added, the weather at the
day overpass (x 1.3) and its own clouds, swath and noise. Pixels under cloud,
in swath gaps or off the globe are not produced (DN 0, QC 2 or 3).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import statistics
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from thermoquake.errors import BadRequestError
from thermoquake.modis.products import LAYERS, LST_PRODUCTS
from thermoquake.modis.sinusoidal import check_tile
from thermoquake.synth import fields
from thermoquake.synth.anomaly import SyntheticAnomaly, anomaly_field
from thermoquake.synth.config import DEFAULT_CONFIG, SynthConfig
from thermoquake.synth.noise import hash_uniform, pixel_hash
from thermoquake.synth.quality import encode_qc
from thermoquake.synth.tilegrid import tile_coords

LST_SCALE_K = 0.02
LST_VALID_DN = (7500, 65535)
DAY_WEATHER_GAIN = 1.3
VIEW_TIME_SPREAD_H = 0.6
"""Local solar time changes by up to this many hours from the swath centre to its edges."""

CLEAR_COV_STEP = 200
"""Clear-sky coverage is stored in steps of 200 DN (0.1), which keeps it compressible."""

LAYER_KIND = {"LST_Night_1km": fields.NIGHT, "LST_Day_1km": fields.DAY}


@dataclass(frozen=True)
class SyntheticLayer:
    """One LST layer with its companions, all (1200, 1200).

    Attributes:
        dn: ``LST_*_1km`` digital numbers, uint16 (K / 0.02; 0 = not produced).
        qc: ``QC_*`` bytes, uint8.
        view_time: ``*_view_time`` local solar time x 10 (hours), uint8, 255 = fill.
        view_angle: ``*_view_angl`` view zenith + 65 (degrees), uint8, 255 = fill.
        clear_cov: ``Clear_*_cov`` clear-sky coverage / 0.0005, uint16, 0 = fill.
    """

    dn: np.ndarray
    qc: np.ndarray
    view_time: np.ndarray
    view_angle: np.ndarray
    clear_cov: np.ndarray

    @property
    def kelvin(self) -> np.ndarray:
        """LST exactly as stored, ``DN x 0.02`` K as float32; NaN where not produced."""
        kelvin = self.dn.astype(np.float32) * np.float32(LST_SCALE_K)
        kelvin[self.dn == 0] = np.nan
        return kelvin


@dataclass(frozen=True)
class SyntheticTile:
    """Everything written into one synthetic MxD11A1 file.

    Attributes:
        night, day: the two LST layers.
        emis_31, emis_32: band emissivities ``(e - 0.49) / 0.002``, uint8 (1200, 1200), 0 = fill.
        truth: the anomalies reaching the tile (see :func:`anomaly.anomaly_field`).
    """

    night: SyntheticLayer
    day: SyntheticLayer
    emis_31: np.ndarray
    emis_32: np.ndarray
    truth: list[dict[str, object]]


def check_request(product: str, h: int, v: int) -> None:
    """Raise :class:`BadRequestError` for an unknown product or a tile outside the grid."""
    if product not in LST_PRODUCTS:
        raise BadRequestError(
            f"unknown product {product!r}; choose one of {', '.join(sorted(LST_PRODUCTS))}"
        )
    try:
        check_tile(int(h), int(v))
    except (ValueError, TypeError) as err:
        raise BadRequestError(str(err)) from None


def cloud_threshold(cloud_fraction: float) -> float:
    """Cloud-index threshold clouding ``cloud_fraction`` of a unit normal field (+-inf at 0, 1)."""
    if cloud_fraction <= 0.0:
        return math.inf
    if cloud_fraction >= 1.0:
        return -math.inf
    return statistics.NormalDist().inv_cdf(1.0 - cloud_fraction)


def _layer(
    product: str,
    kind: str,
    h: int,
    v: int,
    date: dt.date,
    config: SynthConfig,
    warm: np.ndarray | None,
) -> SyntheticLayer:
    coords = tile_coords(h, v)
    t_days = fields.observation_time(product, kind, date)
    bits = pixel_hash(config.seed, f"pixel-{product}-{kind}", fields.day_index(date), h, v)

    night_clim = fields.night_climatology_k(coords.lat_deg, date, product)
    weather_gain = config.weather_std_k
    if kind == fields.DAY:
        night_clim = night_clim + fields.diurnal_amplitude_k(coords.lat_deg, date, product)
        weather_gain *= DAY_WEATHER_GAIN
    kelvin = fields.weather_index(config.seed, h, v, t_days)
    kelvin *= np.float32(weather_gain)
    kelvin += night_clim.astype(np.float32)[:, None]
    if config.lapse_rate_k_per_km and config.max_elevation_km:
        kelvin -= fields.terrain_km(config.seed, h, v, float(config.max_elevation_km)) * np.float32(
            config.lapse_rate_k_per_km
        )
    if config.trend_k_per_year:
        kelvin += fields.trend_k(config.seed, h, v, t_days, float(config.trend_k_per_year))
    if config.interannual_k:
        kelvin += fields.interannual_k(config.seed, h, v, date.year, float(config.interannual_k))
    if warm is not None:
        kelvin += warm
    if config.noise_std_k:
        noise = hash_uniform(bits, 0) + hash_uniform(bits, 1) - np.float32(1.0)
        kelvin += noise * np.float32(config.noise_std_k * math.sqrt(6.0))

    across = fields.across_track_km(product, kind, h, v, date)
    observed = coords.on_globe.copy()
    if config.swath_gaps:
        observed &= np.abs(across) <= fields.HALF_SWATH_KM
    swath_pos = np.nan_to_num(across)
    swath_pos *= np.float32(1.0 / fields.HALF_SWATH_KM)
    np.clip(swath_pos, -1.0, 1.0, out=swath_pos)
    zenith = swath_pos * np.float32(fields.MAX_VIEW_ZENITH_DEG)

    threshold = cloud_threshold(config.cloud_fraction)
    cloud = fields.cloud_index(config.seed, h, v, t_days, hash_uniform(bits, 2))
    qc, bias = encode_qc(
        cloud, threshold, observed, np.abs(zenith), hash_uniform(bits, 3), config.qc_mix
    )
    if bias is not None:
        kelvin -= bias

    produced = (qc & np.uint8(0b10)) == 0
    not_produced = (~produced).view(np.uint8)
    kelvin *= np.float32(1.0 / LST_SCALE_K)
    np.rint(kelvin, out=kelvin)
    np.clip(kelvin, LST_VALID_DN[0], LST_VALID_DN[1], out=kelvin)
    dn = kelvin.astype(np.uint16)
    dn *= produced

    hours = (
        np.float32(fields.OVERPASS_HOURS[(product, kind)])
        + np.float32(VIEW_TIME_SPREAD_H) * swath_pos
    )
    hours = np.mod(hours, np.float32(24.0))
    hours *= np.float32(10.0)
    view_time = np.rint(hours).astype(np.uint8)
    view_time |= not_produced * np.uint8(255)
    zenith += np.float32(65.0)
    view_angle = np.rint(zenith).astype(np.uint8)
    view_angle |= not_produced * np.uint8(255)
    clear = np.float32(threshold) - cloud
    clear *= np.float32(2000.0 / CLEAR_COV_STEP)
    np.clip(clear, 1.0, 4000.0 / CLEAR_COV_STEP, out=clear)
    np.rint(clear, out=clear)
    clear_cov = clear.astype(np.uint16)
    clear_cov *= np.uint16(CLEAR_COV_STEP)
    clear_cov *= produced
    return SyntheticLayer(
        dn=dn, qc=qc, view_time=view_time, view_angle=view_angle, clear_cov=clear_cov
    )


def synthetic_tile(
    product: str,
    h: int,
    v: int,
    date: dt.date,
    config: SynthConfig = DEFAULT_CONFIG,
    anomalies: Iterable[SyntheticAnomaly] = (),
    layers: Iterable[str] = ("LST_Night_1km", "LST_Day_1km"),
) -> SyntheticTile:
    """All layers of the synthetic tile ``product`` ``h, v`` on ``date``.

    ``layers`` limits the work to some LST layers (the others come back all fill),
    which :func:`synthetic_lst_kelvin` uses; files always get both.
    """
    check_request(product, h, v)
    warm, truth = anomaly_field(list(anomalies), h, v, date)
    wanted = [name for name in ("LST_Night_1km", "LST_Day_1km") if name in set(layers)]
    if config.max_elevation_km:
        fields.terrain_km(config.seed, h, v, float(config.max_elevation_km))  # fill the cache once
    jobs = [(product, LAYER_KIND[name], h, v, date, config, warm) for name in wanted]
    if len(jobs) > 1:  # numpy releases the GIL: the two layers take one layer's time on 2 cores
        results = list(_executor().map(lambda job: _layer(*job), jobs))
    else:
        results = [_layer(*job) for job in jobs]
    made = dict(zip(wanted, results, strict=True))
    made.setdefault("LST_Night_1km", _empty_layer())
    made.setdefault("LST_Day_1km", _empty_layer())
    night, day = made["LST_Night_1km"], made["LST_Day_1km"]
    if config.max_elevation_km:
        elev = fields.terrain_km(config.seed, h, v, float(config.max_elevation_km))
        emis_31 = np.rint(np.float32(248.0) - np.float32(1.2) * elev).astype(np.uint8)
    else:
        emis_31 = np.full(night.dn.shape, 248, dtype=np.uint8)
    emis_32 = emis_31 + np.uint8(2)
    none = (night.dn == 0) & (day.dn == 0)
    some = ~none
    emis_31 *= some
    emis_32 *= some
    return SyntheticTile(night=night, day=day, emis_31=emis_31, emis_32=emis_32, truth=truth)


_EXECUTOR: tuple[int, ThreadPoolExecutor] | None = None


def _executor() -> ThreadPoolExecutor:
    """Two worker threads; made afresh in a forked child (threads do not survive fork)."""
    global _EXECUTOR
    if _EXECUTOR is None or _EXECUTOR[0] != os.getpid():
        _EXECUTOR = (
            os.getpid(),
            ThreadPoolExecutor(max_workers=2, thread_name_prefix="thermoquake-synth"),
        )
    return _EXECUTOR[1]


def _empty_layer() -> SyntheticLayer:
    shape = (1200, 1200)
    return SyntheticLayer(
        dn=np.zeros(shape, np.uint16),
        qc=np.full(shape, 3, np.uint8),
        view_time=np.full(shape, 255, np.uint8),
        view_angle=np.full(shape, 255, np.uint8),
        clear_cov=np.zeros(shape, np.uint16),
    )


def synthetic_lst_kelvin(
    product: str,
    h: int,
    v: int,
    date: dt.date,
    config: SynthConfig = DEFAULT_CONFIG,
    anomalies: Iterable[SyntheticAnomaly] = (),
    layer: str = "LST_Night_1km",
) -> tuple[np.ndarray, np.ndarray]:
    """The LST layer and its QC exactly as :func:`write_synthetic_tile` stores them.

    Returns ``(lst_k, qc)``: float32 (1200, 1200) LST in K (``DN x 0.02``, the
    same float32 arithmetic a reader uses), NaN where not produced; uint8
    (1200, 1200) QC bytes.
    """
    if layer not in LAYERS:
        raise BadRequestError(f"unknown layer {layer!r}; choose one of {', '.join(LAYERS)}")
    tile = synthetic_tile(product, h, v, date, config, anomalies, layers=(layer,))
    chosen = tile.night if layer == "LST_Night_1km" else tile.day
    return chosen.kelvin, chosen.qc
