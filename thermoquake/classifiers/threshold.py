"""Soft thresholding, the shrinkage non-linearity of deep residual shrinkage networks.

``soft_threshold(x, tau) = sign(x) * max(|x| - tau, 0)`` (Zhao et al. 2019, IEEE TII,
doi:10.1109/TII.2019.2943898). Its derivative is 0 for ``|x| <= tau`` and 1 outside with
respect to ``x``; with respect to ``tau`` it is ``-sign(x)`` outside and 0 inside (the paper's
printed Eq. 4 has the signs of the outer branches swapped). Written with ``keras.ops`` so it
runs and differentiates on every Keras backend (TensorFlow, JAX, PyTorch).
"""

from __future__ import annotations

from typing import Any

from keras import ops


def soft_threshold(x: Any, tau: Any) -> Any:
    """``sign(x) * max(|x| - tau, 0)``, elementwise with broadcasting.

    Args:
        x: feature values, any shape (e.g. ``(batch, H, W, C)``), dimensionless.
        tau: thresholds, ``>= 0``, broadcastable to ``x`` (e.g. ``(batch, 1, 1, C)`` for
            one threshold per sample and channel).

    Returns:
        A tensor of ``x``'s shape: values inside ``[-tau, tau]`` become 0, the others move
        ``tau`` towards 0.
    """
    return ops.sign(x) * ops.relu(ops.abs(x) - tau)
