"""Write one synthetic MxD11A1 tile (HDF4-EOS) and its ground-truth sidecar.

File name: ``PRODUCT.AYYYYDDD.hHHvVV.CCC.YYYYDDD000000.hdf`` where the production
time is 00:00:00 on the day after the acquisition date, so re-runs give the same
name. Beside it, ``<name without .hdf>.truth.json`` lists the anomalies reaching
the tile (see :func:`thermoquake.synth.anomaly.anomaly_field`). Both are written
atomically, the HDF file first: a tile is complete when both exist and the file
records the same generator parameters.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from pyhdf.error import HDF4Error
from pyhdf.SD import SD, SDC

from thermoquake.atomic import atomic_path, write_text_atomic
from thermoquake.errors import BadRequestError
from thermoquake.modis.naming import GranuleName
from thermoquake.synth.anomaly import FOOTPRINT_RADII, SyntheticAnomaly, anomalies_reaching
from thermoquake.synth.config import DEFAULT_CONFIG, SYNTH_VERSION, SynthConfig
from thermoquake.synth.ecs_metadata import (
    GENERATOR,
    SYNTHETIC_NOTE,
    QaPercent,
    archive_metadata,
    core_metadata,
)
from thermoquake.synth.hdfeos_writer import write_hdfeos_tile
from thermoquake.synth.model import SyntheticTile, check_request, synthetic_tile

SYNTHETIC_ATTRIBUTE = "thermoquake_synthetic"
"""Global attribute that marks a file as synthetic (value ``"true"``); the reader looks for it."""
PARAMETERS_ATTRIBUTE = "thermoquake_synth_parameters"
"""Global attribute holding the generator parameters as JSON (sorted keys)."""
NOTE_ATTRIBUTE = "thermoquake_synth_note"
TRUTH_SUFFIX = ".truth.json"
ANOMALY_RULE = (
    "amplitude_k * exp(-(d / radius_km)^2) K added to LST_Night_1km and LST_Day_1km for "
    f"great-circle distance d <= {FOOTPRINT_RADII:g} * radius_km (sphere R = 6371.007181 km), "
    "on dates event_date - onset_days <= date <= event_date - 1 day; not observed under cloud"
)


def production_time(date: dt.date) -> dt.datetime:
    """The fixed production time of a synthetic tile of ``date``: 00:00:00 the next day."""
    return dt.datetime.combine(date + dt.timedelta(days=1), dt.time(0, 0, 0))


def check_collection(collection: str) -> str:
    """Validate a collection (3 digits, e.g. ``"061"``)."""
    if not isinstance(collection, str) or not re.fullmatch(r"\d{3}", collection):
        raise BadRequestError(
            f"collection must be three digits such as 061 or 006, got {collection!r}"
        )
    return collection


def synthetic_granule_name(
    product: str, h: int, v: int, date: dt.date, collection: str = "061"
) -> GranuleName:
    """The granule (file) name a synthetic tile gets."""
    check_request(product, h, v)
    produced = production_time(date)
    stamp = f"{produced.year:04d}{produced.timetuple().tm_yday:03d}{produced:%H%M%S}"
    return GranuleName(product, date, int(h), int(v), check_collection(collection), stamp)


def truth_path(hdf_path: str | os.PathLike[str]) -> Path:
    """Sidecar path of a tile: ``X.hdf`` -> ``X.truth.json``."""
    p = Path(hdf_path)
    return p.with_name(
        p.name[: -len(".hdf")] + TRUTH_SUFFIX if p.name.endswith(".hdf") else p.name + TRUTH_SUFFIX
    )


def tile_parameters(
    product: str,
    h: int,
    v: int,
    date: dt.date,
    config: SynthConfig,
    collection: str,
    anomalies: Iterable[SyntheticAnomaly],
) -> dict[str, object]:
    """Everything that determines a tile's content, as plain JSON (stored in the file, compared on
    resume). Only the anomalies whose footprint reaches the tile count."""
    return {
        "synthetic": True,
        "generator": GENERATOR,
        "generator_version": SYNTH_VERSION,
        "product": product,
        "collection": collection,
        "tile": f"h{int(h):02d}v{int(v):02d}",
        "date": date.isoformat(),
        "config": config.to_dict(),
        "anomalies": [a.to_dict() for a in anomalies_reaching(anomalies, h, v)],
    }


def _dumps(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, indent=2, allow_nan=False) + "\n"


def _qa_percent(qc: np.ndarray) -> QaPercent:
    counts = np.bincount((qc & 0b11).ravel(), minlength=4)
    pct = [int(round(100.0 * c / qc.size)) for c in counts]
    return QaPercent(good=pct[0], other=pct[1], cloud=pct[2], not_produced=pct[3])


def _datasets(tile: SyntheticTile) -> dict[str, np.ndarray]:
    n, d = tile.night, tile.day
    return {
        "LST_Day_1km": d.dn,
        "QC_Day": d.qc,
        "Day_view_time": d.view_time,
        "Day_view_angl": d.view_angle,
        "LST_Night_1km": n.dn,
        "QC_Night": n.qc,
        "Night_view_time": n.view_time,
        "Night_view_angl": n.view_angle,
        "Emis_31": tile.emis_31,
        "Emis_32": tile.emis_32,
        "Clear_day_cov": d.clear_cov,
        "Clear_night_cov": n.clear_cov,
    }


def write_synthetic_tile(
    out_dir: str | os.PathLike[str],
    product: str,
    h: int,
    v: int,
    date: dt.date,
    *,
    config: SynthConfig = DEFAULT_CONFIG,
    anomalies: Iterable[SyntheticAnomaly] = (),
    collection: str = "061",
) -> Path:
    """Write the SYNTHETIC tile ``product`` ``h, v`` of ``date`` into ``out_dir``; return its path.

    The file is a genuine HDF4-EOS MxD11A1 file (see :mod:`hdfeos_writer`) whose
    global attribute ``thermoquake_synthetic`` is ``"true"`` and whose
    ``thermoquake_synth_parameters`` holds the generator parameters as JSON. The
    truth sidecar ``<name>.truth.json`` is written beside it. Same arguments,
    same pixels (and, in the same ``out_dir``, the same bytes).
    """
    anomalies = list(anomalies)
    granule = synthetic_granule_name(product, h, v, date, collection)
    tile = synthetic_tile(product, h, v, date, config, anomalies)
    params = tile_parameters(product, h, v, date, config, collection, anomalies)
    final = Path(out_dir) / granule.filename
    core = core_metadata(granule, production_time(date), _qa_percent(tile.night.qc), config.seed)
    extra = [
        (SYNTHETIC_ATTRIBUTE, "true"),
        (NOTE_ATTRIBUTE, SYNTHETIC_NOTE),
        (PARAMETERS_ATTRIBUTE, json.dumps(params, sort_keys=True)),
    ]
    with atomic_path(final) as tmp:
        write_hdfeos_tile(
            tmp,
            granule,
            _datasets(tile),
            core_metadata=core,
            archive_metadata=archive_metadata(granule),
            extra_attributes=extra,
            doi=("none: SYNTHETIC data", "none"),
        )
    truth = {
        "synthetic": True,
        "file": granule.filename,
        "product": product,
        "collection": collection,
        "tile": granule.tile,
        "date": date.isoformat(),
        "generator": GENERATOR,
        "generator_version": SYNTH_VERSION,
        "config": config.to_dict(),
        "anomaly_rule": ANOMALY_RULE,
        "anomalies": tile.truth,
    }
    write_text_atomic(truth_path(final), _dumps(truth))
    return final


def is_complete(path: str | os.PathLike[str], parameters: dict[str, object]) -> bool:
    """True if ``path`` and its truth sidecar exist and the file records exactly ``parameters``."""
    path = Path(path)
    if not (path.is_file() and truth_path(path).is_file()):
        return False
    recorded = read_parameters(path)
    return recorded == parameters


def read_parameters(path: str | os.PathLike[str]) -> dict[str, object] | None:
    """The generator parameters a synthetic file records, or None (not synthetic, unreadable)."""
    try:
        sd = SD(os.fspath(path), SDC.READ)
    except HDF4Error:
        return None
    try:
        attrs = sd.attributes()
    except HDF4Error:
        return None
    finally:
        sd.end()
    if str(attrs.get(SYNTHETIC_ATTRIBUTE, "")).strip().lower() != "true":
        return None
    try:
        return json.loads(attrs.get(PARAMETERS_ATTRIBUTE, ""))
    except (TypeError, ValueError):
        return None
