"""Shared by the classifier benchmarks: wall time of each epoch of a Keras ``fit``."""

from __future__ import annotations

import time


def fit_epoch_times(model, x, y, batch_size: int, epochs: int) -> list[float]:
    """Fit ``model`` for ``epochs`` epochs; return each epoch's wall time, s."""
    import keras

    times: list[float] = []

    class _Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t0)

    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[_Timer()])
    return times
