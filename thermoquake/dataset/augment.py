"""Classic augmentation of training images (never of test images): flips and noise.

Works on model inputs (n, H, W, C) from :mod:`thermoquake.dataset.arrays`. Each copy is a
random horizontal and/or vertical flip of the whole image (all channels together) and,
on the ``lst`` channel, Gaussian noise of ``noise`` normalised units on valid pixels only
(masked pixels stay 0). Both classes are augmented alike, so "augmented-looking" is no cue
to the label.
"""

from __future__ import annotations

import numpy as np

AUGMENTATIONS = ("none", "classic", "gan")


def classic_copies(x: np.ndarray, y: np.ndarray, copies: int = 2, noise: float = 0.1,
                   seed: int = 0, lst_channel: int = 0, mask_channel: int | None = 1
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``copies`` augmented copies of every image: returns (copies·n, H, W, C), (copies·n,)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(copies):
        batch = x.copy()
        flip_h = rng.random(len(x)) < 0.5
        flip_v = rng.random(len(x)) < 0.5
        batch[flip_h] = batch[flip_h][:, :, ::-1]
        batch[flip_v] = batch[flip_v][:, ::-1]
        valid = batch[..., mask_channel] > 0 if mask_channel is not None else np.ones(batch.shape[:3], bool)
        batch[..., lst_channel] += np.where(valid, rng.normal(0, noise, batch.shape[:3]), 0).astype(np.float32)
        out.append(batch)
    return np.concatenate(out).astype(np.float32), np.tile(y, copies)
