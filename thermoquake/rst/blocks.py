"""RETIRA of large GeoTIFF rasters in row blocks: memory independent of the number of reference
years and of the raster height.

Two passes over each file: (1) the spatial mean of its valid pixels, summed block by block;
(2) per row block, every reference block is added to a block-sized
:class:`~thermoquake.rst.retira.ReferenceStats` and R of the target block is written.
Peak memory is about ``7 * 8 * block_rows * width`` bytes (accumulators and temporaries)
plus GDAL's block cache (capped at ``gdal_cache_mb``), not ``years * height * width``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass

import numpy as np
import rasterio
from rasterio.windows import Window

from thermoquake.atomic import atomic_path
from thermoquake.errors import ThermoquakeError
from thermoquake.image.geotiff import open_reader, open_writer, read_header
from thermoquake.rst.retira import DEFAULT_MIN_COUNT, DEFAULT_SIGMA_FLOOR_K, ReferenceStats, retira

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class BlockRetiraSummary:
    """``clear_sky_fraction`` of the target (0..1), ``n_reference`` files, ``valid_fraction`` of R."""

    clear_sky_fraction: float
    n_reference: int
    valid_fraction: float


def _windows(height: int, width: int, block_rows: int):
    for r0 in range(0, height, block_rows):
        yield Window(0, r0, width, min(block_rows, height - r0))


def file_spatial_mean(path: PathLike, block_rows: int = 512) -> tuple[float, float]:
    """``(mean of valid pixels, clear-sky fraction)`` of band 1 of a GeoTIFF, read in row blocks."""
    total, n = 0.0, 0
    with open_reader(path) as src:
        for window in _windows(src.height, src.width, block_rows):
            block = src.read(1, window=window).astype(np.float64)
            valid = np.isfinite(block)
            total += float(block[valid].sum())
            n += int(valid.sum())
        size = src.height * src.width
    return (total / n if n else math.nan), n / size


def retira_geotiff(target: PathLike, references: Sequence[PathLike], out: PathLike,
                   min_count: int = DEFAULT_MIN_COUNT, block_rows: int = 512,
                   gdal_cache_mb: int = 64, sigma_floor_k: float = DEFAULT_SIGMA_FLOOR_K) -> BlockRetiraSummary:
    """Write R (float32, nodata NaN, the target's grid) of ``target`` against ``references``
    (GeoTIFFs in deg C on the same grid) to ``out`` atomically, one row block at a time
    (``sigma_floor_k``: smallest sigma divided by, K, :mod:`thermoquake.rst.retira`).

    ``gdal_cache_mb`` caps GDAL's raster block cache during the run (its default, 5 % of the
    machine's memory, would otherwise fill with every reference block read).
    """
    if block_rows < 1:
        raise ValueError(f"block_rows must be >= 1, got {block_rows}")
    with rasterio.Env(GDAL_CACHEMAX=int(gdal_cache_mb)):
        return _retira_geotiff(target, references, out, min_count, block_rows, sigma_floor_k)


def _retira_geotiff(target: PathLike, references: Sequence[PathLike], out: PathLike,
                    min_count: int, block_rows: int, sigma_floor_k: float) -> BlockRetiraSummary:
    header = read_header(target)
    profile, shape, transform = header.profile, (header.height, header.width), header.transform
    for ref in references:
        ref_header = read_header(ref)
        if (ref_header.height, ref_header.width) != shape or ref_header.transform != transform:
            raise ThermoquakeError("is not on the grid of the target", ref)
    target_mean, clear = file_spatial_mean(target, block_rows)
    ref_means = [file_spatial_mean(ref, block_rows)[0] for ref in references]
    profile = dict(profile) | {"dtype": "float32", "nodata": np.nan, "count": 1}
    n_valid = 0
    with atomic_path(out) as tmp, open_writer(tmp, profile) as dst:
        with ExitStack() as stack:
            sources = [stack.enter_context(open_reader(ref)) for ref in references]
            with open_reader(target) as tgt:
                for window in _windows(*shape, block_rows):
                    stats = ReferenceStats((int(window.height), int(window.width)))
                    for src, mean in zip(sources, ref_means):
                        if math.isfinite(mean):           # an all-cloud year adds nothing
                            stats.add(src.read(1, window=window), spatial_mean=mean)
                        else:
                            stats.images += 1
                    r = retira(tgt.read(1, window=window), stats, min_count=min_count,
                               spatial_mean=target_mean, sigma_floor_k=sigma_floor_k)
                    n_valid += int(np.isfinite(r).sum())
                    dst.write(r.astype(np.float32), 1, window=window)
    return BlockRetiraSummary(clear, len(references), n_valid / (shape[0] * shape[1]))
