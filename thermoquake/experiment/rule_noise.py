"""The RETIRA baselines on pure noise: how often they alarm when there is nothing to find.

Everything here is SYNTHETIC. Each image is a target day and ``n`` reference years of
independent Gaussian LST noise (``noise_k`` K per pixel, optionally smoothed in space to a
correlation length of ``correlation_km`` km and rescaled to the same spread), no cloud and no
anomaly, turned into an R map by :func:`thermoquake.rst.retira.retira_result` with
``min_count = n``. On these maps:

* the **guarded RST rule** (:func:`thermoquake.evaluation.baselines.rst_threshold_rule`): one
  connected region of R >= 2 at least :func:`~thermoquake.evaluation.baselines.null_region_pixels`
  pixels for the box size and reference count, built to alarm on at most
  :data:`~thermoquake.evaluation.baselines.DEFAULT_FALSE_ALARM_RATE` of such maps;
* the **unguarded rule** (:func:`naive_area_rule`, defined here only as the comparison): the
  summed area of every R >= 2 pixel against a fixed :data:`NAIVE_AREA_KM2` km², whatever the
  box or the reference count;
* the **logistic baseline's max-R feature**, as :func:`~thermoquake.evaluation.baselines.feature_matrix`
  makes it (clipped to ±RETIRA_CLIP), beside the raw maximum with and without the sigma floor
  of :data:`~thermoquake.rst.retira.DEFAULT_SIGMA_FLOOR_K`.

Both rules are scored on R with the sigma floor (the current ``rst``) and without it (the
plain formula). The result is a function of its arguments (fixed seed).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from thermoquake.errors import BadRequestError
from thermoquake.evaluation.baselines import (DEFAULT_FALSE_ALARM_RATE, feature_matrix, null_region_pixels,
                                              rst_threshold_rule)
from thermoquake.image.grid import PIXEL_KM
from thermoquake.rst.anomalies import PAPER_THRESHOLD
from thermoquake.rst.retira import DEFAULT_SIGMA_FLOOR_K, retira_result

NAIVE_AREA_KM2 = 150.0
"""The unguarded rule's fixed alarm area, km² (all R >= 2 pixels of the image, summed)."""

DEFAULT_REFERENCE_COUNTS: tuple[int, ...] = (3, 5, 10)
"""Reference years per image of the default table."""

QUANTILES = (0.05, 0.5, 0.95)
"""Quantiles of the max-R distributions reported."""


def naive_area_rule(r: np.ndarray, threshold: float = PAPER_THRESHOLD, area_km2: float = NAIVE_AREA_KM2,
                    pixel_km: float = PIXEL_KM) -> bool:
    """The unguarded RST rule: True when the R >= ``threshold`` pixels of an ``(H, W)`` R map
    (NaN = no data), connected or not, cover at least ``area_km2`` km² (pixels of ``pixel_km`` km).

    A fixed area ignores that noise alone marks a share of every image (15 % of pixels with 3
    reference years): it is here only as the comparison for the guarded rule."""
    hot = np.isfinite(r) & (r >= threshold)
    return bool(hot.sum() * pixel_km * pixel_km >= area_km2)


def _rate_interval(k: int, n: int) -> tuple[float, float]:
    """Two-sided 95 % Clopper-Pearson interval of ``k / n``."""
    from scipy.stats import beta

    low = 0.0 if k == 0 else float(beta.ppf(0.025, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(0.975, k + 1, n - k))
    return low, high


@dataclass(frozen=True)
class NoiseRow:
    """One reference count's results on ``images`` pure-noise R maps.

    Attributes:
        n_reference: reference years per map.
        images: noise maps scored.
        region_pixels: the guarded rule's smallest alarming region, pixels (= km²).
        guarded_alarms, guarded_alarms_no_floor: maps on which the guarded rule alarms, R
            with the sigma floor and without it.
        naive_alarms, naive_alarms_no_floor: the same for the unguarded fixed-area rule.
        hot_fraction: mean share (0..1) of pixels with R >= 2 (with the floor).
        max_r_raw, max_r_floor, max_r_feature: (5 %, median, 95 %) of each map's largest R
            without the floor, with it, and as the logistic baseline's feature (with the
            floor, clipped).
    """

    n_reference: int
    images: int
    region_pixels: int
    guarded_alarms: int
    guarded_alarms_no_floor: int
    naive_alarms: int
    naive_alarms_no_floor: int
    hot_fraction: float
    max_r_raw: tuple[float, float, float]
    max_r_floor: tuple[float, float, float]
    max_r_feature: tuple[float, float, float]

    def rate(self, alarms: int) -> tuple[float, float, float]:
        """``alarms / images`` with its 95 % interval."""
        return (alarms / self.images, *_rate_interval(alarms, self.images))

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("guarded_alarms", "guarded_alarms_no_floor", "naive_alarms", "naive_alarms_no_floor"):
            d[key.replace("alarms", "rate")] = list(self.rate(getattr(self, key)))
        return d


@dataclass(frozen=True)
class NoiseRuleSummary:
    """The table of :func:`run_rule_noise`: one :class:`NoiseRow` per reference count."""

    size: int
    noise_k: float
    correlation_km: float
    sigma_floor_k: float
    seed: int
    rows: tuple[NoiseRow, ...]

    def to_dict(self) -> dict:
        return {"synthetic": True, "size_km": self.size, "noise_k": self.noise_k,
                "correlation_km": self.correlation_km, "sigma_floor_k": self.sigma_floor_k,
                "seed": self.seed, "threshold": PAPER_THRESHOLD, "naive_area_km2": NAIVE_AREA_KM2,
                "false_alarm_target": DEFAULT_FALSE_ALARM_RATE, "rows": [r.to_dict() for r in self.rows]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    def text(self) -> str:
        def pct(row: NoiseRow, alarms: int) -> str:
            v, lo, hi = row.rate(alarms)
            return f"{100 * v:5.1f} % [{100 * lo:.1f}, {100 * hi:.1f}]"

        def q(t: tuple[float, float, float]) -> str:
            return f"{t[1]:.1f} [{t[0]:.1f}, {t[2]:.1f}]"

        corr = f", correlated over {self.correlation_km:g} km" if self.correlation_km > 0 else ", independent pixels"
        out = [f"SYNTHETIC pure noise: {self.size} x {self.size} km, {self.noise_k:g} K per pixel{corr}, "
               f"no cloud, no anomaly; seed {self.seed}",
               f"false alarms: guarded = one connected R >= {PAPER_THRESHOLD:g} region of the scaled size "
               f"(target <= {100 * DEFAULT_FALSE_ALARM_RATE:g} %); unguarded = all R >= {PAPER_THRESHOLD:g} "
               f"pixels >= {NAIVE_AREA_KM2:g} km²",
               f"each rate with its 95 % interval, on R with the {self.sigma_floor_k:g} K sigma floor, then without it"]
        for row in self.rows:
            out.append(f"{row.n_reference} reference years, {row.images} images: region >= {row.region_pixels} px; "
                       f"R >= 2 on {100 * row.hot_fraction:.1f} % of pixels")
            out.append(f"  guarded rule   {pct(row, row.guarded_alarms)}   no floor {pct(row, row.guarded_alarms_no_floor)}")
            out.append(f"  unguarded rule {pct(row, row.naive_alarms)}   no floor {pct(row, row.naive_alarms_no_floor)}")
            out.append(f"  max R, median [5 %, 95 %]: no floor {q(row.max_r_raw)}; floor {q(row.max_r_floor)}; "
                       f"logistic feature (floor, clipped) {q(row.max_r_feature)}")
        return "\n".join(out)


def noise_stack(rng: np.random.Generator, n_images: int, size: int, noise_k: float,
                correlation_km: float = 0.0) -> np.ndarray:
    """``(n_images, size, size)`` float64 Gaussian noise, K: ``noise_k`` per pixel, smoothed with a
    Gaussian of ``correlation_km`` km (1 km pixels; 0 = independent pixels) and rescaled to a
    spread of ``noise_k``."""
    x = rng.normal(0.0, 1.0, (n_images, size, size))
    if correlation_km > 0:
        from scipy import ndimage

        x = ndimage.gaussian_filter(x, sigma=(0, correlation_km / PIXEL_KM, correlation_km / PIXEL_KM), mode="wrap")
        x /= x.std(axis=(1, 2), keepdims=True)
    return x * noise_k


def _quantiles(values: Sequence[float]) -> tuple[float, float, float]:
    q = np.quantile(np.asarray(values, np.float64), QUANTILES)
    return (float(q[0]), float(q[1]), float(q[2]))


def run_rule_noise(images: int = 500, reference_counts: Sequence[int] = DEFAULT_REFERENCE_COUNTS, size: int = 64,
                   noise_k: float = 1.0, correlation_km: float = 0.0, seed: int = 0,
                   sigma_floor_k: float = DEFAULT_SIGMA_FLOOR_K,
                   progress: Callable[[int, int], None] | None = None) -> NoiseRuleSummary:
    """Score the guarded and unguarded RST rules and the max-R feature on ``images`` pure-noise
    ``(size, size)`` R maps per reference count (module doc). ``progress(n_reference, done)``
    follows every 100 images. Seconds per 1000 images of 64 x 64: about 5 on one core."""
    counts = [int(n) for n in reference_counts]
    if images < 1:
        raise BadRequestError(f"images {images} must be >= 1")
    if not counts or min(counts) < 2:
        raise BadRequestError(f"reference counts {counts} must each be >= 2 (R needs a spread)")
    if size < 8:
        raise BadRequestError(f"size {size} km is too small for a box (>= 8)")
    if not (math.isfinite(noise_k) and noise_k > 0):
        raise BadRequestError(f"noise {noise_k:g} K must be > 0")
    if not (math.isfinite(correlation_km) and correlation_km >= 0):
        raise BadRequestError(f"correlation length {correlation_km:g} km must be >= 0")
    rows = []
    for n in counts:
        rng = np.random.default_rng([seed, n])
        region = null_region_pixels((size, size), n)
        g = g0 = a = a0 = 0
        hot, raw, floor, feature_rows = [], [], [], []
        for i in range(images):
            stack = noise_stack(rng, n + 1, size, noise_k, correlation_km)
            r0 = retira_result(stack[0], stack[1:], min_count=n, sigma_floor_k=0.0).r
            r1 = retira_result(stack[0], stack[1:], min_count=n, sigma_floor_k=sigma_floor_k).r
            g += int(rst_threshold_rule([r1], [n])[0])
            g0 += int(rst_threshold_rule([r0], [n])[0])
            a += naive_area_rule(r1)
            a0 += naive_area_rule(r0)
            hot.append(float((r1 >= PAPER_THRESHOLD).mean()))
            raw.append(float(np.nanmax(r0)))
            floor.append(float(np.nanmax(r1)))
            feature_rows.append({"anomalous_area_km2": "0", "max_r": repr(floor[-1]), "centroid_distance_km": ""})
            if progress is not None and (i + 1) % 100 == 0:
                progress(n, i + 1)
        features = feature_matrix(feature_rows)[:, 1]
        rows.append(NoiseRow(n, images, region, g, g0, a, a0, float(np.mean(hot)), _quantiles(raw),
                             _quantiles(floor), _quantiles(features)))
    return NoiseRuleSummary(size, float(noise_k), float(correlation_km), float(sigma_floor_k), int(seed), tuple(rows))
