"""One writer per workdir, run directory and model directory: a second library call on a
directory another process is writing fails at once, with one line naming that process
(pid, command, since when); the lock goes away with its process, however it ends. (The
commands' exit status and message: tests/cli/test_preprocess_cmd.py, test_rst_cmd.py.)"""

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
import thermoquake
from thermoquake.dirlock import LOCK_FILE, DirectoryBusyError, holder_record, lock_directory

ROOT = Path(__file__).resolve().parents[1]
STUDY = {"days_before": 2, "reference_years": range(2008, 2011), "workers": 0, "progress": False}
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


def _preprocess(study: Path, out: Path, size: int = 16):
    return thermoquake.preprocess(study / "events.csv", study / "hdf", out, controls=study / "controls.csv",
                                  size=size, **STUDY)


PREPROCESS = """
import sys
import thermoquake
from thermoquake.errors import ThermoquakeError
study, out, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    thermoquake.preprocess(f"{study}/events.csv", f"{study}/hdf", out, controls=f"{study}/controls.csv",
                           size=size, days_before=2, reference_years=range(2008, 2011), workers=0, progress=False)
except ThermoquakeError as err:
    sys.exit(str(err))
"""


def _busy(err: Exception, holder: _Holder, path: Path) -> None:
    """One line naming the directory and the holding process."""
    lines = str(err).splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}: the ") and "is in use by process " in lines[0], lines[0]
    assert f"process {holder.proc.pid} on " in lines[0] and "since 20" in lines[0], lines[0]


def test_a_second_preprocess_on_a_workdir_in_use_fails_at_once(tiny_study, tmp_path):
    work = tmp_path / "work"
    holder = _Holder(work)
    try:
        start = time.monotonic()
        with pytest.raises(DirectoryBusyError) as err:
            _preprocess(tiny_study, work)
        _busy(err.value, holder, work)
        assert "(-c " in str(err.value)                     # the holder's command line
        assert time.monotonic() - start < 60                # at once: it does not wait
        assert sorted(p.name for p in work.iterdir()) == [LOCK_FILE]   # nothing written
    finally:
        holder.release()
    assert not work.exists()            # released: the lock file and the directory it made are gone
    assert _preprocess(tiny_study, work).manifest_rows == 30


def test_two_preprocess_runs_of_other_sizes_never_mix_images(tiny_study, tmp_path):
    """Two processes calling thermoquake.preprocess together on one workdir: one runs, the other
    is refused (by the lock, or, if the first has already finished, by its parameters); every
    image has one size."""
    work = tmp_path / "work"
    procs = [subprocess.Popen([sys.executable, "-c", PREPROCESS, str(tiny_study), str(work), str(size)],
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
        with pytest.raises(DirectoryBusyError) as err:
            thermoquake.run_rst(work)
        _busy(err.value, holder, work)
    finally:
        holder.release()
    after = {p: p.read_bytes() for p in work.rglob("*") if p.is_file() and p.name != LOCK_FILE}
    assert after == before


def test_train_into_a_run_directory_in_use_fails_naming_the_holder(tiny_study, tmp_path):
    run = tmp_path / "run"
    holder = _Holder(run)
    try:
        with pytest.raises(DirectoryBusyError) as err:
            thermoquake.train_window(tiny_study / "work", run, window=3)
        _busy(err.value, holder, run)
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
