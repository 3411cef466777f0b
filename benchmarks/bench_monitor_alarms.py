"""The alarm step of ``thermoquake monitor`` (:func:`thermoquake.monitor.run.sequences_and_alarms`):
the vectorised cell-day lookup (one slice of days per daily region) against the per-day Python
loop it replaced, measured in the same run on the same SYNTHETIC daily regions, with the
outputs checked equal.

The daily regions: ``--days`` days, ``--regions`` anomalous regions a day drifting slowly (so
that they link into significant sequences), each touching 1-6 cells of a 0.5-degree grid over
a 10 x 10 degree region. Run: ``.venv/bin/python benchmarks/bench_monitor_alarms.py
[--days 365] [--regions 40] [--alarm-days 30] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np


def daily_regions(days: int, regions: int, seed: int = 0) -> tuple[list[dt.date], list[dict], list[tuple]]:
    rng = np.random.default_rng(seed)
    start = dt.date(2018, 1, 1)
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    lat0, lon0 = rng.uniform(25, 35, regions), rng.uniform(95, 105, regions)
    cells = sorted({(int((lon + 180) // 0.5), int((lat + 90) // 0.5))
                    for lon in np.arange(95, 105, 0.5) for lat in np.arange(25, 35, 0.5)})
    metas = []
    for k, d in enumerate(dates):
        regs = []
        for i in range(regions):
            if rng.random() < 0.3:                        # a day without this region
                continue
            lat = float(lat0[i] + 0.01 * k + rng.normal(0, 0.05))
            lon = float(lon0[i] + rng.normal(0, 0.05))
            c0 = (int((lon + 180) // 0.5), int((lat + 90) // 0.5))
            touched = {(c0[0] + a, c0[1] + b) for a in range(int(rng.integers(1, 3))) for b in
                       range(int(rng.integers(1, 4)))}
            regs.append({"lat": lat, "lon": lon, "area_km2": float(rng.uniform(200, 3000)),
                         "max_r": float(rng.uniform(2, 8)), "cells": [list(c) for c in sorted(touched)]})
        metas.append({"date": d.isoformat(), "regions": regs})
    return dates, metas, cells


def per_day_loop(days, metas, cells, settings, rules):
    """The earlier implementation: for each daily region of each sequence, each alarmed day in turn."""
    from thermoquake.monitor.run import sequence_onset
    from thermoquake.rst.sequences import DailyAnomaly, SequenceRules, significant_sequences

    anomalies, cells_of = [], {}
    for meta in metas:
        day = dt.date.fromisoformat(meta["date"])
        for reg in meta["regions"]:
            a = DailyAnomaly(day, reg["lat"], reg["lon"], reg["area_km2"], reg["max_r"])
            anomalies.append(a)
            cells_of[a] = [tuple(c) for c in reg["cells"]]
    seqs = significant_sequences(anomalies, SequenceRules(rules.min_days, rules.max_distance_km,
                                                           settings.min_area_km2, settings.threshold))
    day_pos = {d: k for k, d in enumerate(days)}
    cell_pos = {c: j for j, c in enumerate(cells)}
    scores = np.zeros((len(days), len(cells)), dtype=np.float32)
    for seq in seqs:
        known = sequence_onset([m.date for m in seq.members], rules.min_days)
        for m in seq.members:
            first = max(m.date, known) + dt.timedelta(days=1)
            last = m.date + dt.timedelta(days=rules.alarm_days)
            js = [cell_pos[c] for c in cells_of.get(m, []) if c in cell_pos]
            d = first
            while d <= last:
                k = day_pos.get(d)
                if k is not None and js:
                    scores[k, js] = np.maximum(scores[k, js], np.float32(m.max_r))
                d += dt.timedelta(days=1)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--regions", type=int, default=40)
    parser.add_argument("--alarm-days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from thermoquake.catalog.region import Region
    from thermoquake.monitor.daily import MonitorSettings
    from thermoquake.monitor.run import AlarmRules, sequences_and_alarms
    from thermoquake.rst.sequences import DailyAnomaly, SequenceRules, significant_sequences

    days, metas, cells = daily_regions(args.days, args.regions)
    settings = MonitorSettings(Region.parse("95,25,105,35"), (2012, 2013), 2)
    rules = AlarmRules(alarm_days=args.alarm_days)
    anomalies = [DailyAnomaly(dt.date.fromisoformat(m["date"]), r["lat"], r["lon"], r["area_km2"], r["max_r"])
                 for m in metas for r in m["regions"]]
    best = {"sequences only": np.inf, "per-day loop": np.inf, "vectorised": np.inf}
    for _ in range(args.repeat):
        t = time.perf_counter()
        significant_sequences(anomalies, SequenceRules(rules.min_days, rules.max_distance_km, settings.min_area_km2,
                                                       settings.threshold))
        best["sequences only"] = min(best["sequences only"], time.perf_counter() - t)
        t = time.perf_counter()
        old = per_day_loop(days, metas, cells, settings, rules)
        best["per-day loop"] = min(best["per-day loop"], time.perf_counter() - t)
        t = time.perf_counter()
        _, new = sequences_and_alarms(days, metas, cells, settings, rules)
        best["vectorised"] = min(best["vectorised"], time.perf_counter() - t)
        assert np.array_equal(old, new), "the two implementations disagree"
    print(f"SYNTHETIC daily regions: {args.days} days, {len(anomalies)} regions, {len(cells)} cells, "
          f"alarm {args.alarm_days} days; {int((new > 0).sum())} of {new.size} cell-days alarmed; best of "
          f"{args.repeat}")
    for name, secs in best.items():
        print(f"{name:15s} {secs:8.3f} s")
    lookup_old = best["per-day loop"] - best["sequences only"]
    lookup_new = best["vectorised"] - best["sequences only"]
    print(f"alarm lookup alone: {lookup_old:.3f} s -> {lookup_new:.3f} s "
          f"({lookup_old / max(lookup_new, 1e-9):.1f}x); whole step {best['per-day loop'] / best['vectorised']:.2f}x")


if __name__ == "__main__":
    main()
