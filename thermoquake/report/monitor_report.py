"""The report of a region monitor (``thermoquake report --monitor MONITORDIR``): per day, small
multiples of the LST, RETIRA R and alarm maps with the catalogue's earthquakes drawn on the day
they occur; the Molchan diagram of ``monitor evaluate`` with its random-guess band; the tables of
scores, daily alarms, target earthquakes (hit or missed) and significant sequences. When the
monitor ran a classifier (``monitor --run``), its alarms are shown beside the RST rule's: a
model alarm map per day, its Molchan trajectory and scores (when ``monitor evaluate`` scored
them) and its alarms and hits in the tables. Written as
``index.html``, an A4 ``report.pdf`` and ``figures/*.png`` like the workdir report; everything is
labelled SYNTHETIC when the monitored tiles were.

Maps are drawn on the monitor's own grid (MODIS sinusoidal, km) with longitude and latitude
lines over it; large regions are thinned to at most :data:`MAP_PIXELS` pixels a side for the
drawing only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from thermoquake import __version__
from thermoquake.catalog.schema import Event
from thermoquake.errors import ThermoquakeError

DAYS_PER_FIGURE = 6
"""Days (rows) per small-multiples figure."""
MAP_PIXELS = 400
"""Largest side, in pixels, of a drawn map (the data are thinned by a whole stride beyond it)."""
SEQUENCE_TABLE_COLUMNS = ("sequence", "start", "end", "days", "alarm_from", "peak_r", "max_area_km2", "lat",
                          "lon")


@dataclass
class ModelAlarmInputs:
    """The classifier's alarms of a monitor (``monitor --run``).

    Attributes:
        scores: float32 (days, cells) model probability, the forecast of each cell-day.
        threshold: the run's probability threshold; alarmed where ``scores >= threshold``.
        summary: the ``model`` entry of ``monitor.json`` (run directory, window, box).
        evaluation: ``evaluation_model.json`` or None.
    """

    scores: np.ndarray
    threshold: float
    summary: dict
    evaluation: dict | None = None

    @property
    def alarmed(self) -> np.ndarray:
        """bool (days, cells): the model's alarm."""
        return self.scores >= self.threshold


@dataclass
class MonitorInputs:
    """What the report reads from MONITORDIR (and the catalogue).

    Attributes:
        path: MONITORDIR.
        summary: ``monitor.json``.
        days: monitored UTC days.
        cells: forecast cells (column, row) of the ``cell_deg`` grid.
        scores: float32 (days, cells) alarm scores, 0 = no alarm.
        evaluation: ``evaluation.json`` or None.
        sequences: rows of ``sequences.csv``.
        quakes: catalogue events of magnitude >= ``min_mag`` inside the region on a monitored day.
        targets: ``(day index, cell index, event)`` of the scored (raw catalogue) target earthquakes.
        catalog: the catalogue file the earthquakes come from, or None.
        model: the classifier's alarms when the monitor ran one, else None.
    """

    path: Path
    summary: dict
    days: list[dt.date]
    cells: list[tuple[int, int]]
    scores: np.ndarray
    cell_deg: float
    min_mag: float
    synthetic: bool
    evaluation: dict | None = None
    sequences: list[dict] = field(default_factory=list)
    quakes: list[Event] = field(default_factory=list)
    targets: list = field(default_factory=list)
    catalog: Path | None = None
    model: ModelAlarmInputs | None = None


def read_monitor(monitor_dir: Path, evaluation: Path | None = None,
                 catalogs: Sequence[Path] = ()) -> MonitorInputs:
    """Read the monitor directory through :mod:`thermoquake.monitor.outputs`: the summary, the
    alarm scores, the significant sequences, the evaluation (``evaluation`` or the directory's
    own when present), the model's alarms and their evaluation when the monitor ran a model,
    and the earthquakes of the catalogue (``catalogs``, later files adding events; default: the
    catalogue the evaluation scored). Raises :class:`ThermoquakeError` naming a missing or
    malformed file."""
    from thermoquake.catalog.readers import read_catalog
    from thermoquake.monitor.outputs import find_evaluation, read_evaluation, read_sequences, read_summary
    from thermoquake.monitor.score import read_alarm_record, target_quakes

    monitor_dir = Path(monitor_dir)
    record = read_alarm_record(monitor_dir)
    summary = read_summary(monitor_dir)
    ev = read_evaluation(Path(evaluation)) if evaluation is not None else find_evaluation(monitor_dir, "rst")
    model = None
    if summary.get("model"):
        model_record = read_alarm_record(monitor_dir, "model")
        model = ModelAlarmInputs(model_record.scores, float(model_record.threshold), dict(summary["model"]),
                                 find_evaluation(monitor_dir, "model"))
    min_mag = next((float(s["min_mag"]) for s in (ev or {}).get("scores", []) if "min_mag" in s),
                   float(summary.get("csep", {}).get("min_mag", 5.0)))
    sequences = read_sequences(monitor_dir)
    paths = [Path(p) for p in catalogs]
    if not paths and ev is not None and ev.get("catalog") and Path(ev["catalog"]).is_file():
        paths = [Path(ev["catalog"])]
    events: dict[str, Event] = {}
    for p in paths:
        for e in read_catalog(p).events:
            events[e.event_id] = e
    day_set = set(record.days)
    quakes = sorted(e for e in events.values()
                    if e.magnitude >= min_mag and record.region.contains(e.latitude, e.longitude)
                    and e.time.astimezone(dt.timezone.utc).date() in day_set)
    targets = target_quakes(record, list(events.values()), min_mag) if paths else []
    return MonitorInputs(monitor_dir, summary, record.days, record.cells, record.scores, record.cell_deg, min_mag,
                         record.synthetic or bool(summary.get("synthetic")) or bool((ev or {}).get("synthetic")),
                         ev, sequences, quakes, targets, paths[-1] if paths else None, model)


# --- figures -----------------------------------------------------------------------------------


class MapCube:
    """The datacube, read a day at a time and thinned for drawing (close it when done)."""

    def __init__(self, inputs: MonitorInputs) -> None:
        from thermoquake.monitor.outputs import open_datacube

        self.ds = open_datacube(inputs.path)
        ny, nx = self.ds.sizes["y"], self.ds.sizes["x"]
        self.step = max(1, math.ceil(max(ny, nx) / MAP_PIXELS))
        s = self.step
        self.x_km = np.asarray(self.ds["x"].values)[::s] / 1000.0
        self.y_km = np.asarray(self.ds["y"].values)[::s] / 1000.0
        self.lon = np.asarray(self.ds["lon"].values)[::s, ::s]
        self.lat = np.asarray(self.ds["lat"].values)[::s, ::s]
        inside = np.isfinite(self.lon)
        grid = _cells_of(self.lon, self.lat, inputs.cell_deg)
        pos = {c: j for j, c in enumerate(inputs.cells)}
        self.cell_index = np.full(self.lon.shape, -1, dtype=np.int64)
        for (i, j), k in pos.items():
            self.cell_index[inside & (grid[0] == i) & (grid[1] == j)] = k

    def day(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        s = self.step
        lst = np.asarray(self.ds["lst"][k].values)[::s, ::s]
        r = np.asarray(self.ds["retira"][k].values)[::s, ::s]
        return lst, r

    def alarm(self, scores_of_day: np.ndarray) -> np.ndarray:
        """Alarm score per drawn pixel (NaN outside the region's cells)."""
        out = np.full(self.cell_index.shape, np.nan)
        ok = self.cell_index >= 0
        if scores_of_day.size:
            out[ok] = scores_of_day[self.cell_index[ok]]
        return out

    def extent(self) -> tuple[float, float, float, float]:
        dx = (self.x_km[1] - self.x_km[0]) if self.x_km.size > 1 else 1.0
        dy = (self.y_km[0] - self.y_km[1]) if self.y_km.size > 1 else 1.0
        return (self.x_km[0] - dx / 2, self.x_km[-1] + dx / 2, self.y_km[-1] - dy / 2, self.y_km[0] + dy / 2)

    def close(self) -> None:
        self.ds.close()


def _cells_of(lon: np.ndarray, lat: np.ndarray, cell_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :meth:`CellGrid.cell_of` (columns from 180 W, rows from 90 S); -1 where NaN."""
    cols, rows = round(360 / cell_deg), round(180 / cell_deg)
    ok = np.isfinite(lon) & np.isfinite(lat)
    i = np.full(lon.shape, -1, dtype=np.int64)
    j = np.full(lon.shape, -1, dtype=np.int64)
    i[ok] = np.floor((lon[ok] + 180) / cell_deg + 1e-9).astype(np.int64) % cols
    j[ok] = np.minimum(np.floor((lat[ok] + 90) / cell_deg + 1e-9).astype(np.int64), rows - 1)
    return i, j


def lst_limits(cube: MapCube, n_days: int) -> tuple[float, float]:
    from thermoquake.report import style

    pick = np.unique(np.linspace(0, n_days - 1, min(n_days, 12)).round().astype(int))
    return style.lst_limits([cube.day(int(k))[0] for k in pick])


def _graticule(ax, cube: MapCube, labels: bool) -> None:
    """Whole-degree (or half-degree) longitude and latitude lines over a sinusoidal map."""
    lon, lat = cube.lon, cube.lat
    if not np.isfinite(lon).any():
        return
    span = max(np.nanmax(lon) - np.nanmin(lon), np.nanmax(lat) - np.nanmin(lat))
    step = 0.5 if span <= 3 else 1.0 if span <= 8 else 5.0
    for values, suffix in ((lon, "°E"), (lat, "°N")):
        lo, hi = math.ceil(np.nanmin(values) / step) * step, math.floor(np.nanmax(values) / step) * step
        levels = np.arange(lo, hi + step / 2, step)
        if levels.size == 0:
            continue
        cs = ax.contour(cube.x_km, cube.y_km, values, levels=levels, colors="0.35", linewidths=0.35,
                        linestyles="dotted")
        if labels:
            ax.clabel(cs, fmt=lambda v, s=suffix: f"{v:g}{s}", fontsize=4.5, inline=True)


def day_maps(inputs: MonitorInputs, cube: MapCube, first: int, count: int, lst_range: tuple[float, float]):
    """One figure of ``count`` days from day index ``first``: a row per day with its LST (deg C),
    RETIRA R (one scale, the threshold contour) and the RST rule's alarm map (alarm score of the
    pixel's cell, white where no alarm), and, when the monitor ran a model, the model's alarm map
    (the cell's model probability where it reaches the run's threshold, white below); the
    earthquakes of that day as stars, cloud / no data grey."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from thermoquake.modis.sinusoidal import lonlat_to_xy
    from thermoquake.report import style

    threshold = float(inputs.summary.get("threshold", 2.0))
    top = float(np.nanmax(inputs.scores)) if inputs.scores.size and np.nanmax(inputs.scores) > threshold else \
        threshold + 1.0
    import matplotlib
    import matplotlib.colors

    model = inputs.model
    n_cols = 4 if model is not None else 3
    ny, nx = cube.lon.shape
    aspect = ny / max(nx, 1)
    panel_w = 2.25 if model is None else 1.75
    fig = style.new_figure(n_cols * panel_w + 0.5, count * (panel_w * aspect + 0.28) + 1.5)
    axes = np.atleast_2d(fig.subplots(count, n_cols, sharex=True, sharey=True, squeeze=False))
    extent = cube.extent()
    alarm_cmap = matplotlib.colormaps["YlOrRd"].with_extremes(bad=style.NODATA_GREY, under="white")
    # PuBu from a third of its range: an alarm at the threshold stays distinct from white (no alarm)
    model_cmap = matplotlib.colors.ListedColormap(matplotlib.colormaps["PuBu"](np.linspace(0.35, 1.0, 256)),
                                                  "model_alarm").with_extremes(bad=style.NODATA_GREY, under="white")
    images = [None] * n_cols
    for row in range(count):
        k = first + row
        day = inputs.days[k]
        lst, r = cube.day(k)
        alarm = cube.alarm(inputs.scores[k])
        quakes = [e for e in inputs.quakes if e.time.astimezone(dt.timezone.utc).date() == day]
        panels = [(lst, {"cmap": style.lst_cmap(), "vmin": lst_range[0], "vmax": lst_range[1]}),
                  (r, {"cmap": style.retira_cmap(), "vmin": -style.R_LIMIT, "vmax": style.R_LIMIT}),
                  (alarm, {"cmap": alarm_cmap, "vmin": threshold, "vmax": top})]
        if model is not None:
            panels.append((cube.alarm(model.scores[k]), {"cmap": model_cmap, "vmin": model.threshold, "vmax": 1.0}))
        for col, (image, kw) in enumerate(panels):
            ax = axes[row, col]
            images[col] = ax.imshow(np.ma.masked_invalid(image), extent=extent, interpolation="nearest", **kw)
            if col == 1 and np.nanmax(np.nan_to_num(r, nan=-np.inf)) >= threshold:
                ax.contour(cube.x_km, cube.y_km, np.nan_to_num(r, nan=-99.0), levels=[threshold],
                           colors=style.R_THRESHOLD_COLOUR, linewidths=0.5)
            _graticule(ax, cube, labels=row == 0 and col == 0)
            for e in quakes:
                x, y = lonlat_to_xy(e.longitude, e.latitude)
                ax.plot(float(x) / 1000, float(y) / 1000, **{**style.STAR, "markersize": 7 + max(0, e.magnitude - 5)})
            ax.tick_params(labelsize=5)
            ax.set_xlim(extent[0], extent[1])
            ax.set_ylim(extent[2], extent[3])
        alarmed = int((inputs.scores[k] > 0).sum())
        label = (f"{day.isoformat()}\n{alarmed}/{len(inputs.cells)} cells alarmed"
                 + (f" (model {int(model.alarmed[k].sum())})" if model is not None else "")
                 + (f"\n{len(quakes)} × M≥{inputs.min_mag:g}" if quakes else ""))
        axes[row, 0].set_ylabel(label, fontsize=6)
    titles = ["LST (°C)", "RETIRA R", "RST-rule alarm of the forecast cells"]
    bars = ["LST (°C)", f"R (±{style.R_LIMIT:g}, darker beyond); line: R = {threshold:g}",
            "alarm score (white: no alarm)"]
    if model is not None:
        titles.append("model alarm of the forecast cells")
        bars.append(f"model probability (white: below {model.threshold:.3g})")
    for col, text in enumerate(titles):
        axes[0, col].set_title(text, fontsize=7 if model is None else 6)
    for col, text in enumerate(bars):
        cb = fig.colorbar(images[col], ax=axes[:, col], location="bottom", shrink=0.9, aspect=25,
                          extend="min" if col == 3 else "max" if col == 2 else "both")
        cb.set_label(text, fontsize=6)
        cb.ax.tick_params(labelsize=5)
    handles = [style.nodata_patch(), Patch(facecolor="white", edgecolor="0.3", label="no alarm"),
               Line2D([], [], **{**style.STAR, "markersize": 8},
                      label=f"earthquake M≥{inputs.min_mag:g} that day (size: magnitude)"),
               Line2D([], [], color="0.35", linewidth=0.6, linestyle="dotted", label="longitude / latitude")]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=6, frameon=False)
    for ax in axes[-1]:
        ax.set_xlabel("MODIS sinusoidal x (km)", fontsize=5.5)
    fig.suptitle(style.title(f"{inputs.days[first]} to {inputs.days[first + count - 1]}", inputs.synthetic),
                 fontsize=8)
    return fig


def _evaluations(inputs: MonitorInputs) -> list[tuple[str, dict]]:
    """(label, evaluation) of every scored alarm record: the RST rule's, then the model's."""
    out = []
    if inputs.evaluation:
        out.append(("RST rule", inputs.evaluation))
    if inputs.model is not None and inputs.model.evaluation:
        out.append((f"model (p ≥ {inputs.model.threshold:.3g})", inputs.model.evaluation))
    return out


#: Colour of each alarm record's Molchan trajectory.
TRAJECTORY_COLOURS = ("tab:red", "tab:blue")


def molchan_figure(inputs: MonitorInputs):
    """One Molchan diagram per scored catalogue of the evaluation (raw, declustered): the
    trajectory of the RST rule's alarms (red) and, when ``monitor evaluate`` scored them, of the
    model's (blue), the random diagonal and the shaded random-guess band (points below its edge
    beat a random alarm at the evaluation's alpha; the band depends only on the number of
    earthquakes, the same for both records). None without an evaluation or scores."""
    from thermoquake.monitor.score import random_band
    from thermoquake.report import style

    records = [(label, {s["catalogue"]: s for s in ev.get("scores", []) if s.get("molchan")})
               for label, ev in _evaluations(inputs)]
    catalogues = list(dict.fromkeys(c for _, by in records for c in by))
    if not catalogues:
        return None
    fig = style.new_figure(3.5 * len(catalogues) + 0.4, 3.7)
    axes = np.atleast_1d(fig.subplots(1, len(catalogues)))
    for ax, catalogue in zip(axes, catalogues):
        first = next(by[catalogue] for _, by in records if catalogue in by)
        tau = np.linspace(0, 1, 401)
        alpha = float(first.get("alpha", 0.05))
        edge = np.clip(random_band(tau, int(first["earthquakes"]), alpha), 0, 1)
        ax.fill_between(tau, edge, 1, color="0.88", linewidth=0,
                        label=f"random alarm: above the line with probability ≥ {1 - alpha:g}")
        ax.plot(tau, edge, color="0.45", linewidth=0.8)
        ax.plot(tau, 1 - tau, "k:", label="random alarm (area skill 0.5)")
        for (label, by), colour in zip(records, TRAJECTORY_COLOURS):
            s = by.get(catalogue)
            if s is None:
                continue
            pts = np.asarray(s["molchan"], float)
            lo, hi = s.get("area_skill_random_band", [math.nan, math.nan])
            ax.plot(pts[:, 0], pts[:, 1], color=colour, marker="o", markersize=2.5,
                    label=f"{label} alarms, area skill {s['area_skill']:.3f}\n(random {lo:.3f}–{hi:.3f})")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.01)
        ax.set_aspect("equal")
        ax.set_xlabel("fraction of space-time cells alarmed (τ)", fontsize=7)
        ax.set_ylabel("fraction of earthquakes missed (ν)", fontsize=7)
        ax.tick_params(labelsize=6)
        ax.legend(fontsize=5.5, loc="upper right")
        ax.set_title(style.title(f"{catalogue} catalogue: {first['earthquakes']} earthquakes "
                                 f"M≥{first['min_mag']:g}", inputs.synthetic), fontsize=7)
    return fig


# --- tables ------------------------------------------------------------------------------------


def scores_table(inputs: MonitorInputs) -> tuple[list[str], list[list[str]]] | None:
    """One row per alarm record (RST rule, model) and scored catalogue of the evaluations; None
    without an evaluation."""
    evaluations = _evaluations(inputs)
    if not evaluations:
        return None
    header = ["alarms", "catalogue", "earthquakes", "hit", "alarm fraction τ", "area skill", "random band",
              "outside band", "probability gain [95% CI]"]
    rows = []
    for label, ev in evaluations:
        for s in ev["scores"]:
            if "error" in s:
                rows.append([label, s["catalogue"], str(s.get("earthquakes", 0)), "–", "–", "–", "–", "–",
                             s["error"]])
                continue
            lo, hi = s["area_skill_random_band"]
            glo, ghi = s["probability_gain_interval"]
            rows.append([label, s["catalogue"], str(s["earthquakes"]), str(s["hits"]), f"{s['alarm_fraction']:.3f}",
                         f"{s['area_skill']:.3f}", f"{lo:.3f}–{hi:.3f}", "yes" if s["outside_random_band"] else "no",
                         f"{s['probability_gain']:.2f} [{glo:.2f}, {ghi:.2f}]"])
    return header, rows


def alarm_table(inputs: MonitorInputs) -> tuple[list[str], list[list[str]]]:
    """One row per monitored day: cells alarmed, the highest alarm score, the target
    earthquakes that day and how many of them fell in an alarmed cell; with a model also the
    cells the model alarmed, its highest probability and its hits."""
    n_cells = len(inputs.cells)
    model = inputs.model
    header = ["date", f"cells alarmed (of {n_cells})", "highest alarm score"]
    if inputs.catalog is not None:
        header += [f"earthquakes M≥{inputs.min_mag:g}", "hit"]
    if model is not None:
        header += ["model cells alarmed", "highest model probability"]
        if inputs.catalog is not None:
            header.append("model hit")
    per_day: dict[int, list[tuple[bool, bool]]] = {}
    for k, j, _ in inputs.targets:
        per_day.setdefault(k, []).append((bool(inputs.scores[k, j] > 0),
                                          bool(model.alarmed[k, j]) if model is not None else False))
    rows = []
    for k, day in enumerate(inputs.days):
        s = inputs.scores[k]
        row = [day.isoformat(), str(int((s > 0).sum())), f"{float(s.max()):.1f}" if s.size and s.max() > 0 else "–"]
        hits = per_day.get(k, [])
        if inputs.catalog is not None:
            row += [str(len(hits)), str(sum(h for h, _ in hits)) if hits else "–"]
        if model is not None:
            p = model.scores[k]
            row += [str(int(model.alarmed[k].sum())), f"{float(np.nanmax(p)):.3f}" if np.isfinite(p).any() else "–"]
            if inputs.catalog is not None:
                row.append(str(sum(m for _, m in hits)) if hits else "–")
        rows.append(row)
    return header, rows


def earthquake_table(inputs: MonitorInputs) -> tuple[list[str], list[list[str]]]:
    """The target earthquakes (raw catalogue): date, id, magnitude, place, cell, its alarm score,
    hit or missed, with a model its cell's model probability and hit or missed, and whether
    declustering kept it as a main shock."""
    mains = set()
    declustered = False
    for s in (inputs.evaluation or {}).get("scores", []):
        if s.get("catalogue", "raw") != "raw" and "earthquake_list" in s:
            declustered = True
            mains |= {q["id"] for q in s["earthquake_list"]}
    model = inputs.model
    header = ["date", "event", "magnitude", "lat", "lon", "cell (col:row)", "alarm score", "hit"]
    if model is not None:
        header += ["model probability", "model hit"]
    if declustered:
        header.append("main shock")
    rows = []
    for k, j, e in inputs.targets:
        score = float(inputs.scores[k, j])
        row = [inputs.days[k].isoformat(), e.event_id, f"{e.magnitude:.1f}", f"{e.latitude:.2f}",
               f"{e.longitude:.2f}", f"{inputs.cells[j][0]}:{inputs.cells[j][1]}",
               f"{score:.1f}" if score > 0 else "0", "hit" if score > 0 else "missed"]
        if model is not None:
            p = float(model.scores[k, j])
            row += [f"{p:.3f}", "hit" if model.alarmed[k, j] else "missed"]
        if declustered:
            row.append("yes" if e.event_id in mains else "no")
        rows.append(row)
    return header, rows


def sequences_table(inputs: MonitorInputs) -> tuple[list[str], list[list[str]]]:
    header = ["sequence", "start", "end", "days", "alarm from", "peak R", "largest area (km²)", "lat", "lon"]
    rows = [[str(r.get(c, "")) for c in SEQUENCE_TABLE_COLUMNS] for r in inputs.sequences]
    return header, rows


# --- the report --------------------------------------------------------------------------------


def figure_stems(inputs: MonitorInputs) -> list[str]:
    n = len(inputs.days)
    stems = [f"monitor_days_{inputs.days[i].isoformat()}" for i in range(0, n, DAYS_PER_FIGURE)]
    if molchan_figure_possible(inputs):
        stems.append("monitor_molchan")
    return stems


def molchan_figure_possible(inputs: MonitorInputs) -> bool:
    return any(s.get("molchan") for _, ev in _evaluations(inputs) for s in ev.get("scores", []))


def build_monitor_report(monitor_dir: Path, out: Path, evaluation: Path | None = None,
                         catalogs: Sequence[Path] = (), pdf: bool = True, embed: bool = True,
                         progress: Callable[[str], None] | None = None):
    """Write ``out/index.html``, ``out/report.pdf`` (unless ``pdf`` is False) and
    ``out/figures/*.png`` for the monitor in ``monitor_dir`` (module doc). ``evaluation``:
    the ``monitor evaluate`` output of the RST rule's alarms (default the monitor directory's
    own, if present; the model's is always the directory's own);
    ``catalogs``: the catalogue(s) whose earthquakes are drawn and tabulated (default: the one
    the evaluation scored). Returns a :class:`thermoquake.report.build.ReportSummary`. An
    ``out`` that is one of the inputs is refused (:class:`thermoquake.outputs.OutputIsInputError`)
    before anything is read or written."""
    from thermoquake.atomic import atomic_path, write_text_atomic
    from thermoquake.report import html
    from thermoquake.monitor.outputs import datacube_path
    from thermoquake.report.build import FIGURES, INDEX, PDF, FigureCollector, ReportSummary, refuse_report_over_inputs

    refuse_report_over_inputs(out, {"monitor_dir": monitor_dir, "evaluation": evaluation, "catalogs": catalogs})
    out = Path(out)
    tick = progress or (lambda label: None)
    inputs = read_monitor(monitor_dir, evaluation, catalogs)
    if not inputs.days:
        raise ThermoquakeError("holds no monitored day", datacube_path(inputs.path))
    s = inputs.summary
    title = "thermoquake region monitor report"
    intro = [f"Region {s.get('region')} (lon min, lat min, lon max, lat max), {inputs.days[0]} to "
             f"{inputs.days[-1]} ({len(inputs.days)} days), reference years {_years(s.get('reference_years'))} "
             f"± {s.get('window_days')} days; RETIRA threshold R ≥ {s.get('threshold')}, significant sequences of "
             f"≥ {s.get('min_days')} days, alarms lasting {s.get('alarm_days')} days on {inputs.cell_deg:g}° cells "
             f"({len(inputs.cells)} cells, {inputs.scores.size} cell-days, {int((inputs.scores > 0).sum())} "
             f"alarmed). Monitor {inputs.path}.",
             ("Earthquakes: " + (f"M ≥ {inputs.min_mag:g} from {inputs.catalog}." if inputs.catalog else
                                 "none drawn (no catalogue: pass --catalog, or run monitor evaluate first).")),
             *([_model_intro(inputs)] if inputs.model is not None else []),
             f"Made by thermoquake {__version__} on {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC."]
    collector = FigureCollector(out)
    sections: list[html.Section] = []

    summary_section = html.Section("Scores")
    table = scores_table(inputs)
    if table is None:
        summary_section.items.append(html.Text("No evaluation: run thermoquake monitor evaluate for the "
                                               "Molchan diagram and the scores."))
    else:
        if inputs.model is not None and inputs.model.evaluation is None:
            summary_section.items.append(html.Text("The model's alarms are not scored: run thermoquake monitor "
                                                   "evaluate (it scores every alarm record of the monitor)."))
        summary_section.items.append(html.Table(*table, "The alarm records scored as forecasts over space-time "
                                                "cells (monitor evaluate), the RST rule's and, when the monitor "
                                                "ran one, the model's, by the same measures: area skill 0.5 is a "
                                                "random alarm; 'outside band' means outside its random band at α."))
        fig = molchan_figure(inputs)
        if fig is not None:
            summary_section.items.append(collector.add(
                fig, "monitor_molchan", "Molchan diagrams of the alarm record",
                "Molchan diagram over space-time cells: fraction of cell-days alarmed (τ) against fraction of "
                "earthquakes missed (ν), one point per alarm-score threshold. Dotted: a random alarm. Grey: "
                "where a random alarm lands with probability 1 − α; a trajectory below the grey band beats "
                "random guessing." + (" Red: the RST rule's alarms; blue: the model's." if inputs.model is not None
                                      and inputs.model.evaluation else "")))
            tick("Molchan diagram")
    sections.append(summary_section)

    maps = html.Section("Daily maps")
    cube = MapCube(inputs)
    try:
        lst_range = lst_limits(cube, len(inputs.days))
        for first in range(0, len(inputs.days), DAYS_PER_FIGURE):
            count = min(DAYS_PER_FIGURE, len(inputs.days) - first)
            fig = day_maps(inputs, cube, first, count, lst_range)
            last = inputs.days[first + count - 1]
            maps.items.append(collector.add(
                fig, f"monitor_days_{inputs.days[first].isoformat()}",
                f"LST, RETIRA and alarm maps {inputs.days[first]} to {last}",
                f"{inputs.days[first]} to {last}, one row per day. Left: LST (°C, one scale for the period). "
                f"Middle: RETIRA R on one scale (±5), black line R = {s.get('threshold')}. Right: the alarm "
                "of each forecast cell by the RST rule (peak R of the significant sequence alarming it, from data "
                "up to the day before); white: no alarm." + (
                    " Far right: the model's alarm (the cell's model probability, the largest of its box on the "
                    f"{inputs.model.summary.get('window')} days before, where it reaches the run's threshold "
                    f"{inputs.model.threshold:.3g}; white below)." if inputs.model is not None else "") +
                " Grey: cloud or no data (never cold or 'no anomaly'). Stars: the "
                f"catalogue's M ≥ {inputs.min_mag:g} earthquakes on that day. Dotted lines: longitude and "
                f"latitude.{' Maps thinned to every ' + str(cube.step) + 'th pixel.' if cube.step > 1 else ''}"))
            tick(f"days from {inputs.days[first]}")
    finally:
        cube.close()
    sections.append(maps)

    tables = html.Section("Alarms and hits")
    tables.items.append(html.Table(*alarm_table(inputs), "Per day: forecast cells alarmed, the highest alarm "
                                   "score (peak R), and the day's target earthquakes (raw catalogue, in a region "
                                   "cell) with how many fell in an alarmed cell."))
    if inputs.catalog is not None:
        if inputs.targets:
            tables.items.append(html.Table(*earthquake_table(inputs), "Target earthquakes: hit when their "
                                           "cell was alarmed on their UTC day."))
        else:
            tables.items.append(html.Text(f"No earthquake of M ≥ {inputs.min_mag:g} in the region's cells on a "
                                          "monitored day."))
    if inputs.sequences:
        tables.items.append(html.Table(*sequences_table(inputs), "Significant sequences (sequences.csv): "
                                       "first and last day, days, the first day they alarm, peak R, largest "
                                       "anomalous area and mean centroid."))
    else:
        tables.items.append(html.Text("No significant sequence: nothing was alarmed."))
    sections.append(tables)

    if pdf:
        from thermoquake.report.pdf import write_pdf

        with atomic_path(out / PDF) as tmp:
            write_pdf(tmp, title, inputs.synthetic, intro, sections,
                      {"Title": ("SYNTHETIC — " if inputs.synthetic else "") + title,
                       "Creator": f"thermoquake {__version__}"})
    write_text_atomic(out / INDEX, html.page(title, inputs.synthetic, intro, sections, embed))
    made = set(collector.paths)
    for stale in (out / FIGURES).glob("*.png"):
        if stale not in made:
            stale.unlink()
    if not pdf:
        (out / PDF).unlink(missing_ok=True)
    return ReportSummary(out, out / INDEX, out / PDF if pdf else None, list(collector.paths), synthetic=inputs.synthetic)


def plan_monitor_report(monitor_dir: Path, out: Path, evaluation: Path | None = None,
                        catalogs: Sequence[Path] = (), pdf: bool = True) -> dict:
    """What :func:`build_monitor_report` would write, reading its inputs and writing nothing."""
    from thermoquake.report.build import FIGURES, INDEX, PDF, SECONDS_PER_FIGURE, refuse_report_over_inputs

    refuse_report_over_inputs(out, {"monitor_dir": monitor_dir, "evaluation": evaluation, "catalogs": catalogs})

    inputs = read_monitor(monitor_dir, evaluation, catalogs)
    stems = figure_stems(inputs)
    writes = [str(Path(out) / INDEX)] + ([str(Path(out) / PDF)] if pdf else []) + \
        [str(Path(out) / FIGURES / f"{stem}.png") for stem in stems]
    return {"monitor": str(inputs.path), "days": len(inputs.days), "figures": len(stems),
            "seconds": SECONDS_PER_FIGURE * 4 * len(stems), "writes": writes, "synthetic": inputs.synthetic}


def _model_intro(inputs: MonitorInputs) -> str:
    m = inputs.model
    box = m.summary.get("box_px") or ["?"]
    return (f"Model alarms (monitor --run): the classifier of {m.summary.get('dir')} on the {box[0]} km box centred "
            f"on each cell, alarmed where its largest probability on the {m.summary.get('window')} days before "
            f"reaches the run's threshold {m.threshold:.3g} ({int(m.alarmed.sum())} of {m.scores.size} cell-days "
            "alarmed).")


def _years(years) -> str:
    if isinstance(years, (list, tuple)) and len(years) == 2:
        return f"{years[0]}–{years[1]}"
    return str(years)
