"""Train/test splits that keep every event — and, for matched controls, every site — on one
side: K folds grouped by ``samples.csv`` group (stratified so each fold gets events and
controls), or chronological (train on earlier years, test on later ones)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from thermoquake.dataset.windows import WindowDay
from thermoquake.errors import ThermoquakeError

SPLITS = ("grouped", "chronological")


@dataclass(frozen=True)
class Fold:
    """Indices into the days list; ``test_years`` the years of the test samples."""

    index: int
    train: np.ndarray
    test: np.ndarray

    def describe(self, days: Sequence[WindowDay]) -> dict:
        def count(idx: np.ndarray, label: int) -> int:
            return len({days[i].sample_id for i in idx if days[i].label == label})
        return {"fold": self.index, "train_events": count(self.train, 1), "train_controls": count(self.train, 0),
                "test_events": count(self.test, 1), "test_controls": count(self.test, 0),
                "train_days": int(len(self.train)), "test_days": int(len(self.test)),
                "test_years": sorted({days[i].year for i in self.test})}


def grouped_folds(days: Sequence[WindowDay], k: int = 4, seed: int = 0) -> list[Fold]:
    """K folds by group, stratified by label (scikit-learn's StratifiedGroupKFold): no group
    has days in both train and test of a fold."""
    from sklearn.model_selection import StratifiedGroupKFold

    groups = np.array([d.group for d in days])
    labels = np.array([d.label for d in days])
    n_groups = len(set(groups))
    if k < 2 or k > n_groups:
        raise ThermoquakeError(f"--folds {k}: need 2 <= folds <= the number of event groups ({n_groups})")
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    folds = [Fold(i, np.sort(tr), np.sort(te))
             for i, (tr, te) in enumerate(splitter.split(np.zeros(len(days)), labels, groups))]
    for f in folds:
        assert not set(groups[f.train]) & set(groups[f.test])
    return folds


def chronological_fold(days: Sequence[WindowDay], test_from_year: int) -> list[Fold]:
    """One fold: groups whose events are all before ``test_from_year`` train, the rest test.
    A group's year is its latest event's year (a matched control follows its event)."""
    event_years: dict[str, list[int]] = {}
    any_years: dict[str, list[int]] = {}
    for d in days:
        any_years.setdefault(d.group, []).append(d.year)
        if d.label == 1:
            event_years.setdefault(d.group, []).append(d.year)
    group_year = {g: max(event_years.get(g) or years) for g, years in any_years.items()}
    train = np.array([i for i, d in enumerate(days) if group_year[d.group] < test_from_year], int)
    test = np.array([i for i, d in enumerate(days) if group_year[d.group] >= test_from_year], int)
    if not len(train) or not len(test):
        raise ThermoquakeError(f"--test-from {test_from_year}: leaves an empty training or test set")
    return [Fold(0, train, test)]
