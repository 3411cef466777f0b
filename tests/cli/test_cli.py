"""The CLI contract: --help everywhere, no TensorFlow on non-ML paths, JSON where scripts want it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tests.conftest import REAL_LST_TILES
from thermoquake.cli.main import LAZY_COMMANDS, cli


def _all_command_paths():
    paths = []
    for name in LAZY_COMMANDS:
        cmd = cli.get_command(None, name)
        paths.append([name])
        for sub in getattr(cmd, "commands", {}):
            paths.append([name, sub])
    return paths


@pytest.mark.parametrize("path", _all_command_paths(), ids=lambda p: " ".join(p))
def test_every_command_has_help(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and len(result.output.splitlines()) > 3


def test_crop_and_tiles_do_not_import_tensorflow(tmp_path):
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from thermoquake.cli.main import cli\n"
        f"r = CliRunner().invoke(cli, ['crop', {str(REAL_LST_TILES['terra_c6_south'])!r}, '--lat', '-6.88', "
        f"'--lon', '-37.14', '--out', {str(tmp_path / 'o.tif')!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "r = CliRunner().invoke(cli, ['tiles', '--lat', '31', '--lon', '103.4'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'jax', 'torch'))\n"
        "print(heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_tiles_json_lists_the_tiles_and_the_box():
    result = CliRunner().invoke(cli, ["tiles", "--lat", "31.0", "--lon", "103.4", "--json"])
    data = json.loads(result.output)
    assert data["tiles"] == ["h26v05", "h26v06", "h27v05", "h27v06"]
    assert data["bounds"]["north"] == pytest.approx(31.0 + 128 * 1000 / 6371007.181 * 57.29577951308232)


def test_crop_json_reports_sources_missing_tiles_and_valid_fraction(tmp_path):
    out = tmp_path / "e.tif"
    result = CliRunner().invoke(cli, ["crop", str(REAL_LST_TILES["terra_c6_south"]), "--lat", "-4.38",
                                      "--lon", "-39.49", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["missing_tiles"] == ["h13v09"] and data["synthetic"] is False
    assert 0.05 < data["valid_fraction"] < 0.95 and out.exists()


def test_outputs_get_ordinary_file_permissions(tmp_path):
    import stat

    from thermoquake.atomic import write_text_atomic

    import thermoquake.atomic as atomic

    write_text_atomic(tmp_path / "x.csv", "a\n")
    assert stat.S_IMODE((tmp_path / "x.csv").stat().st_mode) == 0o666 & ~atomic._UMASK
