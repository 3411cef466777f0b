"""The naive monitoring computation both monitor benchmarks compare against: every image of
the monitored days and of their reference days in one in-memory stack, spatial mean taken off
each, then RETIRA per monitored day with ``nanmean``/``nanstd`` over the stack; nothing written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np


def naive_retira(shape: tuple[int, int], monitored: Sequence[dt.date], reference_years: Sequence[int],
                 window: int, read: Callable[[dt.date], np.ndarray | None], settings) -> None:
    """Compute (and drop) the three-state map of each monitored day. ``read(day)``: the
    region's LST image of ``day`` (float, NaN outside the region or cloudy; None: no image);
    ``settings``: a :class:`thermoquake.monitor.daily.MonitorSettings` (min_count,
    sigma_floor_k in K, threshold)."""
    from thermoquake.monitor.calendar import reference_dates
    from thermoquake.rst.anomalies import anomaly_states

    refs = {d: reference_dates(d, reference_years, window) for d in monitored}
    needed = sorted(set(monitored) | {r for rs in refs.values() for r in rs})
    pos = {d: k for k, d in enumerate(needed)}
    stack = np.full((len(needed), *shape), np.nan, dtype=np.float32)
    for d in needed:
        image = read(d)
        if image is not None:
            stack[pos[d]] = image - np.nanmean(image)
    for d in monitored:
        ref = stack[[pos[r] for r in refs[d]]]
        count = np.isfinite(ref).sum(axis=0)
        mu = np.nanmean(ref, axis=0)
        sigma = np.maximum(np.nanstd(ref, axis=0), settings.sigma_floor_k)
        r = np.where(count >= settings.min_count, (stack[pos[d]] - mu) / sigma, np.nan)
        anomaly_states(r, settings.threshold)
