"""Small building blocks shared by the three classifiers: input checks, seeded initialisers,
the stem, squeeze-and-excitation attention and the sigmoid head.

Inputs are epicentre images ``(H, W, C)``: channel 0 the normalised LST (masked pixels 0),
1 the validity mask (1 clear, 0 no data), 2 (optional) RETIRA clipped to +-5 (no data 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
from keras import layers

from thermoquake.errors import ThermoquakeError

MIN_SIZE = 16
"""Smallest image side (pixels) the classifiers accept: the stem and three strided stages
bring 16 pixels down to 1 before global average pooling."""


def check_input_shape(input_shape: Sequence[int]) -> tuple[int, int, int]:
    """``(H, W, C)`` as ints; one-line error unless H, W >= :data:`MIN_SIZE` and C >= 1."""
    shape = tuple(int(s) for s in input_shape)
    if len(shape) != 3:
        raise ThermoquakeError(f"input_shape {tuple(input_shape)} is not (height, width, channels)")
    h, w, c = shape
    if h < MIN_SIZE or w < MIN_SIZE or c < 1:
        raise ThermoquakeError(f"input_shape {shape}: images must be at least {MIN_SIZE}x{MIN_SIZE} "
                               "pixels with at least one channel")
    return shape


def scaled_filters(stages: Sequence[int], width: float) -> tuple[int, ...]:
    """Channel counts of each stage at ``width`` (``round(f * width)``, at least 1)."""
    if not width > 0:
        raise ThermoquakeError(f"width {width} must be > 0")
    if not stages or any(int(f) < 1 for f in stages):
        raise ThermoquakeError(f"stages {tuple(stages)} must be one or more positive channel counts")
    return tuple(max(1, int(round(int(f) * width))) for f in stages)


class LayerSeeds:
    """Deterministic per-layer seeds from one model seed (``None``: unseeded, random)."""

    def __init__(self, seed: int | None) -> None:
        self.seed = seed
        self.count = 0

    def next(self) -> int | None:
        if self.seed is None:
            return None
        self.count += 1
        return int(self.seed) * 1000 + self.count

    def he(self) -> keras.initializers.Initializer:
        return keras.initializers.HeNormal(seed=self.next())

    def glorot(self) -> keras.initializers.Initializer:
        return keras.initializers.GlorotUniform(seed=self.next())


def conv(filters: int, kernel: int, stride: int, seeds: LayerSeeds, name: str) -> layers.Conv2D:
    """``kernel`` x ``kernel`` convolution, 'same' padding, no bias (a batch norm follows)."""
    return layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False,
                         kernel_initializer=seeds.he(), name=name)


def stem(x: Any, filters: int, seeds: LayerSeeds) -> Any:
    """3x3 convolution with stride 2: ``(B, H, W, C)`` -> ``(B, ceil(H/2), ceil(W/2), filters)``."""
    return conv(filters, 3, 2, seeds, "stem_conv")(x)


def squeeze_excitation(x: Any, reduction: int, seeds: LayerSeeds, name: str) -> Any:
    """Channel attention (Hu et al. 2018): ``x * sigmoid(dense(relu(dense(GAP(x)))))``.

    ``(B, H, W, C)`` -> same shape; the bottleneck has ``max(1, C // reduction)`` units.
    """
    channels = int(x.shape[-1])
    hidden = max(1, channels // reduction)
    s = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_squeeze")(x)
    s = layers.Dense(hidden, activation="relu", kernel_initializer=seeds.glorot(), name=f"{name}_reduce")(s)
    s = layers.Dense(channels, activation="sigmoid", kernel_initializer=seeds.glorot(),
                     name=f"{name}_excite")(s)
    return layers.Multiply(name=f"{name}_scale")([x, s])


def head(x: Any, dropout: float, seeds: LayerSeeds, preactivate: bool) -> Any:
    """[BN -> ReLU ->] global average pooling -> dropout -> one sigmoid unit, ``(B, 1)`` float32.

    ``preactivate`` closes a pre-activation residual stack (whose last add is not normalised).
    """
    if preactivate:
        x = layers.BatchNormalization(name="head_bn")(x)
        x = layers.ReLU(name="head_relu")(x)
    x = layers.GlobalAveragePooling2D(name="head_pool")(x)
    if dropout:
        x = layers.Dropout(dropout, seed=seeds.next(), name="head_dropout")(x)
    return layers.Dense(1, activation="sigmoid", kernel_initializer=seeds.glorot(), dtype="float32",
                        name="probability")(x)
