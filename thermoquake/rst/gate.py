"""Gate for generated epicentre images: RST (Eq. 6, anomaly-map agreement) and distribution checks.

Given a generated image of a site and day, the real image of that day and the site's real
RST reference stack (the same calendar period in other years), :func:`gate` computes:

* the paper's Eq. 6 statistic on 0-255 grey levels (:func:`eq6_statistic`) and its ratio to
  the real reference's own spread (:func:`eq6_real_spread`);
* agreement of the R >= threshold anomaly maps of generated and real image: IoU and
  centroid distance in km (:func:`anomaly_agreement`);
* model-free distribution checks (:func:`distribution_checks`): mean and standard deviation
  differences, Wasserstein-1 histogram distance (K) and radially averaged power spectrum
  distance (decades of power).

and accepts or rejects the image against :class:`GateThresholds`; every rejection reason
names the failing figure, its value, its limit and by how much it missed. No downloaded
model is used anywhere.

Images are ``(H, W)`` arrays in deg C (K differences), NaN = no data; stacks ``(N, H, W)``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
from affine import Affine

from thermoquake.catalog.geodesy import haversine_km
from thermoquake.image.grid import EpicentreGrid
from thermoquake.rst.anomalies import PAPER_THRESHOLD, summarize_anomalies
from thermoquake.rst.retira import DEFAULT_MIN_COUNT, reference_stats, retira

GREY_PERCENTILES = (1.0, 99.0)
"""Percentiles of the real reference stack's valid pixels that map to grey levels 1 and 255."""

SPECTRUM_FLOOR = 1e-12
"""Smallest power (K^2) used before taking log10, so a constant image has a finite distance."""


# --- grey levels and Eq. 6 -------------------------------------------------------------------


def grey_scale_limits(real_stack: np.ndarray,
                      percentiles: tuple[float, float] = GREY_PERCENTILES) -> tuple[float, float]:
    """``(lo, hi)`` deg C for :func:`to_grey_levels`: the 1st / 99th percentiles of the valid
    pixels of the real reference stack (``(N, H, W)`` or ``(H, W)``).

    Fixing the scale from the real stack puts real and generated images on one grey scale
    (a per-image stretch, as a naive JPG export does, would hide mean offsets), and the
    percentiles keep one hot or cold outlier from squeezing everything else into few levels.
    """
    values = np.asarray(real_stack, dtype=np.float64)
    valid = values[np.isfinite(values)]
    if valid.size == 0:
        raise ValueError("the real reference stack has no valid pixel")
    lo, hi = (float(v) for v in np.percentile(valid, percentiles))
    if hi <= lo:                                     # a constant reference: give it one K of room
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def to_grey_levels(image_c: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """deg C -> integer grey levels (uint8, same shape), as the paper's exported JPGs.

    Valid pixels map linearly, ``lo`` -> 1 and ``hi`` -> 255, rounded and clipped to 1..255;
    NaN (no data) -> 0. Grey 0 is kept for no data only, so the paper's ``A`` (count of
    non-zero pixels) counts exactly the pixels with data, and a valid pixel at or below ``lo``
    is never mistaken for a gap. Choose ``lo``/``hi`` once for real and generated images
    alike (:func:`grey_scale_limits`: the real stack's 1st/99th percentiles).
    """
    if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
        raise ValueError(f"need finite lo < hi, got lo={lo}, hi={hi}")
    values = np.asarray(image_c, dtype=np.float64)
    valid = np.isfinite(values)
    grey = np.zeros(values.shape, dtype=np.uint8)
    scaled = 1.0 + (values[valid] - lo) * (254.0 / (hi - lo))
    grey[valid] = np.clip(np.rint(scaled), 1, 255).astype(np.uint8)
    return grey


def _grey_delta(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(dT, A)`` of grey images ``(..., H, W)``: ``A`` = 1 on non-zero pixels else 0 (float64),
    ``dT = G - Gbar`` with ``Gbar`` the mean of the image's non-zero pixels (0 where ``A`` = 0)."""
    g = np.asarray(grey, dtype=np.float64)
    a = (g != 0).astype(np.float64)
    n = a.sum(axis=(-2, -1), keepdims=True)
    gbar = np.where(n > 0, (g * a).sum(axis=(-2, -1), keepdims=True) / np.maximum(n, 1), 0.0)
    return (g - gbar) * a, a


def _stack(images: np.ndarray) -> np.ndarray:
    values = np.asarray(images, dtype=np.float64)
    if values.ndim == 2:
        values = values[None]
    if values.ndim != 3:
        raise ValueError(f"expected (H, W) or (N, H, W), got shape {values.shape}")
    return values


def eq6_sigma_map(generated: np.ndarray, real_stack: np.ndarray,
                  lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """Per-pixel Eq. 6 sigma ``(H, W)`` in grey levels; NaN where ``sum_t A = 0`` or no real mean.

    See :func:`eq6_statistic` for the reading of Eq. 6. ``generated``: ``(H, W)`` or
    ``(M, H, W)`` deg C; ``real_stack``: ``(N, H, W)`` deg C; ``lo``/``hi`` default to
    :func:`grey_scale_limits` of ``real_stack``.
    """
    gen, real = _stack(generated), _stack(real_stack)
    if gen.shape[1:] != real.shape[1:]:
        raise ValueError(f"generated shape {gen.shape[1:]} differs from the real shape {real.shape[1:]}")
    if lo is None or hi is None:
        lo, hi = grey_scale_limits(real)
    d_real, a_real = _grey_delta(to_grey_levels(real, lo, hi))
    n_real = a_real.sum(axis=0)
    mu = np.where(n_real > 0, d_real.sum(axis=0) / np.maximum(n_real, 1), np.nan)
    d_gen, a_gen = _grey_delta(to_grey_levels(gen, lo, hi))
    numerator = ((d_gen * a_gen - mu) ** 2).sum(axis=0)      # literally: A multiplies dT only
    denominator = a_gen.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, np.sqrt(numerator / np.maximum(denominator, 1)), np.nan)


def eq6_statistic(generated: np.ndarray, real_stack: np.ndarray,
                  lo: float | None = None, hi: float | None = None) -> float:
    """The paper's Eq. 6 statistic of generated image(s), one number, in grey levels (0-255).

    Paper (section 2.1.4): "the real images' mean is plugged into the generated image of the
    same time to compute a standard deviation",
    ``sigma = sqrt( sum_t [dT(x,y,t) * A(x,y,t) - mu_dT(x,y)]^2 / sum_t A(x,y,t) )``,
    A the count of non-zero pixels, images as 0-255 grey levels. Read here as:

    1. every image (real and generated) -> grey levels with one fixed scale ``lo``/``hi``
       (:func:`to_grey_levels`; default: the real stack's 1st/99th percentiles), no data = 0;
    2. ``A(x,y,t)`` = 1 where image ``t`` is non-zero at (x,y), else 0, so ``sum_t A(x,y,t)``
       is the count of non-zero samples of the pixel;
    3. ``dT(x,y,t) = G(x,y,t) - Gbar(t)``, ``Gbar(t)`` the mean of image t's non-zero pixels
       (the RST dT, in grey levels);
    4. ``mu_dT(x,y)`` = mean of the *real* stack's ``dT`` over its non-zero samples of (x,y)
       ("the real images' mean");
    5. the sums over ``t`` run over the *generated* images passed (``(M, H, W)``; one image:
       M = 1, so ``sigma(x,y) = |dT_gen(x,y) - mu_dT(x,y)|`` where the pixel has data). Taken
       literally, ``A`` multiplies ``dT`` only, so with M > 1 a generated no-data sample still
       adds ``mu^2`` to the numerator but nothing to the denominator;
    6. one number: the spatial mean of ``sigma(x,y)`` over pixels where it is defined
       (``sum_t A > 0`` and ``mu`` defined).

    The paper reports values < 1 as "close to the real images" (Table 1: DCGAN 0.82-1.23,
    improved DCGAN 0.53-0.84). In grey levels this number scales with the grey stretch; its
    ratio to :func:`eq6_real_spread` (the real per-pixel standard deviation of ``dT``) is
    scale-free and, for any image drawn like the reference, is <= ~1 (Jensen: E|d| <= sd),
    about 0.8 for Gaussian noise -- the gate thresholds that ratio (:class:`GateThresholds`,
    default 1.25 so that real days with a genuine anomaly pass).

    Returns NaN when no pixel has a value.
    """
    sigma = eq6_sigma_map(generated, real_stack, lo, hi)
    return float(np.nanmean(sigma)) if np.isfinite(sigma).any() else math.nan


def eq6_real_spread(real_stack: np.ndarray, lo: float | None = None, hi: float | None = None) -> float:
    """Spatial mean (grey levels) of the real stack's per-pixel standard deviation (ddof=0) of
    grey ``dT`` over its non-zero samples: the scale that makes Eq. 6 comparable across sites."""
    real = _stack(real_stack)
    if lo is None or hi is None:
        lo, hi = grey_scale_limits(real)
    d, a = _grey_delta(to_grey_levels(real, lo, hi))
    n = a.sum(axis=0)
    mu = np.where(n > 0, d.sum(axis=0) / np.maximum(n, 1), np.nan)
    var = np.where(n > 0, (((d - mu) * a) ** 2).sum(axis=0) / np.maximum(n, 1), np.nan)
    sd = np.sqrt(var)
    return float(np.nanmean(sd)) if np.isfinite(sd).any() else math.nan


# --- anomaly-map agreement -------------------------------------------------------------------


@dataclass(frozen=True)
class AnomalyAgreement:
    """Agreement of the R >= threshold masks of a generated and a real image.

    Attributes:
        iou: |G and R| / |G or R| over pixels valid in both (0..1); 1 when neither has an
            anomalous pixel (both say "no anomaly"); NaN when no pixel is valid in both.
        centroid_distance_km: great-circle distance between the two masks' centroids, km;
            0 when neither has an anomaly, NaN when exactly one has.
        generated_pixels, real_pixels: anomalous pixels of each (over pixels valid in both).
        common_valid_pixels: pixels with an R value in both images.
    """

    iou: float
    centroid_distance_km: float
    generated_pixels: int
    real_pixels: int
    common_valid_pixels: int


def _transform(grid: EpicentreGrid | Affine) -> Affine:
    return grid.transform if isinstance(grid, EpicentreGrid) else grid


def anomaly_agreement(generated_r: np.ndarray, real_r: np.ndarray, grid: EpicentreGrid | Affine,
                      threshold: float = PAPER_THRESHOLD) -> AnomalyAgreement:
    """IoU and centroid distance (km) of the R >= ``threshold`` masks of two ``(H, W)`` R maps.

    Only pixels with an R value in both maps count. ``grid``: the images' grid or their
    pixel-corner -> (lon, lat) affine transform. Centroids are those of
    :func:`thermoquake.rst.anomalies.summarize_anomalies` (mean pixel-centre position).
    """
    g, r = np.asarray(generated_r, dtype=np.float64), np.asarray(real_r, dtype=np.float64)
    if g.shape != r.shape:
        raise ValueError(f"generated R shape {g.shape} differs from the real R shape {r.shape}")
    both = np.isfinite(g) & np.isfinite(r)
    g_hot, r_hot = both & (g >= threshold), both & (r >= threshold)
    n_g, n_r, n_both = int(g_hot.sum()), int(r_hot.sum()), int(both.sum())
    union = int((g_hot | r_hot).sum())
    if n_both == 0:
        iou = math.nan
    else:
        iou = 1.0 if union == 0 else int((g_hot & r_hot).sum()) / union
    if n_g == 0 and n_r == 0:
        distance = 0.0 if n_both else math.nan
    elif n_g == 0 or n_r == 0:
        distance = math.nan
    else:
        transform = _transform(grid)
        sg = summarize_anomalies(g, transform, (0.0, 0.0), threshold, mask=both)
        sr = summarize_anomalies(r, transform, (0.0, 0.0), threshold, mask=both)
        distance = float(haversine_km(sg.centroid_lat, sg.centroid_lon, sr.centroid_lat, sr.centroid_lon))
    return AnomalyAgreement(float(iou), distance, n_g, n_r, n_both)


# --- distribution checks ---------------------------------------------------------------------


def radial_power_spectrum(image_c: np.ndarray, bins: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Radially averaged 2-D power spectrum of an ``(H, W)`` image (deg C, NaN = no data).

    NaNs are filled with the image mean, the mean is removed, a 2-D Hann window limits edge
    leakage, and ``|FFT|^2 / (H * W)`` (K^2) is averaged over rings of radial frequency.

    Returns:
        ``(frequency, power)``, each ``(bins,)``: ring-centre frequencies in cycles per pixel
        (0..0.5, DC excluded) and mean power (K^2); ``bins`` defaults to ``min(H, W) // 2``.
    """
    values = np.asarray(image_c, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"image must be 2-D (H, W), got shape {values.shape}")
    h, w = values.shape
    valid = np.isfinite(values)
    mean = float(values[valid].mean()) if valid.any() else 0.0
    filled = np.where(valid, values, mean) - mean
    window = np.outer(np.hanning(h), np.hanning(w))
    power = np.abs(np.fft.fft2(filled * window)) ** 2 / (h * w)
    fy, fx = np.fft.fftfreq(h)[:, None], np.fft.fftfreq(w)[None, :]
    radius = np.hypot(fy, fx)
    n_bins = bins or max(1, min(h, w) // 2)
    edges = np.linspace(0.0, 0.5, n_bins + 1)
    which = np.digitize(radius.ravel(), edges) - 1      # DC (radius 0) lands in bin 0's left edge
    keep = (radius.ravel() > 0) & (which >= 0) & (which < n_bins)
    sums = np.bincount(which[keep], weights=power.ravel()[keep], minlength=n_bins)
    counts = np.bincount(which[keep], minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        ring = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return 0.5 * (edges[:-1] + edges[1:]), ring


def spectrum_distance(generated_c: np.ndarray, real_c: np.ndarray) -> float:
    """RMS difference (decades) of log10 radially averaged power of two ``(H, W)`` images,
    over the frequency rings both have (power floored at :data:`SPECTRUM_FLOOR` K^2)."""
    _, pg = radial_power_spectrum(generated_c)
    _, pr = radial_power_spectrum(real_c)
    ok = np.isfinite(pg) & np.isfinite(pr)
    if not ok.any():
        return math.nan
    diff = np.log10(np.maximum(pg[ok], SPECTRUM_FLOOR)) - np.log10(np.maximum(pr[ok], SPECTRUM_FLOOR))
    return float(np.sqrt(np.mean(diff**2)))


@dataclass(frozen=True)
class DistributionChecks:
    """Model-free comparison of a generated and a real ``(H, W)`` image (valid pixels only).

    Attributes:
        mean_diff_k: mean(generated) - mean(real), K (signed).
        std_diff_k: std(generated) - std(real), K (signed, ddof=0).
        histogram_distance_k: Wasserstein-1 distance of the two value distributions, K.
        spectrum_distance: RMS difference of log10 radially averaged power, decades.
    """

    mean_diff_k: float
    std_diff_k: float
    histogram_distance_k: float
    spectrum_distance: float


def distribution_checks(generated_c: np.ndarray, real_c: np.ndarray) -> DistributionChecks:
    """Mean / std differences, Wasserstein-1 and spectrum distance of two ``(H, W)`` deg C images.

    All NaN when either image has no valid pixel.
    """
    from scipy.stats import wasserstein_distance

    g, r = np.asarray(generated_c, dtype=np.float64), np.asarray(real_c, dtype=np.float64)
    if g.shape != r.shape:
        raise ValueError(f"generated shape {g.shape} differs from the real shape {r.shape}")
    gv, rv = g[np.isfinite(g)], r[np.isfinite(r)]
    if gv.size == 0 or rv.size == 0:
        return DistributionChecks(math.nan, math.nan, math.nan, math.nan)
    return DistributionChecks(
        mean_diff_k=float(gv.mean() - rv.mean()),
        std_diff_k=float(gv.std() - rv.std()),
        histogram_distance_k=float(wasserstein_distance(gv, rv)),
        spectrum_distance=spectrum_distance(g, r),
    )


# --- the gate --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GateThresholds:
    """Limits of :func:`gate` (None switches a check off).

    Defaults and why:
        max_eq6_ratio = 1.25: Eq. 6 over the real spread. An image drawn like the reference
            scores <= ~1 (about 0.8 for independent Gaussian pixels, ~0.95 with spatially
            correlated weather and 12 reference years); a real day carrying a genuine +4 sigma
            anomaly over 5 % of the image scores ~1.1, so the paper's "< 1" would reject real
            precursor days. White noise, a constant image or misplaced structure score >= 4.
        max_eq6_over_real = 1.25: the Eq. 6 limit rises to this multiple of the real day's own
            Eq. 6 ratio (``real_eq6_ratio``) where that is larger. Eq. 6 is the one check
            made against the reference climatology rather than the real day, and a
            pre-earthquake day with a strong anomaly can itself score 2 or more: without this
            the gate would reject the very day the images imitate. The same 25 % headroom as
            the floor (1.25 over ~1); noise and misplaced structure still miss by far.
        max_eq6: None (grey levels depend on the stretch; use the ratio).
        min_iou = 0.3: the R >= 2 masks must overlap clearly (a disc shifted by about half
            its radius still passes; noise-only speckle of two images overlaps ~0.03).
        max_centroid_km = 15.0: the anomaly must sit where the real one does, to within
            the ~15 km scale of the paper's anomaly patches on 1 km pixels.
        max_abs_mean_diff_k = 2.0: the paper's QC keeps LST with average error <= 2 K.
        max_abs_std_diff_k = 1.0: the spread of a 256 km night image is several K; 1 K
            catches blurred or over-noisy images.
        max_histogram_distance_k = 2.0: like the mean, on the whole distribution.
        max_spectrum_distance = 0.5: half a decade (factor ~3) RMS in power per ring; white
            noise or a blurred field miss by whole decades at high frequencies.
        r_threshold = 2.0 (the paper), min_count = :data:`DEFAULT_MIN_COUNT` for R.
    """

    max_eq6_ratio: float | None = 1.25
    max_eq6_over_real: float | None = 1.25
    max_eq6: float | None = None
    min_iou: float | None = 0.3
    max_centroid_km: float | None = 15.0
    max_abs_mean_diff_k: float | None = 2.0
    max_abs_std_diff_k: float | None = 1.0
    max_histogram_distance_k: float | None = 2.0
    max_spectrum_distance: float | None = 0.5
    r_threshold: float = PAPER_THRESHOLD
    min_count: int = DEFAULT_MIN_COUNT


@dataclass(frozen=True)
class GateVerdict:
    """Outcome of :func:`gate`: ``accepted``, the ``reasons`` of a rejection (empty if accepted)
    and every ``figures`` value by name (see :data:`FIGURES`)."""

    accepted: bool
    reasons: list[str] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


FIGURES = ("eq6", "eq6_ratio", "real_eq6_ratio", "iou", "centroid_km", "mean_diff_k", "std_diff_k",
           "histogram_distance_k", "spectrum_distance", "generated_anomalous_pixels",
           "real_anomalous_pixels")
"""Names of the figures in :attr:`GateVerdict.figures` (units: grey levels, -, -, -, km, K, K,
K, decades, pixels, pixels); ``real_eq6_ratio`` is the real day's own Eq. 6 ratio."""


def _check_max(reasons: list[str], name: str, value: float, limit: float | None, unit: str = "") -> None:
    if limit is None:
        return
    if not math.isfinite(value):
        reasons.append(f"{name} is undefined (limit {limit:g}{unit})")
    elif value > limit:
        reasons.append(f"{name} {value:.4g}{unit} > max {limit:g}{unit} (by {value - limit:.3g}{unit})")


def eq6_ratio_limit(real_eq6_ratio: float, thresholds: GateThresholds) -> float | None:
    """The Eq. 6 ratio limit for images of a real day scoring ``real_eq6_ratio``: the larger of
    ``max_eq6_ratio`` and ``max_eq6_over_real`` times the real day's ratio (None: no limit)."""
    t = thresholds
    if t.max_eq6_ratio is None:
        return None
    if t.max_eq6_over_real is None or not math.isfinite(real_eq6_ratio):
        return t.max_eq6_ratio
    return max(t.max_eq6_ratio, t.max_eq6_over_real * real_eq6_ratio)


def _check_eq6_ratio(reasons: list[str], value: float, real_value: float, t: GateThresholds) -> None:
    limit = eq6_ratio_limit(real_value, t)
    if limit is None or limit == t.max_eq6_ratio:
        _check_max(reasons, "eq6_ratio", value, limit)
    elif not math.isfinite(value):
        reasons.append(f"eq6_ratio is undefined (limit {limit:.4g})")
    elif value > limit:
        reasons.append(f"eq6_ratio {value:.4g} > max {limit:.4g} ({t.max_eq6_over_real:g} x the real day's "
                       f"{real_value:.4g}; by {value - limit:.3g})")


def gate(generated_c: np.ndarray, real_c: np.ndarray, real_reference_stack: np.ndarray,
         grid: EpicentreGrid | Affine, thresholds: GateThresholds = GateThresholds()) -> GateVerdict:
    """Accept or reject one generated ``(H, W)`` image (deg C) of a site and day.

    Args:
        generated_c: the generated image, deg C, NaN = no data.
        real_c: the real image of the same site and day, deg C.
        real_reference_stack: ``(N, H, W)`` deg C, the site's real RST reference (same
            calendar period, other years); gives mu/sigma for R and the grey scale of Eq. 6.
        grid: the images' grid or affine transform (for centroid distances).
        thresholds: limits; see :class:`GateThresholds`.

    Returns:
        :class:`GateVerdict`; each reason names the figure, its value, the limit and the miss.
    """
    gen = np.asarray(generated_c, dtype=np.float64)
    real = np.asarray(real_c, dtype=np.float64)
    stack = _stack(real_reference_stack)
    if gen.shape != real.shape or stack.shape[1:] != real.shape:
        raise ValueError(f"shapes differ: generated {gen.shape}, real {real.shape}, "
                         f"reference {stack.shape[1:]}")
    if not np.isfinite(gen).any():
        return GateVerdict(False, ["generated image has no valid pixel"], {k: math.nan for k in FIGURES})
    lo, hi = grey_scale_limits(stack)
    eq6 = eq6_statistic(gen, stack, lo, hi)
    spread = eq6_real_spread(stack, lo, hi)
    eq6_ratio = eq6 / spread if spread > 0 else math.nan
    real_eq6_ratio = eq6_statistic(real, stack, lo, hi) / spread if spread > 0 else math.nan
    stats = reference_stats(stack)
    agreement = anomaly_agreement(retira(gen, stats, thresholds.min_count),
                                  retira(real, stats, thresholds.min_count), grid, thresholds.r_threshold)
    dist = distribution_checks(gen, real)
    figures = {
        "eq6": eq6, "eq6_ratio": eq6_ratio, "real_eq6_ratio": real_eq6_ratio, "iou": agreement.iou,
        "centroid_km": agreement.centroid_distance_km,
        "mean_diff_k": dist.mean_diff_k, "std_diff_k": dist.std_diff_k,
        "histogram_distance_k": dist.histogram_distance_k, "spectrum_distance": dist.spectrum_distance,
        "generated_anomalous_pixels": float(agreement.generated_pixels),
        "real_anomalous_pixels": float(agreement.real_pixels),
    }
    t = thresholds
    reasons: list[str] = []
    _check_eq6_ratio(reasons, eq6_ratio, real_eq6_ratio, t)
    _check_max(reasons, "eq6", eq6, t.max_eq6, " grey")
    if t.min_iou is not None:
        if not math.isfinite(agreement.iou):
            reasons.append(f"iou is undefined: no pixel has R in both images (min {t.min_iou:g})")
        elif agreement.iou < t.min_iou:
            reasons.append(f"iou {agreement.iou:.3g} < min {t.min_iou:g} (by {t.min_iou - agreement.iou:.3g}; "
                           f"{agreement.generated_pixels} generated vs {agreement.real_pixels} real "
                           f"R >= {t.r_threshold:g} pixels)")
    if t.max_centroid_km is not None:
        if (agreement.generated_pixels == 0) != (agreement.real_pixels == 0):
            reasons.append(f"centroid_km is undefined: R >= {t.r_threshold:g} pixels "
                           f"{agreement.generated_pixels} generated vs {agreement.real_pixels} real")
        else:
            _check_max(reasons, "centroid_km", agreement.centroid_distance_km, t.max_centroid_km, " km")
    reasons += distribution_reasons(dist, t)
    return GateVerdict(not reasons, reasons, figures)


def distribution_reasons(dist: DistributionChecks, thresholds: GateThresholds = GateThresholds()) -> list[str]:
    """The gate's rejection reasons from its model-free checks alone (mean, std, Wasserstein-1,
    spectrum against ``thresholds``); empty when they pass. An undefined figure (NaN) fails."""
    t = thresholds
    reasons: list[str] = []
    _check_max(reasons, "|mean_diff_k|", abs(dist.mean_diff_k), t.max_abs_mean_diff_k, " K")
    _check_max(reasons, "|std_diff_k|", abs(dist.std_diff_k), t.max_abs_std_diff_k, " K")
    _check_max(reasons, "histogram_distance_k", dist.histogram_distance_k, t.max_histogram_distance_k, " K")
    _check_max(reasons, "spectrum_distance", dist.spectrum_distance, t.max_spectrum_distance, " dec")
    return reasons
