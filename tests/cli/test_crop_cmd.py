"""``thermoquake crop`` as a user sees it: option values it refuses, and one-line errors with
exit status 1 and no output file. What a crop holds is tested on the library in
tests/test_crop_real.py, test_crop_engines.py, test_tile_consistency.py and test_box_memory.py."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner

from tests.conftest import REAL_LST_TILES
from thermoquake.cli.main import cli
from thermoquake.image.grid import BOX_BYTES_PER_PIXEL

TILE = REAL_LST_TILES["terra_c61_north"]


def test_unknown_engine_is_refused_by_the_cli(tmp_path):
    result = CliRunner().invoke(cli, ["crop", str(REAL_LST_TILES["terra_c6_south"]), "--lat", "-6.88",
                                      "--lon", "-37.14", "--out", str(tmp_path / "o.tif"), "--engine", "fast"])
    assert result.exit_code == 2 and "Invalid value for '--engine'" in result.output


def test_a_16000_km_box_exits_1_with_the_estimate_in_one_line(tmp_path):
    out = tmp_path / "big.tif"
    result = CliRunner().invoke(cli, ["crop", str(TILE), "--lat", "0", "--lon", "-80", "--size", "16000",
                                      "--out", str(out)])
    assert result.exit_code == 1 and result.stdout == ""
    need = 16000**2 * BOX_BYTES_PER_PIXEL / 2**30
    assert result.stderr.strip().splitlines() == [
        f"Error: a 16000 km box needs about {need:.3g} GiB of memory ({BOX_BYTES_PER_PIXEL} bytes a pixel), "
        "more than the 2 GiB limit: use a smaller --size, or raise THERMOQUAKE_MAX_BOX_GIB if the machine "
        "has the memory"]
    assert not out.exists()


def test_a_bad_memory_limit_in_the_environment_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("THERMOQUAKE_MAX_BOX_GIB", "-1")
    result = CliRunner().invoke(cli, ["crop", str(TILE), "--lat", "39.37", "--lon", "-89.75", "--size", "16",
                                      "--out", str(tmp_path / "x.tif")])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: THERMOQUAKE_MAX_BOX_GIB='-1' is not a positive number of GiB"]


def test_a_damaged_tile_exits_1_naming_it_without_traceback(tmp_path):
    from tests.test_tile_consistency import TILE_CENTRES, _damaged_copies

    damaged = next(p for p, kind in _damaged_copies(TILE, "LST_Night_1km", tmp_path / "flips") if kind == "wrong")
    lat, lon = TILE_CENTRES["terra_c61_north"]
    out = tmp_path / "crop.tif"
    result = CliRunner().invoke(cli, ["crop", str(damaged), "--lat", lat, "--lon", lon, "--size", "256",
                                      "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {damaged}: ") and "disagree" in lines[0], lines
    assert not out.exists()


def test_crop_writes_the_geotiff_and_a_one_line_summary(tmp_path):
    import thermoquake

    out = tmp_path / "crop.tif"
    result = CliRunner().invoke(cli, ["crop", str(TILE), "--lat", "35.0", "--lon", "-79.35", "--size", "64",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    image = thermoquake.crop_epicentre([TILE], 35.0, -79.35, size=64)
    assert result.stdout.splitlines()[0] == (f"wrote {out}: MOD11A1 LST_Night_1km {image.date}, "
                                             f"{image.valid_fraction:.1%} valid pixels")
    np.testing.assert_array_equal(thermoquake.read_epicentre_image(out).celsius, image.celsius)


def test_the_cli_prints_a_full_disk_as_one_line(tmp_path, monkeypatch):
    import errno
    import os

    import thermoquake.image.geotiff as geotiff
    from thermoquake.atomic import TEMP_MARKER

    def full(path, expected):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(geotiff, "check_pixels", full)
    out = tmp_path / "e.tif"
    result = CliRunner().invoke(cli, ["crop", str(TILE), "--lat", "39.37", "--lon", "-89.75", "--size", "64",
                                      "--out", str(out)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [f"Error: {out}: cannot write: no space left on device; nothing was left under this name"]
    assert not out.exists() and not [p for p in tmp_path.rglob("*") if TEMP_MARKER in p.name]
