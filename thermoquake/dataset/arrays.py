"""Model inputs: epicentre images -> (n, H, W, C) float32 arrays with an explicit validity mask.

Channels (in this order, ``channels`` picks them):

* ``lst``: ΔT / scale, where ΔT = T − the image's mean over its clear pixels (K; T in °C
  and K differ by a constant, so ΔT is the same) and ``scale`` (K) is fitted on the
  training images only (:class:`Normaliser`). No-data pixels are 0 here — the image mean,
  never a cold temperature — and 0 in ``mask``.
* ``mask``: 1 where the LST pixel passed QC, 0 where it is cloud, fill or outside the tiles.
* ``retira``: the RETIRA index R clipped to ±5, no value -> 0.

The per-image mean is removed because events and matched controls sit at the same place
on the same calendar days of different years: what can tell them apart is the pattern
inside the image, not its overall level (which is weather and season).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thermoquake.image import geotiff
from thermoquake.dataset.windows import WindowDay
from thermoquake.errors import ThermoquakeError

CHANNELS = ("lst", "mask", "retira")
RETIRA_CLIP = 5.0


def read_band(path: Path) -> np.ndarray:
    """Band 1 of a GeoTIFF as float32 (H, W); one-line error naming the file."""
    try:
        return geotiff.read_band(path).astype(np.float32)
    except geotiff.GeoTiffReadError as err:
        raise ThermoquakeError(f"cannot read the image: {err}", path) from None


def anomaly_field(image_c: np.ndarray) -> np.ndarray:
    """ΔT (K) = image − its clear-pixel mean; NaN where the image is NaN. (H, W) float32."""
    valid = np.isfinite(image_c)
    if not valid.any():
        return np.full(image_c.shape, np.nan, np.float32)
    return (image_c - np.float32(image_c[valid].mean())).astype(np.float32)


@dataclass(frozen=True)
class Normaliser:
    """``scale_k``: the standard deviation of ΔT (K) over the training images' clear pixels."""

    scale_k: float
    channels: tuple[str, ...]

    @classmethod
    def fit(cls, images_c: Sequence[np.ndarray], channels: Sequence[str]) -> Normaliser:
        deltas = [anomaly_field(im) for im in images_c]
        values = np.concatenate([d[np.isfinite(d)] for d in deltas]) if deltas else np.array([])
        scale = float(values.std()) if values.size else 1.0
        return cls(scale if scale > 0 else 1.0, tuple(channels))

    def to_json(self) -> str:
        return json.dumps({"scale_k": self.scale_k, "channels": list(self.channels),
                           "lst": "(T - clear-pixel mean of the image) / scale_k; no data -> 0",
                           "retira": f"R clipped to +-{RETIRA_CLIP:g}; no value -> 0"}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, source: object = None) -> Normaliser:
        try:
            data = json.loads(text)
            return cls(float(data["scale_k"]), tuple(data["channels"]))
        except (ValueError, KeyError, TypeError) as err:
            raise ThermoquakeError(f"not a thermoquake normalisation file: {err}", source) from None

    def encode(self, image_c: np.ndarray, retira: np.ndarray | None = None) -> np.ndarray:
        """One image (H, W) °C (+ its R map) -> (H, W, C) float32 model input."""
        valid = np.isfinite(image_c)
        planes = []
        for name in self.channels:
            if name == "lst":
                planes.append(np.where(valid, anomaly_field(image_c) / self.scale_k, 0.0))
            elif name == "mask":
                planes.append(valid.astype(np.float32))
            elif name == "retira":
                if retira is None:
                    raise ThermoquakeError("the model needs a RETIRA channel: run thermoquake rst first")
                planes.append(np.where(np.isfinite(retira), np.clip(retira, -RETIRA_CLIP, RETIRA_CLIP), 0.0))
            else:
                raise ThermoquakeError(f"unknown channel {name!r}; use {', '.join(CHANNELS)}")
        return np.stack(planes, axis=-1).astype(np.float32)


def check_channels(channels: Sequence[str]) -> tuple[str, ...]:
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown or "lst" not in channels:
        raise ThermoquakeError(f"channels must include lst and come from {', '.join(CHANNELS)}; got "
                               f"{', '.join(channels)}")
    return tuple(channels)


def load_days(days: Sequence[WindowDay], with_retira: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """The days' images (n, H, W) °C with NaN, and their R maps (or None); all on one size."""
    images = [read_band(d.path) for d in days]
    shapes = {im.shape for im in images}
    if len(shapes) > 1:
        raise ThermoquakeError(f"images of several sizes {sorted(shapes)}: use one preprocess --size")
    retira = None
    if with_retira:
        missing = [d for d in days if d.retira_path is None]
        if missing:
            raise ThermoquakeError("has no RETIRA map: run thermoquake rst first", missing[0].path)
        retira = np.stack([read_band(d.retira_path) for d in days])
    return np.stack(images), retira


def encode_all(normaliser: Normaliser, images_c: np.ndarray, retira: np.ndarray | None) -> np.ndarray:
    """(n, H, W) °C (+ (n, H, W) R) -> (n, H, W, C) float32."""
    return np.stack([normaliser.encode(im, None if retira is None else retira[i])
                     for i, im in enumerate(images_c)]).astype(np.float32)
