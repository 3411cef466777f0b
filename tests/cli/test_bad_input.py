"""Bad input: one-line error naming the file and the problem, exit 1, no traceback, no output."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from pyhdf.SD import SD, SDC

from tests.conftest import OTHER_PRODUCT_TILE, REAL_LST_TILES
from thermoquake.cli.main import cli

TERRA = REAL_LST_TILES["terra_c61_north"]
GOOD_NAME = TERRA.name
CENTRE = ["--lat", "39.37", "--lon", "-89.75"]


def _copy_as(src: Path, dst_dir: Path, name: str = GOOD_NAME) -> Path:
    dst_dir.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(src, dst_dir / name))


def _hdf_without_grid(path: Path, struct_metadata: str | None) -> Path:
    """A genuine HDF4 file with LST layers but missing or broken HDF-EOS metadata."""
    sd = SD(str(path), SDC.WRITE | SDC.CREATE)
    for name, kind in (("LST_Night_1km", SDC.UINT16), ("QC_Night", SDC.UINT8)):
        ds = sd.create(name, kind, (1200, 1200))
        ds[:] = np.zeros((1200, 1200), dtype=np.uint16 if kind == SDC.UINT16 else np.uint8)
        ds.endaccess()
    if struct_metadata is not None:
        sd.attr("StructMetadata.0").set(SDC.CHAR8, struct_metadata)
    sd.end()
    return path


def _bad_files(tmp: Path) -> dict[str, tuple[list[Path], str]]:
    """case -> (tiles, words the message must contain)."""
    cases: dict[str, tuple[list[Path], str]] = {}
    empty = tmp / "empty" / GOOD_NAME
    empty.parent.mkdir()
    empty.write_bytes(b"")
    cases["zero_bytes"] = ([empty], "empty (0 bytes)")
    truncated = _copy_as(TERRA, tmp / "truncated")
    truncated.write_bytes(TERRA.read_bytes()[: TERRA.stat().st_size // 2])
    cases["truncated"] = ([truncated], "cannot be opened as HDF4")
    corrupt = _copy_as(TERRA, tmp / "corrupt")
    data = bytearray(corrupt.read_bytes())
    start = int(len(data) * 0.35)  # inside the compressed LST_Night_1km block
    data[start:start + 4096] = np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    corrupt.write_bytes(bytes(data))
    cases["corrupt_pixels"] = ([corrupt], "cannot read LST_Night_1km")
    text = tmp / "text" / GOOD_NAME
    text.parent.mkdir()
    text.write_text("Granule list\nMOD11A1 h11v05\n")
    cases["text_file"] = ([text], "a text file")
    html = tmp / "html" / GOOD_NAME
    html.parent.mkdir()
    html.write_text("<!DOCTYPE html><html><body>Earthdata Login</body></html>")
    cases["html_page"] = ([html], "an HTML page")
    cases["other_product"] = ([OTHER_PRODUCT_TILE], "product MOD13A2 has no LST layer")
    renamed = _copy_as(OTHER_PRODUCT_TILE, tmp / "renamed", "MOD11A1.A2021225.h11v06.061.2021320163717.hdf")
    cases["other_product_renamed"] = ([renamed], "holds grid MODIS_Grid_16DAY_1km_VI")
    wrong_date = _copy_as(TERRA, tmp / "date", GOOD_NAME.replace("A2021227", "A2021230"))
    cases["name_date_disagrees"] = ([wrong_date], "RANGEBEGINNINGDATE is 2021-08-15")
    c6 = REAL_LST_TILES["terra_c6_south"]
    wrong_collection = _copy_as(c6, tmp / "collection", c6.name.replace(".006.", ".061."))
    cases["name_collection_disagrees"] = ([wrong_collection],
                                          "CoreMetadata VERSIONID is 6, but the file name says collection 061")
    wrong_collection_c61 = _copy_as(TERRA, tmp / "collection61", GOOD_NAME.replace(".061.", ".006."))
    cases["name_collection_disagrees_c61"] = ([wrong_collection_c61],
                                              "CoreMetadata VERSIONID is 61, but the file name says collection 006")
    no_meta = tmp / "nometa" / GOOD_NAME
    no_meta.parent.mkdir()
    cases["no_structmetadata"] = ([_hdf_without_grid(no_meta, None)], "has no StructMetadata.0")
    bad_meta = tmp / "badmeta" / GOOD_NAME
    bad_meta.parent.mkdir()
    broken = 'GROUP=GridStructure\n\tGROUP=GRID_1\n\t\tGridName="MODIS_Grid_Daily_1km_LST"\n' \
             "\t\tXDim=1200\n\t\tYDim=1200\n\t\tUpperLeftPointMtrs=(abc)\n\tEND_GROUP=GRID_1\n"
    cases["malformed_structmetadata"] = ([_hdf_without_grid(bad_meta, broken)], "malformed value")
    not_modis = _copy_as(TERRA, tmp / "notmodis", "lst_tile.hdf")
    cases["not_a_modis_name"] = ([not_modis], "MODIS convention")
    return cases


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    return _bad_files(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize("case", [
    "zero_bytes", "truncated", "text_file", "html_page", "other_product",
    "other_product_renamed", "name_date_disagrees", "name_collection_disagrees", "name_collection_disagrees_c61",
    "no_structmetadata", "malformed_structmetadata",
    "not_a_modis_name",
])
def test_bad_tile_gets_one_line_error_naming_the_file_and_no_output(bad_files, tmp_path, case):
    tiles, words = bad_files[case]
    out = tmp_path / "out.tif"
    result = CliRunner().invoke(cli, ["crop", *map(str, tiles), *CENTRE, "--out", str(out)])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {tiles[0]}: ")
    assert words in lines[0]
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_corrupt_pixel_block_fails_the_read_with_the_file_named(bad_files):
    # `info` reads the whole layer; the corrupt deflate stream must not pass silently.
    tiles, words = bad_files["corrupt_pixels"]
    result = CliRunner().invoke(cli, ["info", str(tiles[0])])
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"Error: {tiles[0]}: cannot read LST_Night_1km/QC_Night "
                                     "(truncated or corrupt?): SDreaddata failure")


@pytest.mark.parametrize("tiles, args, words", [
    ([TERRA, REAL_LST_TILES["terra_c6_south"]], CENTRE, "one crop takes tiles of one date"),
    ([TERRA, REAL_LST_TILES["aqua_c6_north"]], CENTRE, "one crop takes tiles of one product"),
    ([TERRA, TERRA], CENTRE, "given twice"),
    ([TERRA], ["--lat", "91", "--lon", "0"], "latitude 91.0 is outside -90..90"),
    ([TERRA], ["--lat", "10", "--lon", "200"], "longitude 200.0 is outside -180..180"),
    ([TERRA], ["--lat", "89.5", "--lon", "0"], "reaches past the pole"),
    ([TERRA], ["--lat", "31.0", "--lon", "103.4"], "none of the given tiles (h11v05) covers"),
    ([TERRA], [*CENTRE, "--size", "255"], "size must be an even number"),
])
def test_bad_request_gets_one_line_error_and_no_output(tmp_path, tiles, args, words):
    out = tmp_path / "out.tif"
    result = CliRunner().invoke(cli, ["crop", *map(str, tiles), *args, "--out", str(out)])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0]
    assert not out.exists()


def test_real_process_prints_no_traceback_and_exits_1(tmp_path):
    empty = tmp_path / GOOD_NAME
    empty.write_bytes(b"")
    proc = subprocess.run(
        [sys.executable, "-m", "thermoquake", "crop", str(empty), *CENTRE, "--out", str(tmp_path / "o.tif")],
        capture_output=True, text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"Error: {empty}: file is empty (0 bytes)"
    assert "Traceback" not in proc.stderr and not (tmp_path / "o.tif").exists()


def test_events_and_controls_saved_with_a_utf8_bom_are_read_like_plain_files(tmp_path, tiny_study):
    """Spreadsheet programs save CSV with a UTF-8 byte-order mark; preprocess reads it as is."""
    plans = []
    for bom in (b"", b"\xef\xbb\xbf"):
        folder = tmp_path / ("bom" if bom else "plain")
        folder.mkdir()
        for name in ("events.csv", "controls.csv"):
            (folder / name).write_bytes(bom + (tiny_study / name).read_bytes())
        result = CliRunner().invoke(cli, [
            "preprocess", "--events", str(folder / "events.csv"), "--controls", str(folder / "controls.csv"),
            "--hdf-dir", str(tiny_study / "hdf"), "--out", str(folder / "work"), "--days-before", "2",
            "--reference-years", "2008-2010", "--size", "16", "--dry-run", "--json"])
        assert result.exit_code == 0, result.output
        plans.append(result.output.replace(str(folder), "DIR"))
    assert plans[0] == plans[1]
