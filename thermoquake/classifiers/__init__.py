"""Keras 3 classifiers of epicentre images: the deep residual shrinkage network (DRSN) and the
paper's Table 3 baselines (ResNet, plain CNN).

Every builder returns an *uncompiled* ``keras.Model`` mapping ``(B, H, W, C)`` images
(channel 0 normalised LST with masked pixels 0, 1 the validity mask, 2 optionally RETIRA
clipped to +-5) to ``(B, 1)`` = P(an earthquake follows). Backend-agnostic (``keras.ops``):
TensorFlow on the CPU, JAX on a GPU. Custom layers are registered under the package name
``thermoquake``, so ``keras.models.load_model(path, safe_mode=True)`` reloads a saved model
once this package is imported. Importing :mod:`thermoquake` does not import this package.
"""

from __future__ import annotations

from collections.abc import Sequence

from thermoquake.ml_extra import require_ml

require_ml("the classifiers")

import keras  # noqa: E402

from thermoquake.classifiers.cnn import build_cnn
from thermoquake.classifiers.drsn import build_drsn
from thermoquake.classifiers.resnet import build_resnet
from thermoquake.classifiers.shrinkage import (
    LearnedThreshold,
    SoftThreshold,
    residual_shrinkage_unit,
    residual_unit,
)
from thermoquake.classifiers.threshold import soft_threshold
from thermoquake.errors import ThermoquakeError

MODEL_KINDS: tuple[str, ...] = ("drsn", "resnet", "cnn")
"""The ``--model`` choices, in the paper's order of Table 3 (best last there)."""

_BUILDERS = {"drsn": build_drsn, "resnet": build_resnet, "cnn": build_cnn}


def build_classifier(kind: str, input_shape: Sequence[int], width: float = 1.0, **kw) -> keras.Model:
    """``build_drsn`` / ``build_resnet`` / ``build_cnn`` by name (``kind`` in :data:`MODEL_KINDS`);
    ``kw`` are the builder's other arguments (``stages``, ``units_per_stage``, ``dropout``,
    ``seed``, and ``reduction`` for the DRSN)."""
    if kind not in _BUILDERS:
        raise ThermoquakeError(f"model {kind!r} is not one of {', '.join(MODEL_KINDS)}")
    return _BUILDERS[kind](input_shape=input_shape, width=width, **kw)


__all__ = [
    "MODEL_KINDS",
    "LearnedThreshold",
    "SoftThreshold",
    "build_classifier",
    "build_cnn",
    "build_drsn",
    "build_resnet",
    "residual_shrinkage_unit",
    "residual_unit",
    "soft_threshold",
]
