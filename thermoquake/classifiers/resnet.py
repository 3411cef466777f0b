"""The ResNet baseline of the paper's Table 3: the DRSN without thresholding and attention.

Same stem, stages, pre-activation units, shortcuts and head as
:func:`~thermoquake.classifiers.drsn.build_drsn`; only the squeeze-and-excitation and the learned
soft thresholds are left out, so the two differ by exactly those parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from thermoquake.classifiers.residual import DEFAULT_STAGES, build_residual_classifier


def build_resnet(input_shape: Sequence[int] = (256, 256, 2), width: float = 1.0,
                 stages: Sequence[int] = DEFAULT_STAGES, units_per_stage: int = 1,
                 dropout: float = 0.2, seed: int | None = None) -> keras.Model:
    """Uncompiled pre-activation ResNet, ``(B, H, W, C)`` -> ``(B, 1)`` P(earthquake follows).
    Arguments as :func:`~thermoquake.classifiers.drsn.build_drsn`."""
    return build_residual_classifier("resnet", input_shape, shrinkage=False, attention=False,
                                     width=width, stages=stages, units_per_stage=units_per_stage,
                                     dropout=dropout, seed=seed)
