"""Shared drawing conventions: the Agg backend, colour maps with no data in grey, SYNTHETIC titles."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import Colormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

NODATA_GREY = "0.72"
"""Cloud / no data: a mid grey that no colour map below uses for a value."""
R_THRESHOLD_COLOUR = "black"
R_LIMIT = 5.0
"""Every R map of a report uses the colour scale -R_LIMIT..+R_LIMIT; beyond it colours saturate."""
R_EXTREME = 2 * R_LIMIT
"""|R| at or beyond this is flagged on the map (x) with the reference sigma and count of its pixel."""
NO_REFERENCE_COLOURS = ("white", "#c8a2c8")
"""Clear pixels without R (fewer clear reference samples than rst's --min-count): diagonal
stripes of these two colours, so that they never read as cloud or as a value."""
STAR = {"marker": "*", "color": "cyan", "markersize": 12, "markeredgecolor": "black", "linestyle": "none"}
SYNTHETIC_LABEL = "SYNTHETIC"


def lst_cmap() -> Colormap:
    """Night LST, deg C: inferno (dark = cold, never grey), NaN drawn grey."""
    return matplotlib.colormaps["inferno"].with_extremes(bad=NODATA_GREY)


def retira_cmap() -> Colormap:
    """RETIRA R: diverging blue-white-red, NaN drawn grey."""
    return matplotlib.colormaps["RdBu_r"].with_extremes(bad=NODATA_GREY)


def nodata_patch() -> Patch:
    return Patch(facecolor=NODATA_GREY, edgecolor="0.3", label="cloud / no data")


def no_reference_patch() -> Patch:
    return Patch(facecolor=NO_REFERENCE_COLOURS[0], edgecolor=NO_REFERENCE_COLOURS[1], hatch="////",
                 label="no R: reference too short")


def no_reference_overlay(mask: np.ndarray) -> np.ndarray:
    """RGBA (H, W, 4) float image: diagonal stripes (period 4 pixels) where ``mask`` is True,
    transparent elsewhere; drawn over an R map where the day is clear but the reference is short."""
    from matplotlib.colors import to_rgba

    h, w = mask.shape
    stripes = ((np.arange(h)[:, None] + np.arange(w)[None, :]) % 4) < 2
    out = np.zeros((h, w, 4))
    out[mask & stripes] = to_rgba(NO_REFERENCE_COLOURS[1])
    out[mask & ~stripes] = to_rgba(NO_REFERENCE_COLOURS[0])
    return out


def extreme_marker() -> dict:
    return {"marker": "x", "color": "black", "markersize": 5, "linestyle": "none", "markeredgewidth": 1.0}


def title(text: str, synthetic: bool) -> str:
    return f"{SYNTHETIC_LABEL} — {text}" if synthetic else text


def lst_limits(arrays: list[np.ndarray]) -> tuple[float, float]:
    """One colour scale (deg C) for several images: their joint 2nd..98th percentiles."""
    finite = [a[np.isfinite(a)] for a in arrays]
    finite = [f for f in finite if f.size]
    if not finite:
        return 0.0, 1.0
    lo, hi = np.percentile(np.concatenate(finite), [2, 98])
    return (float(lo), float(hi)) if hi > lo else (float(lo) - 0.5, float(lo) + 0.5)


def new_figure(width_in: float, height_in: float) -> Figure:
    return plt.figure(figsize=(width_in, height_in), layout="constrained")


def close(fig: Figure) -> None:
    plt.close(fig)


def plain_figure(width_in: float, height_in: float) -> Figure:
    """A figure with no automatic layout (items placed in figure coordinates: PDF pages)."""
    return plt.figure(figsize=(width_in, height_in))
