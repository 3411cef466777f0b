"""Train the (improved) DCGAN on epicentre images: :func:`train_gan`.

Model directory layout::

    training.json          parameters, training-data fingerprint, synthetic flag, steps done
    normalisation.json     deg C <-> -1..1 statistics of the training images
    generator.keras        final models (written at the end of every completed run)
    discriminator.keras
    losses.csv             step, d_loss, g_loss (nats)
    tensorboard/           the same as TensorBoard scalars
    samples/step-*.png     a fixed-noise sample grid at every checkpoint
    checkpoints/           see :mod:`thermoquake.gan.checkpoint`

Every step draws its batch indices and noise from ``numpy.random.default_rng([seed, step])``,
so a run resumed from a checkpoint repeats exactly what the uninterrupted run would have done.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from thermoquake.atomic import write_text_atomic
from thermoquake.dirlock import locks_directory
from thermoquake.errors import ThermoquakeError
from thermoquake.gan.normalise import BASES, fit_normalisation, save_normalisation

TRAINING_FILE = "training.json"
FORMAT_NAME = "thermoquake-gan"
FORMAT_VERSION = 1
SAMPLE_COUNT = 16
SAMPLE_STREAM = 2**31 - 1
"""Second seed word of the fixed sample-grid noise (steps never reach it)."""
LEGACY_PARAMETERS = {"base": "none", "sites": None, "reuse_fake": False}
"""Parameters added since format version 1, as model directories made before them had them."""


def fingerprint(images_c: np.ndarray, sites: Sequence[str] | None = None) -> str:
    """SHA-256 of the training images (float32, C order, shape included) and, when given,
    of each image's site name."""
    values = np.ascontiguousarray(images_c, dtype=np.float32)
    digest = hashlib.sha256(repr(values.shape).encode())
    digest.update(values.tobytes())
    if sites is not None:
        digest.update(json.dumps([str(s) for s in sites]).encode())
    return digest.hexdigest()


def _check_images(images_c: np.ndarray, model_dir: Path) -> np.ndarray:
    values = np.asarray(images_c, dtype=np.float32)
    if values.ndim != 3 or values.shape[0] == 0 or values.shape[1] != values.shape[2]:
        raise ThermoquakeError(f"training images must be (n, S, S) with n >= 1, got shape {values.shape}",
                               model_dir)
    if not np.isfinite(values).any():
        raise ThermoquakeError("the training images have no valid pixel", model_dir)
    return values


def _check_parameters(model_dir: Path, parameters: dict[str, Any]) -> None:
    path = model_dir / TRAINING_FILE
    if not path.exists():
        return
    try:
        old = LEGACY_PARAMETERS | json.loads(path.read_text(encoding="utf-8")).get("parameters", {})
    except (OSError, ValueError, AttributeError, TypeError) as err:
        raise ThermoquakeError(f"cannot be read as a GAN training description: {err}", path) from None
    diff = [k for k in sorted(set(old) | set(parameters)) if old.get(k) != parameters.get(k)]
    if diff:
        shown = "; ".join(f"{k} was {old.get(k)!r}, now {parameters.get(k)!r}" for k in diff)
        raise ThermoquakeError(f"model directory was trained with other parameters or data ({shown}): "
                               "use a new model directory", path)


def _finished(model_dir: Path, steps: int) -> bool:
    """True when ``model_dir`` holds a complete run of at least ``steps`` steps (with the same
    parameters: :func:`_check_parameters` ran first) and its final models."""
    path = model_dir / TRAINING_FILE
    if not (path.is_file() and (model_dir / "generator.keras").is_file()
            and (model_dir / "discriminator.keras").is_file()):
        return False
    record = json.loads(path.read_text(encoding="utf-8"))
    return bool(record.get("complete")) and int(record.get("steps_done", 0)) >= int(steps)


@locks_directory("model_dir", "model directory")
def train_gan(images_c: np.ndarray, model_dir: Path, *, width: float = 0.25, fusion: bool = True,
              steps: int = 1000, batch_size: int = 16, seed: int = 0, checkpoint_every: int = 100,
              progress: bool = False, latent_dim: int = 100, learning_rate: float = 2e-4,
              beta_1: float = 0.5, base: str = "mean", synthetic: bool = False,
              sources: list[str] | None = None, sites: Sequence[str] | None = None,
              reuse_fake: bool = False, jit_compile: bool = False) -> Path:
    """Train a GAN on ``images_c`` and save it in ``model_dir``; resumes from its checkpoints.

    Args:
        images_c: ``(n, S, S)`` float32 deg C, NaN = masked; S = 8 * 2**k, 64..256 (only the
            training fold: the GAN must never see test images).
        model_dir: output directory (created). Re-running with the same arguments and data
            resumes from the latest checkpoint; a larger ``steps`` continues training; a
            finished run of at least ``steps`` steps is returned as it is.
        width: channel multiplier (1.0 = the paper's 1024-channel generator).
        fusion: the improved DCGAN's multi-scale fusion discriminator (False: plain DCGAN).
        steps: total discriminator + generator updates.
        batch_size: images per step; seed: seeds initialisation, batches and noise.
        checkpoint_every: steps between checkpoints (and sample grids).
        base: ``"mean"`` (default) the generator draws departures from the per-pixel mean
            field of each image's site, saved with the model; ``"none"`` the paper's
            whole-field scaling (:mod:`thermoquake.gan.normalise`).
        sites: the site of each image (:func:`~thermoquake.gan.normalise.site_key`), for one
            mean field per site; None: one field over all images (meant for one site).
        synthetic: the training images come from synthetic data (recorded, passed on to
            every generated image).
        sources: optional names of the training images (recorded in ``training.json``).
        reuse_fake: the generator update back-propagates through the batch the
            discriminator update generated (one generator forward pass per step, ~1/5 fewer
            FLOPs at the paper's size; :mod:`thermoquake.gan.steps`). Off: a fresh batch.

    Returns:
        ``model_dir``.

    ``model_dir`` is locked (:func:`thermoquake.dirlock.lock_directory`) while it is written.
    Losses are the standard GAN objective, Adam(``learning_rate``, ``beta_1``). A NaN or
    infinite loss stops the run with a :class:`ThermoquakeError` (checkpoints kept).
    """
    from thermoquake.ml_extra import require_ml

    require_ml("training the GAN")
    import keras

    from thermoquake.atomic import save_keras_atomic
    from thermoquake.gan.checkpoint import (latest_checkpoint, remove_stale, restore_checkpoint,
                                            save_checkpoint)
    from thermoquake.gan.discriminator import build_discriminator
    from thermoquake.gan.generation import generate_with
    from thermoquake.gan.generator import build_generator
    from thermoquake.gan.logs import TensorBoardLog, write_losses
    from thermoquake.gan.samples import write_sample_grid
    from thermoquake.gan.steps import GanStep

    model_dir = Path(model_dir)
    values = _check_images(images_c, model_dir)
    if base not in BASES:
        raise ThermoquakeError(f"base must be one of {', '.join(BASES)}, got {base!r}", model_dir)
    if sites is not None and len(sites) != len(values):
        raise ThermoquakeError(f"{len(values)} training image(s) but {len(sites)} site name(s)", model_dir)
    site_names = None if sites is None or base == "none" else [str(s) for s in sites]
    for name, value in (("steps", steps), ("batch_size", batch_size), ("checkpoint_every", checkpoint_every)):
        if int(value) < 1:
            raise ThermoquakeError(f"{name} must be >= 1, got {value}", model_dir)
    image_size = values.shape[1]
    parameters = {"width": float(width), "fusion": bool(fusion), "batch_size": int(batch_size),
                  "seed": int(seed), "latent_dim": int(latent_dim), "image_size": int(image_size),
                  "learning_rate": float(learning_rate), "beta_1": float(beta_1),
                  "base": base, "n_images": int(values.shape[0]),
                  "sites": None if site_names is None else list(dict.fromkeys(site_names)),
                  "reuse_fake": bool(reuse_fake),
                  "data_sha256": fingerprint(values, site_names)}
    _check_parameters(model_dir, parameters)
    if _finished(model_dir, steps):
        return model_dir
    model_dir.mkdir(parents=True, exist_ok=True)
    remove_stale(model_dir)

    keras.utils.set_random_seed(int(seed))
    try:
        generator = build_generator(width, latent_dim, image_size)
        discriminator = build_discriminator(width, fusion, image_size)
    except ValueError as err:
        raise ThermoquakeError(str(err), model_dir) from None
    g_opt = keras.optimizers.Adam(learning_rate, beta_1=beta_1)
    d_opt = keras.optimizers.Adam(learning_rate, beta_1=beta_1)
    norm = fit_normalisation(values, base, site_names)
    save_normalisation(model_dir, norm)
    encoded = norm.encode(values, site_names if norm.base_c is not None else None)

    def describe(done: int, complete: bool) -> str:
        return json.dumps({"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
                           "parameters": parameters, "steps_done": done, "complete": complete,
                           "backend": keras.backend.backend(), "synthetic": bool(synthetic),
                           "sources": list(sources or [])}, indent=2) + "\n"

    checkpoint = latest_checkpoint(model_dir)
    losses: list[list[float]] = []
    start = 0
    if checkpoint is not None:
        state = restore_checkpoint(checkpoint, generator, discriminator, g_opt, d_opt)
        start, losses = int(state["step"]), [list(r) for r in state["losses"]]
    write_text_atomic(model_dir / TRAINING_FILE, describe(start, False))
    stepper = GanStep(generator, discriminator, g_opt, d_opt, jit_compile=jit_compile, reuse_fake=reuse_fake)
    sample_z = np.random.default_rng([int(seed), SAMPLE_STREAM]).standard_normal(
        (SAMPLE_COUNT, latent_dim)).astype(np.float32)
    tb = TensorBoardLog(model_dir)
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=steps, initial=min(start, steps), desc="GAN steps", unit="step")
    try:
        for step in range(start, steps):
            rng = np.random.default_rng([int(seed), step])
            idx = rng.integers(0, len(encoded), batch_size)
            z = rng.standard_normal((2, batch_size, latent_dim)).astype(np.float32)
            d_l, g_l = stepper(encoded[idx], z[0], z[1])
            if not (math.isfinite(d_l) and math.isfinite(g_l)):
                raise ThermoquakeError(f"training diverged at step {step + 1}: d_loss {d_l}, g_loss {g_l} "
                                       "(checkpoints kept)", model_dir)
            losses.append([step + 1, d_l, g_l])
            tb.add(step + 1, d_l, g_l)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(d=f"{d_l:.3f}", g=f"{g_l:.3f}")
            done = step + 1
            if done % checkpoint_every == 0 or done == steps:
                stepper.sync()
                save_checkpoint(model_dir, done, generator, discriminator, g_opt, d_opt, {"losses": losses})
                write_losses(model_dir, losses)
                tb.flush()
                grid = generate_with(generator, norm, SAMPLE_COUNT, noise=sample_z)   # sites in turn
                label = "SYNTHETIC data, " if synthetic else ""
                write_sample_grid(model_dir / "samples" / f"step-{done:08d}.png", grid,
                                  f"{label}{'improved' if fusion else 'plain'} DCGAN, step {done}",
                                  norm.lo_c, norm.hi_c)
    finally:
        if bar is not None:
            bar.close()
        tb.close()
    stepper.sync()
    save_keras_atomic(generator, model_dir / "generator.keras")
    save_keras_atomic(discriminator, model_dir / "discriminator.keras")
    write_losses(model_dir, losses)
    write_text_atomic(model_dir / TRAINING_FILE, describe(max(start, steps), True))
    return model_dir
