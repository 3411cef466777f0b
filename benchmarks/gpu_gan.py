"""GAN training throughput on a GPU with the JAX backend: images/s, FLOPs per
training step and model FLOP utilisation (MFU), and where a step's time goes.

One training step = discriminator update on a real batch and a generated batch, then a
generator update (:meth:`thermoquake.gan.steps.GanStep.pure_step`, one ``jax.jit`` with the
state donated). The real batch and the noise stay on the device (no host transfer is timed).
FLOPs per step are counted twice: by XLA (``compiled.cost_analysis()['flops']`` of the
compiled step) and analytically from the layer shapes (2 x MACs of every convolution /
transposed convolution / dense layer; forward = 1x, backward = 2x; the discriminator step
runs G forward, D forward + backward on real and fake; the generator step runs G forward +
backward and D forward + input-gradient backward). MFU = analytic FLOPs/s / ``--peak-tflops``.

The output also audits the compiled step's precision: convolutions and matmuls counted by
operand / result dtype in its StableHLO (under mixed_bfloat16 all convolutions should be bf16).

Breakdown (``--breakdown``, default on): the same timing for the generator forward alone,
the discriminator update alone and the generator update alone, so the output says which
part of the step takes the time.

Examples::

    KERAS_BACKEND=jax python benchmarks/gpu_gan.py --batch 64 --width 1.0 --precision mixed_bfloat16
    KERAS_BACKEND=jax python benchmarks/gpu_gan.py --batch 2 --width 0.03125 --size 64 --steps 3   # CPU smoke run

Anchor (one H100, paper-size pair, 256x256, batch 64): PyTorch 2885 images/s fp32,
4782 bf16 channels-last; a straightforward Keras 3 / JAX version 274 fp32, 1800
mixed_bfloat16. Target: >= 4782 images/s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

PEAK_TFLOPS = {  # dense, per chip, no sparsity
    ("h100", "mixed_bfloat16"): 989.0, ("h100", "float32"): 494.0,   # fp32 via TF32 tensor cores
    ("h200", "mixed_bfloat16"): 989.0, ("h200", "float32"): 494.0,
    ("a100", "mixed_bfloat16"): 312.0, ("a100", "float32"): 156.0,
}


def analytic_flops(generator, discriminator, batch: int, reuse_fake: bool = False) -> dict[str, float]:
    """2 x multiply-accumulates of the conv / transposed-conv / dense layers, per forward image
    (``reuse_fake``: the generator update reuses the discriminator update's G forward)."""
    def forward(model) -> float:
        total = 0.0
        for layer in model.layers:
            kind = type(layer).__name__
            if kind == "Dense":
                total += 2.0 * layer.kernel.shape[0] * layer.kernel.shape[1]
            elif kind == "Conv2D":
                kh, kw, cin, cout = layer.kernel.shape
                _, h, w, _ = layer.output.shape
                total += 2.0 * kh * kw * cin * cout * h * w
            elif kind == "Conv2DTranspose":
                kh, kw, cout, cin = layer.kernel.shape
                _, h, w, _ = layer.input.shape                   # every input pixel scatters a kernel
                total += 2.0 * kh * kw * cin * cout * h * w
        return total

    g_f, d_f = forward(generator), forward(discriminator)
    d_step = g_f + 2 * d_f + 2 * 2 * d_f                   # G fwd; D fwd+bwd on real and fake
    g_step = (0 if reuse_fake else g_f) + 2 * g_f + d_f + 1 * d_f   # G fwd+bwd; D fwd + input gradient only
    return {"g_forward_per_image": g_f, "d_forward_per_image": d_f,
            "d_step": batch * d_step, "g_step": batch * g_step, "step": batch * (d_step + g_step)}


def precision_audit(hlo_text: str) -> dict[str, dict[str, int] | int]:
    """Counts in the step's StableHLO: convolutions and matmuls by operand / result dtype, and
    the transposes, reverses and converts around them. Under mixed_bfloat16 every convolution
    should be ``bf16 x bf16 -> bf16`` (an f32 one runs at half speed or worse on tensor cores)."""
    import collections
    import re

    def dtype(t: str) -> str:
        return t.rsplit("x", 1)[-1].rstrip(">")

    convs = re.findall(r"stablehlo\.convolution.*?:\s*\((tensor<[^>]*>), (tensor<[^>]*>)\)\s*->\s*(tensor<[^>]*>)",
                       hlo_text)
    dots = re.findall(r"stablehlo\.dot_general.*?:\s*\((tensor<[^>]*>), (tensor<[^>]*>)\)\s*->\s*(tensor<[^>]*>)",
                      hlo_text)
    return {"convolutions": dict(collections.Counter(f"{dtype(a)} x {dtype(b)} -> {dtype(o)}" for a, b, o in convs)),
            "dot_generals": dict(collections.Counter(f"{dtype(a)} x {dtype(b)} -> {dtype(o)}" for a, b, o in dots)),
            "transposes": hlo_text.count("stablehlo.transpose"), "reverses": hlo_text.count("stablehlo.reverse"),
            "converts": hlo_text.count("stablehlo.convert")}


def timed(fn, args, steps: int, warmup: int) -> list[float]:
    import jax

    out = None
    for _ in range(warmup):
        out = fn(*args)
    jax.block_until_ready(out)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        out = fn(*args)
        jax.block_until_ready(out)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--no-fusion", action="store_true")
    parser.add_argument("--reuse-fake", action="store_true",
                        help="the generator update reuses the D update's generated batch (train_gan reuse_fake)")
    parser.add_argument("--precision", choices=("float32", "mixed_bfloat16"), default="mixed_bfloat16")
    parser.add_argument("--steps", type=int, default=30, help="timed steps")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--peak-tflops", type=float, default=None,
                        help="chip peak for MFU (default: from the device name, H100/H200/A100)")
    parser.add_argument("--no-breakdown", action="store_true")
    parser.add_argument("--profile", default=None, help="write a jax.profiler trace of 5 steps here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import jax
    import keras
    import numpy as np

    if keras.backend.backend() != "jax":
        raise SystemExit("run with KERAS_BACKEND=jax")
    keras.mixed_precision.set_global_policy(args.precision)
    from thermoquake.gan import build_discriminator, build_generator
    from thermoquake.gan.steps import GanStep, discriminator_loss, generator_loss

    keras.utils.set_random_seed(0)
    g = build_generator(args.width, 100, args.size)
    d = build_discriminator(args.width, not args.no_fusion, args.size)
    stepper = GanStep(g, d, keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5),
                      reuse_fake=args.reuse_fake)
    rng = np.random.default_rng(0)
    real = jax.device_put(rng.uniform(-1, 1, (args.batch, args.size, args.size, 2)).astype(np.float32))
    z_d = jax.device_put(rng.standard_normal((args.batch, 100)).astype(np.float32))
    z_g = jax.device_put(rng.standard_normal((args.batch, 100)).astype(np.float32))
    state = stepper.state

    t0 = time.perf_counter()
    lowered = jax.jit(stepper.pure_step(), donate_argnums=(0,)).lower(state, real, z_d, z_g)
    audit = precision_audit(lowered.as_text())
    compiled = lowered.compile()
    compile_s = time.perf_counter() - t0
    step = compiled                                   # the timed step is exactly what was costed
    cost = compiled.cost_analysis()
    cost = cost[0] if isinstance(cost, (list, tuple)) else cost
    xla_flops = float(cost.get("flops", float("nan"))) if cost else float("nan")
    flops = analytic_flops(g, d, args.batch, args.reuse_fake)

    # full step: losses must stay finite and (on this fixed batch) the D loss must fall
    losses = []
    for _ in range(args.warmup):
        state, (dl, gl) = step(state, real, z_d, z_g)
        losses.append((float(dl), float(gl)))
    jax.block_until_ready(state)
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        state, (dl, gl) = step(state, real, z_d, z_g)
        jax.block_until_ready(dl)
        times.append(time.perf_counter() - t0)
    losses.append((float(dl), float(gl)))
    med = statistics.median(times)
    device = jax.devices()[0]
    kind = device.device_kind.lower()
    peak = args.peak_tflops or next((v for (name, prec), v in PEAK_TFLOPS.items()
                                     if name in kind and prec == args.precision), None)
    result = {
        "device": device.device_kind, "platform": device.platform, "precision": args.precision,
        "batch": args.batch, "width": args.width, "size": args.size, "fusion": not args.no_fusion,
        "reuse_fake": args.reuse_fake,
        "compile_s": compile_s, "images_per_s": args.batch / med, "ms_per_step": med * 1e3,
        "ms_per_step_range": [min(times) * 1e3, max(times) * 1e3],
        "tflop_per_step_analytic": flops["step"] / 1e12,
        "tflop_per_step_xla": xla_flops / 1e12 if xla_flops == xla_flops else None,
        "gflop_g_forward_per_image": flops["g_forward_per_image"] / 1e9,
        "gflop_d_forward_per_image": flops["d_forward_per_image"] / 1e9,
        "achieved_tflops": flops["step"] / med / 1e12, "peak_tflops": peak,
        "mfu": flops["step"] / med / 1e12 / peak if peak else None,
        "losses_first_last": [losses[0], losses[-1]],
        "losses_finite": bool(np.all(np.isfinite(np.array(losses)))),
        "precision_audit": audit,
    }
    if not args.no_breakdown:
        g_tv, g_ntv, d_tv, d_ntv, g_ov, d_ov = state
        gen_only = jax.jit(lambda tv, ntv, z: g.stateless_call(tv, ntv, z, training=True)[0])

        def d_loss_only(d_tv, fake):
            return discriminator_loss(d.stateless_call(d_tv, d_ntv, real, training=True)[0],
                                      d.stateless_call(d_tv, d_ntv, fake, training=True)[0])

        def g_loss_only(g_tv):
            fake = g.stateless_call(g_tv, g_ntv, z_g, training=True)[0]
            return generator_loss(d.stateless_call(d_tv, d_ntv, fake, training=True)[0])

        fake = gen_only(g_tv, g_ntv, z_d)
        parts = {"generator_forward": (gen_only, (g_tv, g_ntv, z_d)),
                 "discriminator_fwd_bwd_real_and_fake": (jax.jit(jax.grad(d_loss_only)), (d_tv, fake)),
                 "generator_fwd_bwd_through_d": (jax.jit(jax.grad(g_loss_only)), (g_tv,))}
        result["breakdown_ms"] = {}
        for name, (fn, fn_args) in parts.items():
            ts = timed(fn, fn_args, max(3, args.steps // 3), 2)
            result["breakdown_ms"][name] = statistics.median(ts) * 1e3
        result["breakdown_note"] = ("full step = G forward (D update) + D fwd/bwd + G fwd/bwd through D + "
                                    "two Adam updates; the parts are timed separately")
    if args.profile:
        jax.profiler.start_trace(args.profile)
        for _ in range(5):
            state, (dl, gl) = step(state, real, z_d, z_g)
        jax.block_until_ready(dl)
        jax.profiler.stop_trace()
        result["profile"] = args.profile
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['device']} ({result['platform']}), {args.precision}, batch {args.batch}, "
          f"{args.size}x{args.size}, width {args.width:g}, {'improved' if result['fusion'] else 'plain'} DCGAN"
          f"{', generated batch reused' if args.reuse_fake else ''}")
    print(f"  {result['images_per_s']:.1f} images/s ({result['ms_per_step']:.2f} ms/step, "
          f"range {result['ms_per_step_range'][0]:.2f}-{result['ms_per_step_range'][1]:.2f})")
    print(f"  FLOPs/step: {result['tflop_per_step_analytic']:.4g} TFLOP analytic, "
          f"{result['tflop_per_step_xla'] or float('nan'):.4g} TFLOP by XLA cost analysis")
    print(f"  achieved {result['achieved_tflops']:.3g} TFLOP/s; peak {peak or 'unknown (--peak-tflops)'}; MFU "
          f"{'n/a' if result['mfu'] is None else format(result['mfu'], '.1%')}")
    print(f"  losses (d, g) first {losses[0][0]:.4f} {losses[0][1]:.4f}, last {losses[-1][0]:.4f} "
          f"{losses[-1][1]:.4f}, finite: {result['losses_finite']}")
    print(f"  step HLO: convolutions {audit['convolutions']}; matmuls {audit['dot_generals']}; "
          f"{audit['transposes']} transposes, {audit['reverses']} reverses, {audit['converts']} converts")
    for name, ms in result.get("breakdown_ms", {}).items():
        print(f"  breakdown: {name:38s} {ms:8.2f} ms ({ms / result['ms_per_step']:.0%} of a step)")
    print(f"  target >= 4782 images/s: {'met' if result['images_per_s'] >= 4782 else 'NOT met'}")


if __name__ == "__main__":
    main()
