"""The ``ml`` extra: Keras and TensorFlow (or JAX), needed only to train, predict and run the GAN.

``pip install thermoquake`` gives fetch, preprocess, RST and reports; ``pip install
'thermoquake[ml]'`` adds the classifiers and the GAN. Every module that needs Keras calls
:func:`require_ml` before importing it, so a missing extra is one line naming what to install
instead of a ``ModuleNotFoundError`` traceback.
"""

from __future__ import annotations

from thermoquake.errors import MissingExtraError

INSTALL_HINT = "pip install 'thermoquake[ml]'"


def require_ml(purpose: str = "this command") -> None:
    """Import Keras (and with it its backend, TensorFlow unless ``KERAS_BACKEND`` says
    otherwise); raise :class:`MissingExtraError` naming :data:`INSTALL_HINT` when either is
    not installed. ``purpose`` names what needs them ("the classifiers")."""
    try:
        import keras  # noqa: F401
    except ImportError as err:
        missing = getattr(err, "name", None) or "keras"
        raise MissingExtraError(
            f"Keras/TensorFlow not installed (no module named {missing!r}), needed for {purpose}; "
            f"install the ml extra: {INSTALL_HINT}"
        ) from None
