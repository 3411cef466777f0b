"""Generate images from a trained GAN: :func:`generate` -> deg C arrays with NaN = no data."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from thermoquake.errors import ThermoquakeError
from thermoquake.gan.normalise import Normalisation, load_normalisation
from thermoquake.gan.train import TRAINING_FILE

BATCH = 64


Sites = str | Sequence[str] | None
"""The site(s) images are made for (:func:`~thermoquake.gan.normalise.site_key`): one name for
all, one per image, or None (the model's sites in turn)."""


def generate_with(generator, norm: Normalisation, n: int, seed: int = 0, *,
                  noise: np.ndarray | None = None, batch_size: int = BATCH, site: Sites = None) -> np.ndarray:
    """``n`` images from an in-memory generator: ``(n, S, S)`` float32 deg C, NaN where the
    generated validity channel is <= 0. Noise ``z ~ N(0, 1)`` from ``default_rng(seed)``
    (or ``noise``, ``(n, latent_dim)``). ``site``: the site the images are made for, or one
    per image (:data:`Sites`; with ``base="mean"`` each image's site's mean field is added).
    A site the model did not learn raises ValueError."""
    from thermoquake.ml_extra import require_ml

    require_ml("generating GAN images")
    from keras import ops

    latent_dim = int(generator.input_shape[-1])
    if noise is None:
        noise = np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)
    out = []
    for start in range(0, len(noise), batch_size):
        out.append(ops.convert_to_numpy(generator(noise[start:start + batch_size], training=False)))
    size = int(generator.output_shape[1])
    channels = np.concatenate(out) if out else np.zeros((0, size, size, 2), np.float32)
    return norm.decode(channels, _site_per_image(norm, site, len(channels)))


def _site_per_image(norm: Normalisation, site: Sites, n: int) -> list[str] | None:
    if site is None:
        return norm.sites_in_turn(n)
    sites = [site] * n if isinstance(site, str) else [str(s) for s in site]
    if len(sites) != n:
        raise ValueError(f"{n} image(s) but {len(sites)} site name(s)")
    return sites


def load_generator(model_dir: Path):
    """The saved generator of a model directory (``.keras``, ``safe_mode=True``)."""
    from thermoquake.keras_file import load_keras_model

    path = Path(model_dir) / "generator.keras"
    if not path.is_file():
        raise ThermoquakeError("no generator.keras: not a trained thermoquake GAN model directory "
                               "(or its training has not finished)", model_dir)
    return load_keras_model(path, compile=False)


def training_info(model_dir: Path) -> dict:
    """``training.json`` of a model directory."""
    path = Path(model_dir) / TRAINING_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ThermoquakeError("no training.json: not a thermoquake GAN model directory", model_dir) from None
    except (OSError, ValueError) as err:
        raise ThermoquakeError(f"cannot read: {err}", path) from None


def generate(model_dir: Path, n: int, seed: int = 0, site: Sites = None) -> np.ndarray:
    """``n`` generated images of a saved GAN: ``(n, S, S)`` float32 deg C, NaN = no data.

    The same model, seed and site(s) give the same images (the noise comes from
    ``default_rng(seed)``). ``site``: as in :func:`generate_with`; with ``base="mean"`` a site
    the model has no mean field of is an error naming the model directory.
    """
    if n < 0:
        raise ThermoquakeError(f"n must be >= 0, got {n}", model_dir)
    norm = load_normalisation(model_dir)
    try:
        sites = _site_per_image(norm, site, n)
    except ValueError as err:
        raise ThermoquakeError(str(err), model_dir) from None
    asked = [] if site is None else [site] if isinstance(site, str) else sites     # n = 0 checks the site too
    unknown = [] if norm.sites is None else [s for s in asked if s not in norm.sites]
    if unknown:
        shown = ", ".join(norm.sites[:4]) + (", ..." if len(norm.sites) > 4 else "")
        raise ThermoquakeError(f"learnt departures from the mean fields of {len(norm.sites)} site(s) ({shown}), "
                               f"not of site {unknown[0]}: train on that site's images, or with --gan-base none", model_dir)
    generator = load_generator(model_dir)
    return generate_with(generator, norm, n, seed, site=site)
