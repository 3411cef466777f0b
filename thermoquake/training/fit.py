"""Fit one classifier on arrays (backend-agnostic: ``keras.Model.fit``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np


def class_weights(y: np.ndarray) -> dict[int, float]:
    """Weights n / (2·n_class) so both classes count alike (events outnumber controls 3:1 in
    the paper's design)."""
    y = np.asarray(y, int)
    n = len(y)
    return {c: (n / (2.0 * max(int((y == c).sum()), 1))) for c in (0, 1)}


def fit_classifier(kind: str, x: np.ndarray, y: np.ndarray, *, width: float, epochs: int, batch_size: int,
                   learning_rate: float, seed: int, verbose: int = 0,
                   on_epoch: Callable[[int, dict], None] | None = None):
    """A freshly built ``kind`` model (thermoquake.classifiers) fitted on x (n, H, W, C) float32 and
    y (n,) in {0, 1} with Adam and binary cross-entropy, balanced class weights; returns the
    model. Same seed, same data -> same weights on one backend and machine. ``on_epoch`` is
    called after each epoch with its 0-based index and Keras' logs (``loss``, nats;
    ``binary_accuracy``); ``verbose`` 0 keeps Keras' own bar out of logs."""
    from thermoquake.ml_extra import require_ml

    require_ml("training a classifier")
    import keras

    from thermoquake.classifiers import build_classifier

    keras.utils.set_random_seed(seed)
    model = build_classifier(kind, x.shape[1:], width=width, seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy",
                  metrics=["binary_accuracy"])
    callbacks = [] if on_epoch is None else [keras.callbacks.LambdaCallback(on_epoch_end=on_epoch)]
    model.fit(x, np.asarray(y, np.float32).reshape(-1, 1), epochs=epochs, batch_size=batch_size,
              shuffle=True, class_weight=class_weights(y), verbose=verbose, callbacks=callbacks)
    return model


def predict_probability(model, x: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """P(earthquake follows) per image, (n,) float64."""
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0), float).reshape(-1)


def load_model_safe(path: Path):
    """A saved classifier, loaded with Keras safe mode on (thermoquake's layers registered)."""
    from thermoquake.keras_file import load_keras_model

    return load_keras_model(path)
