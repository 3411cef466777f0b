"""Train/test splits that keep every event — and, for matched controls, every site — on one
side: K folds grouped by ``samples.csv`` group (stratified so each fold gets events and
controls), or chronological (train on earlier days, test on later ones).

**Space.** Epicentre boxes (``box_km`` x ``box_km``, centred on each sample) of nearby events
overlap, and a box that overlaps a training box shows the test model the same ground. The
K folds therefore group by spatial cluster: samples whose boxes overlap by more than
``overlap_max`` (fraction of a box's area) are one group, transitively (connected
components), joined with the ``samples.csv`` groups. ``overlap_max`` 0 (the default) joins
any overlap; 1 joins none (folds by ``samples.csv`` group only, for comparison). Every split
reports how many pairs of ``samples.csv`` groups with overlapping boxes it puts on two sides.

**Time.** The chronological split cuts at Jan 1 of ``test_from``: a training day and every
day of the reference images behind its R map are before the cut; a test target day is at
or after it. A group (an event with its matched controls) whose days fall on both sides —
a control in another year than its event, a window across New Year, or a training day whose
RST reference uses test years — is left out and counted. A test day's R map may use
reference years before the cut: a forecast made at the cut knows the past.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from thermoquake.dataset.windows import WindowDay
from thermoquake.image.grid import DLAT_DEG
from thermoquake.errors import ThermoquakeError

SPLITS = ("grouped", "chronological")
DEFAULT_OVERLAP_MAX = 0.0
"""Boxes overlapping by more than this fraction of their area are one fold group (0: any overlap)."""


@dataclass(frozen=True)
class Fold:
    """Indices into the days list; ``notes``: what the split records about this fold (left-out
    groups, straddling box pairs), shown by :meth:`describe`."""

    index: int
    train: np.ndarray
    test: np.ndarray
    notes: dict = field(default_factory=dict, compare=False)

    def describe(self, days: Sequence[WindowDay]) -> dict:
        def count(idx: np.ndarray, label: int) -> int:
            return len({days[i].sample_id for i in idx if days[i].label == label})
        return {"fold": self.index, "train_events": count(self.train, 1), "train_controls": count(self.train, 0),
                "test_events": count(self.test, 1), "test_controls": count(self.test, 0),
                "train_days": int(len(self.train)), "test_days": int(len(self.test)),
                "test_years": sorted({days[i].year for i in self.test})} | self.notes


# --- space ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Boxes:
    """One box per sample: ids, ``samples.csv`` groups, centres (degrees)."""

    ids: list[str]
    groups: list[str]
    lat: np.ndarray
    lon: np.ndarray


def _boxes(days: Sequence[WindowDay]) -> _Boxes:
    seen: dict[str, WindowDay] = {}
    for d in days:
        seen.setdefault(d.sample_id, d)
    first = list(seen.values())
    return _Boxes([d.sample_id for d in first], [d.group for d in first],
                  np.array([d.latitude for d in first], float), np.array([d.longitude for d in first], float))


def box_overlap(lat: np.ndarray, lon: np.ndarray, box_km: float) -> np.ndarray:
    """(n, n) overlap of ``box_km`` x ``box_km`` boxes centred on (``lat``, ``lon``) degrees:
    the area of each pair's intersection as a fraction of one box (0..1; 1 on the diagonal).
    Centre offsets are taken in km on the pair's mean latitude (boxes of 1 km pixels, as
    :class:`~thermoquake.image.grid.EpicentreGrid`); NaN coordinates overlap nothing."""
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    dy = np.abs(lat[:, None] - lat[None, :]) / DLAT_DEG
    dlon = np.abs((lon[:, None] - lon[None, :] + 180.0) % 360.0 - 180.0)
    dx = dlon * np.cos(np.radians((lat[:, None] + lat[None, :]) / 2)) / DLAT_DEG
    frac = np.clip(box_km - dx, 0, None) * np.clip(box_km - dy, 0, None) / float(box_km) ** 2
    return np.nan_to_num(frac, nan=0.0)


def _components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Connected-component label (its smallest member) of each of ``n`` nodes joined by ``pairs``."""
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = root(int(a)), root(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(i) for i in range(n)])


def spatial_groups(days: Sequence[WindowDay], box_km: float,
                   overlap_max: float = DEFAULT_OVERLAP_MAX) -> dict[str, str]:
    """``samples.csv`` group -> fold group: groups holding boxes that overlap by more than
    ``overlap_max`` (0..1) are joined, transitively. A fold group is named after its first
    ``samples.csv`` group in the days' order."""
    if not 0.0 <= overlap_max <= 1.0:
        raise ThermoquakeError(f"--overlap-max {overlap_max:g}: must be between 0 and 1")
    boxes = _boxes(days)
    names = list(dict.fromkeys(boxes.groups))
    node = {g: i for i, g in enumerate(names)}
    of = np.array([node[g] for g in boxes.groups], int)
    i, j = np.nonzero(np.triu(box_overlap(boxes.lat, boxes.lon, box_km) > overlap_max, k=1))
    label = _components(len(names), np.stack([of[i], of[j]], axis=1))
    return {g: names[label[node[g]]] for g in names}


def overlapping_group_pairs(days: Sequence[WindowDay], box_km: float) -> set[tuple[str, str]]:
    """Pairs (a, b), a < b, of ``samples.csv`` groups with a box of one overlapping a box of the other."""
    boxes = _boxes(days)
    i, j = np.nonzero(np.triu(box_overlap(boxes.lat, boxes.lon, box_km) > 0, k=1))
    pairs = {tuple(sorted((boxes.groups[a], boxes.groups[b]))) for a, b in zip(i, j)}
    return {p for p in pairs if p[0] != p[1]}


def straddling_pairs(pairs: set[tuple[str, str]], side: dict[str, int]) -> int:
    """How many group ``pairs`` lie on two different sides: ``side`` maps a ``samples.csv``
    group to its test fold (or 0 train / 1 test); a group without a side (left out)
    straddles nothing."""
    return sum(1 for a, b in pairs if a in side and b in side and side[a] != side[b])


def spatial_summary(days: Sequence[WindowDay], box_km: float, overlap_max: float | None,
                    side: dict[str, int]) -> dict:
    """What a split did with overlapping boxes (for config.json, metrics.json and the CLI):
    box size (km), ``overlap_max`` (None: not clustered), the number of fold groups and the
    largest (in samples), the pairs of ``samples.csv`` groups whose boxes overlap and how many
    of them ``side`` (group -> fold) puts on two sides."""
    groups = spatial_groups(days, box_km, 1.0 if overlap_max is None else overlap_max)
    sizes: dict[str, int] = {}
    for g in _boxes(days).groups:
        sizes[groups[g]] = sizes.get(groups[g], 0) + 1
    pairs = overlapping_group_pairs(days, box_km)
    return {"box_km": float(box_km), "overlap_max": overlap_max, "fold_groups": len(sizes),
            "largest_fold_group": max(sizes.values(), default=0), "overlapping_pairs": len(pairs),
            "straddling_pairs": straddling_pairs(pairs, side)}


def _check_clusters(days: Sequence[WindowDay], cluster: dict[str, str], k: int, box_km: float,
                    overlap_max: float) -> None:
    """One-line error when the spatial clusters cannot make ``k`` folds, or one cluster holds more
    than half of the samples (its fold would test more samples than it trains on)."""
    members: dict[str, set[str]] = {}
    for d in days:
        members.setdefault(cluster[d.group], set()).add(d.sample_id)
    how = f"the {box_km:g} km boxes (one cluster where they overlap by more than {overlap_max:g})"
    if k > len(members):
        raise ThermoquakeError(f"--folds {k}: {how} form only {len(members)} spatial clusters: use fewer folds "
                               "or a larger --overlap-max")
    n, largest = sum(map(len, members.values())), max(map(len, members.values()))
    if 2 * largest > n:
        raise ThermoquakeError(f"{how} put {largest} of {n} samples in one spatial cluster: its fold would test "
                               "more than it trains on: use a larger --overlap-max (0.5 keeps boxes that share more "
                               "than half their area in one group)")


def grouped_folds(days: Sequence[WindowDay], k: int = 4, seed: int = 0, box_km: float | None = None,
                  overlap_max: float = DEFAULT_OVERLAP_MAX) -> list[Fold]:
    """K folds by group, stratified by label (scikit-learn's StratifiedGroupKFold): no group
    has days in both train and test of a fold. With ``box_km``, groups whose boxes overlap by
    more than ``overlap_max`` are one group (:func:`spatial_groups`; 1: by samples.csv group
    only) and each fold's notes hold the split's :func:`spatial_summary` plus the overlapping
    pairs with one box in its training and one in its test set (``straddling_pairs``)."""
    from sklearn.model_selection import StratifiedGroupKFold

    cluster = (spatial_groups(days, box_km, overlap_max) if box_km is not None
               else {d.group: d.group for d in days})
    groups = np.array([cluster[d.group] for d in days])
    labels = np.array([d.label for d in days])
    n_groups = len(set(groups))
    if len(set(cluster.values())) < len(cluster):
        _check_clusters(days, cluster, k, box_km, overlap_max)
    if k < 2 or k > n_groups:
        raise ThermoquakeError(f"--folds {k}: need 2 <= folds <= the number of event groups ({n_groups})")
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    parts = [(np.sort(tr), np.sort(te)) for tr, te in splitter.split(np.zeros(len(days)), labels, groups)]
    for tr, te in parts:
        assert not set(groups[tr]) & set(groups[te])
    if box_km is None:
        return [Fold(i, tr, te) for i, (tr, te) in enumerate(parts)]
    fold_of = {days[i].group: f for f, (_, te) in enumerate(parts) for i in te}
    summary = spatial_summary(days, box_km, overlap_max, fold_of)
    pairs = overlapping_group_pairs(days, box_km)
    folds = []
    for f, (tr, te) in enumerate(parts):
        side = {days[i].group: 0 for i in tr} | {days[i].group: 1 for i in te}
        folds.append(Fold(f, tr, te, {"spatial": summary, "straddling_pairs": straddling_pairs(pairs, side)}))
    return folds


# --- time -----------------------------------------------------------------------------------------


def reference_years(day: WindowDay) -> tuple[int, ...] | None:
    """The years of the reference images behind the day's R map: anomalies.csv's
    ``reference_years`` (";"-separated), else the R GeoTIFF's ``rst_reference_years`` tag;
    None when the day has no R map. (The cut is Jan 1, so a reference day's year tells its side.)"""
    text = day.anomaly.get("reference_years") if day.anomaly else None
    if text is None and day.retira_path is not None:
        from thermoquake.image.geotiff import read_tags

        text = read_tags(day.retira_path).get("rst_reference_years")
    if text is None:
        return None
    try:
        return tuple(int(y) for y in text.replace(",", ";").split(";") if y.strip())
    except ValueError:
        raise ThermoquakeError(f"reference years {text!r} are not years", day.retira_path) from None


def _day_side(date: dt.date, test_from: int, refs: tuple[int, ...] | None) -> str:
    """"train", "test" or why the day cannot be on one side ("reference": a day before the cut
    whose R map uses reference images from the cut on)."""
    if date.year >= test_from:
        return "test"
    return "reference" if refs and max(refs) >= test_from else "train"


def _group_side(sides: set[str]) -> str:
    """A group's side from its days' sides; "dates" or "references": why it straddles the cut."""
    if len(sides) == 1 and sides <= {"train", "test"}:
        return next(iter(sides))
    return "dates" if "test" in sides else "references"


def chronological_sides(groups: Sequence[str], dates: Sequence[dt.date],
                        references: Sequence[tuple[int, ...] | None], test_from_year: int) -> dict[str, str]:
    """The side of each group of a chronological split cut at Jan 1 of ``test_from_year``, from
    its target days (``groups[i]``'s day ``dates[i]`` with the reference years ``references[i]``
    behind its R map, None: no R map): "train" (every day and reference year before the cut),
    "test" (every day at or after it), or why it is left out: "dates" (target days on both
    sides) or "references" (training days whose R maps use years from the cut on)."""
    sides: dict[str, set[str]] = {}
    for g, d, r in zip(groups, dates, references):
        sides.setdefault(g, set()).add(_day_side(d, test_from_year, r))
    return {g: _group_side(s) for g, s in sides.items()}


def chronological_fold(days: Sequence[WindowDay], test_from_year: int,
                       references: Sequence[tuple[int, ...] | None] | None = None,
                       box_km: float | None = None) -> list[Fold]:
    """One fold cut at Jan 1 of ``test_from_year``: groups whose every target day — and every
    reference year behind its R maps (``references``, one entry per day, None: no R map) — is
    before the cut train; groups whose every target day is at or after it test; the other
    groups are left out and counted in the fold's notes (``left_out``: groups, samples and
    days, and how many groups straddle through their target dates or only through their RST
    references). With ``box_km`` the notes also hold the :func:`spatial_summary` of train
    against test (overlapping boxes are not clustered here: the cut is in time)."""
    refs = list(references) if references is not None else [None] * len(days)
    group_side = chronological_sides([d.group for d in days], [d.date for d in days], refs, test_from_year)
    train = np.array([i for i, d in enumerate(days) if group_side[d.group] == "train"], int)
    test = np.array([i for i, d in enumerate(days) if group_side[d.group] == "test"], int)
    out = [d for d in days if group_side[d.group] not in ("train", "test")]
    by = {why: sum(v == why for v in group_side.values()) for why in ("dates", "references")}
    left_out = {"groups": by["dates"] + by["references"], "samples": len({d.sample_id for d in out}),
                "days": len(out), "groups_by_dates": by["dates"], "groups_by_references": by["references"]}
    if not len(train) or not len(test):
        empty = "training" if not len(train) else "test"
        hint = (f"; {by['references']} of them through RST references from {test_from_year} on: rerun "
                f"thermoquake rst with --exclude-years {test_from_year},{test_from_year + 1},... up to the last "
                "reference year" if by["references"] else "")
        raise ThermoquakeError(f"--test-from {test_from_year}: leaves an empty {empty} set ({left_out['groups']} "
                               f"groups straddle Jan 1 {test_from_year}{hint})")
    notes: dict = {"test_from": int(test_from_year), "left_out": left_out}
    if box_km is not None:
        side = {days[i].group: 0 for i in train} | {days[i].group: 1 for i in test}
        notes["spatial"] = spatial_summary(days, box_km, None, side)
    return [Fold(0, train, test, notes)]


# --- report ---------------------------------------------------------------------------------------


def split_summary(folds: Sequence[Fold]) -> dict:
    """The split-level notes of ``folds`` (config.json and metrics.json ``split_summary``): chronological
    ``test_from`` and ``left_out``; with boxes, ``spatial`` (:func:`spatial_summary`)."""
    return {k: v for k, v in folds[0].notes.items() if k != "straddling_pairs"} if folds else {}


def split_text(summary: dict) -> str:
    """:func:`split_summary` as one line for the terminal ("" when there is nothing to say)."""
    parts = []
    if "left_out" in summary:
        out = summary["left_out"]
        parts.append(f"test from {summary['test_from']}-01-01; left out {out['groups']} groups ({out['samples']} "
                     f"samples, {out['days']} days) that straddle the cut: {out['groups_by_dates']} by target "
                     f"dates, {out['groups_by_references']} by RST reference years")
    spatial = summary.get("spatial")
    if spatial:
        how = ("not clustered" if spatial["overlap_max"] is None else
               f"clustered where they overlap by more than {spatial['overlap_max']:g}")
        where = "train and test" if "left_out" in summary else "different folds"
        parts.append(f"{spatial['box_km']:g} km boxes {how}: {spatial['fold_groups']} groups, largest "
                     f"{spatial['largest_fold_group']} samples; {spatial['straddling_pairs']} of "
                     f"{spatial['overlapping_pairs']} overlapping pairs in {where}")
    return "split: " + "; ".join(parts) if parts else ""
