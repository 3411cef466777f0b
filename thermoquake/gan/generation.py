"""Generate images from a trained GAN: :func:`generate` -> deg C arrays with NaN = no data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from thermoquake.errors import ThermoquakeError
from thermoquake.gan.normalise import Normalisation, load_normalisation

BATCH = 64


def generate_with(generator, norm: Normalisation, n: int, seed: int = 0, *,
                  noise: np.ndarray | None = None, batch_size: int = BATCH) -> np.ndarray:
    """``n`` images from an in-memory generator: ``(n, S, S)`` float32 deg C, NaN where the
    generated validity channel is <= 0. Noise ``z ~ N(0, 1)`` from ``default_rng(seed)``
    (or ``noise``, ``(n, latent_dim)``)."""
    from keras import ops

    latent_dim = int(generator.input_shape[-1])
    if noise is None:
        noise = np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)
    out = []
    for start in range(0, len(noise), batch_size):
        out.append(ops.convert_to_numpy(generator(noise[start:start + batch_size], training=False)))
    size = int(generator.output_shape[1])
    channels = np.concatenate(out) if out else np.zeros((0, size, size, 2), np.float32)
    return norm.decode(channels)


def load_generator(model_dir: Path):
    """The saved generator of a model directory (``.keras``, ``safe_mode=True``)."""
    import keras

    import thermoquake.gan.layers  # noqa: F401  (registers the custom layers)

    path = Path(model_dir) / "generator.keras"
    if not path.is_file():
        raise ThermoquakeError("no generator.keras: not a trained thermoquake GAN model directory "
                               "(or its training has not finished)", model_dir)
    return keras.saving.load_model(path, safe_mode=True, compile=False)


def training_info(model_dir: Path) -> dict:
    """``training.json`` of a model directory."""
    path = Path(model_dir) / "training.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ThermoquakeError("no training.json: not a thermoquake GAN model directory", model_dir) from None
    except (OSError, ValueError) as err:
        raise ThermoquakeError(f"cannot read: {err}", path) from None


def generate(model_dir: Path, n: int, seed: int = 0) -> np.ndarray:
    """``n`` generated images of a saved GAN: ``(n, S, S)`` float32 deg C, NaN = no data.

    The same model and seed give the same images (the noise comes from ``default_rng(seed)``).
    """
    if n < 0:
        raise ThermoquakeError(f"n must be >= 0, got {n}", model_dir)
    generator = load_generator(model_dir)
    return generate_with(generator, load_normalisation(model_dir), n, seed)
