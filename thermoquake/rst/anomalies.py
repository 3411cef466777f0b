"""Three-state anomaly maps and per-image anomaly summaries.

States per pixel and day (int8): :data:`ANOMALY` (1, R >= threshold), :data:`NO_ANOMALY`
(0, R < threshold) and :data:`NO_DATA` (-1, no R: cloud, no reference, sigma = 0). Clouds are
never "no anomaly".

Thresholds: the paper uses R >= 2 (:data:`PAPER_THRESHOLD`); the RST literature uses 3, 3.5
and 4 (:data:`LITERATURE_THRESHOLDS`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from affine import Affine

from thermoquake.catalog.geodesy import haversine_km

ANOMALY, NO_ANOMALY, NO_DATA = 1, 0, -1
PAPER_THRESHOLD = 2.0
LITERATURE_THRESHOLDS = (3.0, 3.5, 4.0)


def anomaly_states(r: np.ndarray, threshold: float = PAPER_THRESHOLD) -> np.ndarray:
    """Three-state map of an ``(H, W)`` RETIRA array: int8 1 / 0 / -1 (see module doc)."""
    r = np.asarray(r)
    states = np.full(r.shape, NO_DATA, dtype=np.int8)
    valid = np.isfinite(r)
    states[valid] = np.where(r[valid] >= threshold, ANOMALY, NO_ANOMALY)
    return states


@dataclass(frozen=True)
class AnomalySummary:
    """Anomalies of one R image.

    Attributes:
        threshold: R threshold used.
        anomalous_area_km2: area of the anomalous pixels, km^2.
        anomalous_pixels: their number.
        valid_fraction: fraction (0..1) of all pixels with an R value.
        anomalous_fraction: fraction (0..1) of the valid pixels that are anomalous (NaN if none valid).
        max_r: the largest R (NaN if none).
        centroid_lat, centroid_lon: mean position of the anomalous pixel centres, degrees (NaN if none).
        centroid_distance_km: great-circle distance from the centroid to the epicentre, km.
    """

    threshold: float
    anomalous_area_km2: float
    anomalous_pixels: int
    valid_fraction: float
    anomalous_fraction: float
    max_r: float
    centroid_lat: float
    centroid_lon: float
    centroid_distance_km: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def summarize_anomalies(r: np.ndarray, transform: Affine, epicentre: tuple[float, float],
                        threshold: float = PAPER_THRESHOLD, pixel_area_km2: float = 1.0,
                        mask: np.ndarray | None = None) -> AnomalySummary:
    """Summarise the R >= ``threshold`` pixels of ``r`` (``(H, W)``).

    Args:
        r: RETIRA, NaN = no data.
        transform: pixel-corner -> (lon, lat) degrees affine of the grid (GeoTIFF transform or
            :attr:`thermoquake.image.grid.EpicentreGrid.transform`).
        epicentre: ``(lat, lon)`` degrees.
        threshold: R threshold.
        pixel_area_km2: area of one pixel (1 km^2 in the epicentre image contract).
        mask: optional boolean ``(H, W)``: only these anomalous pixels are summarised
            (e.g. one connected component).
    """
    r = np.asarray(r, dtype=np.float64)
    valid = np.isfinite(r)
    hot = valid & (r >= threshold)
    if mask is not None:
        hot &= mask
    n_valid, n_hot = int(valid.sum()), int(hot.sum())
    if n_hot:
        rows, cols = np.nonzero(hot)
        lon, lat = transform @ (cols.mean() + 0.5, rows.mean() + 0.5)
        dist = float(haversine_km(epicentre[0], epicentre[1], lat, lon))
    else:
        lat = lon = dist = math.nan
    return AnomalySummary(
        threshold=float(threshold),
        anomalous_area_km2=n_hot * pixel_area_km2,
        anomalous_pixels=n_hot,
        valid_fraction=n_valid / r.size if r.size else math.nan,
        anomalous_fraction=n_hot / n_valid if n_valid else math.nan,
        max_r=float(r[valid].max()) if n_valid else math.nan,
        centroid_lat=float(lat),
        centroid_lon=float(lon),
        centroid_distance_km=dist,
    )
