"""deg C images with NaN <-> the GAN's two channels, and the statistics saved with a model.

A training set of ``(n, H, W)`` float32 deg C images (NaN = masked / cloudy) becomes
``(n, H, W, 2)`` float32: channel 0 the temperature, channel 1 the validity, +1 data / -1
no data. Channel 0 is 0 (the mid value, not a cold one) where masked; the discriminator never
sees it there (:class:`~thermoquake.gan.layers.ValidityGate`), so clouds are never learned as
temperatures. Back: validity > 0 -> data, else NaN.

Two encodings of the temperature (``base``):

* ``"none"`` (the paper's): T mapped linearly so that the training set's 1st percentile is
  -0.9 and its 99th +0.9 (room left for tanh). The generator must draw the whole field,
  terrain included.
* ``"mean"``: the per-pixel mean of each site's training images (the site's mean field,
  ``(H, W)`` deg C, saved with the model) is taken off first, and the departures (pooled over
  the sites) are mapped so that their 1st / 99th percentiles are -0.5 / +0.5: tanh then
  reaches twice those departures, so anomalies in the tails are not clipped. The generator
  draws departures from a site's mean field (as RST reads images), and decoding adds back the
  field of the site an image is made for, so its terrain comes back exactly. Sites are named
  by keys (:func:`site_key` of the epicentre); without keys all images share one field (one
  site's images; over several sites that pooled field is another site's terrain).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thermoquake.atomic import atomic_path, write_text_atomic
from thermoquake.errors import ThermoquakeError

NORMALISATION_FILE = "normalisation.json"
BASE_FILE = "normalisation_base.npy"
BASES = ("none", "mean")
PERCENTILES = (1.0, 99.0)
TARGET = 0.9
"""base "none": the percentiles map to -TARGET and +TARGET."""
RESIDUAL_TARGET = 0.5
"""base "mean": the departures' percentiles map to -RESIDUAL_TARGET and +RESIDUAL_TARGET."""


def site_key(lat_deg: float, lon_deg: float) -> str:
    """The name of a site's mean field: its epicentre, degrees north / east to 1e-5 deg
    (about 1 m), e.g. ``"31.00200,103.32200"``."""
    return f"{float(lat_deg):.5f},{float(lon_deg):.5f}"


@dataclass(frozen=True, eq=False)
class Normalisation:
    """Linear deg C <-> -1..1 map, after taking off ``base_c`` (``base="mean"``).

    ``lo_c``/``hi_c``: the 1st / 99th percentiles of the training images (deg C; the colour
    scale of sample grids, and the map itself when ``base="none"``). ``valid_fraction``:
    fraction of training pixels with data (0..1). ``base_c``: ``(k, H, W)`` deg C, the mean
    field of each of k sites (``base="mean"``), None otherwise; ``sites``: their
    :func:`site_key` names, or None for one field that serves any site (models trained without
    site keys, and those made before sites were kept); ``departure_lo_k``/``departure_hi_k``:
    the 1st / 99th percentiles of ``T - field`` (K).
    """

    lo_c: float
    hi_c: float
    valid_fraction: float
    base: str = "none"
    base_c: np.ndarray | None = None
    departure_lo_k: float | None = None
    departure_hi_k: float | None = None
    sites: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.base not in BASES:
            raise ValueError(f"base must be one of {', '.join(BASES)}, got {self.base!r}")
        if (self.base == "mean") != (self.base_c is not None):
            raise ValueError("base 'mean' needs base_c (and 'none' takes none)")
        if self.base_c is not None and self.base_c.ndim != 3:
            raise ValueError(f"base_c must be (k, H, W) fields, got shape {self.base_c.shape}")
        k = 1 if self.base_c is None else self.base_c.shape[0]
        if (self.sites is None and k != 1) or (self.sites is not None and len(self.sites) != k):
            raise ValueError(f"{k} mean field(s) need as many site names, got {self.sites!r}")

    @property
    def _lo_hi_target(self) -> tuple[float, float, float]:
        if self.base == "mean":
            return float(self.departure_lo_k), float(self.departure_hi_k), RESIDUAL_TARGET
        return self.lo_c, self.hi_c, TARGET

    @property
    def centre_c(self) -> float:
        """The value (deg C, or K of departure with ``base="mean"``) that encodes to 0."""
        lo, hi, _ = self._lo_hi_target
        return 0.5 * (lo + hi)

    @property
    def half_range_c(self) -> float:
        """K per unit of the encoded temperature."""
        lo, hi, target = self._lo_hi_target
        return 0.5 * (hi - lo) / target

    def sites_in_turn(self, n: int) -> list[str] | None:
        """Sites for ``n`` images made for the model's sites in turn (None: one field only)."""
        return None if self.sites is None else [self.sites[i % len(self.sites)] for i in range(n)]

    def fields(self, sites: Sequence[str] | None, n: int) -> np.ndarray:
        """``(n, H, W)`` deg C: the mean field of each image's site (``base="mean"`` only).

        ``sites``: n :func:`site_key` names, or None where the model has one field. A model
        without site names (``sites`` None) has one field for any site."""
        assert self.base_c is not None
        if sites is not None and len(sites) != n:
            raise ValueError(f"{n} image(s) but {len(sites)} site name(s)")
        if self.sites is None or (sites is None and len(self.sites) == 1):
            return np.broadcast_to(self.base_c[0], (n, *self.base_c.shape[1:]))
        if sites is None:
            raise ValueError(f"the model has the mean fields of {len(self.sites)} sites: say which site each "
                             "image is of")
        index = {s: i for i, s in enumerate(self.sites)}
        unknown = [s for s in sites if s not in index]
        if unknown:
            shown = ", ".join(self.sites[:4]) + (", ..." if len(self.sites) > 4 else "")
            raise ValueError(f"site {unknown[0]} is not one the model learnt ({len(self.sites)}: {shown}); "
                             "its mean field would put another site's terrain there")
        return self.base_c[[index[s] for s in sites]]

    def _offset(self, shape: tuple[int, ...], sites: Sequence[str] | None) -> np.ndarray | float:
        if self.base_c is None:
            return self.centre_c
        if tuple(shape[-2:]) != self.base_c.shape[1:]:
            raise ValueError(f"images are {tuple(shape[-2:])}, the model's mean field is {self.base_c.shape[1:]}")
        return self.fields(sites, shape[0]) + self.centre_c

    def encode(self, images_c: np.ndarray, sites: Sequence[str] | None = None) -> np.ndarray:
        """``(n, H, W)`` deg C, NaN masked -> ``(n, H, W, 2)`` float32 (temperature, validity).
        ``sites``: each image's site (:meth:`fields`)."""
        values = np.asarray(images_c, dtype=np.float32)
        if values.ndim != 3:
            raise ValueError(f"expected (n, H, W) images, got shape {values.shape}")
        valid = np.isfinite(values)
        temperature = np.where(valid, (values - self._offset(values.shape, sites)) / self.half_range_c, 0.0)
        return np.stack([temperature, np.where(valid, 1.0, -1.0)], axis=-1).astype(np.float32)

    def decode(self, channels: np.ndarray, sites: Sequence[str] | None = None) -> np.ndarray:
        """``(n, H, W, 2)`` generator output -> ``(n, H, W)`` float32 deg C, NaN where validity <= 0.
        ``sites``: the site each image is made for (:meth:`fields`)."""
        values = np.asarray(channels, dtype=np.float32)
        temperature = values[..., 0] * self.half_range_c + self._offset(values.shape[:-1], sites)
        return np.where(values[..., 1] > 0, temperature, np.nan).astype(np.float32)


def _percentiles(values: np.ndarray) -> tuple[float, float]:
    lo, hi = (float(v) for v in np.percentile(values, PERCENTILES))
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def mean_field(images_c: np.ndarray) -> np.ndarray:
    """``(H, W)`` float32 deg C: the per-pixel mean of ``(n, H, W)`` images over their valid
    samples; a pixel never valid takes the mean of all valid pixels (NaN if there is none)."""
    values = np.asarray(images_c, dtype=np.float64)
    valid = np.isfinite(values)
    count = valid.sum(axis=0)
    fill = float(values[valid].mean()) if valid.any() else np.nan
    return np.where(count > 0, np.where(valid, values, 0.0).sum(axis=0) / np.maximum(count, 1),
                    fill).astype(np.float32)


def fit_normalisation(images_c: np.ndarray, base: str = "none",
                      sites: Sequence[str] | None = None) -> Normalisation:
    """Statistics of a training set ``(n, H, W)`` deg C (valid pixels only).

    ``base="mean"``: the per-pixel mean field (:func:`mean_field`) of each site's images is
    kept with the statistics; ``sites``: the :func:`site_key` of each image, or None (one
    field over all images, for any site). ``base="none"`` ignores ``sites``.
    """
    if base not in BASES:
        raise ValueError(f"base must be one of {', '.join(BASES)}, got {base!r}")
    values = np.asarray(images_c, dtype=np.float64)
    valid = np.isfinite(values)
    if not valid.any():
        raise ValueError("the training images have no valid pixel")
    if sites is not None and len(sites) != len(values):
        raise ValueError(f"{len(values)} image(s) but {len(sites)} site name(s)")
    lo, hi = _percentiles(values[valid])
    if base == "none":
        return Normalisation(lo, hi, float(valid.mean()))
    names = None if sites is None else tuple(dict.fromkeys(str(s) for s in sites))
    groups = [values] if names is None else [values[np.asarray(sites) == s] for s in names]
    fields = np.stack([mean_field(group) for group in groups])
    partial = Normalisation(lo, hi, float(valid.mean()), "mean", fields, 0.0, 0.0, names)
    d_lo, d_hi = _percentiles((values - partial.fields(sites, len(values)))[valid])
    return Normalisation(lo, hi, float(valid.mean()), "mean", fields, d_lo, d_hi, names)


def save_normalisation(model_dir: Path, norm: Normalisation) -> None:
    """``normalisation.json`` (and, with ``base="mean"``, the ``(k, H, W)`` mean fields as
    ``.npy``, their site names in the JSON)."""
    model_dir = Path(model_dir)
    record = {"lo_c": norm.lo_c, "hi_c": norm.hi_c, "valid_fraction": norm.valid_fraction,
              "base": norm.base, "units": "degC"}
    if norm.base_c is not None:
        with atomic_path(model_dir / BASE_FILE) as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, norm.base_c.astype(np.float32), allow_pickle=False)
        record |= {"base_file": BASE_FILE, "departure_lo_k": norm.departure_lo_k,
                   "departure_hi_k": norm.departure_hi_k, "sites": None if norm.sites is None else list(norm.sites)}
    write_text_atomic(model_dir / NORMALISATION_FILE, json.dumps(record, indent=2) + "\n")


def load_normalisation(model_dir: Path) -> Normalisation:
    path = Path(model_dir) / NORMALISATION_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        base = data.get("base", "none")
        field, d_lo, d_hi, sites = None, None, None, None
        if base == "mean":
            field = np.load(path.parent / data["base_file"], allow_pickle=False)
            field = field[None] if field.ndim == 2 else field        # one field, before sites were kept
            d_lo, d_hi = float(data["departure_lo_k"]), float(data["departure_hi_k"])
            sites = None if data.get("sites") is None else tuple(str(s) for s in data["sites"])
        return Normalisation(float(data["lo_c"]), float(data["hi_c"]), float(data["valid_fraction"]),
                             base, field, d_lo, d_hi, sites)
    except FileNotFoundError as err:
        if Path(err.filename or "").name == BASE_FILE:
            raise ThermoquakeError(f"{BASE_FILE} is missing beside it", path) from None
        raise ThermoquakeError("no normalisation.json: not a thermoquake GAN model directory", path.parent) from None
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ThermoquakeError(f"cannot read the normalisation statistics: {err}", path) from None
