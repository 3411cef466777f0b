"""Write many synthetic tiles (tiles x dates) with resume, and the run manifest ``synth_run.json``.

A tile whose file and truth sidecar exist and whose file records the same
generator parameters is skipped, so an interrupted run resumes where it
stopped. A synthetic file with other parameters (another seed, cloud fraction,
anomalies reaching it, model version) is replaced. A file at the target name
that is *not* a thermoquake synthetic file is never overwritten.

The manifest describes the latest run into the directory: its parameters and
the files (name, truth, tile, date) it covers. Its content depends only on the
run's arguments (sorted keys), not on what was skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from thermoquake.atomic import write_text_atomic
from thermoquake.errors import BadRequestError
from thermoquake.modis.sinusoidal import tile_name
from thermoquake.synth.anomaly import SyntheticAnomaly
from thermoquake.synth.config import DEFAULT_CONFIG, SYNTH_VERSION, SynthConfig
from thermoquake.synth.ecs_metadata import GENERATOR
from thermoquake.synth.model import check_request
from thermoquake.synth.tiles import (
    ANOMALY_RULE,
    check_collection,
    is_complete,
    read_parameters,
    synthetic_granule_name,
    tile_parameters,
    truth_path,
    write_synthetic_tile,
)

MANIFEST_NAME = "synth_run.json"
HDF4_SIGNATURE = b"\x0e\x03\x13\x01"

WRITE, REPLACE, SKIP = "write", "replace", "skip"


@dataclass(frozen=True)
class PlannedTile:
    """One file of a run: where it goes and what to do (``write``, ``replace`` or ``skip``)."""

    h: int
    v: int
    date: dt.date
    path: Path
    action: str

    @property
    def tile(self) -> str:
        return tile_name(self.h, self.v)


def plan_run(
    out_dir: str | os.PathLike[str],
    product: str,
    tiles: Sequence[tuple[int, int]],
    dates: Sequence[dt.date],
    *,
    config: SynthConfig,
    anomalies: Sequence[SyntheticAnomaly] = (),
    collection: str = "061",
) -> list[PlannedTile]:
    """What a run would do, tile by tile (tiles outer, dates inner: the terrain is reused).

    Raises :class:`BadRequestError` for bad arguments, or if a target name holds a
    file that is not a thermoquake synthetic tile.
    """
    check_collection(collection)
    if not tiles:
        raise BadRequestError("no tiles: give --tile hHHvVV or --around LAT,LON")
    if not dates:
        raise BadRequestError("no dates: give --start/--end or --date")
    for h, v in tiles:
        check_request(product, h, v)
    out = Path(out_dir)
    plan = []
    for h, v in sorted(set(tiles)):
        for date in sorted(set(dates)):
            path = out / synthetic_granule_name(product, h, v, date, collection).filename
            plan.append(
                PlannedTile(
                    h,
                    v,
                    date,
                    path,
                    _action(path, product, h, v, date, config, anomalies, collection),
                )
            )
    return plan


def _action(
    path: Path,
    product: str,
    h: int,
    v: int,
    date: dt.date,
    config: SynthConfig,
    anomalies: Sequence[SyntheticAnomaly],
    collection: str,
) -> str:
    if not path.exists():
        return WRITE
    if path.is_dir():
        raise BadRequestError("is a directory where a synthetic tile should be written", path)
    if is_complete(path, tile_parameters(product, h, v, date, config, collection, anomalies)):
        return SKIP
    if read_parameters(path) is None:
        with open(path, "rb") as fh:
            is_hdf4 = fh.read(4) == HDF4_SIGNATURE
        if is_hdf4:
            raise BadRequestError(
                "exists and is not a thermoquake synthetic tile; refusing to overwrite it", path
            )
    # ours with other parameters or without sidecar, or junk that is not HDF4: write it afresh
    return REPLACE


def run_manifest(
    product: str,
    tiles: Sequence[tuple[int, int]],
    dates: Sequence[dt.date],
    *,
    config: SynthConfig,
    anomalies: Sequence[SyntheticAnomaly],
    collection: str,
    plan: Iterable[PlannedTile],
) -> dict[str, object]:
    """The content of ``synth_run.json`` (plain JSON)."""
    files = sorted(
        (
            {
                "file": p.path.name,
                "truth": truth_path(p.path).name,
                "tile": p.tile,
                "date": p.date.isoformat(),
            }
            for p in plan
        ),
        key=lambda f: (f["date"], f["tile"]),
    )
    return {
        "synthetic": True,
        "generator": GENERATOR,
        "generator_version": SYNTH_VERSION,
        "product": product,
        "collection": collection,
        "config": config.to_dict(),
        "anomalies": [a.to_dict() for a in sorted(anomalies, key=SyntheticAnomaly.sort_key)],
        "anomaly_rule": ANOMALY_RULE,
        "tiles": [tile_name(h, v) for h, v in sorted(set(tiles))],
        "dates": [d.isoformat() for d in sorted(set(dates))],
        "files": files,
    }


def run_synthetic_tiles(
    out_dir: str | os.PathLike[str],
    product: str,
    tiles: Sequence[tuple[int, int]],
    dates: Sequence[dt.date],
    *,
    config: SynthConfig = DEFAULT_CONFIG,
    anomalies: Sequence[SyntheticAnomaly] = (),
    collection: str = "061",
    progress: Callable[[PlannedTile], None] | None = None,
) -> tuple[list[PlannedTile], Path]:
    """Write every tile x date that is not already complete, then ``synth_run.json``.

    Returns the plan (with the action taken for each file) and the manifest path.
    ``progress`` is called after each file.
    """
    anomalies = list(anomalies)
    plan = plan_run(
        out_dir, product, tiles, dates, config=config, anomalies=anomalies, collection=collection
    )
    for item in plan:
        if item.action != SKIP:
            write_synthetic_tile(
                out_dir,
                product,
                item.h,
                item.v,
                item.date,
                config=config,
                anomalies=anomalies,
                collection=collection,
            )
        if progress is not None:
            progress(item)
    manifest = run_manifest(
        product, tiles, dates, config=config, anomalies=anomalies, collection=collection, plan=plan
    )
    path = Path(out_dir) / MANIFEST_NAME
    write_text_atomic(path, json.dumps(manifest, sort_keys=True, indent=2) + "\n")
    return plan, path
