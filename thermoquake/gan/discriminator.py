"""The discriminator of the paper (section 2.1.3): five 5 x 5 stride-2 convolutions (16, 32,
64, 128, 256 channels: 128 ... 8 px at 256 input) and, in the improved DCGAN, a multi-scale
feature-fusion layer: the last three layers' maps max-pooled to 8 x 8 and concatenated
(64 + 128 + 256 = 448 maps) before the real/fake output.
"""

from __future__ import annotations

from thermoquake.ml_extra import require_ml

require_ml("the GAN")

import keras  # noqa: E402

from thermoquake.gan.generator import BASE_SIZE, KERNEL, scaled, upsampling_layers
from thermoquake.gan.layers import ValidityGate

CONV_CHANNELS = (16, 32, 64, 128, 256)
FUSED_LAYERS = 3
"""The last three convolutions feed the fusion layer."""


def build_discriminator(width: float = 1.0, fusion: bool = True, image_size: int = 256) -> keras.Model:
    """The discriminator, ``(batch, S, S, 2) -> (batch, 1)`` real/fake logits (float32).

    Input: normalised temperature and validity (as the generator's output); a
    :class:`~thermoquake.gan.layers.ValidityGate` first hides temperatures under "no data".
    Five 5 x 5 convolutions with 16, 32, 64, 128, 256 channels (times ``width``), LeakyReLU
    0.2. At ``image_size=256`` all five have stride 2 (128, 64, 32, 16, 8 px); a smaller image
    gives the first ones stride 1, so the last three maps are always 32, 16 and 8 px and the
    fusion tensor is always ``(8, 8, (64 + 128 + 256) * width)``, layer ``"fusion"``.
    ``fusion=False`` is the plain DCGAN: the last map alone goes to the output.
    """
    if width <= 0:
        raise ValueError(f"width must be > 0, got {width}")
    n_down = upsampling_layers(image_size)
    if n_down < FUSED_LAYERS:
        raise ValueError(f"image_size must be at least 64 for the fusion layer, got {image_size}")
    if n_down > len(CONV_CHANNELS):
        raise ValueError(f"image_size must be at most 256, got {image_size}")
    x_in = keras.Input((image_size, image_size, 2), name="image")
    x = ValidityGate(name="validity_gate")(x_in)
    maps = []
    first_strided = len(CONV_CHANNELS) - n_down
    for i, channels in enumerate(CONV_CHANNELS):
        stride = 2 if i >= first_strided else 1
        x = keras.layers.Conv2D(scaled(channels, width), KERNEL, strides=stride, padding="same",
                                name=f"conv{i + 1}")(x)
        x = keras.layers.LeakyReLU(0.2)(x)
        maps.append(x)
    if fusion:
        pooled = []
        for m, size in zip(maps[-FUSED_LAYERS:], (4 * BASE_SIZE, 2 * BASE_SIZE, BASE_SIZE)):
            factor = size // BASE_SIZE
            pooled.append(keras.layers.MaxPooling2D(factor, name=f"pool{size}")(m) if factor > 1 else m)
        x = keras.layers.Concatenate(name="fusion")(pooled)
    x = keras.layers.Flatten()(x)
    logits = keras.layers.Dense(1, dtype="float32", name="logits")(x)
    return keras.Model(x_in, logits, name="discriminator_fusion" if fusion else "discriminator_plain")
