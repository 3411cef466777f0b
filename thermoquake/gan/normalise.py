"""deg C images with NaN <-> the GAN's two channels, and the statistics saved with a model.

A training set of ``(n, H, W)`` float32 deg C images (NaN = masked / cloudy) becomes
``(n, H, W, 2)`` float32: channel 0 the temperature mapped linearly so that the training
set's 1st percentile is -0.9 and its 99th is +0.9 (room left for tanh), 0 (the mid value, not
a cold one) where masked; channel 1 the validity, +1 data / -1 no data. The discriminator
never sees channel 0 where channel 1 says no data (:class:`~thermoquake.gan.layers.ValidityGate`),
so clouds are never learned as temperatures. Back: validity > 0 -> data, else NaN.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from thermoquake.atomic import write_text_atomic
from thermoquake.errors import ThermoquakeError

NORMALISATION_FILE = "normalisation.json"
PERCENTILES = (1.0, 99.0)
TARGET = 0.9
"""The percentiles map to -TARGET and +TARGET."""


@dataclass(frozen=True)
class Normalisation:
    """Linear deg C <-> -1..1 map: ``lo_c`` -> -0.9, ``hi_c`` -> +0.9 (deg C).

    ``valid_fraction``: fraction of training pixels with data (0..1), for the record.
    """

    lo_c: float
    hi_c: float
    valid_fraction: float

    @property
    def centre_c(self) -> float:
        return 0.5 * (self.lo_c + self.hi_c)

    @property
    def half_range_c(self) -> float:
        return 0.5 * (self.hi_c - self.lo_c) / TARGET

    def encode(self, images_c: np.ndarray) -> np.ndarray:
        """``(n, H, W)`` deg C, NaN masked -> ``(n, H, W, 2)`` float32 (temperature, validity)."""
        values = np.asarray(images_c, dtype=np.float32)
        if values.ndim != 3:
            raise ValueError(f"expected (n, H, W) images, got shape {values.shape}")
        valid = np.isfinite(values)
        temperature = np.where(valid, (values - self.centre_c) / self.half_range_c, 0.0)
        return np.stack([temperature, np.where(valid, 1.0, -1.0)], axis=-1).astype(np.float32)

    def decode(self, channels: np.ndarray) -> np.ndarray:
        """``(n, H, W, 2)`` generator output -> ``(n, H, W)`` float32 deg C, NaN where validity <= 0."""
        values = np.asarray(channels, dtype=np.float32)
        temperature = values[..., 0] * self.half_range_c + self.centre_c
        return np.where(values[..., 1] > 0, temperature, np.nan).astype(np.float32)


def fit_normalisation(images_c: np.ndarray) -> Normalisation:
    """Statistics of a training set ``(n, H, W)`` deg C (valid pixels only)."""
    values = np.asarray(images_c, dtype=np.float64)
    valid = np.isfinite(values)
    if not valid.any():
        raise ValueError("the training images have no valid pixel")
    lo, hi = (float(v) for v in np.percentile(values[valid], PERCENTILES))
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    return Normalisation(lo, hi, float(valid.mean()))


def save_normalisation(model_dir: Path, norm: Normalisation) -> None:
    write_text_atomic(Path(model_dir) / NORMALISATION_FILE,
                      json.dumps(asdict(norm) | {"units": "degC"}, indent=2) + "\n")


def load_normalisation(model_dir: Path) -> Normalisation:
    path = Path(model_dir) / NORMALISATION_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Normalisation(float(data["lo_c"]), float(data["hi_c"]), float(data["valid_fraction"]))
    except FileNotFoundError:
        raise ThermoquakeError("no normalisation.json: not a thermoquake GAN model directory", path.parent) from None
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ThermoquakeError(f"cannot read the normalisation statistics: {err}", path) from None
