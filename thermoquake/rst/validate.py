"""``thermoquake rst validate``: gate sets of generated GeoTIFFs against a real day and its
reference, and format the paper's Table-1-style comparison (one row per generated image,
then the mean of each set)."""

from __future__ import annotations

import glob
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from affine import Affine

from thermoquake.errors import ThermoquakeError
from thermoquake.image.geotiff import GeoTiffReadError, read_band_and_header
from thermoquake.rst.gate import GateThresholds, GateVerdict, gate

COLUMNS = (("eq6", "Eq6", "{:.4f}"), ("eq6_ratio", "Eq6/sd", "{:.3f}"), ("iou", "IoU", "{:.3f}"),
           ("centroid_km", "dist_km", "{:.1f}"), ("mean_diff_k", "dmean_K", "{:+.2f}"),
           ("std_diff_k", "dstd_K", "{:+.2f}"), ("histogram_distance_k", "W1_K", "{:.2f}"),
           ("spectrum_distance", "spec_dec", "{:.2f}"))
"""(figure, column header, format) of the table, in order."""


@dataclass(frozen=True)
class ValidationRow:
    """One generated image: its set label, path and gate verdict."""

    label: str
    path: Path
    verdict: GateVerdict


def read_image(path: Path) -> tuple[np.ndarray, Affine]:
    """One-band GeoTIFF -> ``(H, W)`` float64 deg C (nodata -> NaN) and its transform."""
    if not Path(path).is_file():
        raise ThermoquakeError("no such file", path)
    try:
        values, header = read_band_and_header(path, masked=True)
        return values.astype(np.float64).filled(np.nan), header.transform
    except GeoTiffReadError as err:
        raise ThermoquakeError(f"cannot read as GeoTIFF ({' '.join(str(err).split())})", path) from None


def expand(spec: str) -> list[Path]:
    """A directory (its ``*.tif``/``*.tiff``), a glob pattern or one file -> sorted paths."""
    path = Path(spec)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix.lower() in (".tif", ".tiff"))
    elif any(ch in spec for ch in "*?["):
        found = sorted(Path(p) for p in glob.glob(spec))
    else:
        found = [path] if path.exists() else []
    if not found:
        raise ThermoquakeError("no GeoTIFF found", spec)
    return found


def parse_set(value: str) -> tuple[str, str]:
    """``LABEL=DIR_OR_GLOB`` -> ``(label, spec)``."""
    label, sep, spec = value.partition("=")
    if not sep or not label.strip() or not spec.strip():
        raise ThermoquakeError("expected LABEL=DIR_OR_GLOB (e.g. dcgan=gen/dcgan)", value)
    return label.strip(), spec.strip()


def validate_sets(real: Path, reference: Sequence[str], sets: Sequence[tuple[str, str]],
                  thresholds: GateThresholds = GateThresholds()) -> list[ValidationRow]:
    """Gate every generated GeoTIFF of every ``(label, spec)`` set against ``real`` and the
    reference images named by ``reference`` (directories, globs or files)."""
    real_c, transform = read_image(real)
    ref_paths = [p for spec in reference for p in expand(spec)]
    ref_arrays = []
    for p in ref_paths:
        values, _ = read_image(p)
        if values.shape != real_c.shape:
            raise ThermoquakeError(f"shape {values.shape} differs from the real image's {real_c.shape}", p)
        ref_arrays.append(values)
    stack = np.stack(ref_arrays)
    if not np.isfinite(stack).any():
        raise ThermoquakeError("the reference images have no valid pixel", reference[0])
    rows = []
    for label, spec in sets:
        for path in expand(spec):
            generated, _ = read_image(path)
            if generated.shape != real_c.shape:
                raise ThermoquakeError(f"shape {generated.shape} differs from the real image's {real_c.shape}",
                                       path)
            rows.append(ValidationRow(label, path, gate(generated, real_c, stack, transform, thresholds)))
    return rows


def set_means(rows: Sequence[ValidationRow]) -> dict[str, dict[str, float]]:
    """Per set label: the mean of each figure over its images (finite values only) and the
    accepted fraction (``"accepted"``, 0..1)."""
    out: dict[str, dict[str, float]] = {}
    for label in dict.fromkeys(r.label for r in rows):
        mine = [r for r in rows if r.label == label]
        means = {}
        for key, _, _ in COLUMNS:
            vals = [r.verdict.figures[key] for r in mine if math.isfinite(r.verdict.figures[key])]
            means[key] = float(np.mean(vals)) if vals else math.nan
        means["accepted"] = sum(r.verdict.accepted for r in mine) / len(mine)
        out[label] = means
    return out


def _cell(fmt: str, value: float) -> str:
    return fmt.format(value) if math.isfinite(value) else "-"


def format_table(rows: Sequence[ValidationRow]) -> str:
    """Plain-text Table-1-style comparison: one row per image, then one mean row per set."""
    header = ["set", "image", *(h for _, h, _ in COLUMNS), "verdict"]
    body = [[r.label, r.path.name, *(_cell(f, r.verdict.figures[k]) for k, _, f in COLUMNS),
             "accept" if r.verdict.accepted else "reject"] for r in rows]
    means = [[label, "(mean)", *(_cell(f, m[k]) for k, _, f in COLUMNS), f"{m['accepted']:.0%} accepted"]
             for label, m in set_means(rows).items()]
    table = [header, *body, *means]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in table]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(2 + len(body), "-" * len(lines[0]))
    if rows and math.isfinite(rows[0].verdict.figures.get("real_eq6_ratio", math.nan)):
        lines.append(f"the real day's own Eq6/sd: {rows[0].verdict.figures['real_eq6_ratio']:.3f} "
                     "(the Eq6/sd limit follows it where it is high: --max-eq6-over-real)")
    reasons = [f"{r.label}/{r.path.name}: {reason}" for r in rows for reason in r.verdict.reasons]
    return "\n".join(lines + (["", "Rejection reasons:", *reasons] if reasons else []))


def rows_as_json(rows: Sequence[ValidationRow]) -> dict[str, object]:
    """JSON-ready dict: ``images`` (label, path, accepted, reasons, figures) and ``sets`` means."""
    def clean(d: dict[str, float]) -> dict[str, float | None]:
        return {k: (v if math.isfinite(v) else None) for k, v in d.items()}
    return {"images": [{"set": r.label, "path": str(r.path), "accepted": r.verdict.accepted,
                        "reasons": r.verdict.reasons, "figures": clean(r.verdict.figures)} for r in rows],
            "sets": {k: clean(v) for k, v in set_means(rows).items()}}
