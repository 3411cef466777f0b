"""Loss logs of a GAN run: ``losses.csv`` (rewritten atomically) and TensorBoard scalars."""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Sequence
from pathlib import Path

from thermoquake.atomic import write_text_atomic

LOSSES_FILE = "losses.csv"
TENSORBOARD_DIR = "tensorboard"
COLUMNS = ("step", "d_loss", "g_loss")


def write_losses(model_dir: Path, rows: Sequence[Sequence[float]]) -> None:
    """``losses.csv``: one row per step (step 1 = the first update), losses in nats."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for step, d_l, g_l in rows:
        writer.writerow([int(step), f"{d_l:.6g}", f"{g_l:.6g}"])
    write_text_atomic(Path(model_dir) / LOSSES_FILE, buf.getvalue())


class TensorBoardLog:
    """Scalars ``loss/discriminator`` and ``loss/generator`` per step (``tf.summary``).

    Written with TensorFlow's core ``tf.summary.write`` and the "scalars" plugin metadata, so
    the ``tensorboard`` package is needed only to view them, not to write them. Where
    TensorFlow cannot be imported (a JAX-only machine) a warning says so and only
    ``losses.csv`` is written.
    """

    def __init__(self, model_dir: Path) -> None:
        try:
            import tensorflow as tf
        except ImportError:
            warnings.warn("tensorflow is not importable: no TensorBoard log, losses.csv only", stacklevel=2)
            self._tf = self._writer = None
            return
        from tensorflow.core.framework import summary_pb2

        self._tf = tf
        self._metadata = summary_pb2.SummaryMetadata(
            plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")).SerializeToString()
        self._writer = tf.summary.create_file_writer(str(Path(model_dir) / TENSORBOARD_DIR))

    def add(self, step: int, d_loss: float, g_loss: float) -> None:
        if self._writer is None:
            return
        with self._writer.as_default():
            for tag, value in (("loss/discriminator", d_loss), ("loss/generator", g_loss)):
                self._tf.summary.write(tag, self._tf.constant(value, self._tf.float32), step=step,
                                       metadata=self._metadata)

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
