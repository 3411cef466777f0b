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
