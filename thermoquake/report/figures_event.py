"""Per-event figures: the LST and RETIRA map of each day before the event, the anomalous-area
time series, and a classifier run's per-day probabilities with the window alarm.

Every function returns a matplotlib Figure (Agg) and draws no data as grey, never as cold.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from thermoquake.report import style
from thermoquake.report.inputs import EventSample, Predictions, Raster, read_raster

MAX_COLUMNS = 5


def _star(ax, raster: Raster) -> None:
    epi = raster.epicentre
    if epi is not None:
        ax.plot(epi[1], epi[0], **style.STAR, label="epicentre")


def _axes_labels(ax, left: bool, bottom: bool) -> None:
    ax.tick_params(labelsize=6)
    if left:
        ax.set_ylabel("latitude (°N)", fontsize=7)
    if bottom:
        ax.set_xlabel("longitude (°E)", fontsize=7)


def event_maps(sample: EventSample, threshold: float = 2.0) -> tuple[Figure, bool]:
    """For each target day (oldest first): the LST image (deg C, one colour scale for the event)
    and under it the RETIRA map with R >= ``threshold`` contours. Axes are longitude / latitude
    (degrees) from the GeoTIFF transform; the epicentre is a star. Returns the figure and
    whether any image is synthetic."""
    lst = [read_raster(d.lst_path) for d in sample.days]
    rr = [read_raster(d.retira_path) if d.retira_path is not None else None for d in sample.days]
    synthetic = any(r.synthetic for r in lst)
    vmin, vmax = style.lst_limits([r.values for r in lst])
    finite_r = [np.abs(r.values[np.isfinite(r.values)]) for r in rr if r is not None]
    finite_r = np.concatenate(finite_r) if finite_r else np.array([])
    rmax = max(float(np.percentile(finite_r, 99)) if finite_r.size else 0.0, threshold + 1.0)
    n = len(lst)
    ncols = min(n, MAX_COLUMNS)
    chunks = -(-n // ncols)
    has_r = any(r is not None for r in rr)
    rows_per_chunk = 2 if has_r else 1
    fig = style.new_figure(2.3 * ncols + 1.4, 2.35 * rows_per_chunk * chunks + 0.8)
    axes = fig.subplots(rows_per_chunk * chunks, ncols, squeeze=False)
    lst_im = r_im = None
    for i, (day, l_raster, r_raster) in enumerate(zip(sample.days, lst, rr)):
        chunk, col = divmod(i, ncols)
        ax = axes[chunk * rows_per_chunk, col]
        lst_im = ax.imshow(l_raster.values, cmap=style.lst_cmap(), vmin=vmin, vmax=vmax,
                           extent=l_raster.extent, interpolation="nearest")
        _star(ax, l_raster)
        clear = float(np.isfinite(l_raster.values).mean())
        ax.set_title(f"{day.date} (−{day.days_before} d) LST\nclear {clear:.0%}", fontsize=7)
        _axes_labels(ax, col == 0, not has_r)
        if has_r:
            ax = axes[chunk * rows_per_chunk + 1, col]
            if r_raster is None:
                ax.text(0.5, 0.5, "no RETIRA map", ha="center", va="center", transform=ax.transAxes, fontsize=7)
                ax.set_xticks([])
                ax.set_yticks([])
            else:
                r_im = ax.imshow(r_raster.values, cmap=style.retira_cmap(), vmin=-rmax, vmax=rmax,
                                 extent=r_raster.extent, interpolation="nearest")
                hot = np.isfinite(r_raster.values) & (r_raster.values >= threshold)
                if hot.any():
                    west, east, south, north = r_raster.extent
                    h, w = r_raster.values.shape
                    xs = west + (np.arange(w) + 0.5) * (east - west) / w
                    ys = north - (np.arange(h) + 0.5) * (north - south) / h
                    # the outline of the R >= threshold pixels (no data counts as below)
                    ax.contour(xs, ys, hot.astype(float), levels=[0.5], colors=style.R_THRESHOLD_COLOUR,
                               linewidths=0.6)
                _star(ax, r_raster)
                area = day.anomaly.get("anomalous_area_km2", float(np.sum(r_raster.values >= threshold)))
                ax.set_title(f"R (RETIRA); R ≥ {threshold:g}: {area:.0f} km²", fontsize=7)
            _axes_labels(ax, col == 0, True)
    for ax in axes.flat:
        if not ax.has_data() and not ax.texts:
            ax.set_visible(False)
    fig.colorbar(lst_im, ax=axes[0::rows_per_chunk, :].ravel().tolist(), shrink=0.85,
                 label="night LST (°C)")
    if r_im is not None:
        fig.colorbar(r_im, ax=axes[1::rows_per_chunk, :].ravel().tolist(), shrink=0.85,
                     label=f"R (contour: R = {threshold:g})")
    fig.legend(handles=[style.nodata_patch()], loc="lower right", fontsize=7, frameon=False)
    fig.suptitle(style.title(f"{sample.kind} {sample.event_id} ({sample.time[:10]}): night LST and RETIRA "
                             "before the event", synthetic), fontsize=9)
    return fig, synthetic


def anomalous_area_series(sample: EventSample, synthetic: bool) -> Figure:
    """Anomalous area (km^2, R >= threshold) per day before the event, beside what noise alone
    gives with this reference (expected_null_fraction x the area with an R value), and the
    clear-sky fraction. Needs ``rst`` (anomalies.csv)."""
    days = [d for d in sample.days if d.anomaly]
    x = np.array([-d.days_before for d in days])
    area = np.array([d.anomaly.get("anomalous_area_km2", np.nan) for d in days])
    valid_km2 = np.array([_valid_km2(d) for d in days])
    null = np.array([d.anomaly.get("expected_null_fraction", np.nan) for d in days]) * valid_km2
    clear = np.array([d.anomaly.get("clear_sky_fraction", np.nan) for d in days])
    fig = style.new_figure(6.4, 3.0)
    ax = fig.subplots()
    ax.bar(x, area, width=0.6, color="tab:red", label="anomalous area (R ≥ threshold)")
    ax.plot(x, null, "k--", marker="o", markersize=3, label="expected from noise alone")
    ax.set_xlabel("days before the event")
    ax.set_ylabel("area (km²)")
    ax.set_xticks(x)
    ax2 = ax.twinx()
    ax2.plot(x, clear, color="tab:blue", marker="s", markersize=3, label="clear-sky fraction")
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel("clear-sky fraction", color="tab:blue")
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles=handles, fontsize=7, loc="upper left")
    ax.set_title(style.title(f"{sample.event_id}: anomalous area before the event", synthetic), fontsize=9)
    return fig


def _valid_km2(day) -> float:
    """Area with an R value, km^2 (1 km pixels): valid_fraction x the image's pixel count."""
    frac = day.anomaly.get("valid_fraction", np.nan)
    if day.retira_path is None:
        return np.nan
    import rasterio

    with rasterio.open(day.retira_path) as src:
        return frac * src.width * src.height


def probability_series(sample: EventSample, runs: list[tuple[str, Predictions]], synthetic: bool,
                       threshold: float = 0.5) -> Figure | None:
    """Each run's per-day probability of an earthquake (out-of-fold) for this sample against days
    before the event, the alarm threshold, and the window alarm (any day >= threshold).
    None when no run classified this sample."""
    from thermoquake.evaluation.metrics import window_alarms

    series = []
    for name, p in runs:
        keep = (p.sample_id == sample.event_id) | (p.site == sample.site) | (p.group == sample.event_id)
        if keep.any():
            series.append((name, p.days_before[keep], p.prob[keep], p.group[keep]))
    if not series:
        return None
    fig = style.new_figure(6.4, 3.0)
    ax = fig.subplots()
    for name, days, prob, groups in series:
        alarm = any(window_alarms(prob, list(groups), "any", threshold).values())
        order = np.argsort(-days)
        ax.plot(-days[order], prob[order], marker="o", markersize=4,
                label=f"{name}: window {'ALARM' if alarm else 'no alarm'}")
    ax.set_xticks(sorted({-int(d) for _, days, _, _ in series for d in days}))
    ax.axhline(threshold, color="k", linestyle=":", linewidth=1, label=f"alarm threshold {threshold:g}")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("days before the event")
    ax.set_ylabel("P(earthquake)")
    ax.legend(fontsize=7, loc="best")
    truth = "earthquake followed" if sample.label == 1 else "control: no earthquake"
    ax.set_title(style.title(f"{sample.event_id}: per-day probability ({truth})", synthetic), fontsize=9)
    return fig
