"""Small inputs for the report and pipeline tests, in the formats the library writes.

* :func:`make_workdir`: a REAL preprocess + rst workdir from synthetic tiles (one event at
  35.0 N 103.0 E, 2 target days, reference 2005-2008, 32 km images, a warm anomaly injected).
* :func:`make_run`: a fake ``thermoquake train`` run directory whose metrics come from
  ``thermoquake.evaluation.metrics.evaluate`` on random numbers.
* :func:`make_augmentation`: a fake ``thermoquake augment generate`` directory.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np

import thermoquake as tq

EVENT_ID = "E1"
EVENT_DATE = dt.date(2008, 5, 12)
LAT, LON, SIZE = 35.0, 103.0, 32


def make_workdir(root: Path, rst: bool = True) -> Path:
    from thermoquake.synth import SynthConfig, SyntheticAnomaly, write_synthetic_tile

    hdf = root / "hdf"
    hdf.mkdir(parents=True)
    anomaly = SyntheticAnomaly(LAT, LON, 5.0, 6.0, 2, EVENT_DATE)
    for year in (2005, 2006, 2007, 2008):
        for day in (EVENT_DATE - dt.timedelta(days=2), EVENT_DATE - dt.timedelta(days=1)):
            write_synthetic_tile(hdf, "MYD11A1", 26, 5, day.replace(year=year),
                                 config=SynthConfig(seed=3, cloud_fraction=0.25, swath_gaps=False),
                                 anomalies=[anomaly] if year == 2008 else [])
    events = root / "events.csv"
    events.write_text("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
                      f"{EVENT_ID},{EVENT_DATE.isoformat()}T06:28:00Z,{LAT},{LON},10.0,6.5,Mw\n")
    out = root / "wd"
    tq.preprocess(events, hdf, out, days_before=2, reference_years=range(2005, 2009), size=SIZE, workers=0,
                  progress=False)
    if rst:
        tq.run_rst(out, min_count=2)
    return out


def make_run(root: Path, name: str = "w3-drsn-gan-s0", seed: int = 0, n_controls: int = 5,
             n_events: int = 5, days: int = 2) -> Path:
    """Predictions for ``E1`` (days 1..days) plus random events and controls; metrics by evaluate()."""
    from thermoquake.evaluation.document import METRICS_SCHEMA
    from thermoquake.evaluation.metrics import evaluate, molchan_points

    rng = np.random.default_rng(seed)
    rows = []
    samples = [(EVENT_ID, 1)] + [(f"ev{i}", 1) for i in range(n_events - 1)] + [(f"ctl{i}", 0)
                                                                               for i in range(n_controls)]
    for k, (sid, label) in enumerate(samples):
        for d in range(1, days + 1):
            prob = float(np.clip(rng.normal(0.6 if label else 0.4, 0.2), 0, 1))
            if sid == EVENT_ID:
                prob = 0.3 if d == 2 else 0.8          # E1: an alarm on the day before
            date = (EVENT_DATE - dt.timedelta(days=d)).isoformat()
            rows.append({"sample_id": sid, "group": sid, "label": label, "site": sid, "date": date,
                         "days_before": d, "fold": k % 4, "prob": round(prob, 4)})
    y = np.array([r["label"] for r in rows])
    p = np.array([r["prob"] for r in rows])
    g = [r["sample_id"] for r in rows]
    daily = evaluate(y, p, g, n_boot=40)
    names = sorted(set(g))
    wl = np.array([int(name in {s for s, lab in samples if lab}) for name in names])
    ws_any = np.array([max(pp for pp, gg in zip(p, g) if gg == name) for name in names])
    ws_mean = np.array([np.mean([pp for pp, gg in zip(p, g) if gg == name]) for name in names])
    run = root / name
    run.mkdir(parents=True)
    metrics = {"schema": METRICS_SCHEMA, "synthetic": True, "window": days + 1, "model": "drsn",
               "augment": "gan", "daily": daily,
               "window_any": evaluate(wl, ws_any, names, n_boot=40),
               "window_mean": evaluate(wl, ws_mean, names, n_boot=40),
               "molchan": [list(pt) for pt in molchan_points(ws_any, wl)],
               "baselines_models": {m: evaluate(y, rng.random(len(y)), g, n_boot=20)
                                    for m in ("logistic_rst", "rst_rule", "climatology", "clustering")}}
    (run / "metrics.json").write_text(json.dumps(metrics))
    # the layout thermoquake train writes: options under "train", the folds' composition beside them
    (run / "config.json").write_text(json.dumps({
        "train": {"window": days + 1, "model": "drsn", "augment": "gan", "folds": 4, "split": "grouped",
                  "seed": seed, "channels": ["lst"], "epochs": 30},
        "folds": [{"fold": k, "test_groups": []} for k in range(4)],
        "workdir": "wd", "synthetic": True, "versions": {}}))
    with open(run / "predictions.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, ["sample_id", "group", "label", "site", "date", "days_before", "fold", "prob"])
        writer.writeheader()
        writer.writerows(rows)
    return run


def make_augmentation(root: Path, workdir: Path, n_accepted: int = 3, n_rejected: int = 2) -> Path:
    """Generated images: a workdir target image plus noise, tagged generated_by; gate.csv verdicts."""
    import rasterio

    target = next((workdir / "images" / EVENT_ID / "target").glob("*[0-9].tif"))
    gen = root / "gen"
    (gen / "rejected").mkdir(parents=True)
    with rasterio.open(target) as src:
        profile, values, tags = src.profile, src.read(1), src.tags()
    rng = np.random.default_rng(1)
    rows = []
    for i in range(n_accepted + n_rejected):
        accepted = i < n_accepted
        name = f"gen_{i:03d}.tif"
        path = gen / name if accepted else gen / "rejected" / name
        with rasterio.open(path, "w", **profile) as dst:
            dst.write((values + rng.normal(0, 0.5 if accepted else 4.0, values.shape)).astype("float32"), 1)
            dst.update_tags(**tags, generated_by="fake-gan test")
        rows.append({"file": name, "accepted": "true" if accepted else "false",
                     "reasons": "" if accepted else "eq6_ratio 1.9 > 1.25;std_diff 3.8 K > 1 K",
                     "eq6_ratio": 0.9 if accepted else 1.9, "iou": 0.5 if accepted else 0.1})
    with open(gen / "gate.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, ["file", "accepted", "reasons", "eq6_ratio", "iou"])
        writer.writeheader()
        writer.writerows(rows)
    (gen / "generated.json").write_text(json.dumps({"synthetic": True, "accepted": n_accepted, "like": str(target),
                                                    "rejected": n_rejected}))
    return gen
