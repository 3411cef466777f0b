"""Per-run figures: confusion matrices, the ROC curve and the Molchan diagram of a classifier run
(``thermoquake train`` / ``evaluate`` outputs), and the metrics table as rows for HTML and PDF."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from thermoquake.evaluation.document import Metric
from thermoquake.report import style
from thermoquake.report.inputs import Run

LEVELS = (("daily", "days"), ("window_any", "windows, alarm if any day ≥ 0.5"),
          ("window_mean", "windows, alarm if mean ≥ 0.5"))


def confusion_figure(run: Run) -> Figure:
    """The 2 x 2 confusion matrix (counts) of each evaluation level the run has."""
    levels = [(k, text) for k, text in LEVELS if k in run.metrics.levels]
    fig = style.new_figure(3.0 * len(levels) + 0.6, 3.1)
    axes = np.atleast_1d(fig.subplots(1, len(levels)))
    for ax, (key, text) in zip(axes, levels):
        c = run.metrics.levels[key].confusion or {"tn": 0, "fp": 0, "fn": 0, "tp": 0}
        m = np.array([[c["tn"], c["fp"]], [c["fn"], c["tp"]]])
        ax.imshow(m, cmap="Blues", vmin=0, vmax=max(1, int(m.max())))
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, str(v), ha="center", va="center", fontsize=11,
                    color="white" if v > m.max() / 2 else "black")
        ax.set_xticks([0, 1], ["no alarm", "alarm"], fontsize=7)
        ax.set_yticks([0, 1], ["control", "earthquake"], fontsize=7)
        ax.set_xlabel("predicted", fontsize=7)
        ax.set_ylabel("true", fontsize=7)
        ax.set_title(text, fontsize=7)
    fig.suptitle(style.title(f"{run.name}: confusion matrices", run.synthetic), fontsize=9)
    return fig


def roc_points(label: np.ndarray, prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates (0..1) at every distinct threshold, from (0, 0) to (1, 1)."""
    y = np.asarray(label, bool)
    p = np.asarray(prob, float)
    thresholds = np.unique(p)[::-1]
    n_pos, n_neg = max(int(y.sum()), 1), max(int((~y).sum()), 1)
    fpr = [0.0] + [float(((p >= t) & ~y).sum() / n_neg) for t in thresholds]
    tpr = [0.0] + [float(((p >= t) & y).sum() / n_pos) for t in thresholds]
    return np.array(fpr), np.array(tpr)


def roc_figure(run: Run) -> Figure:
    """ROC curve of the daily out-of-fold probabilities, with the AUC and its 95 % interval."""
    p = run.predictions
    fpr, tpr = roc_points(p.label, p.prob)
    auc = run.metrics.daily.metrics.get("roc_auc")
    fig = style.new_figure(3.8, 3.6)
    ax = fig.subplots()
    ax.plot(fpr, tpr, color="tab:red",
            label=f"daily, AUC {_cell(auc)}")
    ax.plot([0, 1], [0, 1], "k:", label="chance")
    ax.set_xlabel("false-positive rate (controls alarmed)")
    ax.set_ylabel("true-positive rate (earthquake days)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_aspect("equal")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(style.title(f"{run.name}: ROC", run.synthetic), fontsize=9)
    return fig


def molchan_figure(run: Run) -> Figure | None:
    """Molchan error diagram (fraction of control windows alarmed vs fraction of earthquakes missed);
    the diagonal is a random forecast (area skill 0.5). Points are joined by straight lines, as
    a random order within tied scores gives. None when metrics.json has no Molchan points."""
    points = run.metrics.molchan
    if not points:
        return None
    pts = np.asarray(points, float)
    fig = style.new_figure(3.8, 3.6)
    ax = fig.subplots()
    skill = run.metrics.molchan_area_skill
    label = "model (windows)" + (f", area skill {skill:.2f}" if isinstance(skill, float) else "")
    ax.plot(pts[:, 0], pts[:, 1], color="tab:red", marker="o", markersize=3, label=label)   # lines: ties
    ax.plot([0, 1], [1, 0], "k:", label="random")
    ax.set_xlabel("fraction of control windows alarmed (τ)")
    ax.set_ylabel("fraction of earthquakes missed (ν)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_aspect("equal")
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title(style.title(f"{run.name}: Molchan diagram", run.synthetic), fontsize=9)
    return fig


def _fmt(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def _cell(e: Metric | None) -> str:
    if e is None:
        return "– [–, –]"
    return f"{_fmt(e.value)} [{_fmt(e.low)}, {_fmt(e.high)}]"


def metrics_table(run: Run) -> tuple[list[str], list[list[str]]]:
    """Header and rows: each metric at each level as value [95 % CI], then the majority and
    chance baselines of the daily evaluation."""
    levels = run.metrics.levels
    header = ["metric"] + [f"{k} [95% CI]" for k in levels] + ["majority (daily)", "chance (daily)"]
    rows = []
    base = run.metrics.daily.baselines or {}
    for name in run.metrics.daily.metrics:
        row = [name] + [_cell(e.metrics.get(name)) for e in levels.values()]
        row += [_fmt(base.get("majority", {}).get(name)), _fmt(base.get("chance", {}).get(name))]
        rows.append(row)
    return header, rows


def baseline_models_table(run: Run) -> tuple[list[str], list[list[str]]] | None:
    """The model beside every baseline model (daily), value [95 % CI]; None without baselines_models."""
    models = sorted((run.metrics.baselines_models or {}).items())
    if not models:
        return None
    header = ["metric", f"{run.name} (daily)"] + [f"{name} (daily)" for name, _ in models]
    rows = [[name, _cell(e)] + [_cell(b.metrics.get(name)) for _, b in models]
            for name, e in run.metrics.daily.metrics.items()]
    return header, rows


def run_settings(run: Run) -> dict:
    """The training options of a run: config.json's ``train`` block (older runs kept them at
    the top level), with the window from metrics.json where config.json lacks it."""
    cfg = run.config.get("train") if isinstance(run.config.get("train"), dict) else run.config
    out = dict(cfg)
    if "window" not in out and run.metrics.window is not None:
        out["window"] = run.metrics.window
    return out


def counts_text(run: Run) -> str:
    """One line on what the run is: its options and its days, events and controls. Options the
    run's files do not record are left out (never shown as a placeholder)."""
    cfg = run_settings(run)
    names = (("window", "window {} d"), ("model", "model {}"), ("augment", "augment {}"), ("split", "split {}"),
             ("folds", "{} folds"), ("epochs", "{} epochs"), ("seed", "seed {}"))
    parts = [fmt.format(cfg[k]) for k, fmt in names if cfg.get(k) not in (None, "")]
    channels = cfg.get("channels")
    if channels:
        parts.append("channels " + ("+".join(channels) if isinstance(channels, (list, tuple)) else str(channels)))
    c = run.metrics.daily.counts or {}
    w = run.metrics.window_any.counts or {}
    counts = []
    if "days" in c:
        counts.append(f"{c['days']} days" + (f" ({c['positive_days']} earthquake)" if "positive_days" in c else ""))
    events, controls = c.get("events", w.get("events")), c.get("controls", w.get("controls"))
    if events is not None and controls is not None:
        counts.append(f"{events} events and {controls} controls")
    return ", ".join(parts) + ("; " + ", ".join(counts) if counts else "")
