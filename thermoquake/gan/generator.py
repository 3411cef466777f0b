"""The DCGAN generator of the paper (section 2.1.3): z -> 8 x 8 x 1024 -> 5 x 5 transposed
convolutions, channel count halving each layer -> a 256 x 256 image.

Output ``(batch, image_size, image_size, 2)`` in -1..1 (tanh): channel 0 the normalised
temperature (:mod:`thermoquake.gan.normalise`), channel 1 the validity mask (> 0 = data).
"""

from __future__ import annotations

import math

from thermoquake.ml_extra import require_ml

require_ml("the GAN")

import keras  # noqa: E402

BASE_SIZE = 8
"""Side (pixels) of the first feature map the latent vector is projected to."""

BASE_CHANNELS = 1024
"""Channels of that first map at ``width=1.0`` (the paper's 1024)."""

KERNEL = 5
OUTPUT_CHANNELS = 2
"""Temperature and validity."""


def scaled(channels: int, width: float) -> int:
    """``channels * width`` rounded, at least 1."""
    return max(1, int(round(channels * width)))


def upsampling_layers(image_size: int) -> int:
    """Number of stride-2 layers from 8 px to ``image_size`` px (5 at 256)."""
    n = math.log2(image_size / BASE_SIZE) if image_size >= 2 * BASE_SIZE else 0.0
    if image_size < 2 * BASE_SIZE or n != int(n):
        raise ValueError(f"image_size must be 8 * 2**k with k >= 1 (16, 32, 64, 128, 256), got {image_size}")
    return int(n)


def build_generator(width: float = 1.0, latent_dim: int = 100, image_size: int = 256) -> keras.Model:
    """The generator, a ``keras.Model`` ``(batch, latent_dim) -> (batch, S, S, 2)``, S = image_size.

    At ``width=1.0`` and ``image_size=256`` it is the paper's: a dense projection to
    8 x 8 x 1024, then five 5 x 5 stride-2 transposed convolutions with 512, 256, 128, 64 and
    finally 2 (temperature, validity) channels, 16 -> 256 px. Smaller ``image_size`` drops the
    last upsampling layers (64 px: 512 and 256 channels, then the output layer). ``width``
    scales every hidden channel count. Batch normalisation and ReLU after each hidden layer,
    tanh on the output (kept float32 under mixed precision).
    """
    if width <= 0:
        raise ValueError(f"width must be > 0, got {width}")
    n_up = upsampling_layers(image_size)
    c0 = scaled(BASE_CHANNELS, width)
    z = keras.Input((latent_dim,), name="z")
    x = keras.layers.Dense(BASE_SIZE * BASE_SIZE * c0, use_bias=False, name="project")(z)
    x = keras.layers.Reshape((BASE_SIZE, BASE_SIZE, c0))(x)
    x = keras.layers.BatchNormalization(name="project_bn")(x)
    x = keras.layers.ReLU()(x)
    for i in range(1, n_up):
        x = keras.layers.Conv2DTranspose(scaled(BASE_CHANNELS >> i, width), KERNEL, strides=2,
                                         padding="same", use_bias=False, name=f"deconv{i}")(x)
        x = keras.layers.BatchNormalization(name=f"deconv{i}_bn")(x)
        x = keras.layers.ReLU()(x)
    x = keras.layers.Conv2DTranspose(OUTPUT_CHANNELS, KERNEL, strides=2, padding="same",
                                     name=f"deconv{n_up}")(x)
    out = keras.layers.Activation("tanh", dtype="float32", name="image")(x)
    return keras.Model(z, out, name="generator")
