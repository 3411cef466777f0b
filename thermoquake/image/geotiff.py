"""Epicentre images, R maps and regional rasters as GeoTIFF (the epicentre image contract): the
one module that opens them, to read or to write (atomically)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import rasterio.io
from affine import Affine
from rasterio.errors import RasterioIOError

from thermoquake import __version__
from thermoquake.atomic import atomic_path, quiet_native_stderr
from thermoquake.image.crop import GEOGRAPHIC_CRS, EpicentreImage


def image_tags(image: EpicentreImage) -> dict[str, str]:
    """The GeoTIFF tags recorded with an epicentre image (all strings)."""
    return {
        "product": image.product,
        "layer": image.layer,
        "date": image.date.isoformat(),
        "qc_policy": image.qc_policy,
        "source_files": ",".join(image.sources),
        "missing_tiles": ",".join(image.missing_tiles),
        "epicentre_lat": repr(image.grid.lat),
        "epicentre_lon": repr(image.grid.lon),
        "size_px": str(image.grid.size),
        "pixel_km": "1",
        "units": "degC",
        "synthetic": "true" if image.synthetic else "false",
        "software": f"thermoquake {__version__}",
    }


def write_epicentre_geotiff(path: str | os.PathLike[str], image: EpicentreImage,
                            extra_tags: dict[str, str] | None = None) -> Path:
    """Write ``image`` as a one-band float32 GeoTIFF (deg C, nodata NaN, EPSG:4326), atomically.

    Returns the final path. The file is re-opened and its pixels compared with ``image``
    before it is renamed to ``path``; a killed or failed write (a full disk:
    :class:`thermoquake.errors.DiskFullError`) leaves no file under ``path``.
    """
    path = Path(path)
    tags = image_tags(image) | (extra_tags or {})
    profile = {
        "driver": "GTiff",
        "width": image.grid.size,
        "height": image.grid.size,
        "count": 1,
        "dtype": "float32",
        "crs": GEOGRAPHIC_CRS,
        "transform": image.grid.transform,
        "nodata": np.nan,
        "compress": "deflate",
        "zlevel": 1,  # fast; level 6 + predictor costs 4 ms more per image for ~no gain on noisy LST
        "tiled": True,
        "blockxsize": 256 if image.grid.size % 256 == 0 else 16 * max(1, image.grid.size // 16 // 16),
        "blockysize": 256 if image.grid.size % 256 == 0 else 16 * max(1, image.grid.size // 16 // 16),
    }
    values = image.celsius.astype(np.float32, copy=False)
    with atomic_path(path, check=lambda tmp: check_pixels(tmp, values)) as tmp:
        with quiet_native_stderr(), rasterio.open(tmp, "w", **profile) as dst:
            dst.write(values, 1)
            dst.update_tags(**tags)
            dst.set_band_description(1, f"{image.layer} (deg C)")
            dst.set_band_unit(1, "degC")
    return path


def crop_to_geotiff(tiles: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], lat: float, lon: float,
                    size: int = 256, layer: str = "LST_Night_1km", qc_policy: str = "paper",
                    engine: str | None = None) -> EpicentreImage:
    """:func:`thermoquake.image.crop.crop_epicentre` of ``tiles`` around (``lat``, ``lon``)
    degrees, ``size`` km a side, written to ``out`` by :func:`write_epicentre_geotiff`; returns
    the image. An ``out`` that is one of the ``tiles`` (same file, another spelling or a link)
    is refused (:class:`thermoquake.outputs.OutputIsInputError`) before anything is read."""
    from thermoquake.image.crop import DEFAULT_ENGINE, crop_epicentre
    from thermoquake.outputs import refuse_outputs_over_inputs

    refuse_outputs_over_inputs({"out": out}, {"tiles": list(tiles)})
    image = crop_epicentre(tiles, lat=lat, lon=lon, size=size, layer=layer, qc_policy=qc_policy,
                           engine=engine or DEFAULT_ENGINE)
    write_epicentre_geotiff(out, image)
    return image


def check_pixels(path: Path, expected: np.ndarray) -> None:
    """Re-open the one-band GeoTIFF ``path`` and compare its pixels with ``expected``
    (float32 (rows, cols); NaN equals NaN); raise ValueError if they differ."""
    with rasterio.open(path) as src:
        got = src.read(1)
    if got.shape != expected.shape or not np.array_equal(got, expected, equal_nan=True):
        raise ValueError("the pixels read back differ from those written")


def read_epicentre_geotiff(path: str | os.PathLike[str]) -> EpicentreImage:
    """Read an epicentre GeoTIFF written by :func:`write_epicentre_geotiff` (or by preprocess).

    Returns an :class:`EpicentreImage` whose ``celsius`` is float32 (size, size), deg C, NaN
    for no data, and whose grid comes from the ``epicentre_lat``/``epicentre_lon`` tags (degrees),
    checked against the file's transform.

    Raises:
        InputNotFoundError: no such file.
        ThermoquakeError: not a GeoTIFF, or not an epicentre image (tags, transform).
    """
    import datetime as dt

    from thermoquake.image.grid import EpicentreGrid
    from thermoquake.errors import InputNotFoundError, ThermoquakeError

    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError("no such image file", path)
    try:
        with rasterio.open(path) as src:
            values = src.read(1).astype(np.float32, copy=False)
            nodata, tags, transform = src.nodata, src.tags(), src.transform
    except RasterioIOError as err:
        raise ThermoquakeError(f"cannot read the image: {err}", path) from None
    if nodata is not None and not np.isnan(nodata):
        values = np.where(values == nodata, np.float32(np.nan), values)
    try:
        grid = EpicentreGrid(float(tags["epicentre_lat"]), float(tags["epicentre_lon"]), values.shape[0])
        date = dt.date.fromisoformat(tags["date"])
    except (KeyError, ValueError) as err:
        raise ThermoquakeError(f"is not an epicentre image (tags epicentre_lat/lon, date: {err})", path) from None
    if values.shape != grid.shape or not np.allclose(tuple(grid.transform)[:6], tuple(transform)[:6],
                                                     rtol=0, atol=1e-9):
        raise ThermoquakeError("its transform is not the epicentre grid its tags describe", path)
    split = lambda key: tuple(s for s in tags.get(key, "").split(",") if s)  # noqa: E731
    return EpicentreImage(celsius=values, grid=grid, product=tags.get("product", ""), layer=tags.get("layer", ""),
                          qc_policy=tags.get("qc_policy", ""), date=date, sources=split("source_files"),
                          missing_tiles=split("missing_tiles"), synthetic=tags.get("synthetic") == "true")


# --- the one place GeoTIFFs (epicentre images, R maps) are opened -----------------------------

#: What the readers below raise for a file GDAL cannot open as a raster (rasterio's
#: ``RasterioIOError``); callers word their own one-line error from it.
GeoTiffReadError = RasterioIOError


@dataclass(frozen=True)
class GeoTiffHeader:
    """A GeoTIFF's grid and tags, no pixels: size (px), affine transform, bounds (degrees),
    rasterio profile, nodata and tags (strings)."""

    width: int
    height: int
    transform: Affine
    bounds: tuple[float, float, float, float]
    profile: dict
    nodata: float | None
    tags: dict[str, str]


def _header(src) -> GeoTiffHeader:
    return GeoTiffHeader(src.width, src.height, src.transform, tuple(src.bounds), src.profile, src.nodata,
                         src.tags())


def read_header(path: str | os.PathLike[str]) -> GeoTiffHeader:
    """The grid and tags of the GeoTIFF at ``path`` (no pixels read); raises :data:`GeoTiffReadError`."""
    with rasterio.open(path) as src:
        return _header(src)


def read_tags(path: str | os.PathLike[str]) -> dict[str, str]:
    """The tags of the GeoTIFF at ``path`` (no pixels read); raises :data:`GeoTiffReadError`."""
    with rasterio.open(path) as src:
        return src.tags()


def is_synthetic(path: str | os.PathLike[str]) -> bool:
    """Whether the GeoTIFF at ``path`` carries the tag ``synthetic=true`` (any case)."""
    return read_tags(path).get("synthetic", "").lower() == "true"


def read_band(path: str | os.PathLike[str], band: int = 1, masked: bool = False) -> np.ndarray:
    """Band ``band`` of the GeoTIFF at ``path``, (rows, cols) in the file's dtype (a masked
    array, nodata masked, when ``masked``); raises :data:`GeoTiffReadError`."""
    with rasterio.open(path) as src:
        return src.read(band, masked=masked)


def read_band_and_header(path: str | os.PathLike[str], band: int = 1,
                         masked: bool = False) -> tuple[np.ndarray, GeoTiffHeader]:
    """:func:`read_band` and :func:`read_header` from one opening of the file."""
    with rasterio.open(path) as src:
        return src.read(band, masked=masked), _header(src)


@contextmanager
def open_reader(path: str | os.PathLike[str]) -> Iterator[rasterio.io.DatasetReader]:
    """The GeoTIFF at ``path`` open for reading (windowed reads of large rasters)."""
    with rasterio.open(path) as src:
        yield src


@contextmanager
def open_writer(tmp: str | os.PathLike[str], profile: dict) -> Iterator[rasterio.io.DatasetWriter]:
    """A new GeoTIFF at ``tmp`` (a temporary path from :func:`thermoquake.atomic.atomic_path`)
    with the rasterio ``profile``, GDAL's own stderr chatter kept quiet."""
    with quiet_native_stderr(), rasterio.open(tmp, "w", **profile) as dst:
        yield dst


def write_retira_geotiff(tmp: str | os.PathLike[str], r: np.ndarray, profile: dict, tags: dict[str, str]) -> None:
    """Write the R map ``r`` ((rows, cols), dimensionless) to ``tmp`` as one float32 band, nodata
    NaN, on the grid of ``profile`` (the target image's), with ``tags``."""
    profile = dict(profile) | {"dtype": "float32", "nodata": np.nan, "count": 1}
    with open_writer(tmp, profile) as dst:
        dst.write(r.astype(np.float32), 1)
        dst.update_tags(**tags)
        dst.set_band_description(1, "RETIRA (dimensionless)")


def write_bands_geotiff(path: str | os.PathLike[str], bands: list[np.ndarray], crs, transform: Affine,
                        descriptions: tuple[str, ...] | list[str] = (), tags: dict[str, str] | None = None) -> Path:
    """Write ``bands`` (each (rows, cols), any real dtype) as a multi-band float32 GeoTIFF, nodata
    NaN, deflate, with the CRS ``crs`` (anything rasterio accepts) and ``transform``, atomically:
    the pixels are read back and compared before the rename. Returns ``path``."""
    path = Path(path)
    values = [np.asarray(b).astype(np.float32, copy=False) for b in bands]
    if not values or any(v.shape != values[0].shape or v.ndim != 2 for v in values):
        raise ValueError("bands must be 2-D arrays of one shape")
    rows, cols = values[0].shape
    profile = {"driver": "GTiff", "width": cols, "height": rows, "count": len(values), "dtype": "float32",
               "crs": crs, "transform": transform, "nodata": np.nan, "compress": "deflate", "zlevel": 1}
    expected = np.stack(values)

    def check(tmp: Path) -> None:
        with rasterio.open(tmp) as src:
            got = src.read()
        if got.shape != expected.shape or not np.array_equal(got, expected, equal_nan=True):
            raise ValueError("the pixels read back differ from those written")

    with atomic_path(path, check=check) as tmp:
        with open_writer(tmp, profile) as dst:
            dst.write(expected)
            for band, text in enumerate(descriptions, 1):
                dst.set_band_description(band, text)
            dst.update_tags(**(tags or {}))
    return path


def read_bands(path: str | os.PathLike[str]) -> tuple[np.ndarray, GeoTiffHeader]:
    """Every band of the GeoTIFF at ``path``, (bands, rows, cols) in the file's dtype (nodata as
    stored, NaN for :func:`write_bands_geotiff`), and its header; raises :data:`GeoTiffReadError`."""
    with rasterio.open(path) as src:
        return src.read(), _header(src)
