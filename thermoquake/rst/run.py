"""``thermoquake rst`` over a preprocess workdir: an R GeoTIFF beside every target image and
``WORKDIR/anomalies.csv``.

For each target image (``manifest.csv`` role ``target``) the reference is the same site's
reference images chosen by :func:`thermoquake.rst.reference.group_references`: whole
reference years counted from the sample's own year (same calendar day +- ``window_days``,
or the same month, :mod:`thermoquake.study.calendar`), the same years for every member
of the sample's reference group (:mod:`thermoquake.rst.pairing`: an event, its matched
controls and the random controls that joined it), never a member's own year, a year of
``exclude_years`` or a period near a catalogue quake. The reference images are read one at
a time into a :class:`~thermoquake.rst.retira.ReferenceStats` (memory independent of their
number). A workdir whose ``workdir.json`` records a narrower reference period than asked
(``preprocess --reference``, ``--reference-window-days``) is refused: its references would
miss days.

Outputs (atomic):

* ``images/<site>/target/<date>.retira.tif``: float32 R (dimensionless), same grid, nodata
  NaN; tags of the source image plus ``units=1``, ``layer=RETIRA``, ``rst_reference_dates``,
  ``rst_reference_years`` (calendar years of the reference images), ``rst_reference_offsets``
  (reference years relative to the sample's year: their number is the target's count of
  reference years), ``rst_reference_group``, ``rst_excluded_years`` (reference years left
  out for the whole group, counted like ``sample year + offset``), ``rst_min_count``,
  ``rst_sigma_floor_k``, ``rst_reference_mode``, ``rst_window_days``, ``clear_sky_fraction``
  (``synthetic`` is kept from the source).
* ``anomalies.csv``: one row per target image, columns :data:`ANOMALY_COLUMNS`; empty
  fields are "no value" (e.g. no centroid without anomalous pixels).
  ``expected_null_fraction`` is the R >= threshold fraction pure noise would give with each
  pixel's reference count (:func:`~thermoquake.rst.retira.null_exceedance`; an upper bound
  where the sigma floor acts).
* ``sequences.csv``: the significant sequences of anomalies of each site
  (:mod:`thermoquake.rst.sequences`), one row each, columns :data:`SEQUENCE_COLUMNS`.

With ``quakes`` (a catalogue), reference dates within ``exclusion_days`` of an earthquake
within ``exclusion_km`` of the site are left out (their whole reference year, for the whole
group), so a reference never holds another quake's own precursor window.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thermoquake.atomic import atomic_path, write_text_atomic
from thermoquake.dirlock import lock_directory
from thermoquake.errors import ConfigurationError, ThermoquakeError, WorkdirError
from thermoquake.image.geotiff import GeoTiffReadError, read_band_and_header, read_tags, write_retira_geotiff
from thermoquake.preprocessing.samples import SAMPLES_FILE, read_samples
from thermoquake.preprocessing.workdir import (ANOMALIES_FILE, MANIFEST_FILE, METADATA_FILE, SEQUENCES_FILE,
                                       planned_reference, read_parameters)
from thermoquake.catalog.geodesy import haversine_km
from thermoquake.rst.anomalies import summarize_anomalies
from thermoquake.rst.config import RstConfig
from thermoquake.rst.pairing import reference_groups
from thermoquake.rst.reference import (ReferenceMember, ReferenceRules, TargetReference, excluded_periods,
                                       group_references)
from thermoquake.rst.retira import ReferenceStats, null_exceedance, retira_result
from thermoquake.outputs import refuse_outputs_over_inputs
from thermoquake.rst.sequences import Quake, SequenceRules, catalog_quakes, daily_anomalies, significant_sequences

RETIRA_SUFFIX = ".retira.tif"
ANOMALY_COLUMNS = ("event_id", "site", "date", "days_before", "threshold", "n_reference",
                   "reference_years", "reference_offsets", "reference_group", "clear_sky_fraction", "valid_fraction", "anomalous_area_km2",
                   "anomalous_fraction", "expected_null_fraction", "max_r", "centroid_lat",
                   "centroid_lon", "centroid_distance_km", "synthetic", "retira_path")


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
        raise WorkdirError(f"no {MANIFEST_FILE}: not a thermoquake preprocess workdir "
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
        values, header = read_band_and_header(path)
        return values.astype(np.float64), header.profile, header.tags
    except GeoTiffReadError as err:
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
    with atomic_path(path) as tmp:
        write_retira_geotiff(tmp, r, profile, tags)


def _fmt(value: float, digits: int = 6) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def covers(planned: tuple[str, int], mode: str, window_days: int) -> bool:
    """Whether images planned for the reference period ``planned`` = ``(mode, window_days)``
    hold every day of the period ``(mode, window_days)``."""
    planned_mode, planned_window = planned
    if mode == "month":
        return planned_mode == "month"
    return window_days == 0 if planned_mode == "month" else window_days <= planned_window


def check_planned_reference(workdir: Path, mode: str, window_days: int) -> None:
    """Refuse a reference period the workdir's images were not planned for (one line)."""
    parameters = read_parameters(workdir)
    if parameters is None:
        return
    planned = planned_reference(parameters)
    if not covers(planned, mode, window_days):
        asked = "month" if mode == "month" else f"same-day +- {window_days} days"
        have = "month" if planned[0] == "month" else f"same-day +- {planned[1]} days"
        raise ThermoquakeError(
            f"its reference images were planned for the {have} period, not the {asked} asked: run "
            f"preprocess with --reference {mode}" + (f" --reference-window-days {window_days}"
                                                     if mode == "same-day" else "") + " into a new workdir",
            workdir / METADATA_FILE)


def _epicentre(tags: dict[str, str], path: Path) -> tuple[float, float]:
    try:
        return float(tags["epicentre_lat"]), float(tags["epicentre_lon"])
    except (KeyError, ValueError):
        raise ThermoquakeError("has no epicentre_lat/epicentre_lon tags: not an epicentre image", path) from None


def _site_epicentre(target: _Image) -> tuple[float, float]:
    try:
        tags = read_tags(target.path)
    except GeoTiffReadError as err:
        raise ThermoquakeError(f"cannot read the image: {err}", target.path) from None
    return _epicentre(tags, target.path)


def _sample_years(workdir: Path, images: list[_Image], samples) -> dict[str, int]:
    """site -> the year of its sample's UTC date (samples.csv ``time``; without it, a target's
    date plus its days before)."""
    out = {}
    for s in samples:
        if s.time:
            try:
                out[s.site] = dt.datetime.fromisoformat(s.time).astimezone(dt.timezone.utc).year
            except ValueError:
                raise ThermoquakeError(f"sample {s.sample_id}: time {s.time!r} is not ISO 8601",
                                       workdir / SAMPLES_FILE) from None
    for im in images:
        if im.role == "target" and im.site not in out:
            try:
                out[im.site] = (im.date + dt.timedelta(days=int(im.days_before))).year
            except ValueError:
                raise ThermoquakeError(f"target {im.relpath}: days_before {im.days_before!r} is not a "
                                       "whole number and there is no samples.csv time", workdir / MANIFEST_FILE) from None
    return out


def plan_references(workdir: Path, images: list[_Image], rules: ReferenceRules, quakes: Sequence[Quake],
                    exclusion_km: float, exclusion_days: int, paired: bool
                    ) -> dict[tuple[str, dt.date], tuple[str, frozenset[int], TargetReference]]:
    """``(site, target date) -> (reference group, its excluded years, the target's reference)``
    for every target image of the workdir (module doc)."""
    samples = read_samples(workdir)
    group_of = reference_groups(samples, paired, workdir / SAMPLES_FILE)
    years = _sample_years(workdir, images, samples)
    targets: dict[str, list[_Image]] = {}
    candidates: dict[str, list[dt.date]] = {}
    for im in images:
        if im.role == "target":
            targets.setdefault(im.site, []).append(im)
        elif im.role == "reference":
            candidates.setdefault(im.site, []).append(im.date)
    groups: dict[str, list[str]] = {}
    for site in sorted(targets):
        groups.setdefault(group_of.get(site, site), []).append(site)
    out = {}
    for key, sites in groups.items():
        members = []
        for site in sites:
            periods = excluded_periods(_site_epicentre(targets[site][0]), quakes, exclusion_km,
                                       exclusion_days) if quakes else []
            members.append(ReferenceMember(years[site], tuple(t.date for t in targets[site]),
                                           tuple(candidates.get(site, ())), tuple(periods)))
        excluded, refs = group_references(members, rules)
        for site, by_target in zip(sites, refs):
            for day, ref in by_target.items():
                out[(site, day)] = (key, excluded, ref)
    return out


def run_rst(workdir: Path, config: RstConfig | None = None, *, quakes: Iterable[Quake] = (),
            catalog: str | os.PathLike[str] | None = None, progress: Callable[[str], None] | None = None, threshold: float | None = None,
            min_count: int | None = None, mode: str | None = None, window_days: int | None = None,
            exclude_years: Iterable[int] | None = None, exclusion_km: float | None = None,
            exclusion_days: int | None = None, sequence_rules: SequenceRules | None = None,
            paired: bool | None = None, sigma_floor_k: float | None = None) -> RstRunSummary:
    """Write the R GeoTIFFs, ``anomalies.csv`` and ``sequences.csv`` of ``workdir`` (see the
    module doc) with the parameters of ``config`` (default: :class:`RstConfig`'s defaults).

    The keywords after ``progress`` override single settings of ``config`` (``mode`` is its
    ``reference_mode``, ``window_days`` its ``reference_window_days``; ``sequence_rules`` sets
    ``min_days``, ``max_distance_km`` and ``min_area_km2`` and must be at the run's
    threshold). ``quakes``: catalogue quakes whose neighbourhood in space and time is left out
    of each reference (``config.exclusion_km``, ``config.exclusion_days``); ``catalog``: a
    catalogue file whose quakes of M >= ``config.exclusion_min_mag`` are added to them. With ``paired``
    (and a samples.csv), every sample's reference years are those of its reference group
    (:mod:`thermoquake.rst.pairing`); without, each sample is a group of its own. The workdir
    is locked (:func:`thermoquake.dirlock.lock_directory`) while it is written."""
    workdir = Path(workdir)
    settings = {"threshold": threshold, "min_count": min_count, "reference_mode": mode,
                "reference_window_days": window_days,
                "exclude_years": None if exclude_years is None else tuple(exclude_years),
                "exclusion_km": exclusion_km, "exclusion_days": exclusion_days, "paired": paired,
                "sigma_floor_k": sigma_floor_k}
    if sequence_rules is not None:
        settings |= {"min_days": sequence_rules.min_days, "max_distance_km": sequence_rules.max_distance_km,
                     "min_area_km2": sequence_rules.min_area_km2}
    config = (config or RstConfig()).with_settings(**{k: v for k, v in settings.items() if v is not None})
    if sequence_rules is not None and sequence_rules.threshold != config.threshold:
        raise ConfigurationError(f"sequence_rules are at R {sequence_rules.threshold:g}, the run at "
                                 f"{config.threshold:g}: give one threshold")
    if not workdir.is_dir():
        raise ThermoquakeError("is not a directory", workdir)
    if catalog is not None:
        refuse_outputs_over_inputs({"workdir": [workdir / ANOMALIES_FILE, workdir / SEQUENCES_FILE]},
                                   {"catalog": catalog})
        quakes = [*quakes, *catalog_quakes(catalog, config.exclusion_min_mag)]
    with lock_directory(workdir, "workdir"):
        return _run_rst(workdir, config.threshold, config.min_count, config.reference_mode,
                        config.reference_window_days, config.exclude_years, quakes, config.exclusion_km,
                        config.exclusion_days, config.sequence_rules, config.paired, config.sigma_floor_k,
                        progress)


def _run_rst(workdir: Path, threshold: float, min_count: int, mode: str, window_days: int,
             exclude_years: Iterable[int], quakes: Iterable[Quake], exclusion_km: float,
             exclusion_days: int, sequence_rules: SequenceRules | None, paired: bool,
             sigma_floor_k: float, progress: Callable[[str], None] | None = None) -> RstRunSummary:
    quakes = list(quakes)
    rules = sequence_rules or SequenceRules(threshold=threshold)
    try:
        reference_rules = ReferenceRules(mode, window_days, frozenset(exclude_years))
    except ValueError as err:
        raise ThermoquakeError(str(err), workdir) from None
    daily: dict[str, list] = {}
    site_info: dict[str, tuple[str, tuple[float, float], str]] = {}
    images = read_manifest(workdir)
    check_planned_reference(workdir, mode, window_days)
    plan = plan_references(workdir, images, reference_rules, quakes, exclusion_km, exclusion_days, paired)
    by_date = {(im.site, im.date): im for im in images if im.role == "reference"}
    rows, written, hot = [], 0, 0
    targets = [im for im in images if im.role == "target"]
    last: tuple[tuple, ReferenceStats] | None = None   # targets of one month share one reference
    for target in targets:
        values, profile, tags = _read(target.path)
        epicentre = _epicentre(tags, target.path)
        group, excluded, ref = plan[(target.site, target.date)]
        chosen = [by_date[(target.site, day)] for day in ref.dates]
        key = (target.site, ref.dates, profile["transform"], profile["height"], profile["width"])
        stats = last[1] if last is not None and last[0] == key else _reference_stats(profile, chosen, target.path)
        last = (key, stats)
        result = retira_result(values, stats, min_count=min_count, sigma_floor_k=sigma_floor_k)
        years = sorted({c.date.year for c in chosen})
        out = retira_path(target.path)
        _write_retira(out, result.r, profile, tags | {
            "layer": "RETIRA", "units": "1",
            "rst_reference_dates": ",".join(c.date.isoformat() for c in chosen),
            "rst_reference_years": ",".join(map(str, years)),
            "rst_reference_offsets": ",".join(map(str, ref.offsets)),
            "rst_reference_group": group,
            "rst_min_count": str(min_count), "rst_sigma_floor_k": repr(float(sigma_floor_k)),
            "rst_reference_mode": mode, "rst_window_days": str(window_days),
            "rst_excluded_years": ",".join(map(str, sorted(excluded))),
            "clear_sky_fraction": repr(result.clear_sky_fraction)})
        written += 1
        if progress is not None:
            progress(target.site)
        s = summarize_anomalies(result.r, profile["transform"], epicentre, threshold)
        daily.setdefault(target.site, []).extend(daily_anomalies(result.r, profile["transform"], target.date, rules))
        site_info[target.site] = (target.event_id, epicentre, tags.get("synthetic", ""))
        hot += s.anomalous_pixels > 0
        valid = np.isfinite(result.r)
        expected = float(null_exceedance(threshold, result.count[valid]).mean()) if valid.any() else math.nan
        rows.append([target.event_id, target.site, target.date.isoformat(), target.days_before,
                     repr(float(threshold)), str(len(chosen)), ";".join(map(str, years)),
                     ";".join(map(str, ref.offsets)), group,
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


SECONDS_PER_IMAGE = 0.01
"""Rough time to read one 64 km image and fold it into a reference (s, one CPU core); for
--dry-run estimates only."""


def plan_rst(workdir: Path) -> dict:
    """What :func:`run_rst` would do, writing nothing: the target and reference image counts,
    a rough time (s) and the files it would write (an R GeoTIFF per target, the two tables)."""
    workdir = Path(workdir)
    images = read_manifest(workdir)
    targets = [im for im in images if im.role == "target"]
    references = [im for im in images if im.role == "reference"]
    return {"workdir": str(workdir), "targets": len(targets), "references": len(references),
            "seconds": SECONDS_PER_IMAGE * (2 * len(targets) + len(references)),
            "writes": [str(retira_path(t.path)) for t in targets] + [str(workdir / ANOMALIES_FILE),
                                                                   str(workdir / SEQUENCES_FILE)]}
