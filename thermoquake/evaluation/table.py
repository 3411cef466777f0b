"""Plain-text tables of a metrics document (what ``train``/``evaluate`` print)."""

from __future__ import annotations

from thermoquake.evaluation.document import Metric, MetricsDocument

ROWS = (("accuracy", "A"), ("recall", "A1"), ("specificity", "A2"), ("balanced_accuracy", "BA"),
        ("mcc", "MCC"), ("roc_auc", "AUC"), ("brier", "Brier"), ("brier_skill", "BSS"),
        ("probability_gain", "gain"))


def _cell(m: Metric) -> str:
    return f"{m.value:6.3f} [{m.low:5.3f}, {m.high:5.3f}]" if m.defined else "   n/a"


def format_metrics(doc: MetricsDocument) -> str:
    """Daily and window metrics with 95 % intervals, the majority baseline and the non-deep
    baselines' balanced accuracy; SYNTHETIC in the title when the data were."""
    title = (f"window {doc.window} d, model {doc.model}, augment {doc.augment}, "
             f"split {doc.split}" + (" — SYNTHETIC data" if doc.is_synthetic else ""))
    c = doc.daily.counts or {}
    lines = [title, f"{c['events']} events, {c['controls']} controls, {c['days']} days "
             f"({c['positive_days']} positive); intervals: 95 % bootstrap over "
             f"{c.get('groups', '?')} groups (an event with its matched controls)",
             f"{'metric':8s} {'daily':>22s} {'window (any)':>22s} {'majority':>9s}"]
    majority = (doc.daily.baselines or {})["majority"]
    for key, short in ROWS:
        lines.append(f"{short:8s} {_cell(doc.metric(key)):>22s} "
                     f"{_cell(doc.metric(key, 'window_any')):>22s} "
                     f"{majority[key]:9.3f}")
    for name, e in sorted((doc.baselines_models or {}).items()):
        lines.append(f"baseline {name:13s} BA {_cell(e.balanced_accuracy)}  "
                     f"AUC {_cell(e.roc_auc)}")
    return "\n".join(lines)
