"""Put a report together: draw every figure, save each as PNG, collect them in one PDF and write
the self-contained ``index.html`` (all atomically; a killed run re-run rewrites everything)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from thermoquake import __version__
from thermoquake.atomic import atomic_path, write_text_atomic
from thermoquake.preprocessing.workdir import MANIFEST_FILE
from thermoquake.errors import ThermoquakeError
from thermoquake.report import html
from thermoquake.report.inputs import TRUE, read_augmentation, read_event_info, read_run, read_workdir
from thermoquake.dirlock import locks_directory

DPI = 100
INDEX = "index.html"
PDF = "report.pdf"
FIGURES = "figures"


@dataclass
class ReportSummary:
    out: Path
    index: Path
    pdf: Path | None
    figures: list[Path] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    augmentations: list[str] = field(default_factory=list)
    synthetic: bool = False

    def as_dict(self) -> dict:
        return {"out": str(self.out), "index": str(self.index), "pdf": None if self.pdf is None else str(self.pdf),
                "figures": [str(p) for p in self.figures], "events": self.events, "runs": self.runs,
                "augmentations": self.augmentations, "synthetic": self.synthetic}


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


class FigureCollector:
    """Saves each figure as PNG under ``out/figures`` and closes it."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.paths: list[Path] = []

    def add(self, fig, stem: str, alt: str, caption: str) -> html.Figure:
        from thermoquake.report import style

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI)
        png = buf.getvalue()
        path = self.out / FIGURES / f"{_safe(stem)}.png"
        with atomic_path(path) as tmp:
            tmp.write_bytes(png)
        self.paths.append(path)
        width, height = (int(round(v * DPI)) for v in fig.get_size_inches())
        style.close(fig)
        return html.Figure(png, alt, caption, width, height, path.relative_to(self.out).as_posix())


def _is_synthetic(samples, runs, augs) -> bool:
    """Whether any input is synthetic: a GeoTIFF tag (first image of each sample, every generated
    image), a run's config/metrics flag."""
    from thermoquake.image.geotiff import read_tags

    def tagged(path: Path) -> bool:
        return read_tags(path).get("synthetic", "").lower() in TRUE

    return (any(r.synthetic for r in runs)
            or any(tagged(s.days[0].lst_path) for s in samples if s.days)
            or any(tagged(v.path) for a in augs for v in a.verdicts))


def refuse_report_over_inputs(out: Path, inputs: dict) -> None:
    """Raise :class:`thermoquake.outputs.OutputIsInputError` if the report directory ``out``
    (or its index, PDF or figures folder) is one of ``inputs`` (parameter name -> path(s))."""
    from thermoquake.outputs import refuse_outputs_over_inputs

    out = Path(out)
    refuse_outputs_over_inputs({"out": [out, out / INDEX, out / PDF, out / FIGURES]}, inputs)


def _refuse_report_inputs(workdir: Path, out: Path, events: Sequence[str] = (), runs: Sequence[Path] = (),
                          augmentations: Sequence[Path] = (), *args, **kwargs) -> None:
    refuse_report_over_inputs(out, {"workdir": workdir, "runs": runs, "augmentations": augmentations})


@locks_directory("out", "report directory", check=_refuse_report_inputs)
def build_report(workdir: Path, out: Path, events: Sequence[str] = (), runs: Sequence[Path] = (),
                 augmentations: Sequence[Path] = (), pdf: bool = True, threshold: float | None = None,
                 progress: Callable[[str], None] | None = None, embed: bool = True,
                 event_files: Sequence[Path] = ()) -> ReportSummary:
    """Write ``out/index.html``, ``out/report.pdf`` (unless ``pdf`` is False) and
    ``out/figures/*.png`` for the events of ``workdir`` (all, or those named in ``events``, by
    event id or site), the classifier ``runs`` and the generation directories ``augmentations``.
    ``threshold`` is the R contour level (default: the one ``rst`` used, else 2).
    ``progress`` is called with a short label after each figure. ``embed`` puts the figures in
    the page as base64 PNG; otherwise the page links ``figures/*.png`` (keep the folder whole).
    ``event_files``: events or catalogue CSVs whose ``place``, ``magnitude``, ``depth_km`` title
    each event (a control names its matched event's place).
    PNGs (and a PDF) an earlier report left in ``out`` that this one did not make are removed.
    An ``out`` that is ``workdir``, a run or an augmentation directory is refused
    (:class:`thermoquake.outputs.OutputIsInputError`) before anything is read or written."""
    refuse_report_over_inputs(out, {"workdir": workdir, "runs": runs, "augmentations": augmentations})
    out = Path(out)
    wd = read_workdir(workdir)
    info = read_event_info(list(event_files))
    run_objs = [read_run(r) for r in runs]
    aug_objs = [read_augmentation(a) for a in augmentations]
    samples = list(wd.samples)
    if events:
        wanted = set(events)
        unknown = wanted - {s.event_id for s in samples} - {s.site for s in samples}
        if unknown:
            raise ThermoquakeError(f"has no event {sorted(unknown)[0]!r} (it holds "
                                   f"{', '.join(s.event_id for s in samples[:5])}{' ...' if len(samples) > 5 else ''})",
                                   wd.path / MANIFEST_FILE)
        samples = [s for s in samples if s.event_id in wanted or s.site in wanted]
    if not samples and not run_objs and not aug_objs:
        raise ThermoquakeError("has no target images to report", wd.path / MANIFEST_FILE)
    synthetic = _is_synthetic(samples, run_objs, aug_objs)
    title = "thermoquake anomaly map report"
    intro = [f"Workdir {wd.path}: {len(samples)} sample(s); {len(run_objs)} classifier run(s); "
             f"{len(aug_objs)} augmentation set(s). Made by thermoquake {__version__} on "
             f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC."]
    collector = FigureCollector(out)
    sections = _draw(collector, wd, samples, run_objs, aug_objs, threshold, progress or (lambda label: None),
                     info)
    if pdf:
        from thermoquake.report.pdf import write_pdf

        with atomic_path(out / PDF) as tmp:
            write_pdf(tmp, title, synthetic, intro, sections,
                      {"Title": ("SYNTHETIC — " if synthetic else "") + title,
                       "Creator": f"thermoquake {__version__}"})
    write_text_atomic(out / INDEX, html.page(title, synthetic, intro, sections, embed))
    made = set(collector.paths)
    for stale in (out / FIGURES).glob("*.png"):       # figures of an earlier report into this folder
        if stale not in made:
            stale.unlink()
    if not pdf:
        (out / PDF).unlink(missing_ok=True)
    return ReportSummary(out, out / INDEX, out / PDF if pdf else None, list(collector.paths),
                         [s.event_id for s in samples], [str(r.path) for r in run_objs],
                         [str(a.path) for a in aug_objs], synthetic)


SECONDS_PER_FIGURE = 1.5
"""Rough drawing time of one figure on one CPU core (for --dry-run estimates)."""


def plan_report(workdir: Path, out: Path, events: Sequence[str] = (), runs: Sequence[Path] = (),
                augmentations: Sequence[Path] = (), pdf: bool = True) -> dict:
    """What :func:`build_report` would do, reading its inputs (so a bad input fails here too)
    and writing nothing: the events, runs and augmentation sets, the number of figures, a
    rough time (s) and the paths it would write."""
    refuse_report_over_inputs(out, {"workdir": workdir, "runs": runs, "augmentations": augmentations})
    out = Path(out)
    wd = read_workdir(workdir)
    run_objs = [read_run(r) for r in runs]
    aug_objs = [read_augmentation(a) for a in augmentations]
    samples = [s for s in wd.samples if not events or s.event_id in set(events) or s.site in set(events)]
    if events:
        unknown = set(events) - {s.event_id for s in wd.samples} - {s.site for s in wd.samples}
        if unknown:
            raise ThermoquakeError(f"has no event {sorted(unknown)[0]!r}", wd.path / MANIFEST_FILE)
    stems = []
    for s in samples:
        stems.append(f"event_{s.site}_maps")
        if wd.has_rst and any(d.anomaly for d in s.days):
            stems.append(f"event_{s.site}_area")
        if any(((r.predictions.sample_id == s.event_id) | (r.predictions.site == s.site)).any() for r in run_objs):
            stems.append(f"event_{s.site}_prob")
    for r in run_objs:
        stems += [f"run_{r.name}_confusion", f"run_{r.name}_roc"] + ([f"run_{r.name}_molchan"]
                                                                    if r.metrics.molchan else [])
    stems += [f"augment_{a.path.name}" for a in aug_objs]
    writes = [str(out / INDEX)] + ([str(out / PDF)] if pdf else []) + [str(out / FIGURES / f"{_safe(s)}.png")
                                                                       for s in stems]
    seconds = SECONDS_PER_FIGURE * len(stems) * (1.5 if pdf else 1.0)
    return {"events": [s.event_id for s in samples], "runs": [str(r.path) for r in run_objs],
            "augmentations": [str(a.path) for a in aug_objs], "figures": len(stems), "seconds": seconds,
            "writes": writes}


def _draw(collector: FigureCollector, wd, samples, run_objs, aug_objs, threshold, tick, info) -> list[html.Section]:
    from thermoquake.report import figures_augment, figures_event, figures_run, style

    sections: list[html.Section] = []
    for sample in samples:
        level = threshold
        if level is None:
            level = next((d.anomaly["threshold"] for d in sample.days if "threshold" in d.anomaly), 2.0)
        heading = figures_event.event_heading(sample, info)
        section = html.Section(heading)
        extremes = figures_event.day_extremes(sample, wd)
        fig, syn = figures_event.event_maps(sample, level, extremes, heading)
        stem = f"event_{sample.site}"
        section.items.append(collector.add(
            fig, f"{stem}_maps", f"night LST and RETIRA maps before {sample.event_id}",
            f"Top: night LST (°C) of each day before the {'event' if sample.label else 'control date'}; below: "
            f"RETIRA R on one scale for the whole report (±{style.R_LIMIT:g}, darker beyond it) with the "
            f"R = {level:g} contour. Grey: cloud or no data (never cold). Striped: clear, but too few clear "
            f"reference samples for R (rst --min-count). x: |R| ≥ {style.R_EXTREME:g}; each panel names its "
            "largest R with the reference σ and count n behind it. Star: epicentre."))
        tick(f"{sample.event_id} maps")
        if wd.has_rst and any(d.anomaly for d in sample.days):
            section.items.append(html.Table(*anomaly_table(sample, extremes), "RST summary per day "
                                            "(anomalies.csv): R coverage is the share of clear pixels with an R "
                                            "value; compare the anomalous fraction with what noise alone gives; "
                                            "σ and n are those of the largest-|R| pixel."))
            section.items.append(collector.add(
                figures_event.anomalous_area_series(sample, syn), f"{stem}_area",
                f"anomalous area before {sample.event_id}",
                "Anomalous area (R ≥ threshold, km²) per day, the area noise alone would give with this "
                "reference (expected_null_fraction × area with an R value), and the clear-sky fraction."))
        else:
            section.items.append(html.Text("No anomalies.csv: run thermoquake rst for RETIRA maps and areas."))
        prob = figures_event.probability_series(sample, [(r.name, r.predictions) for r in run_objs], syn)
        if prob is not None:
            section.items.append(collector.add(
                prob, f"{stem}_prob", f"per-day probabilities for {sample.event_id}",
                "Out-of-fold probability of an earthquake for each day, for this sample and the other samples "
                "of its group (an event's matched control); a window is an alarm when any of its days reaches "
                "the dotted threshold (0.5)."))
        elif run_objs:
            section.items.append(html.Text("No run classified this sample (it may be outside every test fold)."))
        sections.append(section)

    for run in run_objs:
        section = html.Section(f"Run {run.name}")
        section.items.append(html.Text(figures_run.counts_text(run)))
        header, rows = figures_run.metrics_table(run)
        section.items.append(html.Table(header, rows, "Metrics with 95 % bootstrap intervals over event "
                                        "groups; baselines: majority class, chance, and the baseline models."))
        models = figures_run.baseline_models_table(run)
        if models is not None:
            section.items.append(html.Table(*models, "The model against the baseline models (daily), 95 % "
                                            "bootstrap intervals over event groups."))
        stem = f"run_{run.name}"
        section.items.append(collector.add(figures_run.confusion_figure(run), f"{stem}_confusion",
                                           f"confusion matrices of {run.name}", "Confusion matrices (counts)."))
        section.items.append(collector.add(figures_run.roc_figure(run), f"{stem}_roc", f"ROC of {run.name}",
                                           "ROC curve of the daily out-of-fold probabilities."))
        molchan = figures_run.molchan_figure(run)
        if molchan is not None:
            section.items.append(collector.add(molchan, f"{stem}_molchan", f"Molchan diagram of {run.name}",
                                               "Molchan error diagram of the windows; below the diagonal is skill."))
        tick(f"run {run.name}")
        sections.append(section)

    for aug in aug_objs:
        fig, shown = figures_augment.augmentation_grid(aug)
        section = html.Section(f"Augmentation {aug.path.name}")
        real = " The first panel is the real day the images imitate." if figures_augment.real_day(aug) else ""
        section.items.append(collector.add(
            fig, f"augment_{aug.path.name}", f"generated images of {aug.path.name} with gate verdicts",
            f"{shown} of {len(aug.verdicts)} generated images (accepted first) with the RST gate's verdict "
            f"and, under each rejected one, its reasons.{real}"))
        tick(f"augmentation {aug.path.name}")
        sections.append(section)
    return sections


def anomaly_table(sample, extremes=None) -> tuple[list[str], list[list[str]]]:
    """One row per target day: clear sky, R coverage (share of clear pixels with R), the
    reference count, anomalous area and fraction against the noise-only expectation, max R
    with the reference sigma (K) and count of its pixel, centroid distance from the epicentre."""
    def f(value, fmt):
        return "–" if value is None or value != value else format(value, fmt)
    header = ["date", "days before", "clear sky", "R coverage", "references", "R ≥ threshold (km²)",
              "anomalous fraction", "expected from noise", "max R", "σ at max (K)", "n at max",
              "centroid–epicentre (km)"]
    rows = []
    for i, d in enumerate(sample.days):
        a = d.anomaly
        if not a:
            continue
        clear, valid = a.get("clear_sky_fraction"), a.get("valid_fraction")
        coverage = valid / clear if clear and valid == valid and clear == clear else None
        top = extremes[i][0] if extremes and extremes[i] else None
        rows.append([d.date.isoformat(), str(d.days_before), f(clear, ".0%"), f(coverage, ".0%"),
                     f(a.get("n_reference"), ".0f"), f(a.get("anomalous_area_km2"), ".0f"),
                     f(a.get("anomalous_fraction"), ".1%"), f(a.get("expected_null_fraction"), ".1%"),
                     f(a.get("max_r"), ".2f"), f(top.sigma_k if top else None, ".2f"),
                     "–" if top is None else str(top.n), f(a.get("centroid_distance_km"), ".0f")])
    return header, rows
