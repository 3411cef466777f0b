"""experiment synthetic --dry-run: the study, its tiles and images, the training run and a
rough time, with nothing written."""

from __future__ import annotations

import json

from click.testing import CliRunner

from thermoquake.cli.main import cli


def _dry_run(tmp_path, *extra: str) -> dict:
    out = tmp_path / "exp"
    result = CliRunner().invoke(cli, ["experiment", "synthetic", "--anomaly-k", "2", "--window", "3", "--n-events",
                                      "6", "--reference-years", "2008-2011", "--out", str(out), "--dry-run", *extra])
    assert result.exit_code == 0, result.output
    assert not out.exists()
    return json.loads(result.output) if "--json" in extra else {"text": result.output}


def test_synthetic_dry_run_plans_the_study_and_the_run_and_writes_nothing(tmp_path):
    plan = _dry_run(tmp_path, "--json")
    assert plan["dry_run"] and plan["synthetic"]
    # matched controls: an event without one is left out of the study, as build_study does
    assert 1 <= plan["events"] <= 6 and plan["controls"] == plan["events"]
    samples = plan["events"] + plan["controls"]
    assert plan["targets"] == samples * 2                       # window 3: the 2 days before
    assert plan["references"] == samples * 2 * 3                # the 3 other years of 2008-2011
    assert plan["images"] == plan["targets"] + plan["references"]
    assert plan["tiles"] and plan["tile_files"] >= len(plan["tiles"])
    run = plan["training"]
    assert run["days"] == plan["targets"] and run["fits"] == ["fold0", "fold1", "fold2", "fold3"]
    assert run["run"].startswith(str(tmp_path / "exp" / "runs"))
    assert plan["seconds"] == plan["rst_seconds"] + run["seconds"] > 0


def test_synthetic_dry_run_says_what_would_run_in_words(tmp_path):
    text = _dry_run(tmp_path)["text"]
    assert text.startswith("dry run (SYNTHETIC): ") and " events and " in text
    assert "MODIS tiles" in text and "references" in text and "4 fits x 40 epochs" in text
    assert "on CPU" in text


def test_the_plan_counts_the_images_the_study_then_makes(tmp_path):
    import csv

    from thermoquake.cli.experiment_cmd import DEFAULT_CATALOG, DEFAULT_EVENTS
    from thermoquake.experiment.synthetic import SyntheticStudy, build_study, plan_study

    study = SyntheticStudy(anomaly_k=2.0, n_events=4, size=16, first_year=2007, last_year=2010)
    plan = plan_study(study, 1, DEFAULT_EVENTS, DEFAULT_CATALOG)
    workdir = build_study(tmp_path / "study", study, 1, DEFAULT_EVENTS, DEFAULT_CATALOG)
    with open(workdir / "manifest.csv", newline="", encoding="utf-8") as fh:
        roles = [row["role"] for row in csv.DictReader(fh)]
    assert (plan["targets"], plan["references"]) == (roles.count("target"), roles.count("reference"))
    tile_files = [p for p in (tmp_path / "study" / "hdf").rglob("*.hdf")]
    assert plan["tile_files"] == len(tile_files)
