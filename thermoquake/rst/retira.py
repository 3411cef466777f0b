"""RETIRA (Robust Estimator of TIR Anomalies), the RST index of Tramutoli et al.

For an image ``T`` (deg C, NaN = no data) the spatial anomaly is
``dT = T - Tbar`` with ``Tbar`` the mean of the image's valid (QC-passed, i.e. not NaN)
pixels. For a target image and a reference set (the same site and calendar period in
other years)::

    R(x, y) = (dT_target(x, y) - mu(x, y)) / max(sigma(x, y), sigma_floor_k)

with ``mu``, ``sigma`` the per-pixel mean and standard deviation (ddof=0) of the reference
``dT`` over the valid samples and ``sigma_floor_k`` a floor (K). R is dimensionless; NaN
where the target is NaN or fewer than ``min_count`` reference samples are valid (and, with
the floor at 0, where sigma is 0).

Sigma floor (:data:`DEFAULT_SIGMA_FLOOR_K` = 0.5 K). A reference of a few years can be
nearly constant at a pixel by chance (or by a stuck value), and dividing by its sigma turns
a fraction of a kelvin into R of tens: on 64 x 64 images of 1 K Gaussian noise with 3
reference years the median of the largest R is about 76 without a floor and about 8 with
0.5 K. No pixel's year-to-year spread of ``dT`` can be known to better than the retrieval
noise of one LST value: the MODIS night LST (MOD11A1/MYD11A1, collections 6 and 6.1) is
accurate to about 0.5 K over homogeneous surfaces and to about 1 K elsewhere (Wan 2014,
Remote Sens. Environ. 140: 36-45), and ``dT`` carries that noise (the image mean subtracted
from it averages thousands of pixels and adds almost none). The default takes the lower
end, 0.5 K, so the floor acts only where the reference claims more stability than one
retrieval can show; 0 restores the plain formula. (The synthetic tiles of
:mod:`thermoquake.synth` have 0.3 K pixel noise, so their reference spread is often below
the floor.)

The reference statistics are accumulated one image at a time (Welford, float64), so memory
does not grow with the number of reference images, and the accumulator works on any
``(h, w)`` block of a large raster (give it the whole image's spatial mean).

Default ``min_count`` (:data:`DEFAULT_MIN_COUNT` = 5). With ``n`` independent Gaussian
reference samples and ddof=0, ``R = T_{n-1} * sqrt((n + 1) / (n - 1))`` with ``T_{n-1}``
Student-t, so a noise-only pixel exceeds R >= 2 far more often than the Gaussian 2.3 %:
n = 2: 23 %, 3: 15 %, 4: 11 %, 5: 8.9 %, 8: 6.1 %, 15: 4.1 % (see
:func:`null_exceedance`). Below 5 the tail is so heavy (t with <= 2 degrees of freedom has no
finite variance) that R >= 2 says little; 5 keeps most pixels with ~14 reference years and
~50 % cloud. Raise it when many years are available.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

DEFAULT_MIN_COUNT = 5
"""Fewest valid reference samples for which R is reported (see the module docstring)."""

DEFAULT_SIGMA_FLOOR_K = 0.5
"""Smallest reference sigma (K) R divides by: the MODIS night LST retrieval noise (module doc)."""


def spatial_mean_anomaly(image: np.ndarray) -> tuple[np.ndarray, float]:
    """``dT = T - Tbar`` of one image and its clear-sky fraction.

    Args:
        image: ``(H, W)`` deg C (or K: dT is the same), NaN where no QC-passed value.

    Returns:
        ``(dT, clear_sky_fraction)``: ``dT`` float64 ``(H, W)`` in K, NaN where ``image`` is;
        the fraction (0..1) of pixels with a value. An image with no valid pixel gives an
        all-NaN ``dT`` and fraction 0 (no warning).
    """
    values = np.asarray(image, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"image must be 2-D (H, W), got shape {values.shape}")
    valid = np.isfinite(values)
    n = int(valid.sum())
    if n == 0:
        return np.full(values.shape, np.nan), 0.0
    mean = float(values[valid].sum() / n)
    return values - mean, n / values.size


def spatial_mean(image: np.ndarray) -> float:
    """Mean (same units as ``image``) of the valid pixels of an ``(H, W)`` image; NaN if none."""
    values = np.asarray(image, dtype=np.float64)
    valid = np.isfinite(values)
    return float(values[valid].mean()) if valid.any() else math.nan


class ReferenceStats:
    """Per-pixel streaming mean / std (ddof=0) / count of reference ``dT`` (Welford, float64).

    Memory: three ``(h, w)`` arrays (two float64, one int32) whatever the number of images.
    """

    def __init__(self, shape: tuple[int, int]) -> None:
        if len(shape) != 2:
            raise ValueError(f"shape must be (h, w), got {shape}")
        self.shape = (int(shape[0]), int(shape[1]))
        self._count = np.zeros(self.shape, dtype=np.int32)
        self._mean = np.zeros(self.shape, dtype=np.float64)
        self._m2 = np.zeros(self.shape, dtype=np.float64)
        self.images = 0
        self.clear_sky_fractions: list[float] = []

    def add(self, image: np.ndarray, spatial_mean: float | None = None) -> None:
        """Add one reference image (or one block of it).

        Args:
            image: ``(h, w)`` deg C, NaN = no data.
            spatial_mean: the mean of the valid pixels of the *whole* image (deg C). Give it
                when ``image`` is a block of a larger image; if None it is computed from
                ``image`` itself.
        """
        values = np.asarray(image, dtype=np.float64)
        if values.shape != self.shape:
            raise ValueError(f"image shape {values.shape} differs from the reference shape {self.shape}")
        if spatial_mean is None:
            delta, clear = spatial_mean_anomaly(values)
        else:
            delta = values - float(spatial_mean)
            clear = float(np.isfinite(values).mean())
        self.add_anomaly(delta)
        self.clear_sky_fractions.append(clear)

    def add_anomaly(self, delta: np.ndarray) -> None:
        """Add one ``(h, w)`` ``dT`` array (K, NaN = no data) directly."""
        delta = np.asarray(delta, dtype=np.float64)
        if delta.shape != self.shape:
            raise ValueError(f"anomaly shape {delta.shape} differs from the reference shape {self.shape}")
        valid = np.isfinite(delta)
        x = np.where(valid, delta, 0.0)
        self._count += valid
        step = np.where(valid, x - self._mean, 0.0)
        self._mean += step / np.maximum(self._count, 1)
        self._m2 += step * np.where(valid, x - self._mean, 0.0)
        self.images += 1

    def merge(self, other: ReferenceStats) -> None:
        """Fold in another accumulator over the same pixels (Chan et al. parallel formula)."""
        if other.shape != self.shape:
            raise ValueError(f"cannot merge shapes {other.shape} and {self.shape}")
        n_a, n_b = self._count.astype(np.float64), other._count.astype(np.float64)
        n = n_a + n_b
        safe = np.maximum(n, 1.0)
        diff = other._mean - self._mean
        self._mean = self._mean + diff * n_b / safe
        self._m2 = self._m2 + other._m2 + diff * diff * n_a * n_b / safe
        self._count = self._count + other._count
        self.images += other.images
        self.clear_sky_fractions += other.clear_sky_fractions

    @property
    def count(self) -> np.ndarray:
        """``(h, w)`` int32: valid reference samples per pixel."""
        return self._count.copy()

    @property
    def mean(self) -> np.ndarray:
        """``(h, w)`` float64 mean of reference dT (K); NaN where no sample."""
        return np.where(self._count > 0, self._mean, np.nan)

    @property
    def std(self) -> np.ndarray:
        """``(h, w)`` float64 standard deviation (ddof=0) of reference dT (K); NaN where no sample."""
        var = np.where(self._count > 0, self._m2 / np.maximum(self._count, 1), np.nan)
        return np.sqrt(np.maximum(var, 0.0))  # NaN stays NaN; rounding never goes below 0


def reference_stats(images: Iterable[np.ndarray], shape: tuple[int, int] | None = None) -> ReferenceStats:
    """Accumulate :class:`ReferenceStats` over ``images`` (each ``(H, W)`` deg C), one at a time.

    ``images`` may be a generator (e.g. reading GeoTIFFs lazily) or an ``(N, H, W)`` array.
    ``shape`` is needed only when ``images`` may be empty.
    """
    stats = ReferenceStats(shape) if shape is not None else None
    for image in images:
        if stats is None:
            stats = ReferenceStats(np.shape(image))
        stats.add(image)
    if stats is None:
        raise ValueError("no reference image given and no shape to make empty statistics")
    return stats


@dataclass(frozen=True)
class RetiraResult:
    """R of one target with what it was computed from.

    Attributes:
        r: ``(H, W)`` float64 RETIRA (dimensionless), NaN = no value.
        clear_sky_fraction: fraction (0..1) of target pixels with a QC-passed value.
        count: ``(H, W)`` int32 valid reference samples per pixel.
        n_reference: number of reference images.
        min_count: the ``min_count`` rule used.
        sigma_floor_k: the sigma floor used, K.
    """

    r: np.ndarray
    clear_sky_fraction: float
    count: np.ndarray
    n_reference: int
    min_count: int
    sigma_floor_k: float = DEFAULT_SIGMA_FLOOR_K

    @property
    def valid_fraction(self) -> float:
        """Fraction (0..1) of pixels with a finite R."""
        return float(np.isfinite(self.r).mean())


def retira_result(target: np.ndarray, reference: np.ndarray | ReferenceStats | Iterable[np.ndarray],
                  min_count: int = DEFAULT_MIN_COUNT, spatial_mean: float | None = None,
                  sigma_floor_k: float = DEFAULT_SIGMA_FLOOR_K) -> RetiraResult:
    """RETIRA of ``target`` against ``reference`` with its clear-sky fraction (see :func:`retira`)."""
    if min_count < 1:
        raise ValueError(f"min_count must be >= 1, got {min_count}")
    if not (math.isfinite(sigma_floor_k) and sigma_floor_k >= 0):
        raise ValueError(f"sigma_floor_k must be a number >= 0 (K), got {sigma_floor_k}")
    target = np.asarray(target, dtype=np.float64)
    if target.ndim != 2:
        raise ValueError(f"target must be 2-D (H, W), got shape {target.shape}")
    stats = reference if isinstance(reference, ReferenceStats) else reference_stats(reference, target.shape)
    if stats.shape != target.shape:
        raise ValueError(f"target shape {target.shape} differs from the reference shape {stats.shape}")
    if spatial_mean is None:
        delta, clear = spatial_mean_anomaly(target)
    else:
        delta, clear = target - float(spatial_mean), float(np.isfinite(target).mean())
    sigma, mu, count = stats.std, stats.mean, stats._count
    sigma = np.where(sigma < sigma_floor_k, sigma_floor_k, sigma)  # NaN stays NaN (no sample)
    ok = np.isfinite(delta) & (count >= min_count) & (sigma > 0)  # NaN sigma compares False
    r = np.full(target.shape, np.nan)
    r[ok] = (delta[ok] - mu[ok]) / sigma[ok]
    return RetiraResult(r, clear, count.copy(), stats.images, min_count, float(sigma_floor_k))


def retira(target: np.ndarray, reference: np.ndarray | ReferenceStats | Iterable[np.ndarray],
           min_count: int = DEFAULT_MIN_COUNT, spatial_mean: float | None = None,
           sigma_floor_k: float = DEFAULT_SIGMA_FLOOR_K) -> np.ndarray:
    """RETIRA ``R = (dT_target - mu) / max(sigma, sigma_floor_k)`` (dimensionless, ``(H, W)`` float64).

    Args:
        target: ``(H, W)`` deg C, NaN = no data.
        reference: ``(N, H, W)`` deg C of the same site and calendar period in other years,
            an iterable of ``(H, W)`` images, or a prepared :class:`ReferenceStats` (shared by
            many targets).
        min_count: fewest valid reference samples for a pixel to get a value.
        spatial_mean: the target's whole-image mean (deg C) when ``target`` is a block.
        sigma_floor_k: smallest sigma divided by, K (module doc); 0 = none.

    Returns:
        R, NaN where the target is NaN or fewer than ``min_count`` samples are valid (and where
        sigma is 0 if the floor is 0).
    """
    return retira_result(target, reference, min_count, spatial_mean, sigma_floor_k).r


def null_exceedance(threshold: float, n: int | np.ndarray) -> float | np.ndarray:
    """Probability that R >= ``threshold`` for a target drawn from the same Gaussian as its
    ``n`` independent reference samples (ddof=0): ``P(T_{n-1} >= threshold * sqrt((n-1)/(n+1)))``.

    Ignores the (small, O(1/pixels)) effect of subtracting each image's spatial mean.
    NaN for n < 2.
    """
    from scipy.stats import t as student_t

    n_arr = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(n_arr >= 2, student_t.sf(threshold * np.sqrt((n_arr - 1) / (n_arr + 1)),
                                                np.maximum(n_arr - 1, 1)), np.nan)
    return float(out) if np.ndim(out) == 0 else out
