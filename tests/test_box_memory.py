"""A box whose memory would be unreasonable is refused before anything is allocated, with
the estimate in GiB; the limit is THERMOQUAKE_MAX_BOX_GIB (default 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import EVENTS, REAL_LST_TILES
from thermoquake.cli.main import cli
from thermoquake.image.grid import BOX_BYTES_PER_PIXEL, box_memory_gib, check_box_memory
from thermoquake.errors import BadRequestError

ROOT = Path(__file__).resolve().parents[1]
TILE = REAL_LST_TILES["terra_c61_north"]


def test_crop_of_a_16000_km_box_is_refused_with_the_estimate(tmp_path):
    out = tmp_path / "big.tif"
    before = TILE.read_bytes()
    peak = tmp_path / "peak.txt"
    # The child records its own peak resident memory (VmHWM, per address space: unlike
    # ru_maxrss it does not carry the parent's size across fork and exec) as it exits.
    run_crop = ("import atexit, os, runpy, sys\n"
                "atexit.register(lambda: open(os.environ['PEAK_OUT'], 'w').write(open('/proc/self/status').read()))\n"
                "sys.argv = ['thermoquake', *sys.argv[1:]]\n"
                "runpy.run_module('thermoquake', run_name='__main__')\n")
    result = subprocess.run([sys.executable, "-c", run_crop, "crop", str(TILE), "--lat", "0", "--lon", "-80",
                             "--size", "16000", "--out", str(out)], capture_output=True, text=True,
                            env=os.environ | {"PYTHONPATH": str(ROOT), "PEAK_OUT": str(peak)}, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    need = 16000**2 * BOX_BYTES_PER_PIXEL / 2**30
    assert lines == [f"Error: a 16000 km box needs about {need:.3g} GiB of memory ({BOX_BYTES_PER_PIXEL} "
                     "bytes a pixel), more than the 2 GiB limit: use a smaller --size, or raise "
                     "THERMOQUAKE_MAX_BOX_GIB if the machine has the memory"]
    assert not out.exists() and TILE.read_bytes() == before
    # refused up front: the child never held anything near the estimate
    hwm_kib = int(next(line for line in peak.read_text().splitlines() if line.startswith("VmHWM:")).split()[1])
    assert hwm_kib * 1024 < 2**30, hwm_kib


def test_preprocess_of_a_huge_box_writes_nothing(tmp_path):
    (tmp_path / "events.csv").write_text(EVENTS.replace("35.0,103.0", "0.5,103.0").replace("35.3,103.4", "0.3,103.4"))
    (tmp_path / "hdf").mkdir()
    work = tmp_path / "work"
    result = CliRunner().invoke(cli, ["preprocess", "--events", str(tmp_path / "events.csv"), "--hdf-dir",
                                      str(tmp_path / "hdf"), "--out", str(work), "--size", "16000", "--workers", "0"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "a 16000 km box needs about 11.4 GiB of memory" in lines[0], lines
    assert not work.exists()


def test_the_limit_is_configurable(monkeypatch, tmp_path):
    monkeypatch.setenv("THERMOQUAKE_MAX_BOX_GIB", "0.001")        # ~1 MiB: a 256 km box needs 3 MiB
    with pytest.raises(BadRequestError, match=r"a 256 km box needs about 0\.00293 GiB .* 0\.001 GiB limit"):
        check_box_memory(256)
    check_box_memory(128)                                          # 0.75 MiB
    monkeypatch.setenv("THERMOQUAKE_MAX_BOX_GIB", "64")
    check_box_memory(16000)
    assert box_memory_gib(16000) == pytest.approx(11.44, abs=0.01)
    monkeypatch.setenv("THERMOQUAKE_MAX_BOX_GIB", "-1")
    result = CliRunner().invoke(cli, ["crop", str(TILE), "--lat", "39.37", "--lon", "-89.75", "--size", "16",
                                      "--out", str(tmp_path / "x.tif")])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: THERMOQUAKE_MAX_BOX_GIB='-1' is not a positive number of GiB"]
