"""``thermoquake experiment`` messages: what a user sees."""

from __future__ import annotations

import json

from click.testing import CliRunner

from thermoquake.cli.main import cli


def test_rule_noise_prints_a_synthetic_table():
    result = CliRunner().invoke(cli, ["experiment", "rule-noise", "--images", "5", "--reference-counts", "3",
                                      "--size", "32"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("SYNTHETIC pure noise: 32 x 32 km")
    assert "3 reference years, 5 images" in result.output
    assert "guarded rule" in result.output and "unguarded rule" in result.output


def test_rule_noise_json_has_one_row_per_reference_count():
    result = CliRunner().invoke(cli, ["experiment", "rule-noise", "--images", "3", "--reference-counts", "3,5",
                                      "--size", "24", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["synthetic"] is True
    assert [r["n_reference"] for r in doc["rows"]] == [3, 5]


def test_rule_noise_refuses_a_reference_count_below_two():
    result = CliRunner().invoke(cli, ["experiment", "rule-noise", "--reference-counts", "3,1"])
    assert result.exit_code == 2
    assert "each count must be >= 2" in result.output
    assert "Traceback" not in result.output
