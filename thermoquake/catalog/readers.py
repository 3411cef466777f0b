"""Readers for earthquake catalogue formats, all into :class:`~thermoquake.catalog.schema.Event`.

Formats (``FORMATS``):

``thermoquake``
    This project's CSV (:data:`~thermoquake.catalog.schema.COLUMNS`); the
    study catalogue's ``time_utc`` column is accepted for ``time`` and extra
    columns (``source``) are ignored.
``comcat``
    USGS ComCat search export CSV (``time,latitude,longitude,depth,mag,magType,...,id,...,type``).
    Rows whose ``type`` is not ``earthquake`` (explosions, eruptions) are skipped and counted.
``iscgem``
    ISC-GEM catalogue CSV with its ``#`` comment header; ``event_id`` becomes
    ``iscgem:<eventid>`` and ``magnitude_type`` ``Mw`` (direct) or ``Mw_proxy``
    (converted from Ms or mb), as in the study catalogue.
``quakeml``
    QuakeML through ObsPy (optional extra ``thermoquake[quakeml]``).

Every unusable row is reported with its line number. Duplicates come in two kinds:

* **exact** duplicates — every value but the id equal (ComCat lists some events under two
  network ids with the same time, place, depth and magnitude): the first row is kept, the
  others are merged into it and listed in :attr:`Catalog.merged`;
* **conflicting** duplicates — the same ``event_id`` with other values, or the same origin
  time and epicentre with another depth or magnitude: unusable rows. With ``keep`` (a
  selection), only conflicts that touch a selected event count; the others are left out
  and counted in :attr:`Catalog.skipped`.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from thermoquake.catalog.schema import (
    BadRowsError,
    CatalogError,
    Event,
    RowProblem,
    data_rows,
    make_event,
)

FORMATS: tuple[str, ...] = ("thermoquake", "comcat", "iscgem", "quakeml")

_THERMOQUAKE_REQUIRED = {
    "event_id",
    "latitude",
    "longitude",
    "depth_km",
    "magnitude",
    "magnitude_type",
}
_COMCAT_REQUIRED = {"time", "latitude", "longitude", "depth", "mag", "magtype", "id"}
_ISCGEM_REQUIRED = {"date", "lat", "lon", "depth", "mw", "eventid"}
_SNIFF_CHARS = 65536


@dataclass
class Catalog:
    """What a reader made of one file.

    Attributes:
        source: the file read.
        format: one of :data:`FORMATS`.
        events: the usable events, in file order.
        problems: unusable rows (only non-empty when the caller allowed skipping them).
        skipped: rows left out on purpose, by reason (e.g. ``{"type 'nuclear explosion'": 4}``).
        merged: exact duplicates merged into the first row of their event (one note each).
    """

    source: str
    format: str
    events: list[Event]
    problems: list[RowProblem] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    merged: list[RowProblem] = field(default_factory=list)


def read_catalog(
    path: str | os.PathLike[str],
    fmt: str = "auto",
    *,
    skip_bad_rows: bool = False,
    keep: Callable[[Event], bool] | None = None,
) -> Catalog:
    """Read an earthquake catalogue file.

    Args:
        path: the file.
        fmt: one of :data:`FORMATS`, or ``"auto"`` to recognise it from its header.
        skip_bad_rows: drop unusable rows (they are listed in ``Catalog.problems``)
            instead of raising.
        keep: the selection the caller will apply; conflicting duplicates of events it
            does not keep are left out without stopping the read (see the module doc).

    Raises:
        CatalogError: unreadable file, unknown format, no events, or (unless
            ``skip_bad_rows``) any unusable or duplicate row, naming the lines.
    """
    path = Path(path)
    if fmt == "auto":
        _refuse_other_formats(path)
    if fmt == "quakeml" or (fmt == "auto" and _looks_like_xml(path)):
        events, problems, skipped = _read_quakeml(path)
        fmt = "quakeml"
    else:
        text = _read_text(path)
        if fmt == "auto":
            fmt = detect_format(text, path)
        reader = {
            "thermoquake": _read_thermoquake,
            "comcat": _read_comcat,
            "iscgem": _read_iscgem,
        }.get(fmt)
        if reader is None:
            raise CatalogError(
                f"unknown catalogue format {fmt!r}; known: auto, {', '.join(FORMATS)}", path
            )
        events, problems, skipped = reader(text, path)
    unit = "event" if fmt == "quakeml" else "line"
    events, merged, conflicts = _drop_duplicates(events, unit)
    for problem, involved in conflicts:
        if keep is None or any(keep(e) for e in involved):
            problems.append(problem)
        else:
            skipped["conflicting duplicate outside the selection"] += 1
    problems = sorted(problems, key=lambda p: p.line)
    if problems and not skip_bad_rows:
        raise BadRowsError(problems, path)
    if not events:
        raise CatalogError(f"no usable events in this {fmt} catalogue", path)
    return Catalog(os.fspath(path), fmt, [e for _, e in events], problems, dict(skipped), merged)


def detect_format(text: str, source: str | os.PathLike[str] = "<text>") -> str:
    """Name the CSV format of catalogue ``text`` from its header, or raise :class:`CatalogError`."""
    lines = [ln for ln in text[:_SNIFF_CHARS].splitlines() if ln.strip()]
    if not lines:
        raise CatalogError("the catalogue file is empty", source)
    if lines[0].lstrip().startswith("#"):
        header = _iscgem_header(lines)
        if header is not None and _ISCGEM_REQUIRED <= set(header):
            return "iscgem"
    else:
        names = {n.strip().lower() for n in next(csv.reader([lines[0]]))}
        if _COMCAT_REQUIRED <= names:
            return "comcat"
        if _THERMOQUAKE_REQUIRED <= names and names & {"time", "time_utc"}:
            return "thermoquake"
    first = lines[0].strip()
    if len(first) > 80:
        first = first[:77] + "..."
    raise CatalogError(
        f"unknown catalogue format (first line {first!r}); known: thermoquake CSV "
        "(event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type), USGS ComCat CSV, "
        "ISC-GEM CSV, QuakeML",
        source,
    )


# --------------------------------------------------------------------------- helpers


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CatalogError("no such file", path) from None
    except IsADirectoryError:
        raise CatalogError("is a directory, not a catalogue file", path) from None
    except OSError as err:
        raise CatalogError(f"cannot read: {err.strerror}", path) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CatalogError(f"not UTF-8 text (byte {err.start}), so not a catalogue file; "
                           f"{READ_FORMATS}", path) from None


READ_FORMATS = ("thermoquake reads USGS ComCat CSV, ISC-GEM CSV, thermoquake CSV and QuakeML")
_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive",
    b"\x1f\x8b": "a gzip file",
    b"\x89HDF": "an HDF5 file",
    b"\x0e\x03\x13\x01": "an HDF4 file",
    b"%PDF": "a PDF document",
}


def _refuse_other_formats(path: Path) -> None:
    """One line naming what a file is when it is a known non-catalogue format (KMZ/KML maps,
    archives, binary files), and the formats that are read."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return  # the reader reports it
    for magic, what in _SIGNATURES.items():
        if head.startswith(magic):
            inside = ""
            if what == "a ZIP archive":
                try:
                    with zipfile.ZipFile(path) as archive:
                        names = archive.namelist()
                except (zipfile.BadZipFile, OSError):
                    names = []
                if any(n.lower() == "doc.kml" for n in names) or path.suffix.lower() == ".kmz":
                    what = "a KMZ map (zipped KML, e.g. ISC-GEM's Google Earth file)"
                csvs = [n for n in names if n.lower().endswith((".csv", ".xml"))]
                if csvs:
                    inside = f"; extract {', '.join(csvs[:3])} from it and read that"
            raise CatalogError(f"is {what}, not a catalogue file; {READ_FORMATS}{inside}", path)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<") and b"<kml" in head.lower():
        raise CatalogError("is a KML map (Google Earth), not a catalogue file; "
                           f"{READ_FORMATS}", path)


def _looks_like_xml(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False  # _read_text reports it
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _iscgem_header(lines: list[str]) -> list[str] | None:
    """Column names from the last ``#`` line before the data, lower-case, or None."""
    header = None
    for line in lines:
        if not line.lstrip().startswith("#"):
            break
        header = line.lstrip()[1:]
    if header is None:
        return None
    return [n.strip().lower() for n in header.split(",")]


def _check_columns(found: set[str], required: set[str], fmt: str, source: Path) -> None:
    missing = sorted(required - found)
    if missing:
        raise CatalogError(f"not a {fmt} catalogue: missing column(s) {', '.join(missing)}", source)


_Rows = tuple[list[tuple[int, Event]], list[RowProblem], Counter]


def _read_thermoquake(text: str, source: Path) -> _Rows:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [n.strip().lower() for n in next(reader)]
    except StopIteration:
        raise CatalogError("the catalogue file is empty", source) from None
    time_col = "time_utc" if "time" not in header and "time_utc" in header else "time"
    _check_columns(set(header), _THERMOQUAKE_REQUIRED | {time_col}, "thermoquake", source)
    idx = {name: header.index(name) for name in _THERMOQUAKE_REQUIRED | {time_col}}
    events, problems = [], []
    for line, fields in data_rows(reader, len(header), problems):
        try:
            event = make_event(
                fields[idx["event_id"]],
                fields[idx[time_col]],
                fields[idx["latitude"]],
                fields[idx["longitude"]],
                fields[idx["depth_km"]],
                fields[idx["magnitude"]],
                fields[idx["magnitude_type"]],
            )
        except ValueError as err:
            problems.append(RowProblem(line, str(err)))
            continue
        events.append((line, event))
    return events, problems, Counter()


def _read_comcat(text: str, source: Path) -> _Rows:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [n.strip() for n in next(reader)]
    except StopIteration:
        raise CatalogError("the catalogue file is empty", source) from None
    lower = [n.lower() for n in header]
    _check_columns(set(lower), _COMCAT_REQUIRED, "USGS ComCat", source)
    idx = {name: lower.index(name) for name in _COMCAT_REQUIRED | ({"type"} & set(lower))}
    events, problems, skipped = [], [], Counter()
    for line, fields in data_rows(reader, len(header), problems):
        if "type" in idx:
            kind = fields[idx["type"]].strip()
            if kind != "earthquake":
                skipped[f"type {kind!r}"] += 1
                continue
        try:
            event = make_event(
                fields[idx["id"]],
                fields[idx["time"]],
                fields[idx["latitude"]],
                fields[idx["longitude"]],
                fields[idx["depth"]],
                fields[idx["mag"]],
                fields[idx["magtype"]],
            )
        except ValueError as err:
            problems.append(RowProblem(line, str(err).replace("depth_km", "depth")))
            continue
        events.append((line, event))
    return events, problems, skipped


_ISCGEM_MW_TYPE = {"d": "Mw", "p": "Mw_proxy"}


def _read_iscgem(text: str, source: Path) -> _Rows:
    lines = text.splitlines()
    header = _iscgem_header([ln for ln in lines if ln.strip()])
    if header is None:
        raise CatalogError(
            "not an ISC-GEM catalogue: no '#' comment header with column names", source
        )
    _check_columns(set(header), _ISCGEM_REQUIRED, "ISC-GEM", source)
    idx = {name: header.index(name) for name in _ISCGEM_REQUIRED | ({"s"} & set(header))}
    events, problems = [], []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in raw.split(",")]
        if len(fields) != len(header):
            problems.append(
                RowProblem(number, f"has {len(fields)} fields, the header has {len(header)}")
            )
            continue
        mw_type = "Mw"
        if "s" in idx:
            mw_type = _ISCGEM_MW_TYPE.get(fields[idx["s"]], "")
            if not mw_type:
                problems.append(
                    RowProblem(number, f"Mw source flag {fields[idx['s']]!r} is not 'd' or 'p'")
                )
                continue
        eventid = fields[idx["eventid"]]
        try:
            event = make_event(
                f"iscgem:{eventid}" if eventid else "",
                fields[idx["date"]],
                fields[idx["lat"]],
                fields[idx["lon"]],
                fields[idx["depth"]],
                fields[idx["mw"]],
                mw_type,
            )
        except ValueError as err:
            msg = str(err)
            for ours, theirs in (
                ("depth_km", "depth"),
                ("latitude", "lat"),
                ("longitude", "lon"),
                ("magnitude", "mw"),
                ("event_id", "eventid"),
            ):
                msg = msg.replace(ours, theirs, 1) if msg.startswith(ours) else msg
            problems.append(RowProblem(number, msg))
            continue
        events.append((number, event))
    return events, problems, Counter()


def _read_quakeml(path: Path) -> _Rows:
    try:
        from obspy import read_events
    except ImportError:
        raise CatalogError(
            "reading QuakeML needs ObsPy, which is not installed "
            "(pip install 'thermoquake[quakeml]')",
            path,
        ) from None
    if not path.is_file():
        raise CatalogError("no such file", path)
    try:
        cat = read_events(os.fspath(path), format="QUAKEML")
    except Exception as err:  # ObsPy raises many types for malformed XML
        raise CatalogError(
            f"not a readable QuakeML file ({type(err).__name__}: {err})", path
        ) from None
    events, problems, skipped = [], [], Counter()
    for number, ev in enumerate(cat, start=1):
        kind = str(ev.event_type) if ev.event_type else "earthquake"
        if kind != "earthquake":
            skipped[f"type {kind!r}"] += 1
            continue
        origin = ev.preferred_origin() or (ev.origins[0] if ev.origins else None)
        mag = ev.preferred_magnitude() or (ev.magnitudes[0] if ev.magnitudes else None)
        if origin is None or mag is None:
            problems.append(RowProblem(number, "has no origin or no magnitude", unit="event"))
            continue
        depth_km = "" if origin.depth is None else str(origin.depth / 1000.0)
        try:
            event = make_event(
                str(ev.resource_id),
                origin.time.datetime.isoformat() + "Z" if origin.time else "",
                "" if origin.latitude is None else str(origin.latitude),
                "" if origin.longitude is None else str(origin.longitude),
                depth_km,
                "" if mag.mag is None else str(mag.mag),
                mag.magnitude_type or "",
            )
        except ValueError as err:
            problems.append(RowProblem(number, str(err), unit="event"))
            continue
        events.append((number, event))
    return events, problems, skipped


def _same_values(a: Event, b: Event) -> bool:
    return (a.time, a.latitude, a.longitude, a.depth_km, a.magnitude, a.magnitude_type) == (
        b.time, b.latitude, b.longitude, b.depth_km, b.magnitude, b.magnitude_type)


def _drop_duplicates(
    events: list[tuple[int, Event]], unit: str
) -> tuple[list[tuple[int, Event]], list[RowProblem], list[tuple[RowProblem, tuple[Event, Event]]]]:
    """Keep the first of each ``event_id`` and each (time, latitude, longitude).

    Returns the kept rows, the exact duplicates merged into them (notes), and the
    conflicting duplicates (each with the two events involved).
    """
    by_id: dict[str, tuple[int, Event]] = {}
    by_origin: dict[tuple, tuple[int, Event]] = {}
    kept: list[tuple[int, Event]] = []
    merged: list[RowProblem] = []
    conflicts: list[tuple[RowProblem, tuple[Event, Event]]] = []
    for line, event in events:
        origin = (event.time, event.latitude, event.longitude)
        first = by_id.get(event.event_id) or by_origin.get(origin)
        if first is not None:
            first_line, first_event = first
            if _same_values(event, first_event):
                same = ("the same id" if event.event_id == first_event.event_id
                        else f"id {event.event_id!r}")
                merged.append(RowProblem(line, f"merged into {unit} {first_line} (the same event "
                                         f"under {same}: same time, place, depth and magnitude)", unit))
            elif event.event_id in by_id:
                conflicts.append((RowProblem(
                    line, f"duplicate event_id {event.event_id!r} (first at {unit} "
                    f"{first_line}) with other values", unit), (first_event, event)))
            else:
                conflicts.append((RowProblem(
                    line, f"duplicate of the event at {unit} {first_line} (same time and "
                    f"epicentre, id {event.event_id!r}) with another depth or magnitude", unit),
                    (first_event, event)))
            continue
        by_id[event.event_id] = (line, event)
        by_origin[origin] = (line, event)
        kept.append((line, event))
    return kept, merged, conflicts
