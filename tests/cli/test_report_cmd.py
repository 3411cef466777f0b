"""``thermoquake report`` on the command line: the exit status, the lines it prints (--json, the
page's path last) and one-line errors naming the file. What the report holds is tested through
the library in tests/test_report.py."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from thermoquake.cli.main import cli


@pytest.mark.slow     # renders a page
def test_report_prints_the_page_last_and_its_summary_with_json(tiny_study, tmp_path):
    out = tmp_path / "rep"
    args = ["report", "--workdir", str(tiny_study / "work"), "--event", "E1", "--out", str(out), "--no-pdf",
            "--no-progress"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"report: {out / 'index.html'}"
    assert "pdf:" not in result.output
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["index"] == str(out / "index.html") and summary["pdf"] is None
    assert sorted(summary["figures"]) == sorted(str(p) for p in (out / "figures").glob("*.png"))


@pytest.mark.parametrize("case", ["unknown-event", "not-a-workdir"])
def test_bad_report_inputs_are_one_line_errors_naming_the_file(tiny_study, tmp_path, case):
    workdir = tiny_study / "work"
    args = ["report", "--workdir", str(workdir), "--out", str(tmp_path / "rep")]
    if case == "unknown-event":
        args += ["--event", "nope"]
        named = workdir / "manifest.csv"
    else:
        args[2] = str(tmp_path)
        named = tmp_path
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 1 and result.output.startswith(f"Error: {named}: ")
    assert "Traceback" not in result.output and not (tmp_path / "rep" / "index.html").exists()
