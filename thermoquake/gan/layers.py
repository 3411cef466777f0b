"""Custom Keras layers of the GAN (registered, so ``.keras`` files load with ``safe_mode=True``)."""

from __future__ import annotations

from thermoquake.ml_extra import require_ml

require_ml("the GAN")

import keras  # noqa: E402
from keras import ops


@keras.saving.register_keras_serializable(package="thermoquake")
class ValidityGate(keras.layers.Layer):
    """Hide the temperature where the validity mask says "no data".

    Input ``(batch, H, W, 2)``: channel 0 normalised temperature (-1..1), channel 1 validity
    (+1 = data, -1 = no data; a generator's tanh output is read the same way, as ``(m + 1) / 2``).
    Output: the same shape, temperature multiplied by ``(m + 1) / 2``. A discriminator that
    starts with this layer never sees a temperature under a cloud, so the generator is never
    pushed to paint clouds as any temperature (cold or otherwise): cloud pixels are a separate
    channel, not a value.
    """

    def call(self, inputs):
        temperature = inputs[..., 0:1]
        validity = inputs[..., 1:2]
        weight = (validity + 1.0) * 0.5
        return ops.concatenate([temperature * weight, validity], axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape
