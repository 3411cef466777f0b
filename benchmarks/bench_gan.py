"""GAN training throughput on the CPU: improved (fusion) vs plain DCGAN, and the
improved DCGAN with the generator update reusing the discriminator update's generated batch.

The paper-size architecture (256 x 256 images, five 5 x 5 transposed convolutions, five 5 x 5
convolutions) at a small channel ``--width`` so it runs on a CPU: images/s of full training
steps (discriminator update + generator update, :class:`thermoquake.gan.steps.GanStep`),
median of ``--repeat`` timed blocks of ``--steps`` steps after a warm-up, the two models
interleaved; the plain DCGAN is the baseline timed in the same run, and the ratios are printed
(``improved-reuse`` against ``improved``: the saving of one generator forward pass).
Random inputs (throughput does not depend on the values).

Run: ``.venv/bin/python benchmarks/bench_gan.py [--width 0.0625] [--size 256] [--batch 8]
[--steps 5] [--repeat 3] [--json]`` (KERAS_BACKEND=tensorflow by default; jax works too).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np


def make_step(width: float, fusion: bool, size: int, latent: int, seed: int, reuse_fake: bool = False):
    import keras

    from thermoquake.gan import build_discriminator, build_generator
    from thermoquake.gan.steps import GanStep

    keras.utils.set_random_seed(seed)
    g = build_generator(width, latent, size)
    d = build_discriminator(width, fusion, size)
    return GanStep(g, d, keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5),
                   reuse_fake=reuse_fake)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=float, default=0.0625)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=5, help="steps per timed block")
    parser.add_argument("--repeat", type=int, default=3, help="timed blocks per model")
    parser.add_argument("--latent", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import keras

    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (args.batch, args.size, args.size, 2)).astype(np.float32)
    z = rng.standard_normal((2, args.batch, args.latent)).astype(np.float32)
    steps = {"plain": make_step(args.width, False, args.size, args.latent, 0),
             "improved": make_step(args.width, True, args.size, args.latent, 0),
             "improved-reuse": make_step(args.width, True, args.size, args.latent, 0, reuse_fake=True)}
    for step in steps.values():                         # warm-up: tracing / compilation
        for _ in range(2):
            step(real, z[0], z[1])
    times: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(args.repeat):
        for name, step in steps.items():                # interleaved
            t0 = time.perf_counter()
            for _ in range(args.steps):
                losses = step(real, z[0], z[1])          # returns floats: waits for the step
            times[name].append(time.perf_counter() - t0)
            assert all(np.isfinite(losses))
    result = {"backend": keras.backend.backend(), "width": args.width, "size": args.size, "batch": args.batch,
              "steps_per_block": args.steps, "repeat": args.repeat}
    for name, ts in times.items():
        med = statistics.median(ts)
        result[name] = {"images_per_s": args.batch * args.steps / med, "s_per_step": med / args.steps,
                        "spread_s_per_step": [min(ts) / args.steps, max(ts) / args.steps]}
    result["improved_over_plain_speed"] = result["improved"]["images_per_s"] / result["plain"]["images_per_s"]
    result["reuse_over_fresh_speed"] = result["improved-reuse"]["images_per_s"] / result["improved"]["images_per_s"]
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"GAN training throughput, {result['backend']}, {args.size}x{args.size}, width {args.width:g}, "
          f"batch {args.batch} (median of {args.repeat} x {args.steps} steps)")
    for name in steps:
        r = result[name]
        print(f"  {name:14s} DCGAN: {r['images_per_s']:8.2f} images/s  ({r['s_per_step'] * 1000:.0f} ms/step, "
              f"range {r['spread_s_per_step'][0] * 1000:.0f}-{r['spread_s_per_step'][1] * 1000:.0f})")
    print(f"  improved / plain speed: {result['improved_over_plain_speed']:.3f}x")
    print(f"  improved-reuse / improved speed: {result['reuse_over_fresh_speed']:.3f}x")


if __name__ == "__main__":
    main()
