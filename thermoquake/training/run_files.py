"""The file names of a ``thermoquake train`` run directory (the model directory is one too).

::

    config.json           the run's configuration and inputs
    predictions.csv       out-of-fold probabilities, one row per image
    metrics.json          the evaluation document (:mod:`thermoquake.evaluation.document`)
    history.csv           per-epoch losses of every fit
    folds/fold<k>.json    one finished fold (a restarted run skips it)
    model.keras           the final model (``--final-model``)
    normalisation.json    the final model's input normalisation
    final_model.json      the final model's record
    tensorboard/<fit>/    TensorBoard logs of every fit
"""

from __future__ import annotations

CONFIG_FILE = "config.json"
PREDICTIONS_FILE = "predictions.csv"
METRICS_FILE = "metrics.json"
HISTORY_FILE = "history.csv"
FOLDS_DIR = "folds"
MODEL_FILE = "model.keras"
NORMALISATION_FILE = "normalisation.json"
FINAL_MODEL_FILE = "final_model.json"
TENSORBOARD_DIR = "tensorboard"
