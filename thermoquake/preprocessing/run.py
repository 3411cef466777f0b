"""Execute a plan: one job per date, each tile of that date read once and every box of that
date cropped from the same arrays; jobs run on dask.distributed (or in-process with
``workers=0``). Workers write the images (atomically) and return small records.

Images whose final file exists are skipped (stale ones are deleted first:
:mod:`thermoquake.preprocessing.recipes`); each image records what it was made from. Bad tile files are recorded under the workdir
before any image of their date is written, so a resumed run still reports them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from thermoquake.preprocessing.hdf_index import HdfIndex
from thermoquake.preprocessing.plan import ImageTask
from thermoquake.preprocessing.recipes import image_recipe, recipe_tag, tile_sha256
from thermoquake.preprocessing.tables import ImageRecord, write_bad_file_record
from thermoquake.image.crop import crop_from_arrays
from thermoquake.image.grid import EpicentreGrid
from thermoquake.errors import ThermoquakeError
from thermoquake.image.geotiff import write_epicentre_geotiff
from thermoquake.modis.products import LST_PRODUCTS
from thermoquake.modis.reader import read_lst_tile




@dataclass(frozen=True)
class DateJob:
    """The images of one date still to make, and the tile files of that date they need."""

    workdir: str
    product: str
    layer: str
    qc_policy: str
    date: dt.date
    tile_paths: tuple[tuple[str, str], ...]   # (tile, path) present in --hdf-dir
    images: tuple[ImageTask, ...]


@dataclass
class JobResult:
    records: dict[str, ImageRecord] = field(default_factory=dict)   # by relpath
    failures: dict[str, str] = field(default_factory=dict)          # by relpath
    bad_files: list[tuple[str, str]] = field(default_factory=list)
    images: int = 0


def no_tile_reason(task: ImageTask) -> str:
    return (f"no tile in --hdf-dir covers the {task.size} km box centred at {task.lat:.4f} N "
            f"{task.lon:.4f} E on {task.date.isoformat()} (needs {', '.join(task.tiles)})")


def make_jobs(tasks: Sequence[ImageTask], index: HdfIndex, workdir: Path, layer: str,
              qc_policy: str) -> tuple[list[DateJob], dict[str, str]]:
    """Group the images not yet on disk by date. Images with no tile at all are not jobs:
    they come back as failures (by relpath)."""
    by_date: dict[dt.date, list[ImageTask]] = {}
    failures: dict[str, str] = {}
    for task in tasks:
        if (workdir / task.relpath).exists():
            continue
        if not any(index.get(task.date, t) for t in task.tiles):
            failures[task.relpath] = no_tile_reason(task)
            continue
        by_date.setdefault(task.date, []).append(task)
    jobs = []
    for date in sorted(by_date):
        images = by_date[date]
        tiles = sorted({t for task in images for t in task.tiles if index.get(date, t)})
        jobs.append(DateJob(str(workdir), index.product, layer, qc_policy, date,
                            tuple((t, str(index.get(date, t))) for t in tiles), tuple(images)))
    return jobs, failures


def run_job(job: DateJob) -> JobResult:
    """Read each tile of the date once, record bad files, then crop and write every image."""
    workdir = Path(job.workdir)
    result = JobResult(images=len(job.images))
    arrays = {}
    for tile, path in job.tile_paths:
        try:
            arrays[tile] = read_lst_tile(path, job.layer, job.qc_policy)
        except ThermoquakeError as err:
            result.bad_files.append((path, err.problem))
        except OSError as err:
            result.bad_files.append((path, f"cannot be read: {err}"))
    for path, reason in result.bad_files:
        write_bad_file_record(workdir, path, reason)
    pixels = LST_PRODUCTS[job.product].pixels
    hashes = {tile: (Path(path).name, tile_sha256(workdir, path)) for tile, path in job.tile_paths}
    for task in job.images:
        have = [arrays[t] for t in task.tiles if t in arrays]
        if not have:
            result.failures[task.relpath] = (
                f"every tile covering the box on {task.date.isoformat()} is unreadable "
                f"({', '.join(t for t in task.tiles if t in dict(job.tile_paths))}; see the file rows)")
            continue
        try:
            image = crop_from_arrays(have, EpicentreGrid(task.lat, task.lon, task.size), pixels)
        except ThermoquakeError as err:
            result.failures[task.relpath] = err.problem
            continue
        recipe = image_recipe(task, dict(hashes[t] for t in task.tiles if t in hashes))
        write_epicentre_geotiff(workdir / task.relpath, image, extra_tags=recipe_tag(recipe))
        result.records[task.relpath] = ImageRecord(image.valid_fraction, image.sources,
                                                   image.missing_tiles)
    return result


def execute(jobs: Sequence[DateJob], workers: int = 2, scheduler: str | None = None,
            on_done: Callable[[JobResult], None] = lambda r: None) -> list[JobResult]:
    """Run the jobs: on the cluster at ``scheduler``, on a local cluster of ``workers``
    processes, or (``workers == 0`` and no scheduler) in this process. ``on_done`` is called
    with each result as it arrives (for the progress bar)."""
    from thermoquake.parallel import run_jobs

    return run_jobs(run_job, jobs, workers, scheduler, on_done)
