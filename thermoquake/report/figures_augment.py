"""The augmentation grid: generated epicentre images (deg C) with the RST gate's verdict on each."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from thermoquake.report import style
from thermoquake.report.inputs import Augmentation, read_raster

MAX_IMAGES = 24
COLUMNS = 6


def real_day(aug: Augmentation) -> Path | None:
    """The real image the set imitates (generated.json ``like``) when it is still on disk."""
    like = aug.generated.get("like")
    if not like:
        return None
    path = Path(like)
    if not path.is_absolute():
        path = aug.path / path
    return path if path.is_file() else None


def augmentation_grid(aug: Augmentation, max_images: int = MAX_IMAGES) -> tuple[Figure, int]:
    """The real day the images imitate (first panel, when generated.json names it and it
    exists), then up to ``max_images`` generated images (accepted first, then rejected), one
    colour scale, titled ACCEPTED or REJECTED; a rejected image's reasons are written under it,
    wrapped, one per line. Returns the figure and the number of generated images shown. The
    title says GENERATED always, and SYNTHETIC when the images are tagged so."""
    chosen = sorted(aug.verdicts, key=lambda v: not v.accepted)[:max_images]
    rasters = [read_raster(v.path) for v in chosen]
    real_path = real_day(aug)
    real = read_raster(real_path) if real_path is not None else None
    panels = ([real] if real is not None else []) + rasters
    vmin, vmax = style.lst_limits([r.values for r in panels])
    ncols = max(1, min(COLUMNS, len(panels)))
    nrows = max(1, -(-len(panels) // ncols))
    reason_lines = max([sum(len(_wrap(r)) for r in v.reasons) for v in chosen if not v.accepted] or [0])
    fig = style.new_figure(2.2 * ncols + 1.2, (2.3 + 0.13 * reason_lines) * nrows + 0.7)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    im = None
    items = ([(None, real)] if real is not None else []) + list(zip(chosen, rasters))
    for ax, (verdict, raster) in zip(axes, items):
        im = ax.imshow(raster.values, cmap=style.lst_cmap(), vmin=vmin, vmax=vmax, extent=raster.extent,
                       interpolation="nearest")
        epi = raster.epicentre
        if epi is not None:
            ax.plot(epi[1], epi[0], **style.STAR)
        ax.tick_params(labelsize=5)
        if verdict is None:
            ax.set_title(f"REAL day imitated\n{real_path.name}", fontsize=6, color="black", fontweight="bold")
            for side in ax.spines.values():
                side.set_linewidth(2)
            continue
        ax.set_title(f"{verdict.path.name}\n{'ACCEPTED' if verdict.accepted else 'REJECTED'}", fontsize=6,
                     color="darkgreen" if verdict.accepted else "darkred")
        if not verdict.accepted:
            lines = [line for r in (verdict.reasons or ("no reason given",)) for line in _wrap(r)]
            ax.set_xlabel("\n".join(lines), fontsize=5.5, color="darkred", linespacing=1.15)
    for ax in axes[len(items):]:
        ax.set_visible(False)
    if im is not None:
        fig.colorbar(im, ax=axes.tolist(), shrink=0.8, label="LST (°C)")
    n_acc = sum(v.accepted for v in aug.verdicts)
    synthetic = any(r.synthetic for r in panels)
    fig.suptitle(style.title(f"GENERATED images in {aug.path.name}: {n_acc} of {len(aug.verdicts)} accepted "
                             "by the RST gate", synthetic), fontsize=9)
    return fig, len(chosen)


def _wrap(reason: str, width: int = 30) -> list[str]:
    return textwrap.wrap(reason.strip(), width) or [""]
