"""An independent implementation of the sinusoidal mapping and QC rules, for checking
thermoquake's reader and crop pixel by pixel. It shares no code with the package:
raw pyhdf reads, the textbook formulas, and the epicentre image contract re-derived
from the issue text."""

from __future__ import annotations

import math
import re

import numpy as np
from pyhdf.SD import SD

R = 6371007.181


def raw_layers(path, layer: str) -> tuple[np.ndarray, np.ndarray, tuple[float, float], float]:
    """DN, QC, upper-left corner (m) and pixel size (m) straight from the file."""
    qc_name = {"LST_Night_1km": "QC_Night", "LST_Day_1km": "QC_Day"}[layer]
    sd = SD(str(path))
    try:
        dn = sd.select(layer)[:].astype(np.int64)
        qc = sd.select(qc_name)[:].astype(np.int64)
        meta = sd.attributes()["StructMetadata.0"]
    finally:
        sd.end()
    ul = tuple(float(v) for v in re.search(r"UpperLeftPointMtrs=\(([^)]*)\)", meta).group(1).split(","))
    lr = tuple(float(v) for v in re.search(r"LowerRightMtrs=\(([^)]*)\)", meta).group(1).split(","))
    xdim = int(re.search(r"XDim=(\d+)", meta).group(1))
    return dn, qc, ul, (lr[0] - ul[0]) / xdim


def expected_celsius(dn: np.ndarray, qc: np.ndarray, policy: str) -> np.ndarray:
    """QC rule by rule, written out per pixel class, as float64 deg C with NaN."""
    qa = qc % 4
    err = qc // 64
    if policy == "strict":
        keep = qa == 0
    elif policy == "paper":
        keep = (qa == 0) | ((qa == 1) & (err <= 1))
    else:
        keep = (qa == 0) | (qa == 1)
    keep = keep & (dn != 0)
    return np.where(keep, dn * 0.02 - 273.15, np.nan)


def contract_centres(lat: float, lon: float, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre lon/lat (degrees) of the epicentre image, from the contract text."""
    dlat = (1000.0 / R) * 180.0 / math.pi
    dlon = dlat / math.cos(math.radians(lat))
    west = lon - size / 2 * dlon
    north = lat + size / 2 * dlat
    j = np.arange(size) + 0.5
    return np.meshgrid(west + j * dlon, north - j * dlat)


def source_pixel(lon: np.ndarray, lat: np.ndarray, ul: tuple[float, float], pix: float):
    """Fractional (row, col) in a tile whose upper-left corner is ``ul`` (m)."""
    lon = (lon + 180.0) % 360.0 - 180.0
    x = R * np.radians(lon) * np.cos(np.radians(lat))
    y = R * np.radians(lat)
    return (ul[1] - y) / pix, (x - ul[0]) / pix


def expected_crop(tiles: list[tuple[np.ndarray, tuple[float, float], float]], lat: float, lon: float,
                  size: int) -> tuple[np.ndarray, np.ndarray]:
    """Nearest-neighbour crop of deg C tiles (values, upper-left, pixel size) and a mask of
    pixels whose source position is not within 1e-6 pixel of a pixel edge (unambiguous)."""
    lons, lats = contract_centres(lat, lon, size)
    out = np.full((size, size), np.nan)
    clear = np.ones((size, size), bool)
    for values, ul, pix in tiles:
        row, col = source_pixel(lons, lats, ul, pix)
        ri, ci = np.floor(row).astype(int), np.floor(col).astype(int)
        inside = (ri >= 0) & (ri < values.shape[0]) & (ci >= 0) & (ci < values.shape[1])
        out[inside] = values[ri[inside], ci[inside]]
        near_edge = (np.abs(row - np.round(row)) < 1e-6) | (np.abs(col - np.round(col)) < 1e-6)
        clear &= ~near_edge
    return out, clear
