"""The residual classifier both DRSN and its ResNet baseline are made of.

``input (H, W, C) -> stem (3x3, stride 2) -> stages -> BN -> ReLU -> GAP -> dropout ->
sigmoid``. Each stage is ``units_per_stage`` residual units
(:func:`~thermoquake.classifiers.shrinkage.residual_unit`), the first with stride 2; a
256 x 256 input is 16 x 16 after the default three stages.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from thermoquake.classifiers.blocks import LayerSeeds, check_input_shape, head, scaled_filters, stem
from thermoquake.classifiers.shrinkage import DEFAULT_REDUCTION, residual_unit

DEFAULT_STAGES = (16, 32, 64)
"""Channels of each stage at ``width=1.0``; the paper's network is small (four convolutions
and two residual units), so is ours."""


def build_residual_classifier(name: str, input_shape: Sequence[int], *, shrinkage: bool,
                              attention: bool, width: float = 1.0,
                              stages: Sequence[int] = DEFAULT_STAGES, units_per_stage: int = 1,
                              dropout: float = 0.2, reduction: int = DEFAULT_REDUCTION,
                              seed: int | None = None) -> keras.Model:
    """An uncompiled ``keras.Model`` ``(B, H, W, C) -> (B, 1)`` = P(earthquake follows)."""
    shape = check_input_shape(input_shape)
    filters = scaled_filters(stages, width)
    if int(units_per_stage) < 1:
        raise ValueError(f"units_per_stage {units_per_stage} must be >= 1")
    seeds = LayerSeeds(seed)
    inputs = keras.Input(shape=shape, name="image")
    x = stem(inputs, filters[0], seeds)
    for s, f in enumerate(filters, start=1):
        for u in range(1, int(units_per_stage) + 1):
            x = residual_unit(x, f, 2 if u == 1 else 1, seeds, f"stage{s}_unit{u}",
                              shrinkage=shrinkage, attention=attention, reduction=reduction)
    outputs = head(x, dropout, seeds, preactivate=True)
    return keras.Model(inputs, outputs, name=name)


__all__ = ["DEFAULT_STAGES", "build_residual_classifier"]
