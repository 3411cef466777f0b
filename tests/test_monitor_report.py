"""``thermoquake report --monitor``: the daily maps, the Molchan diagram and the tables of a
region monitor made from SYNTHETIC tiles (synth region -> monitor -> monitor evaluate -> report),
through the library; with a classifier's alarms (monitor --run) beside the RST rule's."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests._monitor_data import CATALOG, MAIN_SHOCK_ID, model_monitor, run_the_monitor, synthetic_tiles

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def monitor_dir(tmp_path_factory) -> Path:
    """A scored monitor of 2015-04-23..25 on SYNTHETIC tiles with +5 K before each main shock."""
    from thermoquake.monitor.score import evaluate_monitor

    out = tmp_path_factory.mktemp("monrep") / "mon"
    run_the_monitor(synthetic_tiles(tmp_path_factory), out)
    evaluate_monitor(out, CATALOG)
    return out


@pytest.fixture(scope="module")
def report(monitor_dir, tmp_path_factory):
    from thermoquake.report.monitor_report import build_monitor_report

    out = tmp_path_factory.mktemp("monrep_out") / "rep"
    return out, build_monitor_report(monitor_dir, out)


@pytest.fixture(scope="module")
def inputs(monitor_dir):
    from thermoquake.report.monitor_report import read_monitor

    return read_monitor(monitor_dir)


def test_monitor_report_writes_a_synthetic_page_pdf_and_figures(report, monitor_dir):
    out, summary = report
    assert summary.synthetic is True and summary.index == out / "index.html"
    figures = sorted(Path(p).name for p in summary.figures)
    assert figures == ["monitor_days_2015-04-23.png", "monitor_molchan.png"]
    page = (out / "index.html").read_text()
    assert "SYNTHETIC DATA" in page and "<title>SYNTHETIC" in page
    assert page.count("<img ") == 2 and page.count("<figcaption>") == 2
    for heading in ("Scores", "Daily maps", "Alarms and hits"):
        assert f"<h2>{heading}</h2>" in page
    pdf = (out / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and "SYNTHETIC".encode("utf-16-be") in pdf      # the document title
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", pdf)
    assert len(boxes) >= 3 and {(round(float(w) / 72 * 25.4), round(float(h) / 72 * 25.4))
                                for w, h in boxes} == {(210, 297)}                   # A4 pages


def test_tables_count_the_alarmed_cells_and_the_hits_of_the_monitor(inputs):
    from thermoquake.report.monitor_report import alarm_table, earthquake_table

    from thermoquake.monitor.outputs import open_datacube

    with open_datacube(inputs.path) as ds:
        alarmed = (ds["alarm_cell"].values > 0).sum(axis=1)
    header, rows = alarm_table(inputs)
    assert [r[0] for r in rows] == ["2015-04-23", "2015-04-24", "2015-04-25"]
    assert [int(r[1]) for r in rows] == [int(a) for a in alarmed]
    raw = next(s for s in inputs.evaluation["scores"] if s["catalogue"] == "raw")
    assert sum(int(r[3]) for r in rows) == raw["earthquakes"]
    assert sum(int(r[4]) for r in rows if r[4] != "–") == raw["hits"]
    header, rows = earthquake_table(inputs)
    main = [r for r in rows if r[1] == MAIN_SHOCK_ID]
    assert main and main[0][0] == "2015-04-25" and main[0][7] == "hit" and main[0][-1] == "yes"
    assert sum(r[7] == "hit" for r in rows) == raw["hits"] and len(rows) == raw["earthquakes"]


def test_daily_maps_draw_each_earthquake_on_its_own_day_with_legend_and_colour_bars(inputs):
    from thermoquake.report import style
    from thermoquake.report.monitor_report import MapCube, day_maps, lst_limits

    cube = MapCube(inputs)
    try:
        fig = day_maps(inputs, cube, 0, len(inputs.days), lst_limits(cube, len(inputs.days)))
    finally:
        cube.close()
    maps = [ax for ax in fig.axes if ax.images]
    assert len(maps) == 3 * len(inputs.days)
    n_quakes = {d: sum(e.time.date() == d for e in inputs.quakes) for d in inputs.days}
    assert n_quakes[inputs.days[-1]] > 0 and n_quakes[inputs.days[0]] == 0
    for row, day in enumerate(inputs.days):
        for ax in maps[3 * row:3 * row + 3]:
            stars = [line for line in ax.get_lines() if line.get_marker() == "*"]
            assert len(stars) == n_quakes[day]
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "cloud / no data" in labels and "no alarm" in labels and any("earthquake M≥5" in t for t in labels)
    colour_bars = [ax.get_xlabel() for ax in fig.axes if not ax.images and ax.get_xlabel()]
    assert any("LST" in t for t in colour_bars) and any(t.startswith("R (") for t in colour_bars)
    assert fig._suptitle.get_text().startswith("SYNTHETIC")
    # the alarm panel of the last day is the alarm score of each pixel's cell
    alarm = maps[-1].images[0].get_array()
    assert np.nanmax(alarm) == pytest.approx(float(inputs.scores[-1].max()))
    style.close(fig)


def test_molchan_figure_draws_the_evaluated_trajectory_and_the_binomial_band(inputs):
    from thermoquake.monitor.score import random_band
    from thermoquake.report.monitor_report import molchan_figure

    fig = molchan_figure(inputs)
    scores = inputs.evaluation["scores"]
    assert len(fig.axes) == len(scores)
    for ax, s in zip(fig.axes, scores):
        red = next(line for line in ax.get_lines() if line.get_color() == "tab:red")
        np.testing.assert_allclose(np.c_[red.get_xdata(), red.get_ydata()], s["molchan"])
        tau, edge = (np.asarray(v) for v in ax.get_lines()[0].get_data())
        np.testing.assert_allclose(edge, np.clip(random_band(tau, s["earthquakes"], s["alpha"]), 0, 1))
        assert ax.get_legend() is not None and ax.get_title().startswith("SYNTHETIC")


def test_bad_monitor_inputs_are_errors_naming_the_file(monitor_dir, tmp_path):
    from thermoquake.errors import ThermoquakeError
    from thermoquake.report.monitor_report import build_monitor_report

    with pytest.raises(ThermoquakeError) as err:
        build_monitor_report(tmp_path, tmp_path / "rep")
    assert err.value.source == str(tmp_path / "monitor.nc")
    bad = tmp_path / "evaluation.json"
    bad.write_text("{not json")
    with pytest.raises(ThermoquakeError, match="not valid JSON") as err:
        build_monitor_report(monitor_dir, tmp_path / "rep", evaluation=bad)
    assert err.value.source == str(bad)
    bad.write_text(json.dumps({"monitor": str(monitor_dir)}))
    with pytest.raises(ThermoquakeError, match="scores") as err:
        build_monitor_report(monitor_dir, tmp_path / "rep", evaluation=bad)
    assert err.value.source == str(bad)
    assert not (tmp_path / "rep").exists()


def test_plan_lists_the_figures_and_writes_nothing(monitor_dir, tmp_path):
    from thermoquake.report.monitor_report import plan_monitor_report

    plan = plan_monitor_report(monitor_dir, tmp_path / "rep")
    assert plan["days"] == 3 and plan["figures"] == 2 and plan["synthetic"] is True
    assert not (tmp_path / "rep").exists()


def _chromium_check(index: Path, tmp_path: Path) -> dict:
    """The check script of tests/test_report.py run on ``index`` in headless Chromium."""
    from tests.test_report import CHECK_SCRIPT, CHROMIUM_FLAGS

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "chromium is not installed: run `make test` or `apt-get install chromium`"
    page = index.parent / ".check.html"
    page.write_text(index.read_text().replace("</body>", CHECK_SCRIPT))
    try:
        proc = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                               "--window-size=900,2000", "--virtual-time-budget=10000", "--dump-dom",
                               page.as_uri()], capture_output=True, text=True, timeout=120)
    finally:
        page.unlink()
    assert proc.returncode == 0, proc.stderr[-2000:]
    match = re.search(r'<pre id="tq-check"[^>]*>(.*?)</pre>', proc.stdout, re.S)
    assert match, "the check script did not run: " + proc.stdout[-500:]
    return json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def test_monitor_page_in_headless_chromium_shows_every_image_caption_and_whole_table(report, tmp_path):
    """Needs Debian's chromium (``make test`` installs it); a missing browser fails, never skips."""
    result = _chromium_check(report[0] / "index.html", tmp_path)
    assert result["images"] == 2 and result["broken"] == []
    assert result["scrollWidth"] <= result["clientWidth"] and result["overflowing"] == []
    assert result["uncaptioned"] == 0 and result["clippedCells"] == [] and result["imagesShrunk"] == []
    assert result["headings"] == ["Scores", "Daily maps", "Alarms and hits"]
    assert not any("?" in n for n in result["notes"]) and any("Region 84.5,27.8,85.5,28.5" in n
                                                               for n in result["notes"])
    assert not any("Model alarms" in n for n in result["notes"])


# --- with a classifier's alarms (monitor --run) ------------------------------------------------


@pytest.fixture(scope="module")
def model_inputs(tiny_study, tmp_path_factory):
    """The model monitor, both alarm records scored, read for the report."""
    from thermoquake.monitor.score import evaluate_monitor
    from thermoquake.report.monitor_report import read_monitor

    out, _, _ = model_monitor(tiny_study, tmp_path_factory)
    evaluate_monitor(out, CATALOG)
    return read_monitor(out)


@pytest.fixture(scope="module")
def model_report(model_inputs, tmp_path_factory):
    from thermoquake.report.monitor_report import build_monitor_report

    out = tmp_path_factory.mktemp("monrep_model") / "rep"
    return out, build_monitor_report(model_inputs.path, out)


@pytest.mark.ml
def test_report_reads_the_model_alarms_and_their_evaluation(model_inputs):
    from thermoquake.monitor.outputs import open_datacube

    model = model_inputs.model
    assert model is not None and model.evaluation["alarm_source"] == "model"
    with open_datacube(model_inputs.path) as ds:
        np.testing.assert_array_equal(model.scores, ds["model_probability"].values)
        np.testing.assert_array_equal(model.alarmed, ds["model_alarm_cell"].values > 0)
    assert model_inputs.evaluation["alarm_source"] == "rst"


@pytest.mark.ml
def test_daily_maps_show_the_model_alarm_beside_the_rule_alarm(model_inputs):
    from thermoquake.report import style
    from thermoquake.report.monitor_report import MapCube, day_maps, lst_limits

    cube = MapCube(model_inputs)
    try:
        fig = day_maps(model_inputs, cube, 0, len(model_inputs.days), lst_limits(cube, len(model_inputs.days)))
        model_of_day = [cube.alarm(model_inputs.model.scores[k]) for k in range(len(model_inputs.days))]
    finally:
        cube.close()
    maps = [ax for ax in fig.axes if ax.images]
    assert len(maps) == 4 * len(model_inputs.days)
    titles = [ax.get_title() for ax in maps[:4]]
    assert "RST-rule alarm" in titles[2] and "model alarm" in titles[3]
    for row in range(len(model_inputs.days)):
        rule = maps[4 * row + 2].images[0]
        shown = maps[4 * row + 3].images[0]
        np.testing.assert_array_equal(np.ma.filled(shown.get_array(), np.nan), model_of_day[row])
        assert shown.norm.vmin == pytest.approx(model_inputs.model.threshold)         # white below the threshold
        assert rule.norm.vmin == pytest.approx(float(model_inputs.summary["threshold"]))
    style.close(fig)


@pytest.mark.ml
def test_molchan_figure_draws_the_model_trajectory_next_to_the_rule(model_inputs):
    from thermoquake.report.monitor_report import molchan_figure

    fig = molchan_figure(model_inputs)
    rule = {s["catalogue"]: s for s in model_inputs.evaluation["scores"] if s.get("molchan")}
    model = {s["catalogue"]: s for s in model_inputs.model.evaluation["scores"] if s.get("molchan")}
    assert model and len(fig.axes) == len(rule | model)
    for ax in fig.axes:
        catalogue = next(c for c in rule | model if ax.get_title().endswith(f"{c} catalogue") or f"{c} catalogue:"
                         in ax.get_title())
        for colour, scores in (("tab:red", rule), ("tab:blue", model)):
            line = next(line for line in ax.get_lines() if line.get_color() == colour)
            np.testing.assert_allclose(np.c_[line.get_xdata(), line.get_ydata()], scores[catalogue]["molchan"])
            assert f"area skill {scores[catalogue]['area_skill']:.3f}" in line.get_label()


@pytest.mark.ml
def test_tables_give_the_alarms_and_hits_of_the_rule_and_the_model(model_inputs):
    from thermoquake.report.monitor_report import alarm_table, earthquake_table, scores_table

    header, rows = scores_table(model_inputs)
    assert [r[0] for r in rows] == ["RST rule"] * len(model_inputs.evaluation["scores"]) + \
        [f"model (p ≥ {model_inputs.model.threshold:.3g})"] * len(model_inputs.model.evaluation["scores"])
    model_raw = next(s for s in model_inputs.model.evaluation["scores"] if s["catalogue"] == "raw")
    model_row = next(r for r in rows if r[0].startswith("model") and r[1] == "raw")
    assert model_row[3] == str(model_raw["hits"]) and model_row[5] == f"{model_raw['area_skill']:.3f}"
    header, rows = alarm_table(model_inputs)
    assert header[5:] == ["model cells alarmed", "highest model probability", "model hit"]
    assert [int(r[5]) for r in rows] == [int(a) for a in model_inputs.model.alarmed.sum(axis=1)]
    assert sum(int(r[7]) for r in rows if r[7] != "–") == model_raw["hits"]
    header, rows = earthquake_table(model_inputs)
    assert header[8:10] == ["model probability", "model hit"]
    assert sum(r[9] == "hit" for r in rows) == model_raw["hits"]
    for (k, j, _), row in zip(model_inputs.targets, rows):
        assert row[8] == f"{model_inputs.model.scores[k, j]:.3f}"


@pytest.mark.ml
def test_model_monitor_page_in_headless_chromium_shows_both_alarm_records(model_report, tmp_path):
    """Needs Debian's chromium (``make test`` installs it); a missing browser fails, never skips."""
    out, summary = model_report
    assert sorted(p.name for p in summary.figures) == ["monitor_days_2015-04-23.png", "monitor_molchan.png"]
    page = (out / "index.html").read_text()
    assert "model (p ≥" in page and "model hit" in page and "Far right: the model" in page
    result = _chromium_check(out / "index.html", tmp_path)
    assert result["images"] == 2 and result["broken"] == []
    assert result["scrollWidth"] <= result["clientWidth"] and result["overflowing"] == []
    assert result["uncaptioned"] == 0 and result["clippedCells"] == [] and result["imagesShrunk"] == []
    assert result["headings"] == ["Scores", "Daily maps", "Alarms and hits"]
    assert any("Model alarms (monitor --run)" in n for n in result["notes"])
    assert not any("?" in n for n in result["notes"])
