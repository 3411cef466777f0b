"""Improved DCGAN augmentation: generator, multi-scale fusion discriminator,
training with checkpoints, generation in deg C.

Public API (imports Keras lazily, so ``import thermoquake.gan`` stays light):
``build_generator``, ``build_discriminator``, ``train_gan``, ``generate``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_discriminator", "build_generator", "generate", "train_gan"]

_HOMES = {"build_generator": "thermoquake.gan.generator", "build_discriminator": "thermoquake.gan.discriminator",
          "train_gan": "thermoquake.gan.train", "generate": "thermoquake.gan.generation"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'thermoquake.gan' has no attribute {name!r}")
