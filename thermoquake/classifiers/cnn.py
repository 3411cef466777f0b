"""The plain CNN baseline of the paper's Table 3: no residual units, no shortcuts.

``stem (3x3, stride 2) -> per stage [conv3x3(stride 2 first) -> BN -> ReLU -> conv3x3 -> BN ->
ReLU] x units_per_stage -> GAP -> dropout -> sigmoid``: the same 3x3 convolutions as the
ResNet baseline, in the same places, without the identity/projection paths.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from thermoquake.classifiers.blocks import LayerSeeds, check_input_shape, conv, head, scaled_filters, stem
from thermoquake.classifiers.residual import DEFAULT_STAGES


def build_cnn(input_shape: Sequence[int] = (256, 256, 2), width: float = 1.0,
              stages: Sequence[int] = DEFAULT_STAGES, units_per_stage: int = 1,
              dropout: float = 0.2, seed: int | None = None) -> keras.Model:
    """Uncompiled plain CNN, ``(B, H, W, C)`` -> ``(B, 1)`` P(earthquake follows).
    Arguments as :func:`~thermoquake.classifiers.drsn.build_drsn`."""
    shape = check_input_shape(input_shape)
    filters = scaled_filters(stages, width)
    if int(units_per_stage) < 1:
        raise ValueError(f"units_per_stage {units_per_stage} must be >= 1")
    seeds = LayerSeeds(seed)
    inputs = keras.Input(shape=shape, name="image")
    x = stem(inputs, filters[0], seeds)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    for s, f in enumerate(filters, start=1):
        for u in range(1, int(units_per_stage) + 1):
            name = f"stage{s}_block{u}"
            x = conv(f, 3, 2 if u == 1 else 1, seeds, f"{name}_conv1")(x)
            x = layers.BatchNormalization(name=f"{name}_bn1")(x)
            x = layers.ReLU(name=f"{name}_relu1")(x)
            x = conv(f, 3, 1, seeds, f"{name}_conv2")(x)
            x = layers.BatchNormalization(name=f"{name}_bn2")(x)
            x = layers.ReLU(name=f"{name}_relu2")(x)
    outputs = head(x, dropout, seeds, preactivate=False)
    return keras.Model(inputs, outputs, name="cnn")
