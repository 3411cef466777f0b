"""Training checkpoints that a killed run resumes from.

Layout (under the model directory)::

    checkpoints/step-00000100/generator.keras       both models (.keras, loaded with safe_mode)
    checkpoints/step-00000100/discriminator.keras
    checkpoints/step-00000100/optimizers.npz         every Adam variable of both optimizers
    checkpoints/step-00000100/state.json             step and the loss history so far
    checkpoints/latest.json                          which checkpoint is the latest

A checkpoint is written into a hidden temporary directory and renamed into place, then
``latest.json`` is replaced atomically, so a run killed at any moment leaves the previous
checkpoint usable. The last :data:`KEEP` checkpoints are kept.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from thermoquake.ml_extra import require_ml

require_ml("the GAN")

import keras  # noqa: E402
import numpy as np

from thermoquake.atomic import TEMP_MARKER, as_write_error, write_text_atomic
from thermoquake.errors import ModelDirectoryError

CHECKPOINT_DIR = "checkpoints"
LATEST_FILE = "latest.json"
STATE_FILE = "state.json"
KEEP = 2


def _name(step: int) -> str:
    return f"step-{step:08d}"


def save_checkpoint(model_dir: Path, step: int, generator: keras.Model, discriminator: keras.Model,
                    g_optimizer: keras.optimizers.Optimizer, d_optimizer: keras.optimizers.Optimizer,
                    state: dict[str, Any]) -> Path:
    """Write the checkpoint of ``step`` (steps done) and make it the latest; returns its path."""
    root = Path(model_dir) / CHECKPOINT_DIR
    root.mkdir(parents=True, exist_ok=True)
    final = root / _name(step)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}{TEMP_MARKER}", dir=root))
    try:
        generator.save(tmp / "generator.keras")
        discriminator.save(tmp / "discriminator.keras")
        arrays = {f"g_{i}": np.asarray(v.numpy()) for i, v in enumerate(g_optimizer.variables)}
        arrays |= {f"d_{i}": np.asarray(v.numpy()) for i, v in enumerate(d_optimizer.variables)}
        np.savez(tmp / "optimizers.npz", **arrays)
        (tmp / STATE_FILE).write_text(json.dumps(state | {"step": step}) + "\n", encoding="utf-8")
        for f in tmp.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException as err:
        probe = tmp / STATE_FILE if (tmp / STATE_FILE).exists() else None
        converted = as_write_error(err, final, probe)
        shutil.rmtree(tmp, ignore_errors=True)
        if converted is not None:
            raise converted from None
        raise
    write_text_atomic(root / LATEST_FILE, json.dumps({"checkpoint": final.name, "step": step}) + "\n")
    for old in sorted(p for p in root.glob("step-*") if p.is_dir())[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def remove_stale(model_dir: Path) -> None:
    """Remove temporary checkpoint directories a killed run left behind."""
    for root in (Path(model_dir), Path(model_dir) / CHECKPOINT_DIR):
        for p in (root.iterdir() if root.is_dir() else ()):
            if p.name.startswith(".") and TEMP_MARKER in p.name:
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def latest_checkpoint(model_dir: Path) -> Path | None:
    """The latest complete checkpoint directory, or None."""
    latest = Path(model_dir) / CHECKPOINT_DIR / LATEST_FILE
    if not latest.exists():
        return None
    try:
        name = json.loads(latest.read_text(encoding="utf-8"))["checkpoint"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ModelDirectoryError(f"cannot read the latest-checkpoint pointer: {err}", latest) from None
    path = latest.parent / name
    if not (path / STATE_FILE).is_file():
        raise ModelDirectoryError(f"names checkpoint {name}, which is missing or incomplete", latest)
    return path


def _copy_weights(target: keras.Model, path: Path) -> None:
    from thermoquake.keras_file import load_keras_model

    source = load_keras_model(path, compile=False)
    if len(source.weights) != len(target.weights):
        raise ModelDirectoryError(f"holds a model of another architecture ({source.name})", path)
    target.set_weights(source.get_weights())


def restore_checkpoint(path: Path, generator: keras.Model, discriminator: keras.Model,
                       g_optimizer: keras.optimizers.Optimizer,
                       d_optimizer: keras.optimizers.Optimizer) -> dict[str, Any]:
    """Load a checkpoint into built models and optimizers; returns its ``state.json``."""
    path = Path(path)
    _copy_weights(generator, path / "generator.keras")
    _copy_weights(discriminator, path / "discriminator.keras")
    with np.load(path / "optimizers.npz") as arrays:
        for prefix, opt, model in (("g", g_optimizer, generator), ("d", d_optimizer, discriminator)):
            if not opt.built:
                opt.build(model.trainable_variables)
            saved = sum(1 for k in arrays.files if k.startswith(f"{prefix}_"))
            if saved != len(opt.variables):
                raise ModelDirectoryError(f"holds {saved} {prefix} optimizer variables, the model needs "
                                       f"{len(opt.variables)}", path / "optimizers.npz")
            for i, var in enumerate(opt.variables):
                key = f"{prefix}_{i}"
                if key not in arrays or arrays[key].shape != tuple(var.shape):
                    raise ModelDirectoryError(f"optimizer state {key} is missing or has another shape",
                                           path / "optimizers.npz")
                var.assign(arrays[key])
    return json.loads((path / STATE_FILE).read_text(encoding="utf-8"))
