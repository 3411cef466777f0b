"""Monitoring in space blocks: the same results whatever the block size, and resumable (day,
block) units. SYNTHETIC tiles and arrays."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pytest

from thermoquake.catalog.region import Region
from thermoquake.modis.region_grid import RegionGrid
from thermoquake.monitor.blocks import ArrayImages, region_blocks, unit_path
from thermoquake.monitor.calendar import date_range, reference_dates
from thermoquake.monitor.daily import MonitorSettings, read_day
from thermoquake.monitor.run import run_monitor

CATALOG = Path(__file__).parent / "data" / "catalog" / "comcat_china_2013_2016.csv"
GORKHA = Region.parse("84.5,27.8,85.5,28.5")
DAYS = date_range(dt.date(2015, 4, 23), dt.date(2015, 4, 25))


def _outputs(out: Path) -> tuple[list, str, np.ndarray]:
    import h5netcdf

    days = [read_day(out / "days" / f"{d.isoformat()}.npz") for d in DAYS]
    with h5netcdf.File(out / "monitor.nc", "r") as f:
        scores = np.asarray(f.variables["alarm_score"][:])
    return days, (out / "sequences.csv").read_text(), scores


def _assert_same(a: Path, b: Path) -> None:
    days_a, seq_a, scores_a = _outputs(a)
    days_b, seq_b, scores_b = _outputs(b)
    for (meta_a, lst_a, r_a, st_a), (meta_b, lst_b, r_b, st_b) in zip(days_a, days_b):
        assert np.array_equal(lst_a, lst_b, equal_nan=True)
        assert np.array_equal(r_a, r_b, equal_nan=True)          # bitwise
        assert np.array_equal(st_a, st_b)
        assert meta_a["regions"] == meta_b["regions"]
        assert meta_a["reference_images"] == meta_b["reference_images"]
    assert seq_a == seq_b
    assert np.array_equal(scores_a, scores_b)


@pytest.fixture(scope="module")
def gorkha_hdf(tmp_path_factory) -> Path:
    """SYNTHETIC tiles with +5 K before the Gorkha main shock."""
    from thermoquake.catalog.readers import read_catalog
    from thermoquake.synth.config import SynthConfig
    from thermoquake.synth.region import write_region

    out = tmp_path_factory.mktemp("blocks") / "hdf"
    write_region(out, "MYD11A1", GORKHA, DAYS[0], DAYS[-1], (2012, 2013), 1, read_catalog(CATALOG).events,
                 SynthConfig(seed=3, cloud_fraction=0.1), 5.0)
    return out


def test_tiles_monitored_in_blocks_give_the_same_maps_regions_sequences_and_alarms(gorkha_hdf, tmp_path):
    settings = MonitorSettings(GORKHA, (2012, 2013), 1, min_count=3)
    whole = run_monitor(gorkha_hdf, tmp_path / "whole", settings, DAYS[0], DAYS[-1], geotiffs=False)
    blocked = run_monitor(gorkha_hdf, tmp_path / "blocked", settings, DAYS[0], DAYS[-1], block_km=40,
                          geotiffs=False)
    assert whole["blocks"] == 1 and blocked["blocks"] > 4
    assert blocked["computed_units"] == blocked["blocks"] * len(DAYS)
    assert whole["sequences"] > 0 and whole["alarmed_cell_days"] > 0
    _assert_same(tmp_path / "whole", tmp_path / "blocked")
    assert not (tmp_path / "blocked" / "units").exists() or not any((tmp_path / "blocked" / "units").iterdir())


def _warm_patch_arrays(folder: Path, grid: RegionGrid, settings: MonitorSettings, rows: slice, cols: slice) -> None:
    """Noise images (deg C, 10 % cloud) for the days and their references; +8 K on ``rows``,
    ``cols`` on the monitored days."""
    rng = np.random.default_rng(7)
    folder.mkdir(parents=True)
    dates = sorted(set(DAYS) | {r for d in DAYS for r in reference_dates(d, settings.reference_years, 1)})
    for date in dates:
        image = rng.normal(10.0, 2.0, grid.shape).astype(np.float32)
        image[rng.random(grid.shape) < 0.1] = np.nan
        if date in DAYS:
            image[rows, cols] += 8.0
        np.save(folder / f"{date.isoformat()}.npy", image)


def _naive_r(folder: Path, day: dt.date, settings: MonitorSettings, inside: np.ndarray) -> np.ndarray:
    """R from the whole stack in memory (numpy's nanmean/nanstd), for comparison."""
    def delta(d: dt.date) -> np.ndarray:
        image = np.load(folder / f"{d.isoformat()}.npy").astype(np.float64)
        image[~inside] = np.nan
        return image - np.nanmean(image)

    stack = np.stack([delta(d) for d in reference_dates(day, settings.reference_years, settings.window_days)])
    count = np.isfinite(stack).sum(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)        # pixels without a reference sample
        sigma = np.maximum(np.nanstd(stack, axis=0), settings.sigma_floor_k)
        r = np.where(count >= settings.min_count, (delta(day) - np.nanmean(stack, axis=0)) / sigma, np.nan)
    r[~inside] = np.nan
    return r


def test_an_anomaly_across_block_edges_is_one_region_per_day_and_one_sequence(tmp_path):
    settings = MonitorSettings(GORKHA, (2012, 2013), 1, min_count=3, min_area_km2=50.0)
    grid = RegionGrid.for_region(GORKHA)
    blocks = region_blocks(grid, 20)
    edge_r = next(b.r1 for b in blocks if 10 < b.r1 < grid.height - 10)
    edge_c = next(b.c1 for b in blocks if 10 < b.c1 < grid.width - 10)
    patch = (slice(edge_r - 8, edge_r + 8), slice(edge_c - 8, edge_c + 8))   # 4 blocks meet in it
    _warm_patch_arrays(tmp_path / "npy", grid, settings, *patch)
    source = ArrayImages(tmp_path / "npy", grid)
    whole = run_monitor(source, tmp_path / "whole", settings, DAYS[0], DAYS[-1], geotiffs=False)
    blocked = run_monitor(source, tmp_path / "blocked", settings, DAYS[0], DAYS[-1], block_km=20, geotiffs=False)
    assert blocked["blocks"] > 20 and blocked["sequences"] == whole["sequences"] == 1
    _assert_same(tmp_path / "whole", tmp_path / "blocked")
    for meta, _, r, _ in _outputs(tmp_path / "blocked")[0]:
        assert len(meta["regions"]) == 1 and meta["regions"][0]["area_km2"] > 150
        day = dt.date.fromisoformat(meta["date"])
        np.testing.assert_allclose(r, _naive_r(tmp_path / "npy", day, settings, grid.inside()), rtol=1e-5,
                                   atol=1e-5, equal_nan=True)


class _Killed(Exception):
    pass


def test_a_killed_run_resumes_without_redoing_finished_units(tmp_path):
    settings = MonitorSettings(GORKHA, (2012, 2013), 1, min_count=3)
    grid = RegionGrid.for_region(GORKHA)
    _warm_patch_arrays(tmp_path / "npy", grid, settings, slice(30, 50), slice(60, 90))
    source = ArrayImages(tmp_path / "npy", grid)
    out = tmp_path / "mon"
    finished: list = []

    def kill_after_two_jobs(done: list) -> None:
        finished.extend(done)
        if len(finished) >= 2 * len(DAYS):
            raise _Killed

    with pytest.raises(_Killed):
        run_monitor(source, out, settings, DAYS[0], DAYS[-1], block_km=40, block_days=3, geotiffs=False,
                    on_done=kill_after_two_jobs)
    blocks = region_blocks(grid, 40)
    saved = [(d, b) for d in DAYS for b in blocks if unit_path(out, d, b).is_file()]
    assert len(saved) == len(finished) == 2 * len(DAYS)
    resumed = run_monitor(source, out, settings, DAYS[0], DAYS[-1], block_km=40, block_days=3, geotiffs=False)
    assert resumed["computed_units"] == len(blocks) * len(DAYS) - len(saved)
    assert resumed["reused_units"] == len(saved)
    again = run_monitor(source, out, settings, DAYS[0], DAYS[-1], block_km=40, block_days=3, geotiffs=False)
    assert again["computed_days"] == again["computed_units"] == 0
    run_monitor(source, tmp_path / "fresh", settings, DAYS[0], DAYS[-1], block_km=40, geotiffs=False)
    _assert_same(out, tmp_path / "fresh")


def test_reference_statistics_are_computed_once_per_block_and_reference_days(tmp_path):
    settings = MonitorSettings(GORKHA, (2012, 2013), 1, min_count=3)
    grid = RegionGrid.for_region(GORKHA)
    _warm_patch_arrays(tmp_path / "npy", grid, settings, slice(30, 50), slice(60, 90))
    source = ArrayImages(tmp_path / "npy", grid)
    run_monitor(source, tmp_path / "a", settings, DAYS[0], DAYS[-1], block_km=40, geotiffs=False)
    files = sorted((tmp_path / "a" / "reference").iterdir())
    assert len(files) == len(region_blocks(grid, 40)) * len(DAYS)
    # a second directory sharing nothing recomputes; the same directory with the days removed reuses
    import shutil

    shutil.rmtree(tmp_path / "a" / "days")
    run_monitor(source, tmp_path / "a", settings, DAYS[0], DAYS[-1], block_km=40, geotiffs=False)
    assert sorted((tmp_path / "a" / "reference").iterdir()) == files
    assert all(read_day(tmp_path / "a" / "days" / f"{d}.npz")[0]["reference_cached"] for d in DAYS)


def test_blocks_follow_the_global_grid_and_cover_the_region_once():
    grid = RegionGrid.for_region(Region.parse("80,25,95,31"))
    blocks = region_blocks(grid, 300)
    cover = np.zeros(grid.shape, dtype=np.int32)
    for b in blocks:
        cover[b.slices] += 1
        assert b.shape[0] <= 300 and b.shape[1] <= 300
        assert b.r0 == 0 or (grid.row0 + b.r0) % 300 == 0
        assert b.c0 == 0 or (grid.col0 + b.c0) % 300 == 0
    assert (cover == 1).all()
    with pytest.raises(ValueError, match="block size"):
        region_blocks(grid, 0)


def test_a_job_is_sent_only_the_tiles_of_its_dates(gorkha_hdf):
    from thermoquake.monitor.blocks import HdfImages
    from thermoquake.preprocessing.hdf_index import scan_hdf_dir

    grid = RegionGrid.for_region(GORKHA)
    images = HdfImages(scan_hdf_dir(gorkha_hdf, "MYD11A1"), grid, "LST_Night_1km", "paper")
    sub = images.restricted([DAYS[0]])
    assert {d for d, _ in sub.index.paths} == {DAYS[0]} and len(images.index.paths) > len(sub.index.paths)
    block = region_blocks(grid)[0]
    np.testing.assert_array_equal(sub.read(DAYS[0], block)[0], images.read(DAYS[0], block)[0])
    assert sub.fingerprint([DAYS[0]]) == images.fingerprint([DAYS[0]])
