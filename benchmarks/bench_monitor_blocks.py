"""Monitoring in space blocks against the naive computation (the whole stack in memory),
measured in the same run on the same SYNTHETIC images.

The inputs are SYNTHETIC float32 region images stored as one ``.npy`` per day
(:class:`thermoquake.monitor.blocks.ArrayImages`): noise around a fixed field, 20 % cloud, +6 K
on a patch on the monitored days. No HDF tile is written or decoded, so this measures the
computation (spatial means, reference statistics, R, assembly, outputs), not tile decoding
(``bench_monitor.py --extrapolate`` measures that on tiles).

Regions: squares of about ``side`` x ``side`` km (the sinusoidal bounding box of a lon/lat box
from 20 N, centred on 0 E). Each measurement runs in a fresh child process, which reports its
wall time and CPU time (user + system, its own and its reaped children's) per monitored day
and peak resident memory (VmHWM):

* ``naive``: every needed image (region mean subtracted) in one ``(images, H, W)`` float32
  stack, then per day ``nanmean``/``nanstd`` of its reference slice, R and the three-state map
  (no files written);
* ``blocked``: :func:`thermoquake.monitor.run.run_monitor` on ``--block-km`` blocks in the
  child's process (``workers`` 0): the same R plus unit and day files, regions, sequences,
  ``monitor.nc`` and CSEP files;
* ``blocked-2w`` (the headline region only, with ``blocked`` and ``naive`` on the same days):
  the same on a local dask cluster of 2 workers (its time includes starting the cluster);
  its memory is the largest VmHWM of a worker process and of the child itself (sampled every
  0.1 s through the process tree).

Memory is reported above the child's resident memory after imports (for ``blocked-2w``:
absolute per process, with the imports' size printed beside it).

Run: ``nice -n 10 python benchmarks/bench_monitor_blocks.py`` (about 10 minutes on 2 busy
cores), ``--quick`` for a small version (about a minute).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

START = dt.date(2018, 4, 20)
WINDOW = 4                       # +- 4 days: 9 reference days per year


def region_text(side_km: int) -> str:
    """A lon/lat box from 20 N, centred on the central meridian (where the sinusoidal image of a
    lon/lat box is nearly a rectangle), whose sinusoidal bounding box is about ``side_km`` km square."""
    import math

    dlat = side_km / 111.195
    half = side_km / 2 / (111.195 * math.cos(math.radians(20.0 + dlat / 2)))
    return f"{-half:.4f},20,{half:.4f},{20 + dlat:.4f}"


def _status_mb(pid: int | str, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cpu_s() -> float:
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _settings(side: int, years: int):
    from thermoquake.catalog.region import Region
    from thermoquake.monitor.daily import MonitorSettings

    return MonitorSettings(Region.parse(region_text(side)), tuple(range(START.year - years, START.year)), WINDOW,
                           min_count=5)


def write_inputs(folder: Path, side: int, years: int, days: int) -> int:
    """SYNTHETIC images for the monitored days and their references; returns how many."""
    from thermoquake.modis.region_grid import RegionGrid
    from thermoquake.monitor.calendar import date_range, reference_dates

    settings = _settings(side, years)
    grid = RegionGrid.for_region(settings.region)
    monitored = date_range(START, START + dt.timedelta(days=days - 1))
    dates = sorted(set(monitored) | {r for d in monitored for r in reference_dates(d, settings.reference_years,
                                                                                   WINDOW)})
    folder.mkdir(parents=True, exist_ok=True)
    base = np.random.default_rng(0).normal(15.0, 3.0, grid.shape).astype(np.float32)
    h, w = grid.shape
    for date in dates:
        path = folder / f"{date.isoformat()}.npy"
        if path.is_file():
            continue
        rng = np.random.default_rng(date.toordinal())
        image = base + np.float32(rng.normal(0.0, 2.0)) + rng.normal(0.0, 1.5, grid.shape).astype(np.float32)
        image[rng.random(grid.shape) < 0.2] = np.nan
        if date in monitored:
            image[h // 3:h // 3 + 40, w // 3:w // 3 + 40] += 6.0
        np.save(path, image)
    return len(dates)


class TreeSampler:
    """Largest VmHWM of each process in this process's tree, sampled every 0.1 s."""

    def __init__(self) -> None:
        import psutil

        self.me = psutil.Process()
        self.peaks: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            for p in self.me.children(recursive=True):
                self.peaks[p.pid] = max(self.peaks.get(p.pid, 0.0), _status_mb(p.pid, "VmHWM"))
            self.stop.wait(0.1)

    def __enter__(self) -> TreeSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def child(mode: str, side: int, years: int, days: int, block_km: int, npy: Path) -> dict:
    from thermoquake.modis.region_grid import RegionGrid
    from thermoquake.monitor.blocks import ArrayImages
    from thermoquake.monitor.calendar import date_range
    from thermoquake.monitor.run import run_monitor
    from _naive_monitor import naive_retira

    import distributed  # noqa: F401  (imports outside the timed part, in every mode)
    import h5netcdf  # noqa: F401
    import scipy.ndimage  # noqa: F401

    settings = _settings(side, years)
    grid = RegionGrid.for_region(settings.region)
    end = START + dt.timedelta(days=days - 1)
    base = _status_mb("self", "VmHWM")
    workers_mb = 0.0
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    if mode.startswith("blocked"):
        workers = 2 if mode == "blocked-2w" else 0
        with tempfile.TemporaryDirectory() as out, TreeSampler() as tree:
            run_monitor(ArrayImages(npy, grid), Path(out), settings, START, end, workers=workers, block_km=block_km,
                        geotiffs=False)
        workers_mb = max(tree.peaks.values(), default=0.0)
    else:
        inside = grid.inside()

        def read(day: dt.date) -> np.ndarray:
            image = np.load(npy / f"{day.isoformat()}.npy")
            image[~inside] = np.nan
            return image

        naive_retira(grid.shape, date_range(START, end), settings.reference_years, WINDOW, read, settings)
    seconds = time.perf_counter() - t0
    cpu = _cpu_s() - cpu0
    return {"cpu_per_day_s": cpu / days, "mode": mode, "side_km": side, "years": years, "pixels": grid.width * grid.height,
            "grid": [grid.height, grid.width], "days": days, "seconds": seconds, "per_day_s": seconds / days,
            "peak_mb": _status_mb("self", "VmHWM"), "import_mb": base, "worker_peak_mb": workers_mb,
            "block_km": block_km}


def measure(mode: str, side: int, years: int, days: int, block_km: int, npy: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, str(side), str(years), "--days", str(days),
           "--block-km", str(block_km), "--npy", str(npy)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    result = json.loads(out)
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Sides 250, 500 km; 5, 10 years; 1 day.")
    parser.add_argument("--days", type=int, default=None, help="Monitored days per measurement [2; quick 1].")
    parser.add_argument("--headline-days", type=int, default=None, help="Monitored days of the headline [4; quick 2].")
    parser.add_argument("--block-km", type=int, default=250, help="Block side, km [250].")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "SIDE", "YEARS"), help=argparse.SUPPRESS)
    parser.add_argument("--npy", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    days = args.days or (1 if args.quick else 2)
    if args.child:
        mode, side, years = args.child[0], int(args.child[1]), int(args.child[2])
        print(json.dumps(child(mode, side, years, days, args.block_km, args.npy)))
        return
    sides = [250, 500] if args.quick else [250, 500, 1000]
    years_list = [5, 10] if args.quick else [5, 10, 15]
    head_side, head_years = sides[-1], years_list[-1]
    head_days = args.headline_days or (2 if args.quick else 4)
    load0 = os.getloadavg()
    tmp = tempfile.TemporaryDirectory(prefix="bench_blocks_")
    t0 = time.perf_counter()
    folders = {}
    for side in sides:
        folders[side] = Path(tmp.name) / f"s{side}"
        n = write_inputs(folders[side], side, max(years_list), max(days, head_days if side == head_side else days))
        print(f"# {n} SYNTHETIC images of the {side} km region written", flush=True)
    print(f"# inputs written in {time.perf_counter() - t0:.0f} s", flush=True)
    head = {m: measure(m, head_side, head_years, head_days, args.block_km, folders[head_side])
            for m in ("naive", "blocked", "blocked-2w")}
    rows = []
    for side in sides:
        for years in years_list:
            rows.append({m: measure(m, side, years, days, args.block_km, folders[side]) for m in ("naive", "blocked")})
    load1 = os.getloadavg()
    print()
    print(f"SYNTHETIC images (.npy, no tile decoding); {WINDOW * 2 + 1} reference days per year; blocks of "
          f"{args.block_km} km; load average {load0[0]:.1f} at the start, {load1[0]:.1f} at the end, "
          f"{os.cpu_count()} CPUs")
    n, b, one = head["naive"], head["blocked-2w"], head["blocked"]
    print(f"headline: {head_side} km side ({n['grid'][0]} x {n['grid'][1]} px), {head_years} reference years x "
          f"{2 * WINDOW + 1} days, {head_days} monitored days")
    print(f"  naive (1 process):    {n['per_day_s']:7.2f} s/day ({n['cpu_per_day_s']:.2f} CPU s), peak {n['peak_mb'] - n['import_mb']:7.0f} MB above "
          f"imports ({n['import_mb']:.0f} MB)")
    print(f"  blocked (1 process):  {one['per_day_s']:7.2f} s/day ({one['cpu_per_day_s']:.2f} CPU s), peak "
          f"{one['peak_mb'] - one['import_mb']:7.0f} MB above imports; ratios to naive: wall time "
          f"{one['per_day_s'] / n['per_day_s']:.2f}, CPU time {one['cpu_per_day_s'] / n['cpu_per_day_s']:.2f}, memory "
          f"{(one['peak_mb'] - one['import_mb']) / max(n['peak_mb'] - n['import_mb'], 1e-9):.2f}")
    print(f"  blocked (2 workers):  {b['per_day_s']:7.2f} s/day ({b['cpu_per_day_s']:.2f} CPU s), peak {b['worker_peak_mb']:7.0f} MB per worker "
          f"process (absolute), {b['peak_mb']:.0f} MB in the calling process (imports {b['import_mb']:.0f} MB)")
    print(f"  ratio blocked / naive: wall time {b['per_day_s'] / n['per_day_s']:.2f}, CPU time "
          f"{b['cpu_per_day_s'] / n['cpu_per_day_s']:.2f}, memory (worker peak above the naive child's imports / "
          f"naive above imports) {(b['worker_peak_mb'] - n['import_mb']) / max(n['peak_mb'] - n['import_mb'], 1e-9):.2f}")
    print()
    print(f"{days} monitored day(s) each; blocked in one process (workers 0); MB above imports")
    print("| side km | pixels | ref. years | naive s/day | blocked s/day | time ratio | naive CPU s/day | "
          "blocked CPU s/day | CPU ratio | naive MB | blocked MB | memory ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        n, b = r["naive"], r["blocked"]
        nm, bm = n["peak_mb"] - n["import_mb"], b["peak_mb"] - b["import_mb"]
        print(f"| {n['side_km']} | {n['pixels']:,} | {n['years']} | {n['per_day_s']:.2f} | {b['per_day_s']:.2f} | "
              f"{b['per_day_s'] / n['per_day_s']:.2f} | {n['cpu_per_day_s']:.2f} | {b['cpu_per_day_s']:.2f} | "
              f"{b['cpu_per_day_s'] / n['cpu_per_day_s']:.2f} | {nm:.0f} | {bm:.0f} | {bm / max(nm, 1e-9):.2f} |")


if __name__ == "__main__":
    main()
