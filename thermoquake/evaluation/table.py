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


CLASS_NAMES = (("1", "events"), ("0", "controls"))


def augmentation_rows(doc: MetricsDocument | dict) -> list[dict]:
    """Per fold of a ``--augment gan`` run (metrics.json ``augmentation``): ``fold``, the
    recorded real:fake ``ratio`` (generated images added per real training image, one for
    both classes) and per class (``events``, ``controls``) ``real`` training images,
    ``generated``, ``accepted`` by the screen and ``added``. Empty for other runs."""
    rows = []
    notes = doc.get("augmentation") if isinstance(doc, dict) else doc.augmentation
    for k, note in enumerate(notes or []):
        if not isinstance(note, dict) or "per_class" not in note:
            continue
        row = {"fold": k, "ratio": note.get("ratio")}
        for label, name in CLASS_NAMES:
            c = note["per_class"].get(label, {})
            row[name] = {key: int(c.get(key, 0)) for key in ("real", "generated", "accepted", "added")}
        rows.append(row)
    return rows


def format_augmentation(doc: MetricsDocument | dict) -> str:
    """:func:`augmentation_rows` as one line per fold ("" when the run added no GAN images)."""
    lines = []
    for r in augmentation_rows(doc):
        cls = "; ".join(f"{name} {r[name]['added']} added of {r[name]['accepted']} accepted / "
                        f"{r[name]['generated']} generated ({r[name]['real']} real)" for _, name in CLASS_NAMES)
        ratio = "n/a" if r["ratio"] is None else f"{r['ratio']:.3f}"
        lines.append(f"fold {r['fold']}: ratio {ratio}; {cls}")
    return "\n".join(lines)
