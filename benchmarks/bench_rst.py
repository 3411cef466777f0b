"""RETIRA benchmarks.

1. ``site``: one 256x256 site, 9 target days, each against its 15 reference years (the
   same calendar day): time to accumulate the reference statistics and compute R.
2. ``stream``: a 4000x4000 raster with 15 reference years as float32 GeoTIFFs on disk; R
   computed in row blocks (:func:`thermoquake.rst.blocks.retira_geotiff`), peak RSS compared
   with loading the whole (15, 4000, 4000) stack and reducing it with numpy.

Each memory measurement runs in a fresh child process (its VmHWM; the import baseline is
reported too), with GDAL's block cache capped at 64 MB in every mode. Run: ``.venv/bin/python benchmarks/bench_rst.py
[--size 4000] [--years 15] [--skip-stream]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _rss_mb() -> float:
    """Peak resident memory of this process, MiB (VmHWM: reset at exec, unlike ru_maxrss)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: KiB


def bench_site(repeat: int = 5) -> dict:
    from thermoquake.rst import ReferenceStats, retira

    rng = np.random.default_rng(0)
    years, days, size = 15, 9, 256
    refs = (15 + 3 * rng.standard_normal((days, years, size, size))).astype(np.float32)
    refs[rng.random(refs.shape) < 0.3] = np.nan
    targets = (15 + 3 * rng.standard_normal((days, size, size))).astype(np.float32)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for d in range(days):
            stats = ReferenceStats((size, size))
            for image in refs[d]:
                stats.add(image)
            retira(targets[d], stats, min_count=5)
        times.append(time.perf_counter() - t0)
    best = min(times)
    return {"site_256_15y_9d_s": round(statistics.median(times), 4), "best_s": round(best, 4),
            "per_target_ms": round(1000 * statistics.median(times) / days, 2)}


def _write(path: Path, array: np.ndarray) -> None:
    import rasterio
    from affine import Affine

    profile = {"driver": "GTiff", "width": array.shape[1], "height": array.shape[0], "count": 1,
               "dtype": "float32", "crs": "EPSG:4326", "transform": Affine(0.009, 0, 90, 0, -0.009, 45),
               "nodata": np.nan, "tiled": True, "blockxsize": 256, "blockysize": 256}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(array, 1)


def make_rasters(folder: Path, size: int, years: int) -> None:
    rng = np.random.default_rng(1)
    for i in range(years + 1):
        a = (15 + 3 * rng.standard_normal((size, size), dtype=np.float32))
        a[rng.random((size, size), dtype=np.float32) < 0.3] = np.nan
        _write(folder / f"{i:02d}.tif", a)
        del a


def _shape(path: Path) -> tuple[int, int]:
    import rasterio

    with rasterio.open(path) as src:
        return src.height, src.width


def child(mode: str, folder: Path, years: int) -> None:
    """Run one mode in this (fresh) process and print JSON with its peak RSS."""
    import rasterio

    from thermoquake.rst import retira
    from thermoquake.rst.blocks import retira_geotiff

    base = _rss_mb()
    refs = [folder / f"{i:02d}.tif" for i in range(1, years + 1)]
    t0 = time.perf_counter()
    if mode == "stream":
        retira_geotiff(folder / "00.tif", refs, folder / "R_stream.tif", min_count=5, block_rows=256)
    elif mode == "stack":                      # the whole (years, H, W) float32 stack held
        with rasterio.Env(GDAL_CACHEMAX=64):
            stack = np.empty((len(refs), *_shape(refs[0])), dtype=np.float32)
            for i, p in enumerate(refs):
                with rasterio.open(p) as src:
                    stack[i] = src.read(1)
            with rasterio.open(folder / "00.tif") as src:
                target = src.read(1)
        retira(target, stack, min_count=5)
    elif mode == "one_year":                   # the floor: one year's image in memory
        with rasterio.Env(GDAL_CACHEMAX=64), rasterio.open(refs[0]) as src:
            src.read(1)
    print(json.dumps({"mode": mode, "seconds": round(time.perf_counter() - t0, 2),
                      "import_rss_mb": round(base, 1), "peak_rss_mb": round(_rss_mb(), 1)}))


def bench_stream(size: int, years: int) -> list[dict]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        make_rasters(folder, size, years)
        out.append({"made_rasters_s": round(time.perf_counter() - t0, 1), "size": size, "years": years,
                    "one_year_float32_mb": round(size * size * 4 / 2**20, 1)})
        for mode in ("one_year", "stream", "stack"):
            proc = subprocess.run([sys.executable, __file__, "--child", mode, "--folder", str(folder),
                                   "--years", str(years)], capture_output=True, text=True)
            if proc.returncode:
                raise RuntimeError(proc.stderr)
            out.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4000)
    parser.add_argument("--years", type=int, default=15)
    parser.add_argument("--skip-stream", action="store_true")
    parser.add_argument("--child", choices=["stream", "stack", "one_year"])
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.folder, args.years)
        return
    print(json.dumps(bench_site()))
    if not args.skip_stream:
        for row in bench_stream(args.size, args.years):
            print(json.dumps(row))


if __name__ == "__main__":
    main()
