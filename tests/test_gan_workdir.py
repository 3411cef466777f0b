"""GAN augmentation on a workdir's files (``thermoquake.train_gan_on_workdir``,
``generate_like``) on a tiny SYNTHETIC workdir, and the gate / file handling of generated images."""

from __future__ import annotations

import csv
import datetime as dt
import json

import numpy as np
import pytest
import rasterio
from scipy.ndimage import gaussian_filter

import thermoquake as tq
from thermoquake.image.crop import EpicentreImage
from thermoquake.image.grid import EpicentreGrid
from thermoquake.errors import ThermoquakeError
from thermoquake.gan.normalise import site_key
from thermoquake.image.geotiff import write_epicentre_geotiff
from thermoquake.gan.workdir_io import (
    default_reference,
    read_like,
    reference_stack,
    select_training_images,
    write_generated,
)

SIZE = 64
GRID = EpicentreGrid(31.0, 103.4, SIZE)
SITE = "ev1"
DAYS = [dt.date(2008, 5, d) for d in (9, 10, 11)]
YEARS = range(2003, 2009 + 5)


def _smooth(rng, sigma, std):
    f = gaussian_filter(rng.standard_normal((SIZE, SIZE)), sigma, mode="wrap")
    return f * (std / f.std())


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A hand-made SYNTHETIC preprocess workdir: 3 target days, 10 reference years each."""
    root = tmp_path_factory.mktemp("wd")
    rng = np.random.default_rng(5)
    structure = 12.0 + _smooth(rng, 6.0, 5.0)
    rows = []
    for day in DAYS:
        for year in [2008, *[y for y in YEARS if y != 2008]]:
            date = day.replace(year=year)
            role = "target" if year == 2008 else "reference"
            values = structure + rng.normal(0, 0.5) + _smooth(rng, 4.0, 1.0) + rng.normal(0, 0.3, (SIZE, SIZE))
            r, c = rng.integers(0, SIZE - 12, 2)
            values[r:r + 12, c:c + 12] = np.nan
            rel = f"images/{SITE}/{role}/{date.isoformat()}.tif"
            write_epicentre_geotiff(root / rel, EpicentreImage(values.astype(np.float32), GRID, "MYD11A1",
                                                               "LST_Night_1km", "paper", date, ("synthetic",),
                                                               synthetic=True))
            rows.append([SITE, SITE, date.isoformat(), role, str((dt.date(2008, 5, 12) - day).days),
                         f"{np.isfinite(values).mean():.6f}", "", "", rel])
    with open(root / "manifest.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["event_id", "site", "date", "role", "days_before", "valid_fraction", "source_files",
                    "missing_tiles", "path"])
        w.writerows(rows)
    return root


def test_selection_all_glob_and_list_file(workdir, tmp_path):
    assert len(select_training_images(workdir)) == 3
    assert [p.name for p in select_training_images(workdir, "images/ev1/target/2008-05-1*")] == [
        "2008-05-10.tif", "2008-05-11.tif"]
    listing = tmp_path / "fold.txt"
    listing.write_text("# fold 1\nimages/ev1/target/2008-05-09.tif\n")
    assert [p.name for p in select_training_images(workdir, str(listing))] == ["2008-05-09.tif"]
    listing.write_text("images/ev1/reference/2003-05-09.tif\n")
    with pytest.raises(ThermoquakeError, match="not target images"):
        select_training_images(workdir, str(listing))
    with pytest.raises(ThermoquakeError, match="no target image selected"):
        select_training_images(workdir, "images/nowhere/*")


def test_gate_keeps_rejected_images_out_of_the_accepted_set(workdir, tmp_path):
    """Near-copies of the real day pass the gate; white noise and a constant image do not."""
    like_path = workdir / "images" / SITE / "target" / "2008-05-10.tif"
    like = read_like(like_path)
    refs = default_reference(like_path)
    assert len(refs) == len(YEARS) - 1 and all(p.name.endswith("-05-10.tif") for p in refs)
    stack = reference_stack(refs, like.celsius.shape)
    rng = np.random.default_rng(0)
    noise = rng.normal(np.nanmean(like.celsius), 5.0, (SIZE, SIZE))
    near = [like.celsius + rng.normal(0, 0.05, (SIZE, SIZE)), like.celsius + 0.3]
    images = np.stack([*near, noise, np.full((SIZE, SIZE), 12.0)]).astype(np.float32)
    out = tmp_path / "gen"
    summary = write_generated(out, images, like, stack, model_dir=tmp_path / "m", seed=1,
                              synthetic=False, architecture="improved-dcgan")
    with open(out / "gate.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["accepted"] for r in rows] == ["true", "true", "false", "false"], [r["reasons"] for r in rows]
    assert rows[0]["reasons"] == "" and "spectrum_distance" in rows[2]["reasons"]
    assert float(rows[0]["eq6_ratio"]) < 1.25 < float(rows[2]["eq6_ratio"])
    assert sorted(p.name for p in out.glob("gan_*.tif")) == ["gan_00000.tif", "gan_00001.tif"]
    assert sorted(p.name for p in (out / "rejected").glob("*.tif")) == ["gan_00002.tif", "gan_00003.tif"]
    assert summary == json.loads((out / "generated.json").read_text())
    assert (summary["accepted"], summary["rejected"], summary["synthetic"]) == (2, 2, True)  # like is synthetic
    # the two accepted images are near-copies of one day: the set-level diversity says so
    assert summary["diversity"]["ratio"] < 0.2 and summary["diversity"]["reference_spread_k"] > 0
    with rasterio.open(out / "gan_00000.tif") as src:
        assert src.transform == like.grid.transform and src.crs.to_epsg() == 4326
        tags = src.tags()
        np.testing.assert_array_equal(src.read(1), images[0])
    assert tags["generated"] == "gan" and tags["synthetic"] == "true" and tags["date"] == "2008-05-10"
    assert tags["units"] == "degC" and tags["gate"] == "accepted"
    # a second run with fewer images leaves no stale file behind
    write_generated(out, images[2:3], like, stack, model_dir=tmp_path / "m", seed=1, synthetic=False,
                    architecture="improved-dcgan")
    assert list(out.glob("gan_*.tif")) == [] and [p.name for p in (out / "rejected").iterdir()] == ["gan_00000.tif"]


def test_generate_refuses_a_foreign_out_directory(workdir, tmp_path):
    like = read_like(workdir / "images" / SITE / "target" / "2008-05-10.tif")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("x")
    with pytest.raises(ThermoquakeError, match="not an augment output"):
        write_generated(tmp_path / "other", like.celsius[None], like, like.celsius[None], model_dir=tmp_path,
                        seed=0, synthetic=False, architecture="dcgan")


@pytest.mark.ml
@pytest.mark.slow
def test_gan_trained_on_a_workdir_then_generating_like_a_real_day(workdir, tmp_path):
    model = tmp_path / "model"
    dry = tq.train_gan_on_workdir(workdir, model, dry_run=True)
    assert dry["images"] == 3 and dry["sites"] == 1 and dry["dry_run"] and not model.exists()
    result = tq.train_gan_on_workdir(workdir, model, width=0.0625, steps=2, batch_size=2, checkpoint_every=2)
    assert result["synthetic"] is True and result["sites"] == 1 and result["model_dir"] == str(model)
    info = json.loads((model / "training.json").read_text())
    assert info["parameters"]["sites"] == [site_key(GRID.lat, GRID.lon)]
    assert info["synthetic"] and info["sources"][0] == "images/ev1/target/2008-05-09.tif"
    out = tmp_path / "gen"
    like = workdir / "images" / SITE / "target" / "2008-05-10.tif"
    plan = tq.generate_like(model, 3, out, like, dry_run=True)
    assert plan["site"] == site_key(GRID.lat, GRID.lon) and plan["n"] == 3
    assert plan["reference_days"] >= 1 and not out.exists()
    summary = tq.generate_like(model, 3, out, like, seed=4)
    assert summary["n"] == 3 and summary["synthetic"] is True and summary["architecture"] == "improved-dcgan"
    assert summary == json.loads((out / "generated.json").read_text())
    assert summary["accepted"] == len(list(out.glob("gan_*.tif")))
    assert summary["rejected"] == len(list((out / "rejected").glob("gan_*.tif")))
    with open(out / "gate.csv") as fh:
        assert len(list(csv.DictReader(fh))) == 3
    # the written pixels are generate()'s
    from thermoquake.gan import generate

    images = generate(model, 3, seed=4)
    first = next(iter(sorted(out.glob("gan_00000.tif")) + sorted((out / "rejected").glob("gan_00000.tif"))))
    with rasterio.open(first) as src:
        np.testing.assert_array_equal(src.read(1), images[0])
    # a like image of another site would get this site's terrain: refused in one line
    elsewhere = tmp_path / "elsewhere.tif"
    write_epicentre_geotiff(elsewhere, EpicentreImage(images[0], EpicentreGrid(-33.5, -70.2, SIZE), "MYD11A1",
                                                      "LST_Night_1km", "paper", DAYS[1], ("synthetic",),
                                                      synthetic=True))
    for dry_run in (False, True):
        with pytest.raises(ThermoquakeError) as err:
            tq.generate_like(model, 1, tmp_path / "gen2", elsewhere, reference=[elsewhere], dry_run=dry_run)
        message = str(err.value)
        assert len(message.splitlines()) == 1 and "not of site -33.50000,-70.20000" in message
        assert str(model) in message
    assert not (tmp_path / "gen2" / "generated.json").exists()


def test_generating_without_a_model_is_a_one_line_error(workdir, tmp_path):
    with pytest.raises(ThermoquakeError, match="not a thermoquake GAN model directory") as err:
        tq.generate_like(tmp_path / "none", 1, tmp_path / "o", workdir / "images" / SITE / "target" / "2008-05-10.tif")
    assert len(str(err.value).splitlines()) == 1


def test_the_gan_package_imports_no_tensorflow():
    import subprocess
    import sys

    code = ("import sys\n"
            "import thermoquake.gan, thermoquake.gan.workdir_io, thermoquake.gan.normalise, thermoquake.gan.augment\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'jax')))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
