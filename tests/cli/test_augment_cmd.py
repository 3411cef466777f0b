"""``thermoquake augment train`` / ``augment generate`` on the command line: --dry-run and --json
print what they say, errors are one line with exit status 1, and --help needs no TensorFlow.
What the GAN does is tested through the library in tests/test_gan_workdir.py."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tests.test_gan_workdir import DAYS, GRID, SITE, SIZE, workdir  # noqa: F401  (workdir: the fixture)
from thermoquake.cli.main import cli
from thermoquake.gan.normalise import site_key


def test_augment_train_dry_run_lists_the_images_and_writes_nothing(workdir, tmp_path):  # noqa: F811
    model = tmp_path / "model"
    result = CliRunner().invoke(cli, ["augment", "train", "--workdir", str(workdir), "--model-dir", str(model),
                                      "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["images"] == 3 and plan["sites"] == 1 and plan["gan_base"] == "site" and plan["base"] == "mean"
    result = CliRunner().invoke(cli, ["augment", "train", "--workdir", str(workdir), "--images",
                                      "images/ev1/target/2008-05-1*", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    default = workdir / "gan" / "improved-w1-s0"
    assert lines[0] == f"would train on 2 image(s) of 1 site(s) into {default}" and len(lines) == 3
    assert not model.exists() and not default.exists()


def test_augment_generate_without_a_model_is_one_line(workdir, tmp_path):  # noqa: F811
    result = CliRunner().invoke(cli, ["augment", "generate", "--model-dir", str(tmp_path / "none"), "--n", "1",
                                      "--out", str(tmp_path / "o"), "--like",
                                      str(workdir / "images" / SITE / "target" / "2008-05-10.tif")])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: ") and "not a thermoquake GAN model directory" in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.ml
@pytest.mark.slow
def test_augment_train_then_generate_print_their_summaries(workdir, tmp_path):  # noqa: F811
    model = tmp_path / "model"
    result = CliRunner().invoke(cli, ["augment", "train", "--workdir", str(workdir), "--model-dir", str(model),
                                      "--width", "0.0625", "--steps", "2", "--batch-size", "2", "--checkpoint-every",
                                      "2", "--json", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["synthetic"] is True and json.loads(result.output)["sites"] == 1
    out = tmp_path / "gen"
    like = workdir / "images" / SITE / "target" / "2008-05-10.tif"
    plan = CliRunner().invoke(cli, ["augment", "generate", "--model-dir", str(model), "--n", "3", "--out", str(out),
                                    "--like", str(like), "--dry-run", "--json"])
    assert plan.exit_code == 0, plan.output
    assert json.loads(plan.output)["site"] == site_key(GRID.lat, GRID.lon) and json.loads(plan.output)["n"] == 3
    assert not out.exists()
    gen = CliRunner().invoke(cli, ["augment", "generate", "--model-dir", str(model), "--n", "3", "--out", str(out),
                                   "--like", str(like), "--seed", "4", "--json", "--no-progress"])
    assert gen.exit_code == 0, gen.output
    assert json.loads(gen.output) == json.loads((out / "generated.json").read_text())
    text = CliRunner().invoke(cli, ["augment", "generate", "--model-dir", str(model), "--n", "3", "--out", str(out),
                                    "--like", str(like), "--seed", "4", "--no-progress"])
    assert text.exit_code == 0, text.output
    assert " of 3 generated image(s) accepted, " in text.output.splitlines()[0]
    # a --like of another site: one line naming the model, with and without --dry-run
    from thermoquake.gan import generate
    from thermoquake.image.crop import EpicentreImage
    from thermoquake.image.geotiff import write_epicentre_geotiff
    from thermoquake.image.grid import EpicentreGrid

    elsewhere = tmp_path / "elsewhere.tif"
    write_epicentre_geotiff(elsewhere, EpicentreImage(generate(model, 1, seed=4)[0], EpicentreGrid(-33.5, -70.2, SIZE),
                                                      "MYD11A1", "LST_Night_1km", "paper", DAYS[1], ("synthetic",),
                                                      synthetic=True))
    for extra in ([], ["--dry-run"]):
        bad = CliRunner().invoke(cli, ["augment", "generate", "--model-dir", str(model), "--n", "1", "--out",
                                       str(tmp_path / "gen2"), "--like", str(elsewhere), "--reference",
                                       str(elsewhere), *extra])
        assert bad.exit_code == 1 and len(bad.output.strip().splitlines()) == 1, bad.output
        assert "not of site -33.50000,-70.20000" in bad.output and str(model) in bad.output


def test_augment_help_does_not_import_tensorflow():
    code = ("import sys\n"
            "from click.testing import CliRunner\n"
            "from thermoquake.cli.main import cli\n"
            "r = CliRunner().invoke(cli, ['augment', 'train', '--help'])\n"
            "assert r.exit_code == 0, r.output\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'jax')))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
