"""Plain-text tables of a metrics.json document (what ``train``/``evaluate`` print)."""

from __future__ import annotations

ROWS = (("accuracy", "A"), ("recall", "A1"), ("specificity", "A2"), ("balanced_accuracy", "BA"),
        ("mcc", "MCC"), ("roc_auc", "AUC"), ("brier", "Brier"), ("brier_skill", "BSS"),
        ("probability_gain", "gain"))


def _cell(m: dict) -> str:
    v, lo, hi = m["value"], m["ci_low"], m["ci_high"]
    return f"{v:6.3f} [{lo:5.3f}, {hi:5.3f}]" if v == v else "   n/a"


def format_metrics(doc: dict) -> str:
    """Daily and window metrics with 95 % intervals, the majority baseline and the non-deep
    baselines' balanced accuracy; SYNTHETIC in the title when the data were."""
    title = (f"window {doc.get('window')} d, model {doc.get('model')}, augment {doc.get('augment')}, "
             f"split {doc.get('split')}" + (" — SYNTHETIC data" if doc.get("synthetic") else ""))
    c = doc["daily"]["counts"]
    lines = [title, f"{c['events']} events, {c['controls']} controls, {c['days']} days "
             f"({c['positive_days']} positive); intervals: 95 % bootstrap over "
             f"{c.get('groups', '?')} groups (an event with its matched controls)",
             f"{'metric':8s} {'daily':>22s} {'window (any)':>22s} {'majority':>9s}"]
    for key, short in ROWS:
        lines.append(f"{short:8s} {_cell(doc['daily']['metrics'][key]):>22s} "
                     f"{_cell(doc['window_any']['metrics'][key]):>22s} "
                     f"{doc['daily']['baselines']['majority'][key]:9.3f}")
    for name, e in sorted(doc.get("baselines_models", {}).items()):
        lines.append(f"baseline {name:13s} BA {_cell(e['metrics']['balanced_accuracy'])}  "
                     f"AUC {_cell(e['metrics']['roc_auc'])}")
    return "\n".join(lines)
