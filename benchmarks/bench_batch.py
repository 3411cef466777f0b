"""Batch preprocessing throughput (``thermoquake preprocess``) against ``gdalwarp`` per crop.

Run: ``.venv/bin/python benchmarks/bench_batch.py [--sample 20] [--repeat 3] [--json OUT]``.

Everything is measured in the same run, on SYNTHETIC tiles (``thermoquake.synth``) that are
written once into ``--cache`` (default ``bench-output/batch-tiles``) and reused:

* the batch: 10 events in central China (tiles h26v05 and h27v05; 3 of the 10 boxes need
  both), all on 2012-06-15, ``--days-before 5``, ``--reference-years 2003-2011``:
  10 x 5 x (1 + 9) = 500 crops of 256 x 256 km over 50 dates, 100 tile files (~6 MB each).
  Every date's 2 tiles are shared by the 10 boxes of that date (10 crops per tile read);
* (a) ``thermoquake preprocess`` on it, fresh workdir each time, with ``--workers 0``
  (in-process), ``1`` and ``2``: wall time of the command (dask cluster start-up included)
  and crops/s;
* (b) the naive baseline: ``gdalwarp`` of the HDF4-EOS LST_Night_1km subdataset(s) of the
  tiles each crop needs (several tiles as several inputs: a mosaic), ``-t_srs EPSG:4326
  -te W S E N -ts 256 256 -r near -ot Float32``, one command per crop, on a sample of
  ``--sample`` crops spread over the batch; skipped if gdalwarp or its HDF4 driver is missing;
* (c) the same sample through the single-crop path in this process:
  ``crop_epicentre`` + ``write_epicentre_geotiff``.

Ratios are gdalwarp ms/crop / ours ms/crop. On the sample the script also compares
gdalwarp's output, converted to deg C (DN x 0.02 - 273.15; DN 0 is its nodata), with ours
where ours is finite (ours also applies the QC mask, gdalwarp does not), and checks that the
batch wrote the same pixels as the single-crop path.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_CACHE = ROOT / "bench-output" / "batch-tiles"
DEFAULT_WORK = ROOT / "bench-output" / "batch"

PRODUCT = "MYD11A1"
LAYER = "LST_Night_1km"
SIZE = 256
SEED = 0
EVENT_TIME = "2012-06-15T18:00:00Z"
DAYS_BEFORE = 5
REFERENCE_YEARS = (2003, 2011)   # the event year 2012 is outside: 9 reference years
# (lat, lon): every box lies in h26v05 and/or h27v05; the starred ones need both tiles.
EVENTS = [(34.0, 100.0), (36.0, 104.0), (38.0, 108.0), (32.0, 102.0), (34.0, 106.0),  # *
          (36.0, 110.0), (32.0, 108.0), (34.0, 112.0), (36.0, 115.0), (32.0, 115.0)]  # * *
# 10 more boxes in the same two tiles (same dates, same tile files): the 1000-crop batch of
# bench_batch_memory.py.
EXTRA_EVENTS = [(33.0, 101.0), (35.0, 103.0), (37.0, 105.0), (33.0, 107.0), (35.0, 109.0),
                (37.0, 111.0), (33.0, 113.0), (35.0, 114.0), (37.0, 113.0), (37.0, 107.0)]
TILES = ((26, 5), (27, 5))


def write_events(path: Path, n_events: int) -> Path:
    """The first ``n_events`` events (EVENTS, then EXTRA_EVENTS) as an events CSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["event_id", "time", "latitude", "longitude", "depth_km", "magnitude",
                    "magnitude_type"])
        for i, (lat, lon) in enumerate((EVENTS + EXTRA_EVENTS)[:n_events]):
            w.writerow([f"bench{i:02d}", EVENT_TIME, lat, lon, 10.0, 6.0, "mw"])
    return path


def plan(events_csv: Path, years: tuple[int, int] = REFERENCE_YEARS):
    from thermoquake.preprocessing.events import read_events
    from thermoquake.preprocessing.plan import plan_images
    return plan_images(read_events(events_csv), DAYS_BEFORE, range(years[0], years[1] + 1), SIZE)


def _write_tile(args: tuple[str, int, int, dt.date]) -> str:
    from thermoquake.synth import SynthConfig, write_synthetic_tile
    out, h, v, date = args
    return str(write_synthetic_tile(out, PRODUCT, h, v, date, config=SynthConfig(seed=SEED)))


def ensure_tiles(cache: Path, dates: set[dt.date], jobs: int = 2) -> tuple[int, int, float]:
    """Write the synthetic tiles of ``dates`` that are not yet in ``cache`` (file names carry the
    date they were generated for). Returns (tiles in the set, tiles written now, seconds)."""
    from thermoquake.synth.tiles import synthetic_granule_name
    cache.mkdir(parents=True, exist_ok=True)
    wanted = [(str(cache), h, v, d) for d in sorted(dates) for h, v in TILES]
    todo = [w for w in wanted
            if not (cache / synthetic_granule_name(PRODUCT, w[1], w[2], w[3]).filename).exists()]
    t0 = time.perf_counter()
    if todo:
        print(f"writing {len(todo)} synthetic tiles into {cache} ...", flush=True)
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(_write_tile, todo, chunksize=4))
    return len(wanted), len(todo), time.perf_counter() - t0


def warm_page_cache(cache: Path) -> None:
    for p in sorted(cache.glob("*.hdf")):
        with open(p, "rb") as fh:
            while fh.read(1 << 22):
                pass


def preprocess_cmd(events_csv: Path, hdf_dir: Path, workdir: Path, workers: int,
                   years: tuple[int, int] = REFERENCE_YEARS) -> list[str]:
    return [sys.executable, "-m", "thermoquake", "preprocess", "--events", str(events_csv),
            "--hdf-dir", str(hdf_dir), "--out", str(workdir), "--days-before", str(DAYS_BEFORE),
            "--reference-years", f"{years[0]}-{years[1]}", "--size", str(SIZE),
            "--workers", str(workers), "--no-progress", "--json"]


def run_batch(events_csv: Path, hdf_dir: Path, workdir: Path, workers: int, n_crops: int) -> dict:
    """One fresh ``thermoquake preprocess`` run; wall time of the whole command."""
    shutil.rmtree(workdir, ignore_errors=True)
    cmd = preprocess_cmd(events_csv, hdf_dir, workdir, workers)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"preprocess failed ({proc.returncode}):\n{proc.stderr}")
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    if summary["manifest_rows"] != n_crops or summary["failure_rows"] != 0:
        sys.exit(f"preprocess made {summary['manifest_rows']} images, {summary['failure_rows']} "
                 f"failures; expected {n_crops} images")
    return {"workers": workers, "crops": n_crops, "wall_s": round(wall, 3),
            "crops_per_s": round(n_crops / wall, 2), "ms_per_crop": round(wall / n_crops * 1000, 2)}


def dask_startup(workers: int) -> float:
    """Seconds to start and close a local dask cluster as ``preprocess`` does (no work)."""
    code = ("import time; t0 = time.perf_counter()\n"
            "from distributed import Client, LocalCluster\n"
            f"c = LocalCluster(n_workers={workers}, threads_per_worker=1, processes=True, "
            "dashboard_address=None, silence_logs=50); cl = Client(c)\n"
            "cl.close(); c.close(); print(time.perf_counter() - t0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def gdal_hdf4_available() -> str | None:
    """None if gdalwarp with the HDF4 driver is usable, else why not."""
    if shutil.which("gdalwarp") is None or shutil.which("gdalinfo") is None:
        return "gdalwarp/gdalinfo not on PATH (Debian: apt-get install gdal-bin)"
    formats = subprocess.run(["gdalinfo", "--formats"], capture_output=True, text=True).stdout
    if not any(line.strip().startswith("HDF4 ") for line in formats.splitlines()):
        return "GDAL has no HDF4 driver"
    return None


def gdalwarp_cmd(paths: list[Path], bounds: tuple[float, float, float, float],
                 out: Path) -> list[str]:
    sources = [f'HDF4_EOS:EOS_GRID:"{p}":MODIS_Grid_Daily_1km_LST:{LAYER}' for p in paths]
    return ["gdalwarp", "-q", "-overwrite", *sources, "-t_srs", "EPSG:4326",
            "-te", *(repr(b) for b in bounds), "-ts", str(SIZE), str(SIZE),
            "-r", "near", "-ot", "Float32", str(out)]


def sample_tasks(tasks, n: int):
    step = max(len(tasks) // n, 1)
    return [tasks[i] for i in range(0, len(tasks), step)][:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="synthetic tile set (written once, reused) [%(default)s]")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK,
                        help="scratch directory for workdirs and events [%(default)s]")
    parser.add_argument("--sample", type=int, default=20, help="crops timed one by one [20]")
    parser.add_argument("--repeat", type=int, default=3,
                        help="repeats of each sampled crop (median per crop) [3]")
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2],
                        help="--workers values of the batch runs [0 1 2]")
    parser.add_argument("--json", dest="json_out", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    from rasterio import open as rio_open

    from thermoquake.preprocessing.hdf_index import scan_hdf_dir
    from thermoquake.image.crop import crop_epicentre
    from thermoquake.image.grid import EpicentreGrid
    from thermoquake.image.geotiff import write_epicentre_geotiff

    t_start = time.perf_counter()
    events_csv = write_events(args.work / "events.csv", len(EVENTS))
    tasks = plan(events_csv)
    dates = {t.date for t in tasks}
    n_tiles, n_new, gen_s = ensure_tiles(args.cache, dates)
    warm_page_cache(args.cache)
    index = scan_hdf_dir(args.cache, PRODUCT)
    n = len(tasks)
    setup = {"events": len(EVENTS), "event_time": EVENT_TIME, "days_before": DAYS_BEFORE,
             "reference_years": list(REFERENCE_YEARS), "crops": n, "dates": len(dates),
             "tile_files": n_tiles, "tiles": ["h%02dv%02d" % t for t in TILES],
             "two_tile_boxes": sum(len(t.tiles) == 2 for t in tasks), "synthetic": True,
             "size_km": SIZE, "tiles_written_now": n_new, "tile_generation_s": round(gen_s, 1),
             "cpu_count": os.cpu_count()}
    print(f"SYNTHETIC tiles: {n_tiles} files ({len(dates)} dates x {len(TILES)} tiles) in "
          f"{args.cache}; {n_new} written now ({gen_s:.1f} s)")
    n_ref = REFERENCE_YEARS[1] - REFERENCE_YEARS[0] + 1
    print(f"batch: {len(EVENTS)} events x {DAYS_BEFORE} days x (1 + {n_ref}"
          f" reference years) = {n} crops of {SIZE} km over {len(dates)} dates; "
          f"{setup['two_tile_boxes']} crops need 2 tiles")

    # (a) the batch
    batch = []
    for w in args.workers:
        r = run_batch(events_csv, args.cache, args.work / f"workdir-w{w}", w, n)
        print(f"  preprocess --workers {w}: {r['wall_s']:.2f} s, {r['crops_per_s']:.1f} crops/s",
              flush=True)
        if w > 0:
            r["dask_start_close_s"] = round(dask_startup(w), 2)
        batch.append(r)

    # marginal cost per crop: the same tiles and dates with twice the boxes; the difference of
    # the two wall times is free of cluster start-up, imports and tile reads shared per date
    w_top = max(args.workers)
    big_csv = write_events(args.work / "events_big.csv", len(EVENTS) + len(EXTRA_EVENTS))
    n_big = len(plan(big_csv))
    big = run_batch(big_csv, args.cache, args.work / f"workdir-big-w{w_top}", w_top, n_big)
    small = next(r for r in batch if r["workers"] == w_top)
    marginal = {"workers": w_top, "crops": [n, n_big], "wall_s": [small["wall_s"], big["wall_s"]],
                "ms_per_crop": round((big["wall_s"] - small["wall_s"]) / (n_big - n) * 1000, 2)}
    print(f"  preprocess --workers {w_top}, {n_big} crops: {big['wall_s']:.2f} s; marginal "
          f"{marginal['ms_per_crop']:.2f} ms per crop", flush=True)

    sample = sample_tasks(tasks, args.sample)
    tiles_of = [[index.get(t.date, tile) for tile in t.tiles] for t in sample]

    # (c) single-crop path, in-process
    single_ms, ours = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ours.tif"
        first = crop_epicentre(tiles_of[0], sample[0].lat, sample[0].lon, SIZE)
        write_epicentre_geotiff(out, first)
        for t, paths in zip(sample, tiles_of):
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                image = crop_epicentre(paths, t.lat, t.lon, SIZE, layer=LAYER)
                write_epicentre_geotiff(out, image)
                times.append(time.perf_counter() - t0)
            single_ms.append(statistics.median(times) * 1000)
            ours.append(image.celsius)
    single = {"crops": len(sample), "ms_per_crop": round(statistics.mean(single_ms), 2),
              "median_ms": round(statistics.median(single_ms), 2)}

    # the batch wrote the same pixels as the single-crop path
    workdir = args.work / f"workdir-w{args.workers[-1]}"
    same = 0
    for t, arr in zip(sample, ours):
        with rio_open(workdir / t.relpath) as ds:
            same += np.array_equal(ds.read(1), arr, equal_nan=True)

    # (b) gdalwarp
    missing = gdal_hdf4_available()
    gdal = None
    if missing:
        print(f"gdalwarp baseline skipped: {missing}")
    else:
        gdal_ms, agree, ours_valid, gdal_nodata, gdal_only = [], 0, 0, 0, 0
        max_diff = 0.0
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "gdal.tif"
            warm = EpicentreGrid(sample[0].lat, sample[0].lon, SIZE).bounds
            subprocess.run(gdalwarp_cmd(tiles_of[0], warm, out), check=True)
            for t, paths, mine in zip(sample, tiles_of, ours):
                cmd = gdalwarp_cmd(paths, EpicentreGrid(t.lat, t.lon, SIZE).bounds, out)
                times = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    subprocess.run(cmd, check=True)
                    times.append(time.perf_counter() - t0)
                gdal_ms.append(statistics.median(times) * 1000)
                with rio_open(out) as ds:
                    dn = ds.read(1).astype(np.float64)
                celsius = np.where(dn == 0, np.nan, dn * 0.02 - 273.15)
                finite = np.isfinite(mine)
                ours_valid += int(finite.sum())
                both = finite & np.isfinite(celsius)
                gdal_nodata += int((finite & ~np.isfinite(celsius)).sum())
                gdal_only += int((~finite & np.isfinite(celsius)).sum())
                diff = np.abs(celsius[both] - mine[both])
                agree += int((diff <= 1e-3).sum())
                if diff.size:
                    max_diff = max(max_diff, float(diff.max()))
        gdal = {"crops": len(sample), "ms_per_crop": round(statistics.mean(gdal_ms), 2),
                "median_ms": round(statistics.median(gdal_ms), 2),
                "agreement": {"ours_valid_pixels": ours_valid,
                              "equal_within_1e-3": agree,
                              "fraction_equal":
                                  round(agree / ours_valid, 6) if ours_valid else None,
                              "ours_valid_gdal_nodata": gdal_nodata,
                              "gdal_valid_ours_nan_qc_masked": gdal_only,
                              "max_abs_diff_c": round(max_diff, 6)}}

    # report
    print()
    print(f"SYNTHETIC tiles, {os.cpu_count()} CPUs; {n}-crop batch; sample of {len(sample)} crops "
          f"(median of {args.repeat} per crop, mean over crops)")
    print(f"{'method':58s} {'wall s':>8s} {'crops/s':>8s} {'ms/crop':>8s} {'gdalwarp/ours':>14s}")
    rows = []
    if gdal:
        rows.append(("gdalwarp, one command per crop", None, 1000 / gdal["ms_per_crop"],
                     gdal["ms_per_crop"]))
    rows.append(("crop_epicentre + GeoTIFF, in-process", None, 1000 / single["ms_per_crop"],
                 single["ms_per_crop"]))
    for r in batch:
        label = f"preprocess --workers {r['workers']}"
        label += " (in-process)" if r["workers"] == 0 else ""
        rows.append((label, r["wall_s"], r["crops_per_s"], r["ms_per_crop"]))
    rows.append((f"preprocess --workers {w_top}, marginal per crop ({n} -> {n_big} crops)", None,
                 1000 / marginal["ms_per_crop"], marginal["ms_per_crop"]))
    ratios = {}
    for label, wall, cps, ms in rows:
        ratio = gdal["ms_per_crop"] / ms if gdal else None
        ratios[label] = round(ratio, 2) if ratio else None
        print(f"{label:58s} {wall if wall is not None else '':>8} {cps:8.1f} {ms:8.2f} "
              f"{(f'{ratio:.1f}x' if ratio else '-'):>14s}")
    for r in batch:
        if "dask_start_close_s" in r:
            print(f"dask LocalCluster({r['workers']} workers) start + close alone, "
                  "import included: "
                  f"{r['dask_start_close_s']:.2f} s of the {r['wall_s']:.2f} s run")
    print(f"batch images equal to the single-crop path's: {same}/{len(sample)} sampled")
    if gdal:
        a = gdal["agreement"]
        print(f"gdalwarp vs ours where ours is finite: "
              f"{a['equal_within_1e-3']}/{a['ours_valid_pixels']} = {a['fraction_equal']:.4%} "
              f"equal within 1e-3 deg C (max |diff| {a['max_abs_diff_c']:.4g});"
              f" {a['ours_valid_gdal_nodata']} px nodata in gdalwarp only; "
              f"{a['gdal_valid_ours_nan_qc_masked']} px valid in gdalwarp but NaN in ours "
              "(QC mask)")
    total = time.perf_counter() - t_start
    print(f"total {total:.0f} s")
    if args.json_out:
        figures = {"setup": setup, "batch": batch, "marginal": marginal, "single_crop": single, "gdalwarp": gdal,
                   "gdalwarp_skipped": missing, "ratios_gdalwarp_over_ours": ratios,
                   "batch_equal_single_sampled": [same, len(sample)], "total_s": round(total, 1)}
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
