"""The samples of a preprocess workdir: which sites are earthquakes and which are controls.

``WORKDIR/samples.csv`` (written by ``thermoquake preprocess``, one row per event or
control, in plan order) is what the classifier reads for labels and for grouped splits:

* ``sample_id``: the event or control id; ``site``: its image directory name;
* ``label``: 1 = an earthquake follows (an event), 0 = a control;
* ``kind``: ``event`` or ``control``;
* ``time`` (UTC ISO 8601), ``latitude``, ``longitude`` (degrees);
* ``group``: the unit kept on one side of every split. An event is its own group; a matched
  control (``matched_event_id`` naming an event of the same batch) joins its event's group,
  so the same place never appears in both training and test; other controls are their own
  group;
* ``matched_event_id``: from the controls file, empty if none.

A workdir made before samples.csv existed has none; :func:`read_samples` then treats every
site of the manifest as an event (label 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from thermoquake.atomic import write_text_atomic
from thermoquake.preprocessing.events import Event
from thermoquake.preprocessing.plan import safe_name
from thermoquake.preprocessing.workdir import MANIFEST_FILE
from thermoquake.errors import ThermoquakeError

SAMPLES_FILE = "samples.csv"
SAMPLE_COLUMNS = ("sample_id", "site", "label", "kind", "time", "latitude", "longitude", "group",
                  "matched_event_id")
EVENT, CONTROL = "event", "control"


@dataclass(frozen=True)
class Sample:
    """One event or control of a workdir (see the module doc for the fields)."""

    sample_id: str
    site: str
    label: int
    kind: str
    time: str
    latitude: float
    longitude: float
    group: str
    matched_event_id: str = ""


def matched_event_ids(path: Path) -> dict[str, str]:
    """``control_id -> matched_event_id`` of a controls CSV (empty dict if it has no such column)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if "control_id" not in (reader.fieldnames or ()) or "matched_event_id" not in reader.fieldnames:
            return {}
        return {row["control_id"].strip(): (row["matched_event_id"] or "").strip() for row in reader}


def file_kind(path: Path) -> str:
    """``control`` for a file whose id column is ``control_id``, else ``event``."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        header = [c.strip() for c in next(csv.reader(fh), [])]
    return CONTROL if "control_id" in header and "event_id" not in header else EVENT


def build_samples(events: Sequence[Event], events_path: Path,
                  controls: Sequence[Event] = (), controls_path: Path | None = None) -> list[Sample]:
    """Samples of a batch: the rows of ``events_path`` (events, or controls if that file is a
    controls file) then those of ``controls_path``. Raises :class:`ThermoquakeError` if an id
    appears in both files."""
    first_kind = file_kind(events_path)
    event_ids = {e.event_id for e in events} if first_kind == EVENT else set()
    dup = sorted(event_ids & {c.event_id for c in controls})
    if dup:
        raise ThermoquakeError(f"id {dup[0]!r} is both an event and a control", controls_path)
    matched = {}
    if first_kind == CONTROL:
        matched |= matched_event_ids(events_path)
    if controls_path is not None:
        matched |= matched_event_ids(controls_path)
    out = []
    for kind, items in ((first_kind, events), (CONTROL, controls)):
        for e in items:
            m = matched.get(e.event_id, "") if kind == CONTROL else ""
            group = m if m in event_ids else e.event_id
            out.append(Sample(e.event_id, safe_name(e.event_id), int(kind == EVENT), kind,
                              e.time.isoformat().replace("+00:00", "Z"), e.latitude, e.longitude, group, m))
    return out


def samples_text(samples: Sequence[Sample]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SAMPLE_COLUMNS)
    for s in samples:
        writer.writerow([s.sample_id, s.site, s.label, s.kind, s.time, repr(s.latitude), repr(s.longitude),
                         s.group, s.matched_event_id])
    return buf.getvalue()


def write_samples(workdir: Path, samples: Sequence[Sample]) -> Path:
    """Write ``WORKDIR/samples.csv`` atomically; return its path."""
    path = Path(workdir) / SAMPLES_FILE
    write_text_atomic(path, samples_text(samples))
    return path


def read_samples(workdir: Path) -> list[Sample]:
    """The samples of a workdir (see the module doc); one-line error if the file is malformed."""
    workdir = Path(workdir)
    path = workdir / SAMPLES_FILE
    if not path.is_file():
        return _samples_from_manifest(workdir)
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = set(SAMPLE_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ThermoquakeError(f"columns {sorted(missing)} are missing", path)
        for n, row in enumerate(reader, start=2):
            try:
                label = int(row["label"])
                lat, lon = float(row["latitude"]), float(row["longitude"])
            except ValueError:
                raise ThermoquakeError(f"row {n}: label, latitude or longitude is not a number", path) from None
            if label not in (0, 1) or row["kind"] not in (EVENT, CONTROL):
                raise ThermoquakeError(f"row {n}: label must be 0/1 and kind event/control", path)
            out.append(Sample(row["sample_id"], row["site"], label, row["kind"], row["time"], lat, lon,
                              row["group"], row["matched_event_id"]))
    return out


def _samples_from_manifest(workdir: Path) -> list[Sample]:
    path = workdir / MANIFEST_FILE
    if not path.is_file():
        raise ThermoquakeError("no manifest.csv: not a thermoquake preprocess workdir "
                               "(run thermoquake preprocess first)", workdir)
    seen: dict[str, Sample] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["site"] not in seen:
                seen[row["site"]] = Sample(row["event_id"], row["site"], 1, EVENT, "", float("nan"),
                                           float("nan"), row["event_id"])
    return list(seen.values())
