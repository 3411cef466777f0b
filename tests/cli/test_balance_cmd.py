"""``thermoquake balance`` on the command line: the table, --json, and a one-line error for a
study without controls. What the report computes is tested through the library in
tests/test_balance.py."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from thermoquake.cli.main import cli
from thermoquake.evaluation.balance import BalanceReport, balance_report, format_balance


def test_balance_prints_the_table_or_the_json_document_of_the_library_report(tiny_study):
    work = tiny_study / "work"
    report = balance_report(work, 3)
    result = CliRunner().invoke(cli, ["balance", "--workdir", str(work), "--window", "3"])
    assert result.exit_code == 0, result.output
    assert result.output == format_balance(report) + "\n"
    result = CliRunner().invoke(cli, ["balance", "--workdir", str(work), "--window", "3", "--json"])
    assert result.exit_code == 0, result.output
    assert BalanceReport.from_dict(json.loads(result.output)) == BalanceReport.from_dict(
        json.loads(json.dumps(report.to_dict())))


def test_balance_of_a_study_without_controls_is_a_one_line_error(tiny_study, tmp_path):
    work = shutil.copytree(tiny_study / "work", tmp_path / "work")
    (work / "samples.csv").unlink()
    result = CliRunner().invoke(cli, ["balance", "--workdir", str(work), "--window", "3"])
    assert result.exit_code == 1, result.output
    assert len(result.output.splitlines()) == 1 and result.output.startswith("Error: ")
    assert "events and controls" in result.output
