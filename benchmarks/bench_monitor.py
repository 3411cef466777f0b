"""Region monitoring benchmark: ``thermoquake monitor``'s streaming computation against the
naive one (every image of the period and its references in one in-memory stack), measured in
the same run on the same SYNTHETIC tiles.

For each region (a small and a larger one inside tile h25v06), each mode runs in a fresh
child process, which reports its wall time per monitored day and its peak resident memory
(VmHWM, less the resident memory after imports, which are done before timing):

* ``monitor``: :func:`thermoquake.monitor.run.run_monitor` (in-process, no GeoTIFFs), every
  day computed from scratch and saved, outputs (monitor.nc, CSEP files) included;
* ``naive``: read every needed region image into one ``(images, H, W)`` float32 stack, then per
  day ``nanmean``/``nanstd`` of its reference slice, R and the three-state map.

Run: ``.venv/bin/python benchmarks/bench_monitor.py [--days 4] [--years 3] [--window 2]``.
Output: one JSON line per measurement and a table of ratios (monitor / naive).

``--extrapolate`` measures ``monitor`` alone on both regions at reference windows ``--window``
and ``--window - 1`` (so at two numbers of reference images per day), fits the time per
monitored day as ``d * pixels + t * reads * tiles + c * refs * pixels`` (non-negative least
squares; refs = reference images per monitored day, reads = region images read per monitored
day by the blocked computation (:func:`image_reads`), tiles = tiles decoded per image) and the
peak memory as linear in the pixels of the largest space block (``--block-km`` default), and prints the extrapolated cost of monitoring ``--target-days`` days of
the ``--target`` regions (default: mainland China's bounding box 73-135 E, 18-54 N in six 6-degree
latitude bands, as the region grid refuses the whole box) with ``--target-years`` x (2 x
``--target-window`` + 1) reference images per day, on one process and on N workers (days split
evenly, no other overhead: a lower bound), and the download of its granules (``manifest
--region``'s count x ``--granule-mb``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REGIONS = {"small": "84.5,27.5,85.5,28.5", "large": "81,26.5,88,29.5"}
CHINA_BANDS = [f"73,{lat},135,{lat + 6}" for lat in range(18, 54, 6)]
"""Mainland China's bounding box (73-135 E, 18-54 N) as six 6-degree latitude bands."""
START = dt.date(2015, 4, 20)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(region: str, years: int, window: int):
    from thermoquake.catalog.region import Region
    from thermoquake.monitor.daily import MonitorSettings

    return MonitorSettings(Region.parse(region), tuple(range(2015 - years, 2015)), window)


def child(mode: str, region: str, hdf: Path, days: int, years: int, window: int) -> dict:
    from thermoquake.preprocessing.hdf_index import scan_hdf_dir
    from thermoquake.modis.region_grid import RegionGrid
    from thermoquake.monitor.calendar import date_range
    from thermoquake.monitor.blocks import Block, HdfImages
    from thermoquake.monitor.run import run_monitor
    from _naive_monitor import naive_retira

    import h5netcdf  # noqa: F401  (imports outside the timed part, in both modes)
    import scipy.ndimage  # noqa: F401

    settings = _settings(region, years, window)
    end = START + dt.timedelta(days=days - 1)
    base = _rss_mb()
    t0 = time.perf_counter()
    if mode == "monitor":
        with tempfile.TemporaryDirectory() as out:
            run_monitor(hdf, Path(out), settings, START, end, geotiffs=False)
    elif mode == "naive":
        grid = RegionGrid.for_region(settings.region)
        images = HdfImages(scan_hdf_dir(hdf, "MYD11A1"), grid, "LST_Night_1km", "paper")
        whole = Block(0, grid.height, 0, grid.width)
        naive_retira(grid.shape, date_range(START, end), settings.reference_years, window,
                     lambda d: images.read(d, whole)[0], settings)
    seconds = time.perf_counter() - t0
    return {"mode": mode, "seconds": seconds, "per_day_s": seconds / days, "peak_mb": _rss_mb(),
            "import_mb": base}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=4)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--window", type=int, default=2)
    parser.add_argument("--hdf", type=Path, default=None,
                        help="Use these tiles of h25v06 (e.g. the monitor demo's) instead of writing new ones.")
    parser.add_argument("--extrapolate", action="store_true",
                        help="Measure monitor alone at two reference windows and extrapolate (module doc).")
    parser.add_argument("--target", action="append", default=None, metavar="LON_MIN,LAT_MIN,LON_MAX,LAT_MAX",
                        help="Region(s) to extrapolate to (repeatable) [default: mainland China's box in bands].")
    parser.add_argument("--target-days", type=int, default=365)
    parser.add_argument("--target-start", type=dt.date.fromisoformat, default=dt.date(2018, 1, 1))
    parser.add_argument("--target-years", type=int, default=15, help="Reference years before the monitored one.")
    parser.add_argument("--target-window", type=int, default=4)
    parser.add_argument("--workers-list", default="1,2,16,64,256", help="Worker counts to print.")
    parser.add_argument("--granule-mb", type=float, default=None,
                        help="Mean granule size, MB [default: the manifest's estimate].")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "REGION"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args.hdf, args.days, args.years, args.window)))
        return
    from thermoquake.catalog.region import Region
    from thermoquake.synth.config import SynthConfig
    from thermoquake.synth.region import write_region

    tmp = tempfile.TemporaryDirectory()
    hdf = args.hdf or Path(tmp.name) / "hdf"
    end = START + dt.timedelta(days=args.days - 1)
    region = Region.parse(REGIONS["large"])
    if args.hdf is None:
        write_region(hdf, "MYD11A1", region, START, end, range(2015 - args.years, 2015), args.window, [],
                     SynthConfig(seed=1), 0.0)
    if args.extrapolate:
        extrapolate(args, hdf)
        return
    rows = []
    for name, box in REGIONS.items():
        from thermoquake.modis.region_grid import RegionGrid

        grid = RegionGrid.for_region(Region.parse(box))
        results = {}
        for mode in ("monitor", "naive"):
            cmd = [sys.executable, __file__, "--child", mode, box, "--hdf", str(hdf), "--days", str(args.days),
                   "--years", str(args.years), "--window", str(args.window)]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
            results[mode] = json.loads(out) | {"region": name, "pixels": grid.width * grid.height}
            print(json.dumps(results[mode]))
        m, n = results["monitor"], results["naive"]
        rows.append((name, m["pixels"], m["per_day_s"], n["per_day_s"], m["per_day_s"] / n["per_day_s"],
                     m["peak_mb"] - m["import_mb"], n["peak_mb"] - n["import_mb"],
                     (m["peak_mb"] - m["import_mb"]) / max(n["peak_mb"] - n["import_mb"], 1e-9)))
    print(f"SYNTHETIC tiles; {args.days} monitored days, {args.years} reference years x {2 * args.window + 1} days")
    print("region  pixels   monitor s/day  naive s/day  time ratio  monitor MB  naive MB  memory ratio")
    for r in rows:
        print(f"{r[0]:7s} {r[1]:8d} {r[2]:13.3f} {r[3]:12.3f} {r[4]:11.2f} {r[5]:11.1f} {r[6]:9.1f} {r[7]:13.2f}")


def _measure(mode: str, box: str, hdf: Path, days: int, years: int, window: int) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, box, "--hdf", str(hdf), "--days", str(days),
           "--years", str(years), "--window", str(window)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return json.loads(out)


def image_reads(start: dt.date, days: int, years: range, window: int, block_days: int = 8) -> tuple[float, int]:
    """Region images read per monitored day and the most images one worker holds, replaying
    ``run_monitor``'s blocked computation: the spatial-mean pass reads every distinct date once;
    each (run of ``block_days`` days, block) job reads the union of its days' dates once
    through a cache of one day's dates plus two. With blocks aligned on tiles (the default
    1200 km), one region image read decodes each of the region's tiles once."""
    from thermoquake.monitor.calendar import reference_dates

    monitored = [start + dt.timedelta(days=i) for i in range(days)]
    dates = {d: {d, *reference_dates(d, years, window)} for d in monitored}
    distinct = set().union(*dates.values())
    reads = len(distinct)
    for i in range(0, days, block_days):
        reads += len(set().union(*(dates[d] for d in monitored[i:i + block_days])))
    return reads / days, max(len(v) for v in dates.values()) + 1


def extrapolate(args, hdf: Path) -> None:
    """Measure, fit and print the extrapolation (module doc)."""
    import os

    from scipy.optimize import nnls

    from thermoquake.catalog.region import Region
    from thermoquake.study.granules import ESTIMATED_GRANULE_MB, ManifestSettings, build_region_manifest
    from thermoquake.modis.region_grid import RegionGrid
    from thermoquake.monitor.blocks import region_blocks

    load = os.getloadavg()[0]
    points = []
    for name, box in REGIONS.items():
        grid = RegionGrid.for_region(Region.parse(box))
        for window in sorted({max(args.window - 1, 0), args.window}):
            m = _measure("monitor", box, hdf, args.days, args.years, window)
            refs = args.years * (2 * window + 1)
            reads, held = image_reads(START, args.days, range(2015 - args.years, 2015), window)
            point = m | {"region": name, "pixels": grid.width * grid.height, "tiles": len(grid.tiles()),
                         "block_pixels": max(b.shape[0] * b.shape[1] for b in region_blocks(grid)),
                         "refs": refs, "window": window, "reads_per_day": reads, "images_held": held}
            points.append(point)
            print(json.dumps(point))
    features = np.array([[p["pixels"], p["reads_per_day"] * p["tiles"], p["refs"] * p["pixels"]] for p in points],
                        float)
    times = np.array([p["per_day_s"] for p in points])
    coef, _ = nnls(features, times)
    fitted = features @ coef
    px = np.array([p["block_pixels"] for p in points], float)
    # peak memory linear in the largest block's pixels as measured; a target whose cache holds
    # more images than the benchmark's adds those float32 block images (an upper estimate)
    mem = np.array([p["peak_mb"] - p["import_mb"] for p in points])
    slope, intercept = np.polyfit(px, mem, 1)
    held_bench = max(p["images_held"] for p in points)

    targets = args.target or CHINA_BANDS
    grids = [RegionGrid.for_region(Region.parse(t)) for t in targets]
    refs = args.target_years * (2 * args.target_window + 1)
    start = args.target_start
    end = start + dt.timedelta(days=args.target_days - 1)
    years = range(start.year - args.target_years, start.year)
    per_day = 0.0
    reads, held = image_reads(start, args.target_days, years, args.target_window)
    granules: set[tuple[dt.date, str]] = set()         # a tile shared by two bands is fetched once
    for g in grids:
        per_day += float(coef @ [g.width * g.height, reads * len(g.tiles()), refs * g.width * g.height])
        granules |= {(r.date, r.tile) for r in build_region_manifest(g.region, start, end, years,
                                                                       args.target_window, ManifestSettings())}
    tiles = set().union(*(g.tiles() for g in grids))
    unique_granules = len(granules)
    mb = args.granule_mb or ESTIMATED_GRANULE_MB
    total_s = per_day * args.target_days
    print(f"measured: SYNTHETIC tiles of h25v06, {args.days} monitored days, {args.years} reference years, "
          f"windows {sorted({p['window'] for p in points})}, load average {load:.1f} at the start, "
          f"{os.cpu_count()} CPUs")
    print("region  pixels  refs/day  reads/day  s/day measured  s/day fitted  peak MB above imports")
    for p, f in zip(points, fitted):
        print(f"{p['region']:7s} {p['pixels']:7d} {p['refs']:9d} {p['reads_per_day']:10.2f} {p['per_day_s']:15.3f} "
              f"{f:13.3f} {p['peak_mb'] - p['import_mb']:12.1f}")
    print(f"fit: s/day = {coef[0]:.3g} s x pixels + {coef[1]:.3g} s x tile reads + {coef[2]:.3g} s x refs x pixels; "
          f"peak MB = {intercept:.1f} + {slope * 1e6:.1f} per million pixels of the largest block (benchmark caching "
          f"up to {held_bench} images)")
    n_px = sum(g.width * g.height for g in grids)
    big = max(b.shape[0] * b.shape[1] for g in grids for b in region_blocks(g))
    tile_reads = sum(len(g.tiles()) for g in grids)
    print(f"target: {len(grids)} region(s), {n_px / 1e6:.1f} M pixels, {len(tiles)} tiles, {args.target_days} days "
          f"from {start}, {args.target_years} reference years x {2 * args.target_window + 1} days = {refs} "
          f"reference images per day, {reads:.1f} images read per day (spatial-mean pass and blocks, {held} "
          f"images cached per block), "
          f"each reading {tile_reads} tiles over all regions")
    print(f"extrapolated: {per_day:.0f} s per monitored day, {total_s / 3600:.1f} h for the period on one process; "
          f"peak memory of one worker on the largest block ({big / 1e6:.1f} M pixels) "
          f"{(intercept + slope * big + max(held - held_bench, 0) * big * 4 / 2**20) / 1024:.1f} GB "
          f"(the measured fit plus {max(held - held_bench, 0)} more cached float32 images)")
    for n in (int(v) for v in args.workers_list.split(",")):
        print(f"  {n:4d} workers: {total_s / n / 3600:8.2f} h (days split evenly; reads and writes not contended)")
    print(f"download: {unique_granules} granules (monitored and reference days x tiles), about "
          f"{unique_granules * mb / 1e3:.0f} GB at {mb:g} MB each")


if __name__ == "__main__":
    main()
