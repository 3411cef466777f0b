"""Where a run's decision threshold came from (``threshold_source`` in config.json,
metrics.json, final_model.json and ``predict``'s output).

A threshold is honest only if it was fixed before the out-of-fold predictions were seen:
``train --threshold`` sets it in the run's configuration before any fold is fitted. A
threshold picked afterwards (``evaluate --threshold`` with another value) may have been
tuned on the very predictions it scores, and its results are marked so.
"""

from __future__ import annotations

THRESHOLD_FIXED = "fixed before evaluation"
THRESHOLD_AFTER = "chosen after evaluation"
DEFAULT_THRESHOLD = 0.5
"""Probability at or above which a day is an alarm, unless ``train --threshold`` says otherwise."""


def threshold_source(chosen: float | None, fixed: float) -> tuple[float, str]:
    """The threshold to use and its source: ``fixed`` (the run's) when ``chosen`` is None or
    equal to it, else ``chosen``, marked as chosen after evaluation."""
    if chosen is None or chosen == fixed:
        return fixed, THRESHOLD_FIXED
    return chosen, THRESHOLD_AFTER


def after_evaluation_note(chosen: float, fixed: float) -> str:
    """One line saying that a result's threshold was not the one fixed before evaluation."""
    return (f"note: threshold {chosen:g} was chosen after evaluation (the run fixed {fixed:g} before it); "
            "results at a threshold picked after seeing the predictions are optimistic")
