"""One real:fake ratio for both classes of a training fold (``--augment gan``).

Each class's GAN output is screened on its own, so the classes would otherwise receive
very different numbers of generated images (one 178, the other 0): "generated" would then
tell the classifier the class. Both classes get the same share instead, set by the class
whose screen accepted the smallest fraction of its real images. Pure numpy: no Keras.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FakeShare:
    """``ratio``: generated images added per real training image, the same for every class;
    ``counts``: images added per class label (``round(ratio * real)``, at most those accepted)."""

    ratio: float
    counts: dict[int, int]


def common_fake_share(real: Mapping[int, int], accepted: Mapping[int, int]) -> FakeShare:
    """The common share (module doc) from the real training images and the screened-in
    generated images of each class label: ratio ``r = min over classes of accepted_c / real_c``
    and ``round(r * real_c)`` images per class.
    A class with no real training images, or no accepted ones (no GAN trained, or its screen
    rejected everything), gives ``r = 0``: no class gets generated images."""
    labels = sorted(real)
    if set(accepted) - set(labels):
        raise ValueError(f"accepted counts for classes without real counts: {sorted(set(accepted) - set(labels))}")
    ratios = [accepted.get(c, 0) / real[c] if real[c] > 0 else 0.0 for c in labels]
    ratio = float(min(ratios)) if ratios else 0.0
    counts = {c: min(int(accepted.get(c, 0)), int(round(ratio * real[c]))) for c in labels}
    return FakeShare(ratio, counts)


def keep_indices(n_accepted: int, n_keep: int, seed: int) -> np.ndarray:
    """``n_keep`` of ``n_accepted`` accepted images, drawn without replacement by
    ``default_rng(seed)`` and returned in their original order (same seed, same subset)."""
    if not 0 <= n_keep <= n_accepted:
        raise ValueError(f"cannot keep {n_keep} of {n_accepted} images")
    if n_keep == n_accepted:
        return np.arange(n_accepted)
    return np.sort(np.random.default_rng(seed).choice(n_accepted, n_keep, replace=False))
