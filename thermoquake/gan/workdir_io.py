"""Files around the GAN: training images from a ``preprocess`` workdir, generated GeoTIFFs in
the epicentre image contract, and the RST gate over them (``gate.csv``, ``generated.json``).

No Keras here: these functions take and return deg C arrays.
"""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thermoquake.atomic import write_text_atomic
from thermoquake.image.crop import EpicentreImage
from thermoquake.image.grid import EpicentreGrid
from thermoquake.errors import ThermoquakeError
from thermoquake.gan.memorisation import spread_ratio
from thermoquake.gan.normalise import site_key
from thermoquake.image.geotiff import read_tags, write_epicentre_geotiff
from thermoquake.rst.gate import FIGURES, GateThresholds, GateVerdict, gate
from thermoquake.rst.run import read_manifest
from thermoquake.rst.validate import expand, read_image

GATE_FILE = "gate.csv"
SUMMARY_FILE = "generated.json"
REJECTED_DIR = "rejected"
NAME_PATTERN = "gan_{:05d}.tif"
GATE_COLUMNS = ("file", "accepted", "reasons", *FIGURES)


# --- training images -------------------------------------------------------------------------


def select_training_images(workdir: Path, selection: str | None = None) -> list[Path]:
    """Target images of a ``preprocess`` workdir, sorted by manifest order.

    ``selection``: None = every target image; the path of a text file = the relative paths it
    lists (one per line, ``#`` comments); otherwise a glob matched against the manifest's
    relative paths (e.g. ``images/ev1/target/*``).
    """
    workdir = Path(workdir)
    targets = [im for im in read_manifest(workdir) if im.role == "target"]
    if selection is None:
        chosen = targets
    elif Path(selection).is_file():
        wanted = [line.split("#")[0].strip() for line in Path(selection).read_text(encoding="utf-8").splitlines()]
        wanted = [w for w in wanted if w]
        by_path = {im.relpath: im for im in targets}
        unknown = [w for w in wanted if w not in by_path]
        if unknown:
            raise ThermoquakeError(f"{len(unknown)} listed image(s) are not target images of {workdir} "
                                   f"(first: {unknown[0]})", selection)
        chosen = [by_path[w] for w in dict.fromkeys(wanted)]
    else:
        chosen = [im for im in targets if fnmatch.fnmatchcase(im.relpath, selection)]
    if not chosen:
        raise ThermoquakeError(f"no target image selected (selection {selection!r})", workdir)
    return [im.path for im in chosen]


@dataclass(frozen=True)
class TrainingImages:
    """Images for :func:`~thermoquake.gan.train_gan`: ``celsius`` ``(n, S, S)`` float32 deg C
    (NaN = no data), ``sites`` the :func:`~thermoquake.gan.normalise.site_key` of each image's
    epicentre, ``synthetic`` whether any image is synthetic."""

    celsius: np.ndarray
    sites: list[str]
    synthetic: bool


def image_site(tags: dict[str, str], path: Path) -> str:
    """The site key of an epicentre GeoTIFF from its ``epicentre_lat``/``epicentre_lon`` tags."""
    try:
        return site_key(float(tags["epicentre_lat"]), float(tags["epicentre_lon"]))
    except (KeyError, ValueError) as err:
        raise ThermoquakeError(f"is not an epicentre image (tags epicentre_lat/lon: {err})", path) from None


def site_of(path: Path) -> str:
    """The site key of the epicentre GeoTIFF at ``path`` (its tags only; no pixels read)."""
    return image_site(read_tags(path), Path(path))


def load_images(paths: Sequence[Path]) -> TrainingImages:
    """The epicentre images at ``paths`` (one shape), with their sites (:class:`TrainingImages`)."""
    arrays, sites, synthetic = [], [], False
    for path in paths:
        values, _ = read_image(path)
        if arrays and values.shape != arrays[0].shape:
            raise ThermoquakeError(f"shape {values.shape} differs from the first image's {arrays[0].shape}", path)
        tags = read_tags(path)
        synthetic |= tags.get("synthetic") == "true"
        sites.append(image_site(tags, Path(path)))
        arrays.append(values.astype(np.float32))
    return TrainingImages(np.stack(arrays), sites, synthetic)


# --- generated GeoTIFFs ----------------------------------------------------------------------


@dataclass(frozen=True)
class LikeImage:
    """The real image generated images imitate: its pixels, grid and tags."""

    path: Path
    celsius: np.ndarray
    grid: EpicentreGrid
    tags: dict[str, str]

    @property
    def site(self) -> str:
        """Its :func:`~thermoquake.gan.normalise.site_key`."""
        return site_key(self.grid.lat, self.grid.lon)


def read_like(path: Path) -> LikeImage:
    """A real epicentre GeoTIFF and its grid (from its tags, checked against its transform)."""
    values, transform = read_image(path)
    tags = read_tags(path)
    try:
        grid = EpicentreGrid(float(tags["epicentre_lat"]), float(tags["epicentre_lon"]), values.shape[0])
        dt.date.fromisoformat(tags["date"])
    except (KeyError, ValueError) as err:
        raise ThermoquakeError(f"is not an epicentre image (tags epicentre_lat/lon, date: {err})", path) from None
    if not np.allclose(tuple(grid.transform)[:6], tuple(transform)[:6], rtol=0, atol=1e-9):
        raise ThermoquakeError("its transform is not the epicentre grid its tags describe", path)
    return LikeImage(Path(path), values, grid, tags)


def default_reference(like: Path) -> list[Path]:
    """For ``WORKDIR/images/<site>/target/<date>.tif``: the site's reference images of the same
    calendar day (``../reference/*-MM-DD.tif``)."""
    like = Path(like)
    if like.parent.name != "target":
        raise ThermoquakeError("is not a workdir target image (images/<site>/target/<date>.tif): "
                               "give --reference", like)
    try:
        day = dt.date.fromisoformat(like.stem)
    except ValueError:
        raise ThermoquakeError("name is not <YYYY-MM-DD>.tif: give --reference", like) from None
    found = sorted(like.parent.parent.joinpath("reference").glob(f"*-{day:%m-%d}.tif"))
    if not found:
        raise ThermoquakeError(f"no reference image of {day:%m-%d} beside it: give --reference", like)
    return found


def reference_stack(paths: Sequence[Path], shape: tuple[int, int]) -> np.ndarray:
    arrays = []
    for p in paths:
        values, _ = read_image(p)
        if values.shape != shape:
            raise ThermoquakeError(f"shape {values.shape} differs from the real image's {shape}", p)
        arrays.append(values)
    stack = np.stack(arrays)
    if not np.isfinite(stack).any():
        raise ThermoquakeError("the reference images have no valid pixel", paths[0])
    return stack


def _gate_row(name: str, verdict: GateVerdict) -> list[str]:
    figures = ["" if not math.isfinite(verdict.figures[k]) else f"{verdict.figures[k]:.6g}" for k in FIGURES]
    return [name, "true" if verdict.accepted else "false", ";".join(verdict.reasons), *figures]


def _clear_previous(out: Path) -> None:
    if not out.exists():
        return
    if not out.is_dir():
        raise ThermoquakeError("--out exists and is not a directory", out)
    if not (out / SUMMARY_FILE).exists():
        if any(not p.name.startswith(".") for p in out.iterdir()):
            raise ThermoquakeError(f"--out is not empty and has no {SUMMARY_FILE}: not an augment output", out)
        return
    for folder in (out, out / REJECTED_DIR):
        for p in folder.glob("gan_*.tif"):
            p.unlink()


def write_generated(out: Path, images_c: np.ndarray, like: LikeImage, reference: np.ndarray, *,
                    model_dir: Path, seed: int, synthetic: bool, architecture: str,
                    thresholds: GateThresholds = GateThresholds(), progress: bool = False) -> dict:
    """Gate every ``(n, S, S)`` deg C image against ``like`` and ``reference`` and write it as a
    GeoTIFF on ``like``'s grid: accepted ones as ``OUT/gan_00000.tif``, rejected ones under
    ``OUT/rejected/`` (so nothing downstream trains on them); then ``OUT/gate.csv`` and
    ``OUT/generated.json``. A re-run replaces an earlier output. Returns the summary."""
    out = Path(out)
    if images_c.shape[1:] != like.celsius.shape:
        raise ThermoquakeError(f"the model makes {images_c.shape[1:]} images, the real image is "
                               f"{like.celsius.shape}", like.path)
    _clear_previous(out)
    out.mkdir(parents=True, exist_ok=True)
    synthetic = synthetic or like.tags.get("synthetic") == "true"
    date = dt.date.fromisoformat(like.tags["date"])
    rows, accepted, kept = [], 0, []
    indices = range(len(images_c))
    if progress:
        from tqdm import tqdm
        indices = tqdm(indices, desc="gate + write", unit="image")
    for i in indices:
        verdict = gate(images_c[i], like.celsius, reference, like.grid, thresholds)
        name = NAME_PATTERN.format(i)
        path = out / name if verdict.accepted else out / REJECTED_DIR / name
        image = EpicentreImage(images_c[i].astype(np.float32), like.grid, like.tags.get("product", ""),
                               like.tags.get("layer", ""), like.tags.get("qc_policy", ""), date, (),
                               synthetic=synthetic)
        write_epicentre_geotiff(path, image, {
            "generated": "gan", "gan_architecture": architecture, "gan_model": str(model_dir),
            "gan_seed": str(seed), "gan_index": str(i), "gan_like": like.path.name,
            "gate": "accepted" if verdict.accepted else "rejected"})
        accepted += verdict.accepted
        if verdict.accepted:
            kept.append(i)
        rows.append(_gate_row(name if verdict.accepted else f"{REJECTED_DIR}/{name}", verdict))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(GATE_COLUMNS)
    writer.writerows(rows)
    write_text_atomic(out / GATE_FILE, buf.getvalue())
    summary = {"model": str(model_dir), "architecture": architecture, "n": len(images_c),
               "accepted": accepted, "rejected": len(images_c) - accepted, "synthetic": synthetic,
               "seed": seed, "like": str(like.path), "gate_file": GATE_FILE,
               "accepted_glob": "gan_*.tif", "rejected_dir": REJECTED_DIR,
               "diversity": diversity(images_c[kept], reference)}
    write_text_atomic(out / SUMMARY_FILE, json.dumps(summary, indent=2) + "\n")
    return summary


def diversity(accepted_c: np.ndarray, reference: np.ndarray) -> dict[str, float | None]:
    """Set-level check the per-image gate cannot make: the median distance (K, means removed)
    between two accepted images against that between two of the site's reference days.
    ``ratio`` about 1: as varied as real days; well below 1: the GAN repeats one image (mode
    collapse), each copy of which may pass the gate. None where fewer than two images."""
    def clean(x: float) -> float | None:
        return x if math.isfinite(x) else None
    generated, real, ratio = spread_ratio(accepted_c, reference)
    return {"accepted_spread_k": clean(generated), "reference_spread_k": clean(real), "ratio": clean(ratio)}


def resolve_reference(like: Path, reference: Sequence[str]) -> list[Path]:
    """``--reference`` specs (directories, globs, files) or, if none, :func:`default_reference`."""
    return [p for spec in reference for p in expand(spec)] if reference else default_reference(like)
