"""Sample grids of generated images (PNG, deg C colour scale, no data grey)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from thermoquake.atomic import atomic_path


def write_sample_grid(path: Path, images_c: np.ndarray, title: str, lo_c: float, hi_c: float) -> Path:
    """Draw ``(n, H, W)`` deg C images (NaN = no data, grey) on one colour scale ``lo_c..hi_c``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(images_c)
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.6 * rows + 0.4), squeeze=False)
    cmap = matplotlib.colormaps["inferno"].with_extremes(bad="0.6")
    for ax, image in zip(axes.ravel(), images_c):
        ax.imshow(np.ma.masked_invalid(image), cmap=cmap, vmin=lo_c, vmax=hi_c)
    for ax in axes.ravel():
        ax.set_axis_off()
    fig.suptitle(title, fontsize=8)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=80)
    plt.close(fig)
    return Path(path)
