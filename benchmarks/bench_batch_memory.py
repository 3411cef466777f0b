"""Peak memory of ``thermoquake preprocess`` against batch size (target < 1 GB, flat).

Run: ``.venv/bin/python benchmarks/bench_batch_memory.py [--workers 2] [--json OUT]``.

Uses the SYNTHETIC tile set of ``bench_batch.py`` (written once into ``--cache``, reused;
50 dates x tiles h26v05, h27v05) and runs, each in a fresh workdir, batches of

* 125 crops: 5 events x 5 days x (1 + 4 reference years, 2008-2011),
* 250 crops: 5 events x 5 days x (1 + 9 reference years, 2003-2011),
* 500 crops: 10 events x 5 days x (1 + 9),
* 1000 crops: 20 events x 5 days x (1 + 9) (the same dates and tile files),

sampling every ``--interval`` s (default 0.05) the resident set size (RSS) of the
preprocess process and all its descendants (dask nannies and workers), summed. The peak of
that sum is reported (it counts shared pages, e.g. libraries, once per process, so it
over-states the memory in use); the peak of the summed PSS (proportional set size, shared
pages split between the processes sharing them) is reported beside it where the system
gives it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_batch as bb  # noqa: E402

BATCHES = [  # (crops, events, reference years)
    (125, 5, (2008, 2011)),
    (250, 5, (2003, 2011)),
    (500, 10, (2003, 2011)),
    (1000, 20, (2003, 2011)),
]


def tree_memory(proc: psutil.Process, with_pss: bool) -> tuple[int, int | None]:
    """(summed RSS, summed PSS or None) of ``proc`` and its descendants, in bytes."""
    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0, None
    rss, pss = 0, 0 if with_pss else None
    for p in procs:
        try:
            if with_pss:
                info = p.memory_full_info()
                rss += info.rss
                pss += info.pss
            else:
                rss += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
            continue
    return rss, pss


def measure(cmd: list[str], interval: float, with_pss: bool) -> dict:
    t0 = time.perf_counter()
    popen = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc = psutil.Process(popen.pid)
    peak_rss, peak_pss, peak_n, samples = 0, 0, 0, 0
    while popen.poll() is None:
        rss, pss = tree_memory(proc, with_pss)
        peak_rss = max(peak_rss, rss)
        if pss is not None:
            peak_pss = max(peak_pss, pss)
        try:
            peak_n = max(peak_n, 1 + len(proc.children(recursive=True)))
        except psutil.NoSuchProcess:
            pass
        samples += 1
        time.sleep(interval)
    out, err = popen.communicate()
    wall = time.perf_counter() - t0
    if popen.returncode != 0:
        sys.exit(f"preprocess failed ({popen.returncode}):\n{err}")
    summary = json.loads(out.strip().splitlines()[-1])
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(peak_rss / 2**20, 1),
            "peak_pss_mb": round(peak_pss / 2**20, 1) if with_pss else None,
            "max_processes": peak_n, "samples": samples, "images": summary["manifest_rows"],
            "failures": summary["failure_rows"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=bb.DEFAULT_CACHE,
                        help="synthetic tile set (written once, reused) [%(default)s]")
    parser.add_argument("--work", type=Path, default=bb.ROOT / "bench-output" / "batch-memory",
                        help="scratch directory for workdirs and events [%(default)s]")
    parser.add_argument("--workers", type=int, default=2, help="preprocess --workers [2]")
    parser.add_argument("--interval", type=float, default=0.05, help="sampling period, s [0.05]")
    parser.add_argument("--json", dest="json_out", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    with_pss = hasattr(psutil.Process().memory_full_info(), "pss")
    dates = set()
    plans = []
    for crops, n_events, years in BATCHES:
        events_csv = bb.write_events(args.work / f"events-{crops}.csv", n_events)
        tasks = bb.plan(events_csv, years)
        assert len(tasks) == crops, (crops, len(tasks))
        dates |= {t.date for t in tasks}
        plans.append((crops, n_events, years, events_csv, len({t.date for t in tasks})))
    n_tiles, n_new, gen_s = bb.ensure_tiles(args.cache, dates)
    bb.warm_page_cache(args.cache)
    print(f"SYNTHETIC tiles: {n_tiles} files in {args.cache}; {n_new} written now ({gen_s:.1f} s)")

    rows = []
    for crops, n_events, years, events_csv, n_dates in plans:
        workdir = args.work / f"workdir-{crops}"
        shutil.rmtree(workdir, ignore_errors=True)
        cmd = bb.preprocess_cmd(events_csv, args.cache, workdir, args.workers, years)
        r = measure(cmd, args.interval, with_pss)
        if r["images"] != crops or r["failures"]:
            sys.exit(f"{crops}-crop batch: {r['images']} images, {r['failures']} failures")
        r |= {"crops": crops, "events": n_events, "dates": n_dates,
              "reference_years": list(years), "crops_per_s": round(crops / r["wall_s"], 1)}
        rows.append(r)
        print(f"  {crops} crops: peak RSS {r['peak_rss_mb']:.0f} MB, {r['wall_s']:.1f} s",
              flush=True)
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(f"SYNTHETIC tiles, {os.cpu_count()} CPUs; preprocess --workers {args.workers}; "
          f"process tree sampled every {args.interval * 1000:.0f} ms")
    print(f"{'crops':>6s} {'events':>6s} {'dates':>6s} {'peak RSS MB':>12s} {'peak PSS MB':>12s} "
          f"{'procs':>6s} {'wall s':>7s} {'crops/s':>8s}")
    for r in rows:
        pss = f"{r['peak_pss_mb']:.0f}" if r["peak_pss_mb"] is not None else "-"
        print(f"{r['crops']:6d} {r['events']:6d} {r['dates']:6d} {r['peak_rss_mb']:12.0f} "
              f"{pss:>12s} "
              f"{r['max_processes']:6d} {r['wall_s']:7.1f} {r['crops_per_s']:8.1f}")
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        figures = {"synthetic": True, "workers": args.workers, "interval_s": args.interval,
                   "cpu_count": os.cpu_count(), "batches": rows}
        args.json_out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
