"""Per-event figures: the LST and RETIRA map of each day before the event, the anomalous-area
time series, and a classifier run's per-day probabilities with the window alarm.

Every function returns a matplotlib Figure (Agg) and draws no data as grey, never as cold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from thermoquake.report import style
from thermoquake.report.inputs import EventSample, Predictions, Raster, Workdir, read_raster

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


@dataclass(frozen=True)
class Extreme:
    """One R pixel worth a warning: its position (row, col; lon, lat in degrees), R, and the
    reference sigma (K, before rst's floor) and clear-sample count behind it."""

    row: int
    col: int
    lon: float
    lat: float
    r: float
    sigma_k: float
    n: int


def day_extremes(sample: EventSample, workdir: Workdir | None = None) -> list[list[Extreme]]:
    """Per target day (oldest first): the pixel of largest |R| first, then every other pixel
    with |R| >= ``style.R_EXTREME``, each with its reference sigma and count (recomputed from
    the workdir's reference images; NaN / 0 without ``workdir``). Empty for a day without R."""
    out: list[list[Extreme]] = []
    for day in sample.days:
        if day.retira_path is None:
            out.append([])
            continue
        raster = read_raster(day.retira_path)
        r = raster.values
        finite = np.isfinite(r)
        if not finite.any():
            out.append([])
            continue
        top = np.unravel_index(int(np.nanargmax(np.where(finite, np.abs(r), -np.inf))), r.shape)
        others = [tuple(ix) for ix in np.argwhere(finite & (np.abs(r) >= style.R_EXTREME)) if tuple(ix) != top]
        pixels = [tuple(int(v) for v in top)] + [(int(i), int(j)) for i, j in others]
        if workdir is not None:
            from thermoquake.report.inputs import reference_sigma_count

            sn = reference_sigma_count(workdir, sample.site, raster.tags, pixels)
        else:
            sn = [(float("nan"), 0)] * len(pixels)
        west, east, south, north = raster.extent
        h, w = r.shape
        out.append([Extreme(i, j, west + (j + 0.5) * (east - west) / w, north - (i + 0.5) * (north - south) / h,
                            float(r[i, j]), s_, n_) for (i, j), (s_, n_) in zip(pixels, sn)])
    return out


def extreme_text(e: Extreme) -> str:
    """``R 12.3 (σ 0.50 K, n 4)``."""
    sigma = "σ –" if e.sigma_k != e.sigma_k else f"σ {e.sigma_k:.2f} K"
    return f"R {e.r:.1f} ({sigma}, n {e.n})"


def event_heading(sample: EventSample, info: dict | None = None) -> str:
    """``Event ID — place — date, Mw 7.1, depth 15 km`` from ``info`` (event id -> EventInfo);
    a control names the place of its matched event. Parts the inputs lack are left out."""
    info = info or {}
    parts = [f"{sample.kind.capitalize()} {sample.event_id}"]
    own = info.get(sample.event_id)
    matched = info.get(sample.matched_event_id) if sample.matched_event_id else None
    if own is not None and own.place:
        parts.append(own.place)
    elif matched is not None and matched.place:
        parts.append(f"site of {matched.place} ({sample.matched_event_id})")
    details = [sample.time[:10]]
    if own is not None and own.magnitude == own.magnitude:
        details.append(f"{own.magnitude_type or 'M'} {own.magnitude:.1f}")
    if own is not None and own.depth_km == own.depth_km:
        details.append(f"depth {own.depth_km:.0f} km")
    return " — ".join(parts + [", ".join(details)])


def event_maps(sample: EventSample, threshold: float = 2.0, extremes: list[list[Extreme]] | None = None,
               heading: str | None = None) -> tuple[Figure, bool]:
    """For each target day (oldest first): the LST image (deg C, one colour scale for the event)
    and under it the RETIRA map with R >= ``threshold`` contours, on the report's one R scale
    (±``style.R_LIMIT``, saturating). Cloud / no data is grey; a clear pixel without R (its
    reference has fewer clear samples than rst's min-count) is striped; pixels of ``extremes``
    beyond ``style.R_EXTREME`` are marked x and the day's largest |R| is named with its sigma
    and n. Axes are longitude / latitude (degrees) from the GeoTIFF transform; the epicentre is
    a star. Returns the figure and whether any image is synthetic."""
    lst = [read_raster(d.lst_path) for d in sample.days]
    rr = [read_raster(d.retira_path) if d.retira_path is not None else None for d in sample.days]
    synthetic = any(r.synthetic for r in lst)
    vmin, vmax = style.lst_limits([r.values for r in lst])
    rmax = style.R_LIMIT
    n = len(lst)
    ncols = min(n, MAX_COLUMNS)
    chunks = -(-n // ncols)
    has_r = any(r is not None for r in rr)
    rows_per_chunk = 2 if has_r else 1
    fig = style.new_figure(2.3 * ncols + 1.4, 2.45 * rows_per_chunk * chunks + 1.1)
    axes = fig.subplots(rows_per_chunk * chunks, ncols, squeeze=False)
    lst_im = r_im = None
    any_noref = any_extreme = False
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
                noref = np.isfinite(l_raster.values) & ~np.isfinite(r_raster.values)
                if noref.any():
                    any_noref = True
                    ax.imshow(style.no_reference_overlay(noref), extent=r_raster.extent, interpolation="nearest")
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
                day_ext = extremes[i] if extremes is not None else []
                flagged = [e for e in day_ext if abs(e.r) >= style.R_EXTREME]
                if flagged:
                    any_extreme = True
                    ax.plot([e.lon for e in flagged], [e.lat for e in flagged], **style.extreme_marker())
                area = day.anomaly.get("anomalous_area_km2", float(np.sum(r_raster.values >= threshold)))
                clear_px = int(np.isfinite(l_raster.values).sum())
                coverage = float(np.isfinite(r_raster.values).sum() / clear_px) if clear_px else 0.0
                text = f"R ≥ {threshold:g}: {area:.0f} km²; R on {coverage:.0%} of clear"
                if day_ext:
                    text += f"\npeak {extreme_text(day_ext[0])}"
                ax.set_title(f"R (RETIRA); {text}", fontsize=6.5)
            _axes_labels(ax, col == 0, True)
    for ax in axes.flat:
        if not ax.has_data() and not ax.texts:
            ax.set_visible(False)
    fig.colorbar(lst_im, ax=axes[0::rows_per_chunk, :].ravel().tolist(), shrink=0.85,
                 label="night LST (°C)")
    if r_im is not None:
        fig.colorbar(r_im, ax=axes[1::rows_per_chunk, :].ravel().tolist(), shrink=0.85, extend="both",
                     label=f"R (±{rmax:g}, saturating; contour: R = {threshold:g})")
    handles = [style.nodata_patch()]
    if has_r:
        handles.append(style.no_reference_patch())
    if any_extreme:
        handles.append(Line2D([], [], label=f"|R| ≥ {style.R_EXTREME:g} (few references or tiny σ)",
                              **style.extreme_marker()))
    handles.append(Line2D([], [], label="epicentre", **style.STAR))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=7, frameon=False)
    fig.suptitle(style.title(f"{heading or sample.event_id}: night LST and RETIRA before the "
                             f"{'event' if sample.label else 'control date'}", synthetic), fontsize=9)
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
    from thermoquake.image.geotiff import read_header

    header = read_header(day.retira_path)
    return frac * header.width * header.height


def probability_series(sample: EventSample, runs: list[tuple[str, Predictions]], synthetic: bool,
                       threshold: float = 0.5) -> Figure | None:
    """Each run's per-day out-of-fold probability of an earthquake against days before the
    event, as separate labelled series: this sample, and the other samples of its
    ``samples.csv`` group (an event's matched controls, a control's event); each label ends
    with its window's verdict (alarm when any day >= ``threshold``), and the threshold is a
    dotted line. None when no run classified this sample."""
    series = []
    group = sample.group or sample.event_id
    for name, p in runs:
        own = (p.sample_id == sample.event_id) | (p.site == sample.site)
        if not own.any():
            continue
        groups = set(p.group[own]) | {group}
        others = ~own & np.isin(p.group, list(groups))
        prefix = f"{name}: " if len(runs) > 1 else ""
        series.append((prefix, own, p, sample.event_id, sample.label))
        for other_id in sorted(set(p.sample_id[others])):
            keep = others & (p.sample_id == other_id)
            series.append((prefix, keep, p, other_id, int(p.label[keep][0])))
    if not series:
        return None
    fig = style.new_figure(6.4, 3.2 + 0.17 * (len(series) + 1))
    ax = fig.subplots()
    ticks = set()
    for prefix, keep, p, sid, label in series:
        days, prob = p.days_before[keep], p.prob[keep]
        order = np.argsort(-days)
        alarm = bool((prob >= threshold).any())
        role = "event" if label == 1 else ("matched control" if sample.label == 1 or sid != sample.event_id
                                           else "control")
        ax.plot(-days[order], prob[order], marker="o" if label == 1 else "s", markersize=4,
                linestyle="-" if label == 1 else "--", color="tab:red" if label == 1 else "tab:blue",
                label=f"{prefix}{role} {sid}: window {'ALARM' if alarm else 'no alarm'}")
        ticks |= {-int(d) for d in days}
    ax.set_xticks(sorted(ticks))
    ax.axhline(threshold, color="k", linestyle=":", linewidth=1, label=f"alarm threshold {threshold:g}")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("days before the event (a control: before its matched date)")
    ax.set_ylabel("P(earthquake)")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", fontsize=7, ncols=1, frameon=False)
    truth = "earthquake followed" if sample.label == 1 else "control: no earthquake"
    ax.set_title(style.title(f"{sample.event_id}: per-day probability ({truth})", synthetic), fontsize=9)
    return fig
