"""The augmentation grid: generated epicentre images (deg C) with the RST gate's verdict on each."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.figure import Figure

from thermoquake.report import style
from thermoquake.report.inputs import Augmentation, read_raster

MAX_IMAGES = 24
COLUMNS = 6


def augmentation_grid(aug: Augmentation, max_images: int = MAX_IMAGES) -> tuple[Figure, int]:
    """Up to ``max_images`` generated images (accepted first, then rejected), one colour scale,
    titled ACCEPTED or REJECTED with the gate's reasons. Returns the figure and the number shown.
    The title says GENERATED always, and SYNTHETIC when the images are tagged so."""
    chosen = sorted(aug.verdicts, key=lambda v: not v.accepted)[:max_images]
    rasters = [read_raster(v.path) for v in chosen]
    vmin, vmax = style.lst_limits([r.values for r in rasters])
    ncols = max(1, min(COLUMNS, len(chosen)))
    nrows = max(1, -(-len(chosen) // ncols))
    fig = style.new_figure(2.1 * ncols + 1.2, 2.45 * nrows + 0.7)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    im = None
    for ax, verdict, raster in zip(axes, chosen, rasters):
        im = ax.imshow(raster.values, cmap=style.lst_cmap(), vmin=vmin, vmax=vmax, extent=raster.extent,
                       interpolation="nearest")
        epi = raster.epicentre
        if epi is not None:
            ax.plot(epi[1], epi[0], **style.STAR)
        verdict_text = "ACCEPTED" if verdict.accepted else "REJECTED"
        reasons = "" if verdict.accepted else "\n" + textwrap.shorten("; ".join(verdict.reasons) or "no reason given",
                                                                       60)
        ax.set_title(f"{verdict.path.name}\n{verdict_text}{reasons}", fontsize=6,
                     color="darkgreen" if verdict.accepted else "darkred")
        ax.tick_params(labelsize=5)
    for ax in axes[len(chosen):]:
        ax.set_visible(False)
    if im is not None:
        fig.colorbar(im, ax=axes.tolist(), shrink=0.8, label="LST (°C)")
    n_acc = sum(v.accepted for v in aug.verdicts)
    synthetic = any(r.synthetic for r in rasters)
    fig.suptitle(style.title(f"GENERATED images in {aug.path.name}: {n_acc} of {len(aug.verdicts)} accepted "
                             "by the RST gate", synthetic), fontsize=9)
    return fig, len(chosen)
