"""Learned channel-wise thresholds and the residual shrinkage unit (DRSN-CW, Zhao et al. 2019).

Threshold of each sample and channel: ``tau = alpha * mean|x|`` over H, W, with
``alpha = sigmoid(dense_C(ReLU(BN(dense_h(GAP(|x|))))))``; so ``0 <= tau <= mean|x|``.
**Bottleneck:** ``h = max(1, C // reduction)``, ``reduction = 4`` by default, as in the
author's recommended TFLearn implementation (zhao62/Deep-Residual-Shrinkage-Networks; its
Keras file uses ``h = C``, i.e. ``reduction=1``). The same reduction serves the
squeeze-and-excitation attention.

The unit (pre-activation, He et al. 2016): ``BN -> ReLU -> conv3x3(stride) -> BN -> ReLU ->
conv3x3 -> squeeze-and-excitation -> soft threshold``, plus a shortcut: identity when shape is
kept, else a projection of the pre-activated input: 2x2 average pooling with the stride, then
a 1x1 convolution (ResNet-D, He et al. 2019; the reference design pools and zero-pads channels
instead). Not a strided 1x1 convolution: besides skipping three pixels in four, its gradient
crashes TensorFlow 2.21's oneDNN CPU kernels (SIGSEGV/SIGABRT) on odd batch sizes, e.g. a
last batch of 5. Without shrinkage and attention the unit is a plain pre-activation residual
unit (the ResNet baseline).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers, ops

from thermoquake.classifiers.blocks import LayerSeeds, conv, squeeze_excitation
from thermoquake.classifiers.threshold import soft_threshold

DEFAULT_REDUCTION = 4
"""Bottleneck reduction of the threshold and attention sub-networks (``h = C // 4``)."""


@keras.saving.register_keras_serializable(package="thermoquake")
class LearnedThreshold(layers.Layer):
    """Per-sample, per-channel thresholds ``tau`` of a feature map.

    ``(B, H, W, C)`` -> ``(B, 1, 1, C)``, ``0 <= tau <= mean over H, W of |x|`` (same units as
    ``x``). Sub-layers: ``dense_h`` (h = max(1, C // reduction) units), batch norm, ReLU,
    ``dense_C`` with a sigmoid giving ``alpha`` in (0, 1).
    """

    def __init__(self, reduction: int = DEFAULT_REDUCTION, seed: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if int(reduction) < 1:
            raise ValueError(f"reduction {reduction} must be >= 1")
        self.reduction = int(reduction)
        self.seed = seed

    def build(self, input_shape) -> None:
        channels = int(input_shape[-1])
        hidden = max(1, channels // self.reduction)
        seed2 = None if self.seed is None else self.seed + 1
        self.squeeze = layers.Dense(hidden, kernel_initializer=keras.initializers.GlorotUniform(self.seed),
                                    name="squeeze", dtype=self.dtype_policy)
        self.norm = layers.BatchNormalization(name="norm", dtype=self.dtype_policy)
        self.excite = layers.Dense(channels, activation="sigmoid", name="excite",
                                   kernel_initializer=keras.initializers.GlorotUniform(seed2),
                                   dtype=self.dtype_policy)
        self.squeeze.build((None, channels))
        self.norm.build((None, hidden))
        self.excite.build((None, hidden))

    def call(self, x, training=None):
        mean_abs = ops.mean(ops.abs(x), axis=(1, 2))                      # (B, C)
        h = ops.relu(self.norm(self.squeeze(mean_abs), training=training))
        alpha = self.excite(h)                                            # (B, C), in (0, 1)
        tau = alpha * mean_abs
        return ops.expand_dims(ops.expand_dims(tau, 1), 1)                # (B, 1, 1, C)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1, 1, input_shape[-1])

    def get_config(self) -> dict:
        return {**super().get_config(), "reduction": self.reduction, "seed": self.seed}


@keras.saving.register_keras_serializable(package="thermoquake")
class SoftThreshold(layers.Layer):
    """``[x, tau]`` -> :func:`~thermoquake.classifiers.threshold.soft_threshold` ``(x, tau)``, x's shape."""

    def call(self, inputs):
        x, tau = inputs
        return soft_threshold(x, tau)

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]


def residual_unit(x: Any, filters: int, stride: int, seeds: LayerSeeds, name: str, *,
                  shrinkage: bool, attention: bool, reduction: int = DEFAULT_REDUCTION) -> Any:
    """One pre-activation residual unit, ``(B, H, W, Cin)`` -> ``(B, H/stride, W/stride, filters)``
    (sizes rounded up); with ``shrinkage`` and ``attention`` it is the residual shrinkage unit."""
    channels_in = int(x.shape[-1])
    pre = layers.BatchNormalization(name=f"{name}_bn1")(x)
    pre = layers.ReLU(name=f"{name}_relu1")(pre)
    if stride != 1 or channels_in != filters:
        shortcut = pre
        if stride != 1:
            shortcut = layers.AveragePooling2D(stride, strides=stride, padding="same",
                                               name=f"{name}_pool")(shortcut)
        shortcut = conv(filters, 1, 1, seeds, f"{name}_projection")(shortcut)
    else:
        shortcut = x
    y = conv(filters, 3, stride, seeds, f"{name}_conv1")(pre)
    y = layers.BatchNormalization(name=f"{name}_bn2")(y)
    y = layers.ReLU(name=f"{name}_relu2")(y)
    y = conv(filters, 3, 1, seeds, f"{name}_conv2")(y)
    if attention:
        y = squeeze_excitation(y, reduction, seeds, f"{name}_se")
    if shrinkage:
        tau = LearnedThreshold(reduction, seed=seeds.next(), name=f"{name}_threshold")(y)
        y = SoftThreshold(name=f"{name}_shrink")([y, tau])
    return layers.Add(name=f"{name}_add")([shortcut, y])


def residual_shrinkage_unit(x: Any, filters: int, stride: int, seeds: LayerSeeds, name: str,
                            reduction: int = DEFAULT_REDUCTION) -> Any:
    """:func:`residual_unit` with attention and learned soft thresholds (the DRSN unit)."""
    return residual_unit(x, filters, stride, seeds, name, shrinkage=True, attention=True,
                         reduction=reduction)
