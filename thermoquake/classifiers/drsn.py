"""The deep residual shrinkage network (DRSN-CW with squeeze-and-excitation attention).

Stem, then stages of residual shrinkage units
(:func:`~thermoquake.classifiers.shrinkage.residual_shrinkage_unit`: pre-activation convolutions,
channel attention, learned per-channel soft thresholds, identity or projection shortcut),
then BN -> ReLU -> global average pooling -> dropout -> one sigmoid unit.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from thermoquake.classifiers.residual import DEFAULT_STAGES, build_residual_classifier
from thermoquake.classifiers.shrinkage import DEFAULT_REDUCTION


def build_drsn(input_shape: Sequence[int] = (256, 256, 2), width: float = 1.0,
               stages: Sequence[int] = DEFAULT_STAGES, units_per_stage: int = 1,
               dropout: float = 0.2, reduction: int = DEFAULT_REDUCTION,
               seed: int | None = None) -> keras.Model:
    """Uncompiled DRSN, ``(B, H, W, C)`` images -> ``(B, 1)`` P(earthquake follows).

    Args:
        input_shape: ``(H, W, C)``, H and W >= 16 pixels (1 km each in the epicentre images);
            channels 0 = normalised LST (masked 0), 1 = validity mask, 2 = optional RETIRA.
        width: multiplies every stage's channel count (``stages``); e.g. 0.25 for CPU tests.
        stages: channels of each stage at width 1; the first unit of a stage has stride 2.
        units_per_stage: residual shrinkage units per stage.
        dropout: rate before the output unit (0 for none).
        reduction: bottleneck of the threshold and attention sub-networks (C // reduction).
        seed: makes the initial weights and dropout reproducible (``None``: random).
    """
    return build_residual_classifier("drsn", input_shape, shrinkage=True, attention=True,
                                     width=width, stages=stages, units_per_stage=units_per_stage,
                                     dropout=dropout, reduction=reduction, seed=seed)
