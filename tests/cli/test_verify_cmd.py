"""``thermoquake verify DIR`` as a user sees it: one line per file, the count line, --json, exit
status 1 when a file fails, one ``Error:`` line for an empty or missing directory. What is
checked is tested on the library in tests/test_verify.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from tests._hdf4_blocks import compressed_block, flip_byte
from tests.conftest import REAL_LST_TILES
from tests.test_verify import AQUA, _with_record
from thermoquake.cli.main import cli


def _verify(*args: str):
    return CliRunner().invoke(cli, ["verify", *args])


def test_verify_passes_real_tiles_and_names_what_it_checked(tmp_path):
    for tile in REAL_LST_TILES.values():
        shutil.copy(tile, tmp_path / tile.name)
    _with_record(tmp_path, AQUA)
    result = _verify(str(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("ok      ") for line in lines[:3])
    aqua = next(line for line in lines if AQUA.name in line)
    assert "CKSUM checksum as published" in aqua and "LST_Day_1km/QC_Day consistent" in aqua
    assert sum("no checksum recorded" in line for line in lines) == 2
    assert lines[-1] == "3 files: 3 ok, 0 failed; 1 checked against a published checksum"


def test_verify_finds_a_self_consistent_corruption_only_by_its_checksum(tmp_path):
    """Damage in a layer thermoquake never reads leaves the tile consistent: only the
    recorded checksum shows that the file is not the one NASA published."""
    (tmp_path / "with").mkdir()
    tile = _with_record(tmp_path / "with", AQUA)
    offset, length = compressed_block(AQUA, "Clear_night_cov")
    flip_byte(AQUA, tile, offset + length // 2)
    bare = flip_byte(AQUA, tmp_path / "without" / AQUA.name, offset + length // 2)
    assert _verify(str(bare.parent)).exit_code == 0               # consistent: cannot be seen
    result = _verify(str(tile.parent), "--json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert (doc["ok"], doc["failed"]) == (0, 1)
    assert "CKSUM checksum is" in doc["results"][0]["problem"]
    assert "the file is not the one NASA published" in doc["results"][0]["problem"]


def test_verify_lists_each_bad_file_in_one_line_and_exits_1(tmp_path):
    good = Path(shutil.copy(AQUA, tmp_path / AQUA.name))
    terra = REAL_LST_TILES["terra_c6_south"]
    offset, length = compressed_block(terra, "LST_Day_1km")
    damaged = None
    for i in range(1, 12):    # the first flip that the HDF library decodes without complaint
        candidate = flip_byte(terra, tmp_path / "try" / terra.name, offset + i * length // 12)
        if _verify(str(candidate.parent)).exit_code == 1 and "disagree" in _verify(str(candidate.parent)).output:
            damaged = Path(shutil.move(candidate, tmp_path / terra.name))
            break
    assert damaged is not None
    shutil.rmtree(tmp_path / "try")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "MYD11A1.A2002186.h09v06.006.2015146150958.hdf.verified.json").write_text(
        json.dumps({"checksum_type": "MD5", "checksum": "0", "source": "s", "file": "x"}))
    result = _verify(str(tmp_path))
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith(f"FAILED  {damaged}: LST_Day_1km and QC_Day disagree")
    assert lines[1].startswith(f"ok      {good}: ")
    assert lines[2].startswith("FAILED  ") and "which is not in the directory" in lines[2]
    assert lines[3] == "3 files: 1 ok, 2 failed; 0 checked against a published checksum"


def test_verify_of_an_empty_or_missing_directory_is_one_line(tmp_path):
    for target in (tmp_path, tmp_path / "none"):
        result = _verify(str(target))
        assert result.exit_code == 1
        assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith(f"Error: {target}: ")
