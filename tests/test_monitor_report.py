"""``thermoquake report --monitor``: the daily maps, the Molchan diagram and the tables of a
region monitor made from SYNTHETIC tiles (synth region -> monitor -> monitor evaluate -> report)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from thermoquake.cli.main import cli

pytestmark = pytest.mark.slow

CATALOG = Path(__file__).parent / "data" / "catalog" / "comcat_china_2013_2016.csv"
REGION = "84.5,27.8,85.5,28.5"          # holds the Gorkha main shock, 2015-04-25 M7.8
MAIN_SHOCK_ID = "us20002926"
COMMON = ["--region", REGION, "--reference-years", "2012-2013", "--reference-window-days", "1"]


def _run(args: list[str]) -> dict:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def monitor_dir(tmp_path_factory) -> Path:
    """A scored monitor of 2015-04-23..25 on SYNTHETIC tiles with +5 K before each main shock."""
    root = tmp_path_factory.mktemp("monrep")
    hdf, out = root / "hdf", root / "mon"
    _run(["synth", "region", *COMMON, "--start", "2015-04-23", "--end", "2015-04-25", "--catalog", str(CATALOG),
          "--anomaly-k", "5", "--cloud-fraction", "0.1", "--out", str(hdf), "--no-progress"])
    _run(["monitor", *COMMON, "--start", "2015-04-23", "--end", "2015-04-25", "--workers", "0", "--min-count", "3",
          "--hdf-dir", str(hdf), "--out", str(out)])
    _run(["monitor", "evaluate", "--monitor", str(out), "--catalog", str(CATALOG)])
    return out


@pytest.fixture(scope="module")
def report(monitor_dir, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("monrep_out") / "rep"
    return out, _run(["report", "--monitor", str(monitor_dir), "--out", str(out), "--no-progress"])


@pytest.fixture(scope="module")
def inputs(monitor_dir):
    from thermoquake.report.monitor_report import read_monitor

    return read_monitor(monitor_dir)


def test_monitor_report_writes_a_synthetic_page_pdf_and_figures(report, monitor_dir):
    out, summary = report
    assert summary["synthetic"] is True and summary["monitor"] == str(monitor_dir)
    figures = sorted(Path(p).name for p in summary["figures"])
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
    import xarray as xr

    from thermoquake.report.monitor_report import alarm_table, earthquake_table

    with xr.open_dataset(inputs.path / "monitor.nc") as ds:
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
    from thermoquake.report.monitor_report import _Cube, _lst_limits, day_maps

    cube = _Cube(inputs)
    try:
        fig = day_maps(inputs, cube, 0, len(inputs.days), _lst_limits(cube, len(inputs.days)))
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


def test_bad_monitor_inputs_are_one_line_errors_naming_the_file(monitor_dir, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["report", "--monitor", str(tmp_path), "--out", str(tmp_path / "rep")])
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1
    assert result.output.startswith(f"Error: {tmp_path / 'monitor.nc'}: ")
    bad = tmp_path / "evaluation.json"
    bad.write_text("{not json")
    result = runner.invoke(cli, ["report", "--monitor", str(monitor_dir), "--evaluation", str(bad),
                                 "--out", str(tmp_path / "rep")])
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1
    assert result.output.startswith(f"Error: {bad}: ")
    result = runner.invoke(cli, ["report", "--monitor", str(monitor_dir), "--workdir", str(tmp_path),
                                 "--out", str(tmp_path / "rep")])
    assert result.exit_code == 2 and "either --workdir or --monitor" in result.output
    assert not (tmp_path / "rep").exists()


def test_dry_run_lists_the_figures_and_writes_nothing(monitor_dir, tmp_path):
    plan = _run(["report", "--monitor", str(monitor_dir), "--out", str(tmp_path / "rep"), "--dry-run"])
    assert plan["days"] == 3 and plan["figures"] == 2 and plan["synthetic"] is True
    assert not (tmp_path / "rep").exists()


def test_monitor_page_in_headless_chromium_shows_every_image_caption_and_whole_table(report, tmp_path):
    """Needs Debian's chromium (``make test`` installs it); a missing browser fails, never skips."""
    from tests.test_report import CHECK_SCRIPT, CHROMIUM_FLAGS

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "chromium is not installed: run `make test` or `apt-get install chromium`"
    out = report[0]
    page = out / ".check.html"
    page.write_text((out / "index.html").read_text().replace("</body>", CHECK_SCRIPT))
    try:
        proc = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                               "--window-size=900,2000", "--virtual-time-budget=10000", "--dump-dom",
                               page.as_uri()], capture_output=True, text=True, timeout=120)
    finally:
        page.unlink()
    assert proc.returncode == 0, proc.stderr[-2000:]
    match = re.search(r'<pre id="tq-check"[^>]*>(.*?)</pre>', proc.stdout, re.S)
    assert match, "the check script did not run: " + proc.stdout[-500:]
    result = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert result["images"] == 2 and result["broken"] == []
    assert result["scrollWidth"] <= result["clientWidth"] and result["overflowing"] == []
    assert result["uncaptioned"] == 0 and result["clippedCells"] == [] and result["imagesShrunk"] == []
    assert result["headings"] == ["Scores", "Daily maps", "Alarms and hits"]
    assert not any("?" in n for n in result["notes"]) and any("Region 84.5,27.8,85.5,28.5" in n
                                                               for n in result["notes"])
