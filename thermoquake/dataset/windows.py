"""The days of an N-day forecast window, from a preprocess workdir (after ``thermoquake rst``).

For a window of N days (N in 3, 5, 7, 9: the paper's), the target images of the N − 1 days
before each event are positives (label 1) and the same days before each control are
negatives (label 0): the paper's labelling. Each day is one :class:`WindowDay`, carrying its
sample, the sample's split group (``samples.csv``) and, when ``thermoquake rst`` has run,
its RETIRA map and summary row of ``anomalies.csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from thermoquake.preprocessing.samples import Sample, read_samples
from thermoquake.preprocessing.workdir import ANOMALIES_FILE, MANIFEST_FILE
from thermoquake.errors import ThermoquakeError

WINDOWS = (3, 5, 7, 9)


@dataclass(frozen=True)
class WindowDay:
    """One classified image: ``days_before`` 1 = the day before the event (or control time)."""

    sample_id: str
    group: str
    label: int
    site: str
    date: dt.date
    days_before: int
    year: int
    path: Path
    retira_path: Path | None
    anomaly: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    latitude: float = float("nan")
    longitude: float = float("nan")


def days_in_window(window: int) -> int:
    """Images per sample in an N-day window: N − 1 (the event day itself is not used)."""
    if window < 2:
        raise ValueError(f"a window needs at least 2 days, got {window}")
    return window - 1


def forecast_period(day: dt.date, window: int) -> tuple[dt.datetime, dt.datetime]:
    """The period ``[start, end)`` (aware UTC datetimes) that the image of ``day`` forecasts in an
    N-day window: from 00:00 UTC of ``day`` + 1 to 00:00 UTC of ``day`` + N, i.e. the UTC days
    ``day`` + 1 … ``day`` + N − 1 (N − 1 days).

    This is the labelling read backwards: the image of day D is a positive exactly when an event
    of the study falls on a UTC date E with D = E − k, k in 1 … N − 1 (:func:`days_in_window`,
    ``thermoquake.preprocessing.plan.target_days``), i.e. E in D + 1 … D + N − 1. The image's own day is
    not in the period (the event day's image is never used), so an event on day D is not a hit
    of the image of day D.
    """
    n_days = days_in_window(window)
    start = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
    return start, start + dt.timedelta(days=n_days)


def _anomaly_rows(workdir: Path) -> dict[tuple[str, str], dict[str, str]]:
    path = workdir / ANOMALIES_FILE
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        return {(row["site"], row["date"]): row for row in csv.DictReader(fh)}


def window_days(workdir: Path, window: int, require_retira: bool = False) -> list[WindowDay]:
    """Every target image of the window, in samples.csv order then days_before 1..N−1.

    Raises :class:`ThermoquakeError` if the workdir lacks images the window needs (the
    preprocess ``--days-before`` was shorter), or, with ``require_retira``, RETIRA maps
    (run ``thermoquake rst`` first). Samples whose days are all missing (no tile covered
    them) are left out; single missing days are left out too.
    """
    workdir = Path(workdir)
    n_days = days_in_window(window)
    samples = {s.site: s for s in read_samples(workdir)}
    manifest = workdir / MANIFEST_FILE
    if not manifest.is_file():
        raise ThermoquakeError("no manifest.csv: not a thermoquake preprocess workdir", workdir)
    anomalies = _anomaly_rows(workdir)
    if require_retira and not anomalies:
        raise ThermoquakeError("no anomalies.csv: run thermoquake rst on this workdir first", workdir)
    days: list[WindowDay] = []
    longest = 0
    with open(manifest, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["role"] != "target":
                continue
            k = int(row["days_before"])
            longest = max(longest, k)
            if k > n_days:
                continue
            sample = samples.get(row["site"])
            if sample is None:
                raise ThermoquakeError(f"site {row['site']!r} of manifest.csv is not in samples.csv", workdir)
            anomaly = anomalies.get((row["site"], row["date"]), {})
            retira = workdir / anomaly["retira_path"] if anomaly.get("retira_path") else None
            if require_retira and retira is None:
                raise ThermoquakeError(f"no RETIRA map for {row['path']}: run thermoquake rst again", workdir)
            date = dt.date.fromisoformat(row["date"])
            days.append(WindowDay(sample.sample_id, sample.group, sample.label, sample.site, date, k,
                                  _sample_year(sample, date, k), workdir / row["path"], retira, anomaly,
                                  sample.latitude, sample.longitude))
    if longest and longest < n_days:
        raise ThermoquakeError(f"a {window}-day window needs {n_days} days before each event; this workdir "
                               f"has {longest} (preprocess --days-before {n_days} or more)", workdir)
    order = {site: i for i, site in enumerate(samples)}
    days.sort(key=lambda d: (order[d.site], d.days_before))
    return days


def _sample_year(sample: Sample, date: dt.date, days_before: int) -> int:
    if sample.time:
        return int(sample.time[:4])
    return (date + dt.timedelta(days=days_before)).year


def check_both_classes(days: Sequence[WindowDay], source: object) -> None:
    """One-line error unless the days hold both events and controls."""
    labels = {d.label for d in days}
    if labels != {0, 1}:
        what = "no controls" if labels == {1} else "no events" if labels == {0} else "no images"
        raise ThermoquakeError(f"{what}: a classifier needs events and controls (preprocess --controls)", source)
