"""Preprocess as a library call: every target and RST-reference epicentre image of an events
list (and its controls), cropped from a directory of MODIS tiles into a workdir.

:func:`preprocess` is what ``thermoquake preprocess`` runs; it raises
:mod:`thermoquake.errors` exceptions and never exits or prints (notes go to ``on_note``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from thermoquake.errors import ThermoquakeError

__all__ = ["PreprocessSummary", "preprocess"]

PathLike = str | os.PathLike[str]
_log = logging.getLogger("thermoquake.preprocess")


@dataclass(frozen=True)
class PreprocessSummary:
    """What a preprocess run planned and (unless ``dry_run``) wrote.

    ``images`` = ``targets`` + ``references``; ``already_done`` images existed before the run
    and are up to date; ``stale`` images existed but their inputs changed (made again).
    After a real run ``written_now``, ``manifest_rows``, ``failure_rows`` and ``workdir`` are
    set; after a dry run ``dates`` (distinct image dates) is.
    """

    events: int
    controls: int
    images: int
    targets: int
    references: int
    already_done: int
    stale: int = 0
    dry_run: bool = False
    dates: int | None = None
    written_now: int | None = None
    manifest_rows: int | None = None
    failure_rows: int | None = None
    workdir: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready values (the keys ``thermoquake preprocess --json`` prints)."""
        out = {k: v for k, v in asdict(self).items() if v is not None and k != "dry_run"}
        if self.workdir is not None:
            out["workdir"] = str(self.workdir)
        return out


def preprocess(events: PathLike, hdf_dir: PathLike, workdir: PathLike, *, controls: PathLike | None = None,
               days_before: int = 9, reference_years: Sequence[int] = range(2003, 2017),
               reference_mode: str = "same-day", reference_window_days: int = 0, product: str = "MYD11A1",
               layer: str = "LST_Night_1km", qc_policy: str = "paper", size: int = 256, workers: int = 2,
               scheduler: str | None = None, dry_run: bool = False, progress: bool | None = None,
               on_note: Callable[[str], None] | None = None) -> PreprocessSummary:
    """Crop the target and reference epicentre images of every event (and control) into ``workdir``.

    Args:
        events: events CSV (``thermoquake catalog select``): event_id, time, latitude, longitude, ...
        hdf_dir: directory searched recursively for MODIS tiles of ``product``.
        workdir: output directory (created; re-running resumes it).
        controls: controls CSV (``thermoquake controls``), cropped with label 0; WORKDIR/samples.csv
            then labels every site and groups each matched control with its event.
        days_before: target images for the N days before each event (day 1 = the day before).
        reference_years: years of the RST reference (consecutive; the sample's own year is left out).
        reference_mode: ``"same-day"`` (the target's calendar day +- ``reference_window_days``)
            or ``"month"`` (its whole calendar month).
        size: image width and height in 1 km pixels.
        workers: processes of a local dask cluster; 0 runs in this process.
        scheduler: address of an existing dask.distributed scheduler instead of a local cluster.
        dry_run: check the inputs and plan; write nothing.
        progress: a progress bar on stderr (None: when stderr is a terminal).
        on_note: receives one-line notes about the tiles (default: logged as warnings).

    Raises:
        InputNotFoundError: no such events file or tile directory.
        BadRequestError: a ``size`` no epicentre grid has.
        ThermoquakeError: a bad events or controls file, a workdir made with other parameters,
            an output path that is an input. Nothing is written then.
    """
    from tqdm import tqdm

    from thermoquake.preprocessing.events import read_events
    from thermoquake.preprocessing.hdf_index import scan_hdf_dir
    from thermoquake.preprocessing.plan import TARGET, plan_images
    from thermoquake.preprocessing.recipes import find_stale_images, remove_images
    from thermoquake.preprocessing.run import execute, make_jobs
    from thermoquake.preprocessing.samples import SAMPLES_FILE, build_samples, write_samples
    from thermoquake.preprocessing.tables import write_tables
    from thermoquake.preprocessing.workdir import (
        FAILURES_FILE, MANIFEST_FILE, METADATA_FILE, check_workdir, prepare_workdir, reference_parameters,
    )
    from thermoquake.dirlock import lock_directory
    from thermoquake.image.grid import EpicentreGrid
    from thermoquake.errors import BadRequestError
    from thermoquake.outputs import refuse_outputs_over_inputs

    events_path, hdf_dir, workdir = Path(events), Path(hdf_dir), Path(workdir)
    controls_path = None if controls is None else Path(controls)
    written = [workdir] + [workdir / name for name in (METADATA_FILE, MANIFEST_FILE, FAILURES_FILE, SAMPLES_FILE)]
    refuse_outputs_over_inputs({"workdir": written},
                               {"events": events_path, "controls": controls_path, "hdf_dir": hdf_dir})
    try:
        EpicentreGrid(0.0, 0.0, size)
    except BadRequestError as err:
        raise BadRequestError(err.problem, "size") from None
    years = range(min(reference_years), max(reference_years) + 1)
    parameters = {"product": product, "layer": layer, "qc_policy": qc_policy, "size": size,
                  "days_before": days_before, "reference_years": [years.start, years.stop - 1]}
    parameters |= reference_parameters(reference_mode, reference_window_days)
    event_rows = read_events(events_path)
    control_rows = read_events(controls_path) if controls_path is not None else []
    samples = build_samples(event_rows, events_path, control_rows, controls_path)
    period = {"mode": reference_mode, "window_days": reference_window_days}
    tasks = plan_images(event_rows, days_before, years, size, events_path, **period)
    tasks += plan_images(control_rows, days_before, years, size, controls_path, **period)
    _check_distinct_sites(tasks, controls_path)
    with contextlib.ExitStack() as held:
        if not dry_run:   # one writer per workdir, until the tables are written
            held.enter_context(lock_directory(workdir, "workdir"))
        check_workdir(workdir, parameters)
        index = scan_hdf_dir(hdf_dir, product)
        for note in index.notes:
            (on_note or _log.warning)(note)
        workdir = workdir.resolve()
        stale = find_stale_images(tasks, index, workdir, write_cache=not dry_run)
        done = sum((workdir / t.relpath).exists() for t in tasks) - len(stale)
        counts = {"stale": len(stale), "events": len(event_rows), "controls": len(control_rows), "images": len(tasks),
                  "targets": sum(t.role == TARGET for t in tasks),
                  "references": sum(t.role != TARGET for t in tasks), "already_done": done}
        if dry_run:
            return PreprocessSummary(**counts, dry_run=True, dates=len({t.date for t in tasks}))
        prepare_workdir(workdir, parameters)
        remove_images(workdir, stale)
        write_samples(workdir, samples)
        jobs, failures = make_jobs(tasks, index, workdir, layer, qc_policy)
        show = sys.stderr.isatty() if progress is None else progress
        records: dict = {}
        with tqdm(total=len(tasks), initial=done + len(failures), unit="image", disable=not show) as bar:
            results = execute(jobs, workers=workers, scheduler=scheduler, on_done=lambda r: bar.update(r.images))
        for result in results:
            records.update(result.records)
            failures.update(result.failures)
        manifest_rows, failure_rows = write_tables(workdir, tasks, records, failures)
        return PreprocessSummary(**counts, written_now=len(records), manifest_rows=manifest_rows,
                                 failure_rows=failure_rows, workdir=workdir)


def _check_distinct_sites(tasks, source) -> None:
    owner: dict[str, str] = {}
    for t in tasks:
        if owner.setdefault(t.site, t.event_id) != t.event_id:
            raise ThermoquakeError(f"ids {owner[t.site]!r} and {t.event_id!r} give the same directory name "
                                   f"{t.site!r}", source)
