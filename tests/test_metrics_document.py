"""MetricsDocument: metrics.json as a checked object, its JSON structure unchanged."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from _report_inputs import make_run
from thermoquake.errors import RunDirectoryError
from thermoquake.evaluation.document import Evaluation, Metric, MetricsDocument, metrics_document
from thermoquake.evaluation.rescore import rescore_run

EXISTING = Path(__file__).parent / "data" / "metrics" / "tiny_synthetic_run.json"
"""The metrics.json of a ``thermoquake train`` run on a tiny SYNTHETIC study (5 sites, window
3 d, drsn, 2 folds), written by the code before MetricsDocument existed."""


def _text(d: dict) -> str:
    return json.dumps(d, indent=2, sort_keys=True) + "\n"        # what the writers write


def _metric(raw: dict) -> Metric:
    return Metric(raw["value"], raw["ci_low"], raw["ci_high"])


def _same(a: Metric, b: Metric) -> bool:
    return all(x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip((a.value, a.low, a.high),
                                                                           (b.value, b.low, b.high)))


@pytest.fixture
def rescored(tmp_path) -> tuple[Path, MetricsDocument]:
    """A fake run's predictions scored by the real code (rescore: metrics_document and the
    training records of its metrics.json)."""
    run = make_run(tmp_path, n_controls=6, n_events=6, days=3)
    return run, rescore_run(run, n_boot=50)


def test_a_computed_document_round_trips_through_to_dict_from_dict_and_the_file(rescored, tmp_path):
    _, doc = rescored
    d = doc.to_dict()
    assert _text(MetricsDocument.from_dict(d).to_dict()) == _text(d)
    path = doc.write(tmp_path / "out" / "metrics.json")
    assert path.read_text() == _text(d)
    assert _text(MetricsDocument.read(path).to_dict()) == _text(d)
    assert not [p for p in path.parent.iterdir() if ".tmp-" in p.name]


def test_compute_gives_the_structure_metrics_document_builds():
    rng = np.random.default_rng(3)
    samples = [f"s{i // 3}" for i in range(36)]
    labels = np.array([int(s[1:]) % 2 for s in samples])
    prob = np.clip(0.5 + 0.3 * (labels - 0.5) + rng.normal(0, 0.2, 36), 0, 1)
    meta = {"synthetic": True, "window": 4, "model": "cnn", "threshold": 0.5, "threshold_source": "fixed"}
    args = (samples, labels, samples, prob, {"flat": np.full(36, 0.5)}, meta)
    doc = MetricsDocument.compute(*args, n_boot=30)
    assert _text(doc.to_dict()) == _text(metrics_document(*args, n_boot=30))
    assert doc.window == 4 and doc.model == "cnn" and doc.is_synthetic and doc.threshold == 0.5
    assert isinstance(doc.baselines_models["flat"], Evaluation)
    assert set(doc.levels) == {"daily", "window_any", "window_mean"}


def test_a_metrics_json_written_before_the_object_loads_and_writes_back_byte_for_byte(tmp_path):
    raw_text = EXISTING.read_text()
    raw = json.loads(raw_text)
    doc = MetricsDocument.read(EXISTING)
    assert _text(doc.to_dict()) == raw_text
    assert _same(doc.balanced_accuracy, _metric(raw["daily"]["metrics"]["balanced_accuracy"]))
    assert _same(doc.window_any.recall, _metric(raw["window_any"]["metrics"]["recall"]))
    assert _same(doc.metric("roc_auc", "window_mean"), _metric(raw["window_mean"]["metrics"]["roc_auc"]))
    assert _same(doc.baselines_models["rst_rule"].mcc, _metric(raw["baselines_models"]["rst_rule"]["metrics"]["mcc"]))
    assert doc.daily.confusion == raw["daily"]["confusion"] and doc.daily.counts == raw["daily"]["counts"]
    assert doc.molchan == tuple(tuple(p) for p in raw["molchan"])
    assert (doc.is_synthetic, doc.window, doc.model) == (raw["synthetic"], raw["window"], raw["model"])
    assert doc.folds == raw["folds"] and doc.balance == raw["balance"] and doc.split_summary == raw["split_summary"]
    run = tmp_path / "run"
    run.mkdir()
    doc.write(run)                                             # a run directory: its metrics.json
    assert (run / "metrics.json").read_text() == raw_text


def test_the_report_fixture_document_loads_and_open_run_gives_the_typed_metrics(tmp_path):
    from thermoquake.directories import open_run

    run = make_run(tmp_path)
    raw = json.loads((run / "metrics.json").read_text())
    doc = open_run(run).metrics
    assert _same(doc.roc_auc, _metric(raw["daily"]["metrics"]["roc_auc"]))
    assert doc.seed is None and doc.balance is None           # keys the document lacks
    d = doc.to_dict()
    assert all(_text({k: d[k]}) == _text({k: raw[k]}) for k in raw)


def test_other_top_level_keys_are_kept(rescored, tmp_path):
    _, doc = rescored
    tagged = doc.with_records(experiment={"anomaly_k": 3.0}, window=7)
    assert tagged.extra == {"experiment": {"anomaly_k": 3.0}} and tagged.window == 7
    again = MetricsDocument.read(tagged.write(tmp_path / "m.json"))
    assert again.extra == tagged.extra and again.to_dict()["experiment"] == {"anomaly_k": 3.0}


def _break(case: str, text: str) -> str:
    d = json.loads(text)
    if case == "truncated":
        return text[: len(text) // 2]
    if case == "wrong-schema":
        d["schema"] = "thermoquake-metrics/1"
    elif case == "no-schema":
        del d["schema"]
    elif case == "missing-level":
        del d["window_any"]
    elif case == "missing-interval":
        del d["daily"]["metrics"]["recall"]["ci_high"]
    elif case == "wrong-type":
        d["window"] = "3"
    elif case == "not-a-number":
        d["baselines_models"]["rst_rule"]["metrics"]["mcc"]["value"] = "high"
    elif case == "not-an-object":
        d = [d]
    return json.dumps(d)


@pytest.mark.parametrize("case, words", [
    ("truncated", "not complete JSON"), ("wrong-schema", "schema is 'thermoquake-metrics/1', expected"),
    ("no-schema", "has no schema"), ("missing-level", "has no 'window_any' metrics"),
    ("missing-interval", "daily.metrics.recall has no 'ci_high'"), ("wrong-type", "window is '3', not an integer"),
    ("not-a-number", "baselines_models.rst_rule.metrics.mcc.value is 'high', not a number"),
    ("not-an-object", "not a metrics document"),
])
def test_a_bad_document_is_a_one_line_error_naming_the_file(tmp_path, case, words):
    path = tmp_path / "metrics.json"
    path.write_text(_break(case, EXISTING.read_text()))
    with pytest.raises(RunDirectoryError) as err:
        MetricsDocument.read(path)
    message = str(err.value)
    assert len(message.splitlines()) == 1 and message.startswith(f"{path}: ") and words in message


def test_a_missing_file_and_a_dict_without_a_source_are_named(tmp_path):
    with pytest.raises(RunDirectoryError, match=f"^{tmp_path / 'metrics.json'}: does not exist"):
        MetricsDocument.read(tmp_path)
    with pytest.raises(RunDirectoryError, match="^metrics document: has no 'daily' metrics"):
        MetricsDocument.from_dict({"schema": "thermoquake-metrics/2"})


def test_open_run_refuses_a_truncated_metrics_json_in_one_line(tmp_path):
    from thermoquake.directories import open_run

    run = shutil.copytree(make_run(tmp_path / "a"), tmp_path / "run")
    text = (run / "metrics.json").read_text()
    (run / "metrics.json").write_text(text[: len(text) // 3])
    with pytest.raises(RunDirectoryError, match="not complete JSON") as err:
        open_run(run).metrics
    assert len(str(err.value).splitlines()) == 1 and str(err.value).startswith(f"{run / 'metrics.json'}: ")


@pytest.mark.slow
@pytest.mark.ml
def test_a_trained_run_writes_the_document_its_result_holds(tiny_study, tmp_path):
    import thermoquake as tq

    work = shutil.copytree(tiny_study / "work", tmp_path / "work")
    tq.run_rst(work, min_count=1)
    result = tq.train_window(work, tmp_path / "run", window=3, folds=2, epochs=2, width=0.125, batch_size=8,
                             final_model=False)
    text = (tmp_path / "run" / "metrics.json").read_text()
    assert _text(result.metrics.to_dict()) == text
    doc = MetricsDocument.read(tmp_path / "run")
    assert _text(MetricsDocument.from_dict(json.loads(text)).to_dict()) == text == _text(doc.to_dict())
    assert doc.is_synthetic and doc.window == 3 and doc.balance is not None and len(doc.folds) == 2
    assert 0.0 <= doc.balanced_accuracy.value <= 1.0
    assert doc.balanced_accuracy.low <= doc.balanced_accuracy.high


METRICS_FILE_USERS = {
    "training/run_files.py": "defines the name",
    "evaluation/document.py": "reads and writes the file (MetricsDocument.read/write)",
    "training/run.py": "where a run's document is written; the dry run lists it",
    "directories.py": "RunDirectory.metrics_file, read through MetricsDocument",
    "report/inputs.py": "where a report reads a run's document, through MetricsDocument",
}


def test_the_file_name_is_spelled_once_and_used_only_beside_metrics_document():
    import ast

    import thermoquake

    package = Path(thermoquake.__file__).parent
    spelled, users = [], set()
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        spelled += [relative for node in ast.walk(tree)
                    if isinstance(node, ast.Constant) and node.value == "metrics.json"]
        if any(isinstance(node, ast.Name) and node.id == "METRICS_FILE" for node in ast.walk(tree)):
            users.add(relative)
    assert spelled == ["training/run_files.py"]
    assert users == set(METRICS_FILE_USERS), "read and write metrics.json through MetricsDocument"
