"""``thermoquake rst`` over a preprocess workdir: an R GeoTIFF beside every target image and
``WORKDIR/anomalies.csv``.

For each target image (``manifest.csv`` role ``target``) the reference is the same site's
reference images chosen by :func:`thermoquake.rst.reference.select_reference_dates` (same
calendar day +- ``window_days``, or the same month; never the target's year nor
``exclude_years``). The reference images are read one at a time into a
:class:`~thermoquake.rst.retira.ReferenceStats` (memory independent of their number).

Outputs (atomic):

* ``images/<site>/target/<date>.retira.tif``: float32 R (dimensionless), same grid, nodata
  NaN; tags of the source image plus ``units=1``, ``layer=RETIRA``, ``rst_reference_dates``,
  ``rst_reference_years``, ``rst_min_count``, ``rst_reference_mode``, ``rst_window_days``,
  ``clear_sky_fraction`` (``synthetic`` is kept from the source).
* ``anomalies.csv``: one row per target image, columns :data:`ANOMALY_COLUMNS`; empty
  fields are "no value" (e.g. no centroid without anomalous pixels).
  ``expected_null_fraction`` is the R >= threshold fraction pure noise would give with each
  pixel's reference count (:func:`~thermoquake.rst.retira.null_exceedance`).
* ``sequences.csv``: the significant sequences of anomalies of each site
  (:mod:`thermoquake.rst.sequences`), one row each, columns :data:`SEQUENCE_COLUMNS`.

With ``quakes`` (a catalogue), reference dates within ``exclusion_days`` of an earthquake
within ``exclusion_km`` of the site are left out, so a reference never holds another
quake's own precursor window.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio

from thermoquake.atomic import atomic_path, write_text_atomic
from thermoquake.errors import ThermoquakeError
from thermoquake.rst.anomalies import summarize_anomalies
from thermoquake.catalog.geodesy import haversine_km
from thermoquake.rst.reference import select_reference_dates
from thermoquake.rst.sequences import Quake, SequenceRules, daily_anomalies, significant_sequences
from thermoquake.rst.retira import DEFAULT_MIN_COUNT, ReferenceStats, null_exceedance, retira_result

MANIFEST_FILE = "manifest.csv"
ANOMALIES_FILE = "anomalies.csv"
RETIRA_SUFFIX = ".retira.tif"
ANOMALY_COLUMNS = ("event_id", "site", "date", "days_before", "threshold", "n_reference",
                   "reference_years", "clear_sky_fraction", "valid_fraction", "anomalous_area_km2",
                   "anomalous_fraction", "expected_null_fraction", "max_r", "centroid_lat",
                   "centroid_lon", "centroid_distance_km", "synthetic", "retira_path")


SEQUENCES_FILE = "sequences.csv"
SEQUENCE_COLUMNS = ("event_id", "site", "start", "end", "days", "regions", "max_area_km2", "max_r",
                    "first_lat", "first_lon", "min_distance_km", "synthetic")


@dataclass(frozen=True)
class _Image:
    event_id: str
    site: str
    date: dt.date
    role: str
    days_before: str
    path: Path
    relpath: str


@dataclass(frozen=True)
class RstRunSummary:
    targets: int
    written: int
    with_anomaly: int
    anomalies_csv: Path


def retira_path(target: Path) -> Path:
    """``.../<date>.tif`` -> ``.../<date>.retira.tif``."""
    return target.with_name(target.name.removesuffix(".tif") + RETIRA_SUFFIX)


def read_manifest(workdir: Path) -> list[_Image]:
    """The image rows of ``WORKDIR/manifest.csv`` (a one-line error if it is missing or malformed)."""
    path = workdir / MANIFEST_FILE
    if not path.is_file():
        raise ThermoquakeError(f"no {MANIFEST_FILE}: not a thermoquake preprocess workdir "
                               "(run thermoquake preprocess first)", workdir)
    images = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"event_id", "site", "date", "role", "days_before", "path"} - set(reader.fieldnames or ())
        if missing:
            raise ThermoquakeError(f"columns {sorted(missing)} are missing", path)
        for n, row in enumerate(reader, start=2):
            try:
                date = dt.date.fromisoformat(row["date"])
            except ValueError:
                raise ThermoquakeError(f"row {n}: date {row['date']!r} is not YYYY-MM-DD", path) from None
            images.append(_Image(row["event_id"], row["site"], date, row["role"], row["days_before"],
                                 workdir / row["path"], row["path"]))
    return images


def _read(path: Path) -> tuple[np.ndarray, dict, dict]:
    try:
        with rasterio.open(path) as src:
            return src.read(1).astype(np.float64), src.profile, src.tags()
    except rasterio.errors.RasterioIOError as err:
        raise ThermoquakeError(f"cannot read the image: {err}", path) from None


def _reference_stats(target_profile: dict, refs: Iterable[_Image], source: Path) -> ReferenceStats:
    stats = ReferenceStats((target_profile["height"], target_profile["width"]))
    for ref in refs:
        values, profile, _ = _read(ref.path)
        if (profile["height"], profile["width"]) != stats.shape or profile["transform"] != target_profile["transform"]:
            raise ThermoquakeError(f"reference image {ref.relpath} is not on the grid of the target", source)
        stats.add(values)
    return stats


def _write_retira(path: Path, r: np.ndarray, profile: dict, tags: dict[str, str]) -> None:
    profile = dict(profile) | {"dtype": "float32", "nodata": np.nan, "count": 1}
    with atomic_path(path) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(r.astype(np.float32), 1)
            dst.update_tags(**tags)
            dst.set_band_description(1, "RETIRA (dimensionless)")


def _fmt(value: float, digits: int = 6) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def excluded_periods(site: tuple[float, float], quakes: Iterable[Quake], exclusion_km: float,
                     exclusion_days: int) -> list[tuple[dt.date, dt.date]]:
    """Date ranges (inclusive) to keep out of a site's reference: +- ``exclusion_days`` around
    every quake within ``exclusion_km`` km of the site (lat, lon degrees)."""
    span = dt.timedelta(days=exclusion_days)
    return [(q.date - span, q.date + span) for q in quakes
            if float(haversine_km(site[0], site[1], q.lat, q.lon)) <= exclusion_km]


def paired_years(workdir: Path) -> dict[str, set[int]]:
    """site -> the years of every sample of its group (samples.csv), or {} without the file.

    An event and its matched controls sit at one place on the same calendar days of different
    years; leaving all their years out of each of their references gives them the very same
    reference (same images, same mu and sigma). Otherwise an event's reference would hold its
    control's year while the control's loses the event's (by the catalogue exclusion): fewer
    reference years, a wider R distribution — a difference a classifier learns with no
    anomaly at all.
    """
    from thermoquake.batch.samples import SAMPLES_FILE, read_samples

    if not (Path(workdir) / SAMPLES_FILE).is_file():
        return {}
    samples = read_samples(workdir)
    by_group: dict[str, set[int]] = {}
    for s in samples:
        if s.time:
            by_group.setdefault(s.group, set()).add(int(s.time[:4]))
    return {s.site: by_group.get(s.group, set()) for s in samples}


def run_rst(workdir: Path, threshold: float = 2.0, min_count: int = DEFAULT_MIN_COUNT, mode: str = "same-day",
            window_days: int = 0, exclude_years: Iterable[int] = (), quakes: Iterable[Quake] = (),
            exclusion_km: float = 200.0, exclusion_days: int = 30,
            sequence_rules: SequenceRules | None = None, paired: bool = True) -> RstRunSummary:
    """Write the R GeoTIFFs, ``anomalies.csv`` and ``sequences.csv`` of ``workdir`` (see the
    module doc). ``sequence_rules`` default to :class:`SequenceRules` at ``threshold``. With
    ``paired`` (and a samples.csv), each target's reference also leaves out the years of the
    other samples of its group (:func:`paired_years`)."""
    workdir = Path(workdir)
    quakes = list(quakes)
    rules = sequence_rules or SequenceRules(threshold=threshold)
    daily: dict[str, list] = {}
    site_info: dict[str, tuple[str, tuple[float, float], str]] = {}
    images = read_manifest(workdir)
    exclude = sorted(set(exclude_years))
    group_years = paired_years(workdir) if paired else {}
    references: dict[str, list[_Image]] = {}
    for im in images:
        if im.role == "reference":
            references.setdefault(im.site, []).append(im)
    rows, written, hot = [], 0, 0
    targets = [im for im in images if im.role == "target"]
    for target in targets:
        values, profile, tags = _read(target.path)
        try:
            epicentre = (float(tags["epicentre_lat"]), float(tags["epicentre_lon"]))
        except (KeyError, ValueError):
            raise ThermoquakeError("has no epicentre_lat/epicentre_lon tags: not an epicentre image",
                                   target.path) from None
        candidates = references.get(target.site, [])
        periods = excluded_periods(epicentre, quakes, exclusion_km, exclusion_days)
        exclude_here = sorted(set(exclude) | group_years.get(target.site, set()))
        dates = set(select_reference_dates(target.date, [c.date for c in candidates], mode, window_days,
                                           exclude_here, periods))
        chosen = sorted((c for c in candidates if c.date in dates), key=lambda c: c.date)
        stats = _reference_stats(profile, chosen, target.path)
        result = retira_result(values, stats, min_count=min_count)
        years = sorted({c.date.year for c in chosen})
        out = retira_path(target.path)
        _write_retira(out, result.r, profile, tags | {
            "layer": "RETIRA", "units": "1",
            "rst_reference_dates": ",".join(c.date.isoformat() for c in chosen),
            "rst_reference_years": ",".join(map(str, years)),
            "rst_min_count": str(min_count), "rst_reference_mode": mode,
            "rst_window_days": str(window_days), "rst_excluded_years": ",".join(map(str, exclude_here)),
            "clear_sky_fraction": repr(result.clear_sky_fraction)})
        written += 1
        s = summarize_anomalies(result.r, profile["transform"], epicentre, threshold)
        daily.setdefault(target.site, []).extend(daily_anomalies(result.r, profile["transform"], target.date, rules))
        site_info[target.site] = (target.event_id, epicentre, tags.get("synthetic", ""))
        hot += s.anomalous_pixels > 0
        valid = np.isfinite(result.r)
        expected = float(null_exceedance(threshold, result.count[valid]).mean()) if valid.any() else math.nan
        rows.append([target.event_id, target.site, target.date.isoformat(), target.days_before,
                     repr(float(threshold)), str(len(chosen)), ";".join(map(str, years)),
                     _fmt(result.clear_sky_fraction), _fmt(s.valid_fraction), _fmt(s.anomalous_area_km2, 1),
                     _fmt(s.anomalous_fraction), _fmt(expected), _fmt(s.max_r, 4), _fmt(s.centroid_lat),
                     _fmt(s.centroid_lon), _fmt(s.centroid_distance_km, 3), tags.get("synthetic", ""),
                     out.relative_to(workdir).as_posix()])
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ANOMALY_COLUMNS)
    writer.writerows(rows)
    write_text_atomic(workdir / ANOMALIES_FILE, buf.getvalue())
    _write_sequences(workdir / SEQUENCES_FILE, daily, site_info, rules)
    return RstRunSummary(len(targets), written, hot, workdir / ANOMALIES_FILE)


def _write_sequences(path: Path, daily: dict[str, list], site_info: dict, rules: SequenceRules) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SEQUENCE_COLUMNS)
    for site in sorted(daily):
        event_id, (lat, lon), synthetic = site_info[site]
        for seq in significant_sequences(daily[site], rules):
            m = seq.members
            dist = min(float(haversine_km(lat, lon, a.lat, a.lon)) for a in m)
            writer.writerow([event_id, site, seq.start.isoformat(), seq.end.isoformat(), seq.days, len(m),
                             _fmt(max(a.area_km2 for a in m), 1), _fmt(max(a.max_r for a in m), 4),
                             _fmt(m[0].lat), _fmt(m[0].lon), _fmt(dist, 3), synthetic])
    write_text_atomic(path, buf.getvalue())
