"""Paper-scale classifier throughput on a GPU: images/s for training and inference
of the DRSN, ResNet and CNN at 256 x 256 x 2 and width 1.0, on the JAX backend, optionally
with the ``mixed_bfloat16`` policy (the output unit stays float32).

Inputs are SYNTHETIC random images. Training: ``fit`` for ``--steps`` batches after one
warm-up epoch of the same length (XLA compilation), images/s of the timed epoch. Inference:
``predict_on_batch`` after a warm-up, median of ``--repeat`` calls. Ratios to the CNN of the
same run are printed beside each figure.

GPU (not yet measured): ``KERAS_BACKEND`` is set from ``--backend`` before Keras is imported;
``pip install -e ".[jax]"`` (and ``"jax[cuda12]"`` on a GPU) first.
    python benchmarks/gpu_drsn.py --backend jax --size 256 --width 1.0 --batch 64 [--mixed-bfloat16]
CPU proof that it runs (tiny):
    .venv/bin/python benchmarks/gpu_drsn.py --backend tensorflow --size 32 --width 0.25 --batch 8 --steps 2 --repeat 3
    (the same with --backend jax runs too: jax[cpu] comes with the dev extra)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time

import numpy as np
from _epoch_timer import fit_epoch_times

KINDS = ("cnn", "resnet", "drsn")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="jax", choices=("jax", "tensorflow", "torch"))
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--channels", type=int, default=2)
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--mixed-bfloat16", action="store_true")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[args.backend]
    if importlib.util.find_spec(module) is None:
        sys.exit(f"gpu_drsn.py: backend {args.backend!r} is not installed (pip install {module})")
    os.environ["KERAS_BACKEND"] = args.backend

    import keras

    from thermoquake.classifiers import build_classifier

    if args.mixed_bfloat16:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    devices = keras.distribution.list_devices() if hasattr(keras, "distribution") else []
    rng = np.random.default_rng(0)
    n = args.batch * args.steps
    x = rng.normal(size=(n, args.size, args.size, args.channels)).astype("float32")
    y = (np.arange(n) % 2).astype("float32")
    rows = []
    for kind in KINDS:
        model = build_classifier(kind, x.shape[1:], width=args.width, seed=0)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
        times = fit_epoch_times(model, x, y, args.batch, 2)
        batch = x[:args.batch]
        np.asarray(model.predict_on_batch(batch))            # warm-up / compile
        lat = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            np.asarray(model.predict_on_batch(batch))        # forces the result to the host
            lat.append(time.perf_counter() - t0)
        rows.append({"model": kind, "params": model.count_params(),
                     "train_images_per_s": round(n / times[1], 1),
                     "infer_images_per_s": round(args.batch / statistics.median(lat), 1)})
    for r in rows:
        r["train_x_cnn"] = round(r["train_images_per_s"] / rows[0]["train_images_per_s"], 2)
        r["infer_x_cnn"] = round(r["infer_images_per_s"] / rows[0]["infer_images_per_s"], 2)
    result = {"synthetic": True, "backend": keras.backend.backend(), "devices": devices,
              "policy": keras.mixed_precision.global_policy().name, "size": args.size,
              "channels": args.channels, "width": args.width, "batch": args.batch,
              "steps": args.steps, "rows": rows}
    print(json.dumps(result, indent=2))
    if args.json_out:
        from thermoquake.atomic import write_text_atomic
        write_text_atomic(args.json_out, json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
