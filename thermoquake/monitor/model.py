"""Alarms of ``thermoquake monitor --model RUNDIR``: a trained classifier on the box centred on
each forecast cell.

* Box: the model's input size in pixels (1 km each), cut out of the day's regional LST
  (deg C) and R maps around the pixel holding the cell's centre (rows ``r - h//2`` ..
  ``r - h//2 + h - 1``, columns likewise); pixels outside the regional grid are no data
  (NaN), as clouds are. A box without one valid LST pixel gets no probability (NaN).
* Image probability ``image_probability[k, j]``: the model's P(earthquake follows) of the box
  of cell ``j`` on day ``k``, normalised as in the run (:class:`thermoquake.training.predict.RunModel`).
* Forecast for day ``d`` (``model_probability``): the largest image probability of the
  cell on the run's ``window`` days before ``d`` (``d - window`` .. ``d - 1``, those in the
  monitored period; 0 when none has one), the run's any-day window rule on data up to
  ``d - 1`` only. The model alarm is ``model_probability >= threshold``, the run's threshold
  fixed before its evaluation. The first ``window`` days of a period see fewer days.
* Cache: the image probabilities of each day are kept in
  ``MONITORDIR/model_cache/IDENTITY/YYYY-MM-DD.npz`` with the cells and the day file's settings
  key and input fingerprint; ``IDENTITY`` hashes the run's model, normalisation, config and
  final-model files (:func:`run_identity`), so a repeated or resumed run reuses them (without
  loading the model when every day is cached) and another run directory, or a day computed
  again from other inputs, does not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thermoquake.atomic import atomic_path, write_text_atomic
from thermoquake.evaluation.csep_files import CellGrid
from thermoquake.modis.region_grid import RegionGrid
from thermoquake.modis.sinusoidal import lonlat_to_xy
from thermoquake.monitor.outputs import MODEL_CACHE_DIR


@dataclass(frozen=True)
class ModelAlarms:
    """``image_probability`` and ``probability`` float32 (days, cells) (module doc)."""

    image_probability: np.ndarray
    probability: np.ndarray
    threshold: float
    window: int
    box: tuple[int, int]
    channels: tuple[str, ...]
    model_dir: str
    computed_days: int = 0
    cached_days: int = 0

    @property
    def alarmed(self) -> np.ndarray:
        """bool (days, cells): the model's alarm."""
        return self.probability >= self.threshold


def cell_centre_pixels(grid: RegionGrid, cells: Sequence[tuple[int, int]], cell_deg: float) -> np.ndarray:
    """(row, column) in the regional grid of the pixel holding each cell's centre, int (cells, 2)."""
    bounds = np.array([CellGrid(cell_deg).bounds(c) for c in cells], dtype=np.float64).reshape(-1, 4)
    lon, lat = (bounds[:, 0] + bounds[:, 1]) / 2, (bounds[:, 2] + bounds[:, 3]) / 2
    x, y = lonlat_to_xy(lon, lat)
    t = grid.transform
    col, row = (np.asarray(x) - t.c) / t.a, (np.asarray(y) - t.f) / t.e
    # a centre on a pixel edge (e.g. 27.75 deg N on the 1 km grid) takes the pixel south/east of it
    return np.stack([np.floor(row + 1e-6), np.floor(col + 1e-6)], axis=-1).astype(np.int64)


def cut_box(image: np.ndarray, row: int, col: int, box: tuple[int, int]) -> np.ndarray:
    """The (h, w) float32 box of ``image`` with pixel (``row``, ``col``) at (h//2, w//2); NaN outside."""
    h, w = box
    out = np.full((h, w), np.nan, dtype=np.float32)
    r0, c0 = row - h // 2, col - w // 2
    ys, xs = max(r0, 0), max(c0, 0)
    ye, xe = min(r0 + h, image.shape[0]), min(c0 + w, image.shape[1])
    if ye > ys and xe > xs:
        out[ys - r0:ye - r0, xs - c0:xe - c0] = image[ys:ye, xs:xe]
    return out


def window_maximum(days: Sequence[dt.date], image_probability: np.ndarray, window: int) -> np.ndarray:
    """For each day ``d`` the largest non-NaN value of ``image_probability`` (days, cells) on the
    days ``d - window`` .. ``d - 1`` that are in ``days`` (0 when none), float32 (days, cells)."""
    ordinals = np.array([d.toordinal() for d in days], dtype=np.int64)
    filled = np.where(np.isfinite(image_probability), image_probability, 0.0)
    out = np.zeros(image_probability.shape, dtype=np.float32)
    for k, o in enumerate(ordinals):
        lo, hi = np.searchsorted(ordinals, o - window, "left"), np.searchsorted(ordinals, o, "left")
        if hi > lo:
            out[k] = filled[lo:hi].max(axis=0)
    return out




def run_identity(model_dir: Path) -> str:
    """Hash (hex, 20 digits) of the contents of the run's model, normalisation, config and
    final-model files: what the probabilities depend on besides the images."""
    from thermoquake.training.run_files import CONFIG_FILE, FINAL_MODEL_FILE, MODEL_FILE, NORMALISATION_FILE

    digest = hashlib.sha256()
    for name in (MODEL_FILE, NORMALISATION_FILE, CONFIG_FILE, FINAL_MODEL_FILE):
        path = Path(model_dir) / name
        digest.update(name.encode() + b"\0")
        if path.is_file():
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()[:20]


def _cached_day(path: Path, cells: np.ndarray, stamp: str) -> np.ndarray | None:
    """The cached image probabilities, float32 (cells,), or None if absent or stale."""
    if not path.is_file():
        return None
    try:
        with np.load(path) as z:
            if str(z["stamp"]) != stamp or not np.array_equal(z["cells"], cells):
                return None
            return z["probability"].astype(np.float32)
    except (OSError, ValueError, KeyError):
        return None


def model_alarms(model_dir: Path, grid: RegionGrid, days: Sequence[dt.date], day_files: Sequence[Path],
                 cells: Sequence[tuple[int, int]], cell_deg: float, cache_dir: Path | None = None) -> ModelAlarms:
    """Apply the run's final model to every cell's box on every saved day (module doc);
    with ``cache_dir`` (``MONITORDIR/model_cache``) reuse and keep the probabilities per day."""
    from thermoquake.monitor.daily import read_day, read_day_meta

    cell_array = np.array(list(cells), dtype=np.int64).reshape(-1, 2)
    folder = None if cache_dir is None else Path(cache_dir) / run_identity(model_dir)
    image_prob = np.full((len(days), len(cells)), np.nan, dtype=np.float32)
    missing = []
    stamps = []
    for k, (day, path) in enumerate(zip(days, day_files)):
        meta = read_day_meta(path)
        stamps.append(f"{meta.get('key')}:{meta.get('inputs')}")
        hit = None if folder is None else _cached_day(folder / f"{day.isoformat()}.npz", cell_array, stamps[-1])
        if hit is None:
            missing.append(k)
        else:
            image_prob[k] = hit
    run_json = None if folder is None else folder / "run.json"
    if missing or run_json is None or not run_json.is_file():
        run = _apply_model(model_dir, grid, cells, cell_deg, [day_files[k] for k in missing], read_day)
        described = {"threshold": run.threshold, "window": run.window, "box": list(run.box),
                     "channels": list(run.normaliser.channels), "model_dir": str(model_dir)}
        for k, probs in zip(missing, run.results):
            image_prob[k] = probs
            if folder is not None:
                with atomic_path(folder / f"{days[k].isoformat()}.npz") as tmp:
                    with open(tmp, "wb") as fh:
                        np.savez(fh, cells=cell_array, probability=probs, stamp=np.array(stamps[k]))
        if run_json is not None:
            write_text_atomic(run_json, json.dumps(described, sort_keys=True) + "\n")
    else:
        described = json.loads(run_json.read_text(encoding="utf-8"))
    prob = window_maximum(days, image_prob, described["window"])
    return ModelAlarms(image_prob, prob, described["threshold"], described["window"], tuple(described["box"]),
                       tuple(described["channels"]), str(model_dir), len(missing), len(days) - len(missing))


@dataclass
class _Applied:
    threshold: float
    window: int
    box: tuple[int, int]
    normaliser: object
    results: list


def _apply_model(model_dir: Path, grid: RegionGrid, cells: Sequence[tuple[int, int]], cell_deg: float,
                 day_files: Sequence[Path], read_day) -> _Applied:
    """The run's image probabilities, float32 (cells,) per day file (module doc)."""
    from thermoquake.training.predict import load_run_model

    run = load_run_model(model_dir)
    centres = cell_centre_pixels(grid, cells, cell_deg)
    with_r = "retira" in run.normaliser.channels
    results = []
    for path in day_files:
        probs = np.full(len(cells), np.nan, dtype=np.float32)
        _, lst, r, _ = read_day(path)
        boxes = [cut_box(lst, int(a), int(b), run.box) for a, b in centres]
        keep = [j for j, bx in enumerate(boxes) if np.isfinite(bx).any()]
        if keep:
            lst_boxes = np.stack([boxes[j] for j in keep])
            r_boxes = np.stack([cut_box(r, int(centres[j][0]), int(centres[j][1]), run.box) for j in keep]) \
                if with_r else None
            probs[keep] = run.probabilities(lst_boxes, r_boxes).astype(np.float32)
        results.append(probs)
    return _Applied(run.threshold, run.window, run.box, run.normaliser, results)
