"""Classifier benchmarks on the CPU: training time per epoch and inference latency
per image of the DRSN, ResNet and plain CNN, each as a ratio to the CNN timed in the same run.

Inputs are SYNTHETIC random images (speed does not depend on content). Training: ``fit`` on
``--images`` images of ``--size`` x ``--size`` x 2 in batches of ``--batch``, one warm-up
epoch (graph tracing), then the median of ``--epochs`` timed epochs. Inference:
``predict_on_batch`` at batch 1 and batch 32 after a warm-up, models interleaved, median of
``--repeat`` calls, reported per image.

Run: ``.venv/bin/python benchmarks/bench_drsn.py [--images 64 --size 64 --width 0.25]
[--json OUT.json]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
from _epoch_timer import fit_epoch_times

KINDS = ("cnn", "resnet", "drsn")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=64)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--width", type=float, default=0.25)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()

    import keras

    from thermoquake.classifiers import build_classifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(max(args.images, 32), args.size, args.size, 2)).astype("float32")
    y = (np.arange(len(x)) % 2).astype("float32")
    models, epoch_s = {}, {}
    for kind in KINDS:
        model = build_classifier(kind, x.shape[1:], width=args.width, seed=0)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
        times = fit_epoch_times(model, x[:args.images], y[:args.images], args.batch, 1 + args.epochs)
        epoch_s[kind] = statistics.median(times[1:])
        models[kind] = model

    latency = {kind: {1: [], 32: []} for kind in KINDS}
    for kind in KINDS:                                   # warm-up: trace both batch shapes
        for b in (1, 32):
            models[kind].predict_on_batch(x[:b])
    for _ in range(args.repeat):
        for kind in KINDS:
            for b in (1, 32):
                t0 = time.perf_counter()
                models[kind].predict_on_batch(x[:b])
                latency[kind][b].append((time.perf_counter() - t0) / b)

    rows = []
    for kind in KINDS:
        rows.append({
            "model": kind, "params": models[kind].count_params(),
            "epoch_s": round(epoch_s[kind], 4),
            "epoch_x_cnn": round(epoch_s[kind] / epoch_s["cnn"], 2),
            "ms_per_image_b1": round(1000 * statistics.median(latency[kind][1]), 3),
            "ms_per_image_b32": round(1000 * statistics.median(latency[kind][32]), 3),
        })
    for r in rows:
        r["b1_x_cnn"] = round(r["ms_per_image_b1"] / rows[0]["ms_per_image_b1"], 2)
        r["b32_x_cnn"] = round(r["ms_per_image_b32"] / rows[0]["ms_per_image_b32"], 2)
    result = {"synthetic": True, "backend": keras.backend.backend(), "images": args.images,
              "size": args.size, "width": args.width, "batch": args.batch, "rows": rows}
    print(f"{args.images} SYNTHETIC images of {args.size}x{args.size}x2, width {args.width}, "
          f"batch {args.batch}, backend {result['backend']}")
    print("| model | params | s/epoch | x CNN | ms/image b1 | x CNN | ms/image b32 | x CNN |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['params']} | {r['epoch_s']:.3f} | {r['epoch_x_cnn']:.2f} | "
              f"{r['ms_per_image_b1']:.2f} | {r['b1_x_cnn']:.2f} | {r['ms_per_image_b32']:.3f} | "
              f"{r['b32_x_cnn']:.2f} |")
    if args.json_out:
        from thermoquake.atomic import write_text_atomic
        write_text_atomic(args.json_out, json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
