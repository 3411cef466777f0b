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

Every unusable row is reported with its line number; duplicates (same
``event_id``, or the same origin time and epicentre under another id) too.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
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
    """

    source: str
    format: str
    events: list[Event]
    problems: list[RowProblem] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


def read_catalog(
    path: str | os.PathLike[str], fmt: str = "auto", *, skip_bad_rows: bool = False
) -> Catalog:
    """Read an earthquake catalogue file.

    Args:
        path: the file.
        fmt: one of :data:`FORMATS`, or ``"auto"`` to recognise it from its header.
        skip_bad_rows: drop unusable rows (they are listed in ``Catalog.problems``)
            instead of raising.

    Raises:
        CatalogError: unreadable file, unknown format, no events, or (unless
            ``skip_bad_rows``) any unusable or duplicate row, naming the lines.
    """
    path = Path(path)
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
    events, dup_problems = _drop_duplicates(events, unit)
    problems = sorted(problems + dup_problems, key=lambda p: p.line)
    if problems and not skip_bad_rows:
        raise BadRowsError(problems, path)
    if not events:
        raise CatalogError(f"no usable events in this {fmt} catalogue", path)
    return Catalog(os.fspath(path), fmt, [e for _, e in events], problems, dict(skipped))


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
        raise CatalogError(f"not UTF-8 text (byte {err.start})", path) from None


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


def _drop_duplicates(
    events: list[tuple[int, Event]], unit: str
) -> tuple[list[tuple[int, Event]], list[RowProblem]]:
    """Keep the first of each ``event_id`` and each (time, latitude, longitude); list others."""
    by_id: dict[str, int] = {}
    by_origin: dict[tuple, int] = {}
    kept, problems = [], []
    for line, event in events:
        origin = (event.time, event.latitude, event.longitude)
        if event.event_id in by_id:
            problems.append(
                RowProblem(
                    line,
                    f"duplicate event_id {event.event_id!r} "
                    f"(first at {unit} {by_id[event.event_id]})",
                    unit,
                )
            )
            continue
        if origin in by_origin:
            problems.append(
                RowProblem(
                    line,
                    f"duplicate of the event at {unit} {by_origin[origin]} "
                    f"(same time and epicentre, id {event.event_id!r})",
                    unit,
                )
            )
            continue
        by_id[event.event_id] = line
        by_origin[origin] = line
        kept.append((line, event))
    return kept, problems
