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
    from thermoquake.batch.hdf_index import scan_hdf_dir
    from thermoquake.modis.region_grid import RegionGrid
    from thermoquake.monitor.calendar import date_range, reference_dates
    from thermoquake.monitor.daily import RegionImages
    from thermoquake.monitor.run import run_monitor
    from thermoquake.rst.anomalies import anomaly_states

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
        images = RegionImages(scan_hdf_dir(hdf, "MYD11A1"), grid, "LST_Night_1km", "paper")
        monitored = date_range(START, end)
        refs = {d: reference_dates(d, settings.reference_years, window) for d in monitored}
        needed = sorted(set(monitored) | {r for rs in refs.values() for r in rs})
        pos = {d: k for k, d in enumerate(needed)}
        stack = np.full((len(needed), *grid.shape), np.nan, dtype=np.float32)
        for d in needed:
            image = images.read(d)[0]
            images._cache.clear()
            if image is not None:
                stack[pos[d]] = image - np.nanmean(image)
        for d in monitored:
            ref = stack[[pos[r] for r in refs[d]]]
            count = np.isfinite(ref).sum(axis=0)
            mu = np.nanmean(ref, axis=0)
            sigma = np.maximum(np.nanstd(ref, axis=0), settings.sigma_floor_k)
            r = np.where(count >= settings.min_count, (stack[pos[d]] - mu) / sigma, np.nan)
            anomaly_states(r, settings.threshold)
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


if __name__ == "__main__":
    main()
