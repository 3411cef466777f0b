"""The manifest and failures tables, rebuilt from the plan and the files on disk.

Both are rebuilt at the end of every run from the deterministic plan, the images present
and the bad-file records, so a killed and resumed run ends with the same bytes as an
uninterrupted one.

``manifest.csv``: event_id, site, date, role, days_before, valid_fraction (6 decimals),
source_files (``;``-separated HDF file names), missing_tiles (``;``-separated), path
(relative to the workdir); one row per image, in plan order.

``failures.csv``: kind (``file`` or ``image``), event_id, site, date, role, days_before,
file, reason; bad files first (sorted by path), then the images not made, in plan order.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thermoquake.atomic import write_text_atomic
from thermoquake.preprocessing.plan import ImageTask
from thermoquake.image.geotiff import read_band_and_header
from thermoquake.preprocessing.workdir import BAD_FILES_DIR, FAILURES_FILE, MANIFEST_FILE

MANIFEST_COLUMNS = ("event_id", "site", "date", "role", "days_before", "valid_fraction",
                    "source_files", "missing_tiles", "path")
FAILURE_COLUMNS = ("kind", "event_id", "site", "date", "role", "days_before", "file", "reason")


@dataclass(frozen=True)
class ImageRecord:
    """What the manifest says about a written image."""

    valid_fraction: float
    sources: tuple[str, ...]
    missing_tiles: tuple[str, ...]


def read_image_record(path: Path) -> ImageRecord:
    """Valid fraction and provenance of a written epicentre GeoTIFF (from its pixels and tags)."""
    values, header = read_band_and_header(path)
    tags = header.tags
    split = lambda s: tuple(x for x in s.split(",") if x)  # noqa: E731
    return ImageRecord(float(np.isfinite(values).mean()), split(tags.get("source_files", "")),
                       split(tags.get("missing_tiles", "")))


def manifest_row(task: ImageTask, record: ImageRecord) -> list[str]:
    return [task.event_id, task.site, task.date.isoformat(), task.role, str(task.days_before),
            f"{record.valid_fraction:.6f}", ";".join(record.sources),
            ";".join(record.missing_tiles), task.relpath]


def _csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def bad_file_key(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8")).hexdigest()[:24]


def write_bad_file_record(workdir: Path, path: str, reason: str) -> None:
    """Remember a bad tile file (atomic; same file and reason -> same bytes)."""
    write_text_atomic(workdir / BAD_FILES_DIR / f"{bad_file_key(path)}.json",
                      json.dumps({"file": path, "reason": reason}, sort_keys=True) + "\n")


def read_bad_file_records(workdir: Path) -> list[tuple[str, str]]:
    folder = workdir / BAD_FILES_DIR
    if not folder.is_dir():
        return []
    out = []
    for p in folder.glob("*.json"):
        data = json.loads(p.read_text(encoding="utf-8"))
        out.append((data["file"], data["reason"]))
    return sorted(out)


def write_tables(workdir: Path, tasks: Sequence[ImageTask], records: dict[str, ImageRecord],
                 image_failures: dict[str, str]) -> tuple[int, int]:
    """Write manifest.csv and failures.csv. ``records``/``image_failures`` by relpath (records
    of images present but not in ``records`` are read from disk). Returns (images, failures)."""
    rows, failed = [], []
    for task in tasks:
        path = workdir / task.relpath
        if path.exists():
            record = records.get(task.relpath) or read_image_record(path)
            rows.append(manifest_row(task, record))
        else:
            reason = image_failures.get(task.relpath, "not made (the run stopped before it)")
            failed.append(["image", task.event_id, task.site, task.date.isoformat(), task.role,
                           str(task.days_before), "", reason])
    bad = [["file", "", "", "", "", "", f, r] for f, r in read_bad_file_records(workdir)]
    write_text_atomic(workdir / MANIFEST_FILE, _csv(MANIFEST_COLUMNS, rows))
    write_text_atomic(workdir / FAILURES_FILE, _csv(FAILURE_COLUMNS, bad + failed))
    return len(rows), len(bad) + len(failed)
