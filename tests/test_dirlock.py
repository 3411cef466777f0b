"""One writer per workdir, run directory and model directory: a second command on a
directory another process is writing fails at once, with one line naming that process
(pid, command, since when), exit 1; the lock goes away with its process, however it ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import rasterio
from click.testing import CliRunner

from thermoquake.cli.main import cli
from thermoquake.dirlock import LOCK_FILE, DirectoryBusyError, holder_record, lock_directory

ROOT = Path(__file__).resolve().parents[1]
STUDY = ["--days-before", "2", "--reference-years", "2008-2010", "--no-progress"]
ENV = os.environ | {"PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}

HOLD = """
import sys
from thermoquake.dirlock import lock_directory
with lock_directory(sys.argv[1], "workdir"):
    print("locked", flush=True)
    sys.stdin.read()
"""


class _Holder:
    """Another process holding the lock of ``path`` until it is released or killed."""

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=ENV)
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        self.proc.stdin.close()
        assert self.proc.wait(timeout=60) == 0

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)


def _preprocess(study: Path, out: Path, size: int = 16, *extra: str) -> list[str]:
    return ["preprocess", "--events", str(study / "events.csv"), "--controls", str(study / "controls.csv"),
            "--hdf-dir", str(study / "hdf"), "--out", str(out), "--workers", "0", "--size", str(size),
            *STUDY, *extra]


def _busy(result, holder: _Holder, path: Path) -> None:
    """Exit 1, one line naming the directory and the holding process, no traceback."""
    stderr = result.stderr if isinstance(result, subprocess.CompletedProcess) else result.stderr
    code = result.returncode if isinstance(result, subprocess.CompletedProcess) else result.exit_code
    assert code == 1, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"Error: {path}: the ") and "is in use by process " in lines[0], lines[0]
    assert f"process {holder.proc.pid} on " in lines[0] and "since 20" in lines[0], lines[0]


def test_a_second_preprocess_on_a_workdir_in_use_fails_at_once(tiny_study, tmp_path):
    work = tmp_path / "work"
    holder = _Holder(work)
    try:
        start = time.monotonic()
        second = subprocess.run([sys.executable, "-m", "thermoquake", *_preprocess(tiny_study, work)],
                                capture_output=True, text=True, env=ENV, timeout=120)
        _busy(second, holder, work)
        assert "(-c " in second.stderr                     # the holder's command line
        assert time.monotonic() - start < 60                # at once: it does not wait
        assert sorted(p.name for p in work.iterdir()) == [LOCK_FILE]   # nothing written
    finally:
        holder.release()
    assert not work.exists()            # released: the lock file and the directory it made are gone
    done = subprocess.run([sys.executable, "-m", "thermoquake", *_preprocess(tiny_study, work)],
                          capture_output=True, text=True, env=ENV, timeout=300)
    assert done.returncode == 0, done.stderr


def test_two_preprocess_runs_of_other_sizes_never_mix_images(tiny_study, tmp_path):
    """Two real preprocess processes started together on one workdir: one runs, the other is
    refused (by the lock, or, if the first has already finished, by its parameters); every
    image has one size."""
    work = tmp_path / "work"
    procs = [subprocess.Popen([sys.executable, "-m", "thermoquake", *_preprocess(tiny_study, work, size)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
             for size in (16, 24)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    codes = sorted(r[0] for r in results)
    assert codes == [0, 1], results
    refused = next(r for r in results if r[0] == 1)
    assert "Traceback" not in refused[2] and len(refused[2].strip().splitlines()) == 1, refused[2]
    assert "is in use by process" in refused[2] or "other parameters" in refused[2], refused[2]
    sizes = set()
    for image in work.rglob("*.tif"):
        with rasterio.open(image) as src:
            sizes.add(src.width)
    assert len(sizes) == 1
    assert json.loads((work / "workdir.json").read_text())["parameters"]["size"] in sizes


def test_rst_on_a_workdir_in_use_fails_naming_the_holder(tiny_study, tmp_path):
    work = tiny_study / "work"
    before = {p: p.read_bytes() for p in work.rglob("*") if p.is_file() and p.name != LOCK_FILE}
    holder = _Holder(work)
    try:
        result = CliRunner().invoke(cli, ["rst", "--workdir", str(work)])
        _busy(result, holder, work)
    finally:
        holder.release()
    after = {p: p.read_bytes() for p in work.rglob("*") if p.is_file() and p.name != LOCK_FILE}
    assert after == before


def test_train_into_a_run_directory_in_use_fails_naming_the_holder(tiny_study, tmp_path):
    run = tmp_path / "run"
    holder = _Holder(run)
    try:
        result = CliRunner().invoke(cli, ["train", "--workdir", str(tiny_study / "work"), "--window", "3",
                                          "--out", str(run)])
        _busy(result, holder, run)
        assert sorted(p.name for p in run.iterdir()) == [LOCK_FILE]
    finally:
        holder.release()


def test_a_killed_holder_leaves_no_lock_behind(tmp_path):
    work = tmp_path / "work"
    holder = _Holder(work)
    assert holder_record(work)["pid"] == holder.proc.pid
    with pytest.raises(DirectoryBusyError, match=f"process {holder.proc.pid} on "):
        with lock_directory(work, "workdir"):
            pass
    holder.kill()
    assert holder_record(work)["pid"] == holder.proc.pid       # a stale record ...
    with lock_directory(work, "workdir"):                      # ... does not block
        assert holder_record(work)["pid"] == os.getpid()
        with lock_directory(work, "workdir"):                  # the same process may re-enter
            pass
    assert not (work / LOCK_FILE).exists()


def test_a_file_where_the_directory_should_be_is_one_line(tmp_path):
    path = tmp_path / "work"
    path.write_text("not a directory")
    with pytest.raises(Exception, match="exists and is not a directory"):
        with lock_directory(path, "workdir"):
            pass
    assert path.read_text() == "not a directory"


def _writers():
    """Every other library function that writes a directory, called on a directory in use:
    the lock is taken before any argument is looked at."""
    from thermoquake.evaluation.pycsep_export import export_pycsep
    from thermoquake.fetch.download import FetchSettings, fetch_granules
    from thermoquake.monitor.run import run_monitor
    from thermoquake.report.build import build_report
    from thermoquake.synth.region import write_region
    from thermoquake.synth.study import write_study

    return {
        "report directory": lambda d: build_report(d.parent / "no-workdir", d),
        "pycsep directory": lambda d: export_pycsep(d.parent / "no-run", d),
        "monitor directory": lambda d: run_monitor(d.parent / "no-hdf", d, None, None, None),
        "tile directory": lambda d: write_study(d, "MYD11A1", [], [], 1, [], 16, None, 0.0),
        "region tile directory": lambda d: write_region(d, "MYD11A1", None, None, None, [], 0, [], None, 0.0),
        "download directory": lambda d: fetch_granules([], FetchSettings(dest=d), None, "localhost"),
    }


@pytest.mark.parametrize("what", ["report directory", "pycsep directory", "monitor directory", "tile directory",
                                  "region tile directory", "download directory"])
def test_every_writer_refuses_a_directory_in_use(tmp_path, what):
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.txt").write_text("kept")
    holder = _Holder(out)
    try:
        with pytest.raises(DirectoryBusyError, match=f"is in use by process {holder.proc.pid} on "):
            _writers()[what](out)
    finally:
        holder.release()
    assert sorted(p.name for p in out.iterdir()) == ["kept.txt"]
