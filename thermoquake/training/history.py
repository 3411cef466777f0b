"""The classifier's training history: loss and metrics per epoch, per fold (and for the final
model), kept in the run directory.

* ``RUN/history.csv``: columns ``fit`` (``fold0``, ``fold1``, ..., ``final``), ``epoch``
  (1 = after the first pass over the training days) and one column per Keras log key
  (``loss``: binary cross-entropy, nats; ``binary_accuracy``: 0..1), rewritten atomically
  after each fit; rows of other fits are kept, a fit run again replaces its rows.
* ``RUN/tensorboard/<fit>/``: the same values as TensorBoard scalars ``epoch/<key>``
  (``tensorboard --logdir RUN/tensorboard``), written with TensorFlow's ``tf.summary`` as the
  GAN's losses are; without TensorFlow only the CSV is written (with a warning).
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from collections.abc import Callable
from pathlib import Path

from thermoquake.atomic import write_text_atomic
from thermoquake.training.run_files import HISTORY_FILE, TENSORBOARD_DIR


def read_history(run_dir: Path) -> list[dict[str, str]]:
    """The rows of ``RUN/history.csv`` (empty list when there is none)."""
    path = Path(run_dir) / HISTORY_FILE
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_history(run_dir: Path, fit: str, epochs: list[dict[str, float]]) -> Path:
    """Replace ``fit``'s rows of ``RUN/history.csv`` by ``epochs`` (one dict of log values per
    epoch, in order); return the file's path."""
    run_dir = Path(run_dir)
    rows = [r for r in read_history(run_dir) if r.get("fit") != fit]
    for k, logs in enumerate(epochs, start=1):
        rows.append({"fit": fit, "epoch": str(k), **{key: _fmt(v) for key, v in logs.items()}})
    keys = ["fit", "epoch"]
    for r in rows:
        keys += [k for k in r if k not in keys]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, keys, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    path = run_dir / HISTORY_FILE
    write_text_atomic(path, buf.getvalue())
    return path


def _fmt(value) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    return "" if math.isnan(v) else f"{v:.6g}"


class HistoryLog:
    """Collects one fit's per-epoch logs; :meth:`add` is a Keras ``on_epoch_end``-style hook
    (0-based epoch, logs), :meth:`close` writes the CSV. TensorBoard scalars are written as
    epochs end."""

    def __init__(self, run_dir: Path, fit: str, on_epoch: Callable[[str, int, dict], None] | None = None) -> None:
        self.run_dir = Path(run_dir)
        self.fit = fit
        self.epochs: list[dict[str, float]] = []
        self._on_epoch = on_epoch
        self._tf = self._writer = None
        try:
            import tensorflow as tf
        except ImportError:
            warnings.warn("tensorflow is not importable: no TensorBoard log, history.csv only", stacklevel=2)
            return
        from tensorflow.core.framework import summary_pb2

        self._tf = tf
        self._metadata = summary_pb2.SummaryMetadata(
            plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")).SerializeToString()
        self._writer = tf.summary.create_file_writer(str(self.run_dir / TENSORBOARD_DIR / fit))

    def add(self, epoch: int, logs: dict | None) -> None:
        values = {k: float(v) for k, v in (logs or {}).items()}
        self.epochs.append(values)
        if self._writer is not None:
            with self._writer.as_default():
                for key, value in values.items():
                    self._tf.summary.write(f"epoch/{key}", self._tf.constant(value, self._tf.float32),
                                           step=epoch + 1, metadata=self._metadata)
        if self._on_epoch is not None:
            self._on_epoch(self.fit, epoch + 1, values)

    def close(self) -> Path:
        if self._writer is not None:
            self._writer.flush()
            self._writer.close()
        return write_history(self.run_dir, self.fit, self.epochs)
