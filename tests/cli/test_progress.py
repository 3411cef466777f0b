"""Progress bars only on a terminal; --dry-run of rst and report writes nothing."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from tests._report_inputs import make_workdir
from thermoquake.cli.main import cli
from thermoquake.progress import progress_bar, show_progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_is_drawn_on_a_terminal_and_never_into_a_log(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr("sys.stderr", log)
    assert show_progress() is False and show_progress(True) is True
    with progress_bar(total=50, desc="x") as bar:
        for _ in range(50):
            bar.update(1)
    assert log.getvalue() == ""
    tty = _Tty()
    monkeypatch.setattr("sys.stderr", tty)
    assert show_progress() is True and show_progress(False) is False
    with progress_bar(total=3, desc="x") as bar:
        bar.update(3)
    assert "x" in tty.getvalue()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return make_workdir(tmp_path_factory.mktemp("progress"), rst=False)


def test_rst_dry_run_lists_what_it_would_write_and_writes_nothing(workdir):
    result = CliRunner().invoke(cli, ["rst", "--workdir", str(workdir), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["targets"] == 2 and plan["references"] > 0 and plan["seconds"] > 0
    assert str(workdir / "anomalies.csv") in plan["writes"]
    assert not (workdir / "anomalies.csv").exists() and not list(workdir.rglob("*.retira.tif"))


def test_rst_into_a_log_has_no_bar_redraws(workdir, tmp_path):
    import shutil

    work = shutil.copytree(workdir, tmp_path / "wd")
    result = CliRunner().invoke(cli, ["rst", "--workdir", str(work), "--min-count", "2"])
    assert result.exit_code == 0, result.output
    assert "\r" not in result.stderr and "it/s" not in result.stderr and "image/s" not in result.stderr
    assert len(list(work.rglob("*.retira.tif"))) == 2


def test_report_dry_run_lists_the_figures_and_writes_nothing(workdir, tmp_path):
    out = tmp_path / "rep"
    result = CliRunner().invoke(cli, ["report", "--workdir", str(workdir), "--out", str(out), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("dry run: would report 1 event(s)") and "would write: " in result.output
    assert not out.exists()
