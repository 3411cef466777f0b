"""Does a GAN copy its training images? Nearest-neighbour distances, model-free.

A GAN trained on a few dozen images can learn to reproduce them; a copy passes every
distribution check and adds nothing. The test (ANCHORS: "memorisation tests"): the distance
of each generated image to its nearest training image, against the distance of real images
the GAN never saw to *their* nearest training image. Without held-out images (inside a
training fold the test images are off limits) each training image's distance to its nearest
*other* training image stands in (leave one out).

The opposite failure, mode collapse (every generated image alike, e.g. the training set's
mean field), sits *far* from any single training image and so passes the copying test; the
diversity figure catches it: the median distance between two generated images against the
median distance between two real reference images.

Distances are root-mean-square differences in K over the pixels valid in both images, after
removing each image's mean over those pixels, so a uniformly warmer day is not "far" from
its pattern. Images are ``(N, H, W)`` float arrays in deg C, NaN = no data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

MIN_COMMON_FRACTION = 0.2
"""Pairs sharing fewer valid pixels than this fraction of the image are not compared."""


def _pair_distance(a: np.ndarray, b: np.ndarray) -> float:
    both = np.isfinite(a) & np.isfinite(b)
    if both.sum() < MIN_COMMON_FRACTION * a.size:
        return float("inf")
    d = (a[both] - a[both].mean()) - (b[both] - b[both].mean())
    return float(np.sqrt(np.mean(d * d)))


def nearest_distances(images_c: np.ndarray, train_c: np.ndarray, leave_one_out: bool = False) -> np.ndarray:
    """``(N,)`` K: each image's distance to its nearest training image (module doc).

    ``leave_one_out``: ``images_c`` *is* ``train_c`` and image i is not compared with itself.
    An image sharing too few valid pixels with every training image gets ``inf``.
    """
    images = np.asarray(images_c, np.float64)
    train = np.asarray(train_c, np.float64)
    if images.ndim != 3 or train.ndim != 3 or images.shape[1:] != train.shape[1:]:
        raise ValueError(f"need (N, H, W) stacks of one image shape, got {images.shape} and {train.shape}")
    if leave_one_out and images.shape != train.shape:
        raise ValueError("leave_one_out needs the training stack itself")
    out = np.full(len(images), np.inf)
    for i, image in enumerate(images):
        for j, other in enumerate(train):
            if not (leave_one_out and i == j):
                out[i] = min(out[i], _pair_distance(image, other))
    return out


def median_pairwise_distance(images_c: np.ndarray) -> float:
    """Median distance (K, module doc) over all pairs of an ``(N, H, W)`` stack; NaN below 2
    comparable images."""
    images = np.asarray(images_c, np.float64)
    d = [_pair_distance(images[i], images[j]) for i in range(len(images)) for j in range(i + 1, len(images))]
    d = [x for x in d if np.isfinite(x)]
    return float(np.median(d)) if d else float("nan")


def spread_ratio(images_c: np.ndarray, reference_c: np.ndarray) -> tuple[float, float, float]:
    """``(spread, reference_spread, ratio)``: :func:`median_pairwise_distance` (K) of the
    images and of the reference images, and their ratio (about 1: as varied as the reference;
    well below 1: mode collapse); NaN where not defined."""
    spread, reference = median_pairwise_distance(images_c), median_pairwise_distance(reference_c)
    return spread, reference, spread / reference if reference > 0 else float("nan")


@dataclass(frozen=True)
class Memorisation:
    """``generated_k``/``real_k``: median nearest-training-image distances (K) of the generated
    images and of the real reference images (held out, or leave-one-out training images);
    ``ratio`` = generated / real (about 1 or above: no sign of copying; well below 1: the
    generated images sit closer to training images than real images do); ``copies`` = the
    fraction of generated images closer to a training image than the closest real one.
    ``generated_spread_k``/``real_spread_k``: median distance between two generated / two real
    reference images (K); ``diversity`` = their ratio (about 1: as varied as real days; well
    below 1: mode collapse)."""

    generated_k: float
    real_k: float
    ratio: float
    copies: float
    generated_spread_k: float = float("nan")
    real_spread_k: float = float("nan")
    diversity: float = float("nan")

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def memorisation(generated_c: np.ndarray, train_c: np.ndarray,
                 heldout_c: np.ndarray | None = None) -> Memorisation:
    """The memorisation figures (:class:`Memorisation`) of ``generated_c`` against the GAN's
    training images ``train_c``; the real reference is ``heldout_c`` when given, else the
    training images left out one at a time."""
    gen = nearest_distances(generated_c, train_c)
    real = (nearest_distances(heldout_c, train_c) if heldout_c is not None
            else nearest_distances(train_c, train_c, leave_one_out=True))
    gen, real = gen[np.isfinite(gen)], real[np.isfinite(real)]
    if gen.size == 0 or real.size == 0:
        nan = float("nan")
        return Memorisation(nan, nan, nan, nan)
    g, r = float(np.median(gen)), float(np.median(real))
    g_spread, r_spread, diversity = spread_ratio(generated_c, heldout_c if heldout_c is not None else train_c)
    return Memorisation(g, r, g / r if r > 0 else float("inf"), float(np.mean(gen < real.min())),
                        g_spread, r_spread, diversity)
