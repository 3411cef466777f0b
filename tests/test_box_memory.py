"""A box whose memory would be unreasonable is refused before anything is allocated, with
the estimate in GiB; the limit is THERMOQUAKE_MAX_BOX_GIB (default 2). (The commands' exit
status and message: tests/cli/test_crop_cmd.py, tests/cli/test_preprocess_cmd.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import thermoquake
from tests.conftest import EVENTS, REAL_LST_TILES
from thermoquake.image.grid import BOX_BYTES_PER_PIXEL, box_memory_gib, check_box_memory
from thermoquake.errors import BadRequestError

ROOT = Path(__file__).resolve().parents[1]
TILE = REAL_LST_TILES["terra_c61_north"]


def test_crop_of_a_16000_km_box_is_refused_with_the_estimate(tmp_path):
    before = TILE.read_bytes()
    peak = tmp_path / "peak.txt"
    # The child records its own peak resident memory (VmHWM, per address space: unlike
    # ru_maxrss it does not carry the parent's size across fork and exec) as it exits.
    run_crop = ("import atexit, os, sys\n"
                "atexit.register(lambda: open(os.environ['PEAK_OUT'], 'w').write(open('/proc/self/status').read()))\n"
                "import thermoquake\n"
                "try:\n"
                "    thermoquake.crop_epicentre([sys.argv[1]], 0.0, -80.0, size=16000)\n"
                "except thermoquake.errors.BadRequestError as err:\n"
                "    print(err, file=sys.stderr)\n"
                "    sys.exit(3)\n")
    result = subprocess.run([sys.executable, "-c", run_crop, str(TILE)], capture_output=True, text=True,
                            env=os.environ | {"PYTHONPATH": str(ROOT), "PEAK_OUT": str(peak)}, timeout=120)
    assert result.returncode == 3 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    need = 16000**2 * BOX_BYTES_PER_PIXEL / 2**30
    assert lines == [f"a 16000 km box needs about {need:.3g} GiB of memory ({BOX_BYTES_PER_PIXEL} "
                     "bytes a pixel), more than the 2 GiB limit: use a smaller --size, or raise "
                     "THERMOQUAKE_MAX_BOX_GIB if the machine has the memory"]
    assert TILE.read_bytes() == before
    # refused up front: the child never held anything near the estimate
    hwm_kib = int(next(line for line in peak.read_text().splitlines() if line.startswith("VmHWM:")).split()[1])
    assert hwm_kib * 1024 < 2**30, hwm_kib


def test_preprocess_of_a_huge_box_writes_nothing(tmp_path):
    (tmp_path / "events.csv").write_text(EVENTS.replace("35.0,103.0", "0.5,103.0").replace("35.3,103.4", "0.3,103.4"))
    (tmp_path / "hdf").mkdir()
    work = tmp_path / "work"
    with pytest.raises(BadRequestError) as err:
        thermoquake.preprocess(tmp_path / "events.csv", tmp_path / "hdf", work, size=16000, workers=0)
    lines = str(err.value).splitlines()
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
    with pytest.raises(BadRequestError) as err:
        thermoquake.crop_epicentre([TILE], 39.37, -89.75, size=16)
    assert str(err.value).splitlines() == ["THERMOQUAKE_MAX_BOX_GIB='-1' is not a positive number of GiB"]
