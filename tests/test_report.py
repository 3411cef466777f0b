"""The report (``thermoquake.build_report``): the page, the PDF, the figures and their conventions,
on a real preprocess + rst workdir made from synthetic tiles and fake run / GAN directories."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import thermoquake as tq
from tests._report_inputs import EVENT_ID, make_augmentation, make_run, make_workdir
from thermoquake.errors import ThermoquakeError

pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("report_inputs")
    workdir = make_workdir(root)
    return {"root": root, "workdir": workdir, "run": make_run(root), "augment": make_augmentation(root, workdir)}


@pytest.fixture(scope="module")
def report(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "rep"
    summary = tq.build_report(inputs["workdir"], out, runs=[inputs["run"]], augmentations=[inputs["augment"]])
    return out, summary.as_dict()


def test_report_writes_the_page_the_pdf_and_every_figure(report):
    out, summary = report
    html = (out / "index.html").read_text()
    figures = sorted((out / "figures").glob("*.png"))
    assert sorted(Path(p) for p in summary["figures"]) == figures
    names = {p.stem for p in figures}
    assert {f"event_{EVENT_ID}_maps", f"event_{EVENT_ID}_area", f"event_{EVENT_ID}_prob",
            "run_w3-drsn-gan-s0_confusion", "run_w3-drsn-gan-s0_roc", "run_w3-drsn-gan-s0_molchan",
            "augment_gen"} == names
    embedded = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert sorted(base64.b64decode(e) for e in embedded) == sorted(p.read_bytes() for p in figures)
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert summary["synthetic"] is True and "SYNTHETIC DATA" in html
    pdf = (out / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", pdf)
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages >= 3 and len(boxes) == pages                     # a cover and the sections
    assert {(round(float(w) / 72 * 25.4), round(float(h) / 72 * 25.4)) for w, h in boxes} == {(210, 297)}  # A4
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]


def test_metrics_tables_show_the_values_intervals_and_baselines_of_metrics_json(report, inputs):
    out, _ = report
    html = (out / "index.html").read_text()
    metrics = json.loads((inputs["run"] / "metrics.json").read_text())
    for level in ("daily", "window_any", "window_mean"):
        e = metrics[level]["metrics"]["balanced_accuracy"]
        assert f"{e['value']:.3f} [{e['ci_low']:.3f}, {e['ci_high']:.3f}]" in html
    mcc = metrics["baselines_models"]["rst_rule"]["metrics"]["mcc"]
    assert f"{mcc['value']:.3f} [{mcc['ci_low']:.3f}, {mcc['ci_high']:.3f}]" in html
    counts = metrics["daily"]["counts"]
    assert f"{counts['days']} days ({counts['positive_days']} earthquake)" in html


def test_run_header_gives_the_training_options_config_json_keeps_under_train(inputs):
    from thermoquake.report.figures_run import counts_text
    from thermoquake.report.inputs import read_run

    run = read_run(inputs["run"])
    train = json.loads((inputs["run"] / "config.json").read_text())["train"]
    text = counts_text(run)
    for part in (f"window {train['window']} d", f"model {train['model']}", f"augment {train['augment']}",
                 f"split {train['split']}", f"{train['folds']} folds", f"seed {train['seed']}"):
        assert part in text
    assert "?" not in text and "{" not in text


def _rendered(fig):
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float) / 255


def _pixel(fig, ax, lon, lat, rgb):
    x, y = ax.transData.transform((lon, lat))
    height = rgb.shape[0]
    return rgb[int(round(height - y)), int(round(x))]


def test_event_maps_draw_no_data_grey_on_lat_lon_axes_with_contours_and_the_star(inputs):
    from matplotlib.colors import to_rgb

    from thermoquake.report import style
    from thermoquake.report.figures_event import event_maps
    from thermoquake.report.inputs import read_raster, read_workdir

    (sample,) = read_workdir(inputs["workdir"]).samples
    fig, synthetic = event_maps(sample, threshold=2.0)
    assert synthetic and fig._suptitle.get_text().startswith("SYNTHETIC")
    rgb = _rendered(fig)
    lst_axes = [ax for ax in fig.axes if ax.get_title().endswith(tuple(f"clear {k}%" for k in range(101)))]
    assert len(lst_axes) == len(sample.days)
    grey = np.array(to_rgb(style.NODATA_GREY))
    checked_nan = checked_value = 0
    for ax, day in zip(lst_axes, sample.days):
        raster = read_raster(day.lst_path)
        west, east, south, north = raster.extent
        assert ax.images[0].get_extent() == pytest.approx([west, east, south, north])
        assert ax.get_xlabel() in ("", "longitude (°E)") and "latitude" in fig.axes[0].get_ylabel()
        h, w = raster.values.shape
        for (i, j) in [tuple(ix) for ix in np.argwhere(~np.isfinite(raster.values))[:5]] + \
                      [tuple(ix) for ix in np.argwhere(np.isfinite(raster.values))[:5]]:
            lon = west + (j + 0.5) * (east - west) / w
            lat = north - (i + 0.5) * (north - south) / h
            colour = _pixel(fig, ax, lon, lat, rgb)
            if np.isfinite(raster.values[i, j]):
                assert np.abs(colour - grey).max() > 0.05     # a value is never drawn as no-data grey
                checked_value += 1
            else:
                assert np.abs(colour - grey).max() < 0.02
                checked_nan += 1
        star = [line for line in ax.lines if line.get_marker() == "*"]
        assert star and star[0].get_xdata()[0] == pytest.approx(float(raster.tags["epicentre_lon"]))
    assert checked_nan > 0 and checked_value > 0
    r_axes = [ax for ax in fig.axes if ax.get_title().startswith("R (RETIRA)")]
    hot = [day for day in sample.days if day.anomaly.get("max_r", 0) >= 2]
    assert hot and sum(bool(ax.collections) for ax in r_axes) == len(hot)     # one R = 2 contour per hot day
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert "night LST (°C)" in labels and any(label.startswith("R (±5, saturating") for label in labels)
    assert all(ax.images[0].get_clim() == (-5.0, 5.0) for ax in r_axes)      # one scale, whatever the data
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"cloud / no data", "no R: reference too short", "epicentre"} <= set(legend)
    _assert_text_inside(fig)


def _assert_text_inside(fig):
    """Everything the figure draws (titles, labels, legends, tick labels) lies within the canvas."""
    fig.canvas.draw()
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())            # inches
    page = fig.bbox_inches
    assert drawn.x0 >= page.x0 - 0.01 and drawn.y0 >= page.y0 - 0.01, (drawn, page)
    assert drawn.x1 <= page.x1 + 0.01 and drawn.y1 <= page.y1 + 0.01, (drawn, page)


def test_clear_pixels_without_enough_reference_are_striped_not_cloud_grey(inputs, tmp_path):
    from matplotlib.colors import to_rgb

    from thermoquake.report import style
    from thermoquake.report.figures_event import event_maps
    from thermoquake.report.inputs import read_raster, read_workdir

    workdir = shutil.copytree(inputs["workdir"], tmp_path / "wd")
    tq.run_rst(workdir, min_count=3)
    (sample,) = read_workdir(workdir).samples
    fig, _ = event_maps(sample, 2.0)
    rgb = _rendered(fig)
    grey = np.array(to_rgb(style.NODATA_GREY))
    stripes = [np.array(to_rgb(c)) for c in style.NO_REFERENCE_COLOURS]
    r_axes = [ax for ax in fig.axes if ax.get_title().startswith("R (RETIRA)")]
    checked = 0
    for ax, day in zip(r_axes, sample.days):
        lst, r = read_raster(day.lst_path).values, read_raster(day.retira_path).values
        west, east, south, north = read_raster(day.lst_path).extent
        h, w = lst.shape
        for i, j in np.argwhere(np.isfinite(lst) & ~np.isfinite(r))[:20]:
            colour = _pixel(fig, ax, west + (j + 0.5) * (east - west) / w, north - (i + 0.5) * (north - south) / h,
                            rgb)
            assert np.abs(colour - grey).max() > 0.05
            assert min(np.abs(colour - s).max() for s in stripes) < 0.03
            checked += 1
    assert checked > 0


def test_probability_figure_draws_the_event_and_its_matched_control_as_labelled_series(inputs, tmp_path):
    from thermoquake.report.figures_event import probability_series
    from thermoquake.report.inputs import read_run, read_workdir

    (sample,) = read_workdir(inputs["workdir"]).samples
    run_dir = shutil.copytree(inputs["run"], tmp_path / "run")
    with open(run_dir / "predictions.csv", "a") as fh:         # E1's matched control, never alarmed
        fh.write("matched:E1:2011,E1,0,matched_E1_2011,2011-05-10,2,1,0.2\n"
                 "matched:E1:2011,E1,0,matched_E1_2011,2011-05-11,1,1,0.45\n")
    run = read_run(run_dir)
    fig = probability_series(sample, [(run.name, run.predictions)], True)
    ax = fig.axes[0]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["event E1: window ALARM", "matched control matched:E1:2011: window no alarm", "alarm threshold 0.5"]
    event_line, control_line = ax.lines[:2]
    assert list(control_line.get_ydata()) == [0.2, 0.45] and list(control_line.get_xdata()) == [-2, -1]
    assert list(event_line.get_ydata()) == [0.3, 0.8]
    _assert_text_inside(fig)
    quiet = shutil.copytree(inputs["run"], tmp_path / "quiet")
    csv_text = (quiet / "predictions.csv").read_text().splitlines()
    rows = [csv_text[0]] + [re.sub(r",[0-9.]+$", ",0.49", r) if r.startswith(f"{EVENT_ID},") else r
                            for r in csv_text[1:]]
    (quiet / "predictions.csv").write_text("\n".join(rows) + "\n")
    run = read_run(quiet)
    fig = probability_series(sample, [(run.name, run.predictions)], True)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0] == "event E1: window no alarm"


def test_roc_curve_area_equals_the_auc_of_the_metrics_module(inputs):
    from thermoquake.evaluation.metrics import roc_auc
    from thermoquake.report.figures_run import roc_points
    from thermoquake.report.inputs import read_run

    p = read_run(inputs["run"]).predictions
    fpr, tpr = roc_points(p.label, p.prob)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0, 0, 1, 1)
    area = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
    assert area == pytest.approx(roc_auc(p.label, p.prob))


def test_augmentation_grid_shows_the_real_day_and_each_verdict_with_its_reasons_in_full(inputs):
    from thermoquake.report.figures_augment import augmentation_grid
    from thermoquake.report.inputs import read_augmentation

    fig, shown = augmentation_grid(read_augmentation(inputs["augment"]))
    panels = [ax for ax in fig.axes if ax.images and ax.get_visible() and ax.get_title()]
    titles = [ax.get_title() for ax in panels]
    assert shown == 5 and len(titles) == 6 and titles[0].startswith("REAL day imitated")
    assert sum("ACCEPTED" in t for t in titles) == 3
    rejected = [ax for ax in panels if "REJECTED" in ax.get_title()]
    assert len(rejected) == 2
    for ax in rejected:
        reasons = ax.get_xlabel().replace("\n", " ")
        assert "eq6_ratio 1.9 > 1.25" in reasons and "std_diff 3.8 K > 1 K" in reasons
    assert fig._suptitle.get_text().startswith("SYNTHETIC — GENERATED")
    _assert_text_inside(fig)
    fig.canvas.draw()
    boxes = [ax.xaxis.label.get_window_extent() for ax in rejected] + [ax.get_window_extent() for ax in panels]
    labels = boxes[:len(rejected)]
    for k, a in enumerate(labels):          # a rejected image's reasons overlap no other panel or reasons
        for b in boxes:
            if b is a or b is boxes[len(rejected) + panels.index(rejected[k])]:
                continue
            assert not a.overlaps(b)


def test_report_without_rst_or_runs_and_of_real_data_says_so_and_has_no_synthetic_label(inputs, tmp_path):
    import rasterio

    workdir = shutil.copytree(inputs["workdir"], tmp_path / "wd")
    (workdir / "anomalies.csv").unlink()
    for path in workdir.rglob("*.tif"):
        if path.name.endswith(".retira.tif"):
            path.unlink()
        else:
            with rasterio.open(path, "r+") as dst:
                dst.update_tags(synthetic="false")
    out = tmp_path / "rep"
    tq.build_report(workdir, out, runs=[inputs["run"]])
    assert (out / "report.pdf").exists() and len(list((out / "figures").iterdir())) > 1
    summary = tq.build_report(workdir, out, pdf=False)
    assert summary.index == out / "index.html" and summary.pdf is None
    html = (out / "index.html").read_text()
    assert "SYNTHETIC" not in html and "run thermoquake rst" in html
    assert not (out / "report.pdf").exists()
    assert [p.name for p in (out / "figures").iterdir()] == [f"event_{EVENT_ID}_maps.png"]


@pytest.mark.parametrize("case", ["unknown-event", "bad-schema", "missing-image", "not-a-workdir"])
def test_bad_inputs_are_one_line_errors_naming_the_file(inputs, tmp_path, case):
    workdir, kwargs = inputs["workdir"], {}
    if case == "unknown-event":
        kwargs["events"] = ["nope"]
        named = inputs["workdir"] / "manifest.csv"
    elif case == "bad-schema":
        run = shutil.copytree(inputs["run"], tmp_path / "run")
        metrics = json.loads((run / "metrics.json").read_text())
        (run / "metrics.json").write_text(json.dumps(metrics | {"schema": "other/2"}))
        kwargs["runs"] = [run]
        named = run / "metrics.json"
    elif case == "missing-image":
        gen = shutil.copytree(inputs["augment"], tmp_path / "gen")
        (gen / "rejected" / "gen_004.tif").unlink()
        kwargs["augmentations"] = [gen]
        named = gen / "gate.csv"
    else:
        workdir = named = tmp_path
    with pytest.raises(ThermoquakeError) as err:
        tq.build_report(workdir, tmp_path / "rep", **kwargs)
    assert len(str(err.value).splitlines()) == 1 and str(err.value).startswith(f"{named}: ")
    assert not (tmp_path / "rep" / "index.html").exists()


CHECK_SCRIPT = """<script>
window.addEventListener('load', () => {
  const width = document.documentElement.clientWidth;
  const images = Array.from(document.images);
  const result = {
    images: images.length,
    broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
    scrollWidth: document.documentElement.scrollWidth, clientWidth: width,
    overflowing: Array.from(document.body.querySelectorAll('*'))
      .filter(e => e.getBoundingClientRect().right > width + 0.5 || e.scrollWidth > e.clientWidth + 1 &&
              getComputedStyle(e).overflowX !== 'visible')
      .map(e => e.tagName + (e.className ? '.' + e.className : '')),
    notes: Array.from(document.querySelectorAll('p.note')).map(p => p.textContent),
    headings: Array.from(document.querySelectorAll('h2')).map(h => h.textContent),
    uncaptioned: Array.from(document.querySelectorAll('figure'))
      .filter(f => !(f.querySelector('figcaption') && f.querySelector('figcaption').textContent.trim()))
      .length,
    clippedCells: Array.from(document.querySelectorAll('td, th, caption'))
      .filter(c => c.scrollWidth > c.clientWidth + 1 || c.scrollHeight > c.clientHeight + 1)
      .map(c => c.textContent),
    imagesShrunk: images.filter(i => i.getBoundingClientRect().width < 0.5 * Math.min(i.naturalWidth, width - 40))
      .map(i => i.alt)};
  const pre = document.createElement('pre');
  pre.id = 'tq-check';
  pre.style.whiteSpace = 'pre-wrap';
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
});
</script></body>"""


@pytest.fixture(scope="module")
def linked_report(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("linked") / "rep"
    tq.build_report(inputs["workdir"], out, runs=[inputs["run"]], augmentations=[inputs["augment"]], embed=False,
                    pdf=False)
    return out


def test_linked_report_references_its_figures_relative_to_the_page(linked_report):
    html = (linked_report / "index.html").read_text()
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert sorted(sources) == sorted(f"figures/{p.name}" for p in (linked_report / "figures").glob("*.png"))


@pytest.mark.parametrize("mode,width", [("embedded", 1280), ("embedded", 900), ("linked", 900)])
def test_page_in_headless_chromium_loads_every_image_and_nothing_overflows(report, linked_report, tmp_path,
                                                                           mode, width):
    """Needs Debian's chromium (``make test`` installs it); a missing browser fails, never skips."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "chromium is not installed: run `make test` (it apt-get installs chromium) " \
                    "or `apt-get install chromium`"
    out = report[0] if mode == "embedded" else linked_report
    page = out / f".check-{width}.html"            # beside index.html, so relative links resolve
    page.write_text((out / "index.html").read_text().replace("</body>", CHECK_SCRIPT))
    proc = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                           f"--window-size={width},2000", "--virtual-time-budget=10000", "--dump-dom",
                           page.as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    match = re.search(r'<pre id="tq-check"[^>]*>(.*?)</pre>', proc.stdout, re.S)
    assert match, "the check script did not run: " + proc.stdout[-500:]
    result = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert result["images"] == len(list((out / "figures").glob("*.png"))) and result["broken"] == []
    assert result["scrollWidth"] <= result["clientWidth"] and result["overflowing"] == []
    # what a reader sees: a run header with every setting (no "?"), captions, whole table cells,
    # figures at a readable size, sections titled with the date
    run_lines = [n for n in result["notes"] if "model " in n]
    assert run_lines and not any("?" in n for n in result["notes"])
    assert result["uncaptioned"] == 0 and result["clippedCells"] == [] and result["imagesShrunk"] == []
    assert any(h.startswith(f"Event {EVENT_ID} — ") and "2008-05-12" in h for h in result["headings"])
    page.unlink()


def test_samples_csv_names_controls_and_their_truth(inputs, tmp_path):
    from thermoquake.report.figures_event import probability_series
    from thermoquake.report.inputs import read_run, read_workdir

    workdir = shutil.copytree(inputs["workdir"], tmp_path / "wd")
    (workdir / "samples.csv").write_text("sample_id,site,label,kind,time,latitude,longitude,group,matched_event_id\n"
                                         f"{EVENT_ID},{EVENT_ID},0,control,2011-05-12T00:00:00Z,35.0,103.0,g1,X\n")
    (sample,) = read_workdir(workdir).samples
    assert (sample.kind, sample.label, sample.time[:10]) == ("control", 0, "2011-05-12")
    run = read_run(inputs["run"])
    fig = probability_series(sample, [(run.name, run.predictions)], True)
    assert "control: no earthquake" in fig.axes[0].get_title()
    out = tmp_path / "rep"
    tq.build_report(workdir, out, pdf=False)
    assert f"<h2>Control {EVENT_ID} — 2011-05-12</h2>" in (out / "index.html").read_text()


def test_event_section_has_the_rst_summary_of_each_day(report, inputs):
    import csv

    html = (report[0] / "index.html").read_text()
    with open(inputs["workdir"] / "anomalies.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        cells = f"<td>{row['date']}</td><td>{row['days_before']}</td>"
        assert cells in html
        assert f"<td>{float(row['anomalous_area_km2']):.0f}</td>" in html


def test_extreme_r_is_marked_and_named_with_the_sigma_and_count_of_its_reference(inputs, tmp_path):
    import rasterio

    from thermoquake.report.figures_event import day_extremes, event_maps
    from thermoquake.report.inputs import read_raster, read_workdir
    from thermoquake.rst.retira import ReferenceStats

    workdir = shutil.copytree(inputs["workdir"], tmp_path / "wd")
    wd = read_workdir(workdir)
    (sample,) = wd.samples
    day = sample.days[-1]
    with rasterio.open(day.retira_path, "r+") as dst:
        r = dst.read(1)
        i, j = map(int, np.argwhere(np.isfinite(r))[0])
        r[i, j] = 12.0
        dst.write(r, 1)
        dates = dst.tags()["rst_reference_dates"].split(",")
    wd = read_workdir(workdir)
    (sample,) = wd.samples
    extremes = day_extremes(sample, wd)
    top = extremes[-1][0]
    assert (top.row, top.col, top.r) == (i, j, 12.0)
    stats = ReferenceStats(r.shape)
    for d in dates:
        stats.add(read_raster(wd.references[(sample.site, d)]).values)
    assert top.n == int(stats.count[i, j]) and top.sigma_k == pytest.approx(float(stats.std[i, j]))
    fig, _ = event_maps(sample, 2.0, extremes)
    r_axes = [ax for ax in fig.axes if ax.get_title().startswith("R (RETIRA)")]
    assert f"peak R 12.0 (σ {top.sigma_k:.2f} K, n {top.n})" in r_axes[-1].get_title()
    marks = [line for line in r_axes[-1].lines if line.get_marker() == "x"]
    assert marks and marks[0].get_xdata()[0] == pytest.approx(top.lon)
    assert any(t.get_text().startswith("|R| ≥ 10") for t in fig.legends[0].get_texts())
