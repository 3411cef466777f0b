"""The paper's Table 1 on SYNTHETIC data: plain vs improved DCGAN, judged by the RST gate.

A synthetic site (``--size`` px of 1 km): a fixed terrain pattern (5 K), per-day smooth
weather (1 K), sensor noise (0.3 K) and a cloud patch per image; the pre-earthquake days
carry a +4 K disc anomaly (radius 8 px) at the same place. Both GANs train on the same
``--train`` pre-earthquake days (same seed, width, steps, batch), generate ``--n`` images
each (the paper shows 6), and every image goes through :func:`thermoquake.rst.gate.gate`
against a held-out real pre-earthquake day and the site's 12-year reference of that
calendar day (no anomaly); so do the 8 held-out real days (set ``real``: what the gate
says of genuine days, the ceiling). Prints one row per image and each set's means (Eq. 6 on grey
levels, Eq. 6 over the real spread, IoU, centroid distance, mean/std differences, W1,
spectrum distance, verdict), then each set's memorisation check (nearest-training-image
distance of the generated images vs that of 8 held-out real days:
:mod:`thermoquake.gan.memorisation`) and writes them as JSON. Every number is SYNTHETIC.

Run: ``.venv/bin/python examples/gan_table1.py [--steps 300] [--width 0.125] [--size 64]
[--batch 16] [--train 32] [--n 6] [--seed 0] [--out gan-table1/]`` (models, sample grids and
``table1.json`` under ``--out``; re-running resumes the trainings from their checkpoints).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter

from thermoquake.atomic import write_text_atomic
from thermoquake.image.grid import EpicentreGrid
from thermoquake.gan.memorisation import memorisation
from thermoquake.rst.gate import gate
from thermoquake.rst.validate import ValidationRow, format_table, rows_as_json


HELDOUT = 8
"""Real pre-earthquake days the GANs never see, for the memorisation check."""


def synthetic_site(size: int, n_train: int, n_reference: int = 12, seed: int = 7):
    """``(train, real, reference)`` deg C: ``(n_train, S, S)``, ``(S, S)``, ``(n_reference, S, S)``."""
    rng = np.random.default_rng(seed)

    def smooth(sigma: float, std: float) -> np.ndarray:
        f = gaussian_filter(rng.standard_normal((size, size)), sigma * size / 64, mode="wrap")
        return f * (std / f.std())

    structure = 10.0 + smooth(6.0, 5.0)
    yy, xx = np.mgrid[:size, :size]
    r = 8 * size / 64
    disc = np.where((yy - 0.3 * size) ** 2 + (xx - 0.62 * size) ** 2 <= r * r, 4.0, 0.0)

    def day(anomaly: bool, cloud: bool) -> np.ndarray:
        img = structure + rng.normal(0, 0.5) + smooth(4.0, 1.0) + rng.normal(0, 0.3, (size, size))
        img = img + (disc if anomaly else 0.0)
        if cloud:
            h, w = rng.integers(size // 10, size // 4, 2)
            r0, c0 = rng.integers(0, size - h), rng.integers(0, size - w)
            img[r0:r0 + h, c0:c0 + w] = np.nan
        return img.astype(np.float32)

    reference = np.stack([day(False, i % 3 == 0) for i in range(n_reference)])
    real = day(True, False)
    train = np.stack([day(True, True) for _ in range(n_train)])
    return train, real, reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--width", type=float, default=0.125)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--train", type=int, default=32)
    parser.add_argument("--n", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--base", choices=("mean", "none"), default="mean",
                        help="GAN temperature encoding: departures from the training mean field, or the "
                             "paper's whole-field scaling (thermoquake.gan.normalise)")
    parser.add_argument("--reuse-fake", action="store_true",
                        help="the generator update reuses the discriminator update's generated batch")
    parser.add_argument("--out", type=Path, default=Path("gan-table1"))
    args = parser.parse_args()
    from thermoquake.gan import generate, train_gan

    train, real, reference = synthetic_site(args.size, args.train + HELDOUT)
    train, heldout = train[:args.train], train[args.train:]        # held-out days: the memorisation check
    grid = EpicentreGrid(31.0, 103.4, args.size)
    rows, memo = [], {}
    for i, image in enumerate(heldout):         # the ceiling: real days of the same site and season
        rows.append(ValidationRow("real", Path(f"heldout_{i}"), gate(image, real, reference, grid)))
    for label, fusion in (("dcgan", False), ("improved", True)):
        model = args.out / f"{label}-w{args.width:g}-s{args.seed}-{args.base}{'-reuse' if args.reuse_fake else ''}"
        train_gan(train, model, width=args.width, fusion=fusion, steps=args.steps, batch_size=args.batch,
                  seed=args.seed, base=args.base, checkpoint_every=max(1, args.steps // 4), progress=True, synthetic=True,
                  reuse_fake=args.reuse_fake)
        images = generate(model, args.n, seed=args.seed + 1000)
        memo[label] = memorisation(images, train, heldout).as_dict()
        for i, image in enumerate(images):
            rows.append(ValidationRow(label, Path(f"{label}_{i}"), gate(image, real, reference, grid)))
    print(f"SYNTHETIC site, {args.size}x{args.size}, {args.train} training days, {args.steps} steps, "
          f"width {args.width:g}, batch {args.batch}, seed {args.seed}, base {args.base}"
          f"{', generated batch reused' if args.reuse_fake else ''}")
    print(format_table(rows))
    for label, m in memo.items():
        print(f"memorisation {label}: nearest training image {m['generated_k']:.2f} K vs held-out real "
              f"{m['real_k']:.2f} K (ratio {m['ratio']:.2f}; {m['copies']:.0%} closer than any held-out day); "
              f"diversity {m['generated_spread_k']:.2f} K between two generated vs {m['real_spread_k']:.2f} K "
              f"between two held-out days (ratio {m['diversity']:.2f})")
    data = rows_as_json(rows) | {"memorisation": memo, "synthetic": True,
                                 "arguments": {k: str(v) for k, v in vars(args).items()}}
    write_text_atomic(args.out / "table1.json", json.dumps(data, indent=2) + "\n")


if __name__ == "__main__":
    main()
