"""Read what a report shows: a preprocess/rst workdir, classifier run directories and GAN
generation directories, in the file formats fixed by issues 7, 9 and 8.

Every reader raises :class:`~thermoquake.errors.ThermoquakeError` naming the file on a
missing or malformed input. Nothing here draws.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from thermoquake.errors import ThermoquakeError
from thermoquake.evaluation.document import MetricsDocument
from thermoquake.preprocessing.samples import SAMPLES_FILE
from thermoquake.preprocessing.workdir import ANOMALIES_FILE, MANIFEST_FILE
from thermoquake.gan.workdir_io import GATE_FILE, REJECTED_DIR, SUMMARY_FILE
from thermoquake.training.run_files import CONFIG_FILE, METRICS_FILE, PREDICTIONS_FILE
from thermoquake.json_files import read_json_object

TRUE = {"true", "1", "yes"}


def _read_csv(path: Path, required: set[str]) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = required - set(reader.fieldnames or ())
            if missing:
                raise ThermoquakeError(f"columns {sorted(missing)} are missing", path)
            return list(reader)
    except FileNotFoundError:
        raise ThermoquakeError("does not exist", path) from None
    except (UnicodeDecodeError, csv.Error) as err:
        raise ThermoquakeError(f"is not a readable CSV table ({err})", path) from None


def _float(row: dict[str, str], key: str, path: Path, n: int) -> float:
    text = row.get(key, "")
    if text in ("", None):
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise ThermoquakeError(f"row {n}: {key} {text!r} is not a number", path) from None


# --- workdir -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayImage:
    """One target day of one event: the LST GeoTIFF (deg C) and, after ``rst``, its R GeoTIFF."""

    date: dt.date
    days_before: int
    lst_path: Path
    retira_path: Path | None
    anomaly: dict[str, float] = field(default_factory=dict)
    """The day's row of anomalies.csv as numbers (empty before ``rst``)."""


@dataclass(frozen=True)
class EventSample:
    """An event (or control) of the workdir with its target days, oldest first."""

    event_id: str
    site: str
    kind: str            # "event" or "control"
    label: int           # 1 event, 0 control
    time: str            # ISO date or time; from samples.csv, else the day after days_before = 1
    days: tuple[DayImage, ...]
    group: str = ""               # samples.csv group (an event and its matched controls share it)
    matched_event_id: str = ""    # a control's event, from samples.csv


@dataclass(frozen=True)
class Workdir:
    path: Path
    samples: tuple[EventSample, ...]
    has_rst: bool
    has_samples_csv: bool
    references: dict = field(default_factory=dict)
    """``(site, ISO date) -> Path`` of every reference image of manifest.csv."""


def read_workdir(workdir: Path) -> Workdir:
    """The events of a ``thermoquake preprocess`` workdir (``rst`` optional)."""
    workdir = Path(workdir)
    manifest = workdir / MANIFEST_FILE
    if not manifest.is_file():
        raise ThermoquakeError("no manifest.csv: not a thermoquake preprocess workdir", workdir)
    rows = _read_csv(manifest, {"event_id", "site", "date", "role", "days_before", "path"})
    anomalies: dict[tuple[str, str], dict[str, float]] = {}
    anomalies_csv = workdir / ANOMALIES_FILE
    has_rst = anomalies_csv.is_file()
    if has_rst:
        numeric = ("days_before", "anomalous_area_km2", "anomalous_fraction", "expected_null_fraction",
                   "valid_fraction", "clear_sky_fraction", "max_r", "centroid_distance_km", "threshold",
                   "n_reference")
        for n, row in enumerate(_read_csv(anomalies_csv, {"site", "date", "anomalous_area_km2"}), start=2):
            anomalies[(row["site"], row["date"])] = {k: _float(row, k, anomalies_csv, n) for k in numeric
                                                     if k in row}
    samples_meta: dict[str, dict[str, str]] = {}
    samples_csv = workdir / SAMPLES_FILE
    if samples_csv.is_file():
        for row in _read_csv(samples_csv, {"sample_id", "site", "label", "kind"}):
            samples_meta[row["site"]] = row
    by_site: dict[str, list[tuple[dict[str, str], int]]] = {}
    references: dict[tuple[str, str], Path] = {}
    for n, row in enumerate(rows, start=2):
        if row["role"] == "target":
            by_site.setdefault(row["site"], []).append((row, n))
        elif row["role"] == "reference":
            references[(row["site"], row["date"])] = workdir / row["path"]
    samples = []
    for site, items in by_site.items():
        days = []
        for row, n in items:
            try:
                date = dt.date.fromisoformat(row["date"])
                days_before = int(row["days_before"])
            except ValueError:
                raise ThermoquakeError(f"row {n}: bad date or days_before", manifest) from None
            lst = workdir / row["path"]
            retira = lst.with_name(lst.name.removesuffix(".tif") + ".retira.tif")
            days.append(DayImage(date, days_before, lst, retira if retira.is_file() else None,
                                 anomalies.get((site, row["date"]), {})))
        days.sort(key=lambda d: d.date)
        meta = samples_meta.get(site)
        group = matched = ""
        if meta is not None:
            kind, label, time = meta["kind"], int(meta["label"]), meta.get("time", "")
            group, matched = meta.get("group", ""), meta.get("matched_event_id", "")
        else:
            first = min(days, key=lambda d: d.days_before)
            kind, label = "event", 1
            time = (first.date + dt.timedelta(days=first.days_before)).isoformat()
        samples.append(EventSample(items[0][0]["event_id"], site, kind, label, time, tuple(days), group,
                                   matched))
    samples.sort(key=lambda s: (s.time, s.event_id))
    return Workdir(workdir, tuple(samples), has_rst, samples_csv.is_file(), references)


@dataclass(frozen=True)
class EventInfo:
    """What a catalogue or events CSV says of one event: place (may be empty), time (ISO),
    magnitude, depth (km; NaN where the file has none)."""

    event_id: str
    place: str = ""
    time: str = ""
    magnitude: float = math.nan
    magnitude_type: str = ""
    depth_km: float = math.nan


def read_event_info(paths: list[Path] | tuple[Path, ...]) -> dict[str, EventInfo]:
    """``event_id -> EventInfo`` from events / catalogue CSVs (column ``event_id``; optional
    ``place``, ``time`` or ``time_utc``, ``magnitude``, ``magnitude_type``, ``depth_km``). A later
    file's row replaces an earlier one's."""
    info: dict[str, EventInfo] = {}
    for path in paths:
        path = Path(path)
        for n, row in enumerate(_read_csv(path, {"event_id"}), start=2):
            info[row["event_id"]] = EventInfo(
                row["event_id"], (row.get("place") or "").strip(), row.get("time") or row.get("time_utc") or "",
                _float(row, "magnitude", path, n), (row.get("magnitude_type") or "").strip(),
                _float(row, "depth_km", path, n))
    return info


def reference_sigma_count(workdir: Workdir, site: str, retira_tags: dict[str, str],
                          pixels: list[tuple[int, int]]) -> list[tuple[float, int]]:
    """The reference sigma (K, before rst's floor) and the count of clear reference samples
    behind R at each ``(row, col)`` of ``pixels``, recomputed from the reference images the R
    GeoTIFF names (tag ``rst_reference_dates``). NaN / 0 where the images are not in the workdir."""
    from thermoquake.rst.retira import ReferenceStats

    dates = [d for d in retira_tags.get("rst_reference_dates", "").split(",") if d]
    paths = [workdir.references.get((site, d)) for d in dates]
    paths = [p for p in paths if p is not None and p.is_file()]
    if not paths or not pixels:
        return [(math.nan, 0) for _ in pixels]
    stats = None
    for p in paths:
        values = read_raster(p).values
        if stats is None:
            stats = ReferenceStats(values.shape)
        stats.add(values)
    sigma, count = stats.std, stats.count
    return [(float(sigma[i, j]), int(count[i, j])) for i, j in pixels]


@dataclass(frozen=True)
class Raster:
    """A one-band GeoTIFF read for drawing: values (H, W) float32 with NaN = no data, and the
    extent (west, east, south, north) in degrees from its transform."""

    values: np.ndarray
    extent: tuple[float, float, float, float]
    tags: dict[str, str]

    @property
    def synthetic(self) -> bool:
        return self.tags.get("synthetic", "").lower() in TRUE

    @property
    def epicentre(self) -> tuple[float, float] | None:
        try:
            return float(self.tags["epicentre_lat"]), float(self.tags["epicentre_lon"])
        except (KeyError, ValueError):
            return None


def read_raster(path: Path) -> Raster:
    """Read band 1 of a GeoTIFF as float32, nodata and non-finite values as NaN."""
    from thermoquake.image.geotiff import GeoTiffReadError, read_band_and_header

    try:
        band, header = read_band_and_header(path, masked=True)
        values = band.astype(np.float32).filled(np.nan)
        west, south, east, north = header.bounds
        tags = header.tags
    except GeoTiffReadError as err:
        raise ThermoquakeError(f"cannot be read as a GeoTIFF ({err})", path) from None
    values[~np.isfinite(values)] = np.nan
    return Raster(values, (west, east, south, north), tags)


# --- classifier runs -----------------------------------------------------------------------------

PREDICTION_COLUMNS = {"sample_id", "group", "label", "site", "date", "days_before", "fold", "prob"}


@dataclass(frozen=True)
class Predictions:
    """Out-of-fold predictions, one entry per classified day (1-D arrays of one length)."""

    sample_id: np.ndarray   # str
    group: np.ndarray       # str
    label: np.ndarray       # int 0/1
    site: np.ndarray        # str
    date: np.ndarray        # str, ISO
    days_before: np.ndarray  # int
    fold: np.ndarray        # str
    prob: np.ndarray        # float, probability of an earthquake, 0..1


@dataclass(frozen=True)
class Run:
    path: Path
    name: str
    config: dict
    metrics: MetricsDocument
    predictions: Predictions

    @property
    def synthetic(self) -> bool:
        return bool(self.config.get("synthetic")) or self.metrics.is_synthetic


def read_run(run_dir: Path) -> Run:
    """A ``thermoquake train`` run directory: config.json, metrics.json, predictions.csv."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ThermoquakeError("is not a directory (expected a thermoquake train run)", run_dir)
    config = read_json_object(run_dir / CONFIG_FILE)
    metrics = MetricsDocument.read(run_dir / METRICS_FILE)
    pred_path = run_dir / PREDICTIONS_FILE
    rows = _read_csv(pred_path, PREDICTION_COLUMNS)
    if not rows:
        raise ThermoquakeError("has no predictions", pred_path)
    probs, labels, days = [], [], []
    for n, row in enumerate(rows, start=2):
        p = _float(row, "prob", pred_path, n)
        if not 0.0 <= p <= 1.0:
            raise ThermoquakeError(f"row {n}: prob {row['prob']!r} is not within 0..1", pred_path)
        probs.append(p)
        if row["label"] not in ("0", "1"):
            raise ThermoquakeError(f"row {n}: label {row['label']!r} is not 0 or 1", pred_path)
        labels.append(int(row["label"]))
        try:
            days.append(int(row["days_before"]))
        except ValueError:
            raise ThermoquakeError(f"row {n}: days_before {row['days_before']!r} is not an integer",
                                   pred_path) from None
    col = lambda k: np.array([r[k] for r in rows], dtype=object)  # noqa: E731
    predictions = Predictions(col("sample_id"), col("group"), np.array(labels), col("site"), col("date"),
                              np.array(days), col("fold"), np.array(probs, float))
    return Run(run_dir, run_dir.name, config, metrics, predictions)


# --- augmentation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GateVerdict:
    """One generated image and the RST gate's verdict on it."""

    path: Path
    accepted: bool
    reasons: tuple[str, ...]
    scores: dict[str, float]


@dataclass(frozen=True)
class Augmentation:
    path: Path
    verdicts: tuple[GateVerdict, ...]
    generated: dict


def read_augmentation(gen_dir: Path) -> Augmentation:
    """A ``thermoquake augment generate`` directory: gate.csv, accepted ``*.tif``, ``rejected/``."""
    gen_dir = Path(gen_dir)
    gate_csv = gen_dir / GATE_FILE
    if not gate_csv.is_file():
        raise ThermoquakeError("has no gate.csv: not a thermoquake augment generate directory", gen_dir)
    rows = _read_csv(gate_csv, {"file", "accepted"})
    verdicts = []
    for n, row in enumerate(rows, start=2):
        accepted_text = row["accepted"].strip().lower()
        if accepted_text not in ("true", "false"):
            raise ThermoquakeError(f"row {n}: accepted {row['accepted']!r} is not true or false", gate_csv)
        accepted = accepted_text == "true"
        name = row["file"]
        candidates = [gen_dir / name, gen_dir / ("." if accepted else REJECTED_DIR) / Path(name).name]
        path = next((c for c in candidates if c.is_file()), None)
        if path is None:
            raise ThermoquakeError(f"row {n}: image {name!r} is not in the directory"
                                   f"{'' if accepted else ' nor in rejected/'}", gate_csv)
        reasons = tuple(r for r in (row.get("reasons") or "").split(";") if r.strip())
        scores = {}
        for k, v in row.items():
            if k in ("file", "accepted", "reasons") or v in ("", None):
                continue
            try:
                scores[k] = float(v)
            except ValueError:
                continue
        verdicts.append(GateVerdict(path, accepted, reasons, scores))
    generated_json = gen_dir / SUMMARY_FILE
    generated = read_json_object(generated_json) if generated_json.is_file() else {}
    return Augmentation(gen_dir, tuple(verdicts), generated)
