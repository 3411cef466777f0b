"""Checksums NASA publishes for a granule: checked by fetch, recorded beside the file, and
re-checked with the tiles' consistency by ``thermoquake.verify_directory`` (``thermoquake verify
DIR``; the command's lines and exit status: tests/cli/test_verify_cmd.py)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

import thermoquake
from tests._datapool import DataPool
from tests._hdf4_blocks import compressed_block, flip_byte
from tests.conftest import REAL_LST_TILES
from tests.test_fetch import BASIC, env_for, fetch, write_manifest
from thermoquake.errors import ThermoquakeError
from thermoquake.fetch.checksum import (
    ChecksumError, Sidecar, file_checksum, parse_datapool_xml, read_sidecar, sidecar_path, write_sidecar,
)

AQUA = REAL_LST_TILES["aqua_c6_north"]          # MYD11A1 2002-07-04 h09v06, collection 006
DIR = "/MOLA/MYD11A1.006/2002.07.04/"


def _coreutils_cksum(path: Path) -> str:
    if shutil.which("cksum") is None:
        pytest.skip("no cksum command to compare with")
    return subprocess.run(["cksum", str(path)], capture_output=True, text=True, check=True).stdout.split()[0]


def _xml(name: str, kind: str, value: str, size: int) -> bytes:
    """A granule's ECS metadata as the Data Pool publishes it beside the file."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<GranuleMetaDataFile><GranuleURMetaData>'
            f"<GranuleUR>SC:MYD11A1.006:2345</GranuleUR><DataFiles><DataFileContainer>"
            f"<DistributedFileName>{name}</DistributedFileName><FileSize>{size}</FileSize>"
            f"<ChecksumType>{kind}</ChecksumType><Checksum>{value}</Checksum>"
            f"<ChecksumOrigin>PDR</ChecksumOrigin></DataFileContainer></DataFiles>"
            f"</GranuleURMetaData></GranuleMetaDataFile>\n").encode()


# -- checksums -----------------------------------------------------------------------------------

@pytest.mark.parametrize("tile", sorted(REAL_LST_TILES.values()))
def test_cksum_is_the_posix_cksum_of_the_file(tile):
    assert file_checksum(tile, "CKSUM") == _coreutils_cksum(tile)


def test_hash_checksums_are_hashlibs_under_nasas_names(tmp_path):
    data = AQUA.read_bytes()
    assert file_checksum(AQUA, "MD5") == hashlib.md5(data).hexdigest()
    assert file_checksum(AQUA, "SHA-256") == file_checksum(AQUA, "sha256") == hashlib.sha256(data).hexdigest()
    with pytest.raises(ChecksumError, match="checksum type 'CRC64' is not one of"):
        file_checksum(AQUA, "CRC64")


def test_datapool_xml_gives_the_checksum_of_the_named_file():
    got = parse_datapool_xml(_xml(AQUA.name, "CKSUM", "123", 99), AQUA.name, "http://x/a.hdf.xml")
    assert got == Sidecar("CKSUM", "123", "http://x/a.hdf.xml", AQUA.name, 99)
    with pytest.raises(ChecksumError, match="publishes no ChecksumType and Checksum"):
        parse_datapool_xml(b"<GranuleMetaDataFile/>", AQUA.name, "http://x/a.hdf.xml")
    with pytest.raises(ChecksumError, match="is not XML metadata"):
        parse_datapool_xml(b"<html><body>Log in", AQUA.name, "http://x/a.hdf.xml")


@pytest.mark.parametrize("text, words", [
    ("{not json", "cannot be read as a checksum record"),
    ('{"checksum_type": "MD5"}', "needs checksum_type, checksum, source and file"),
    ('{"checksum_type": "XX", "checksum": "1", "source": "s", "file": "f"}', "checksum type 'XX'"),
])
def test_unreadable_checksum_record_is_one_line(tmp_path, text, words):
    record = tmp_path / "x.hdf.verified.json"
    record.write_text(text)
    with pytest.raises(ChecksumError, match=words) as info:
        read_sidecar(record)
    assert "\n" not in str(info.value) and str(info.value).startswith(str(record))


# -- thermoquake verify --------------------------------------------------------------------------

def _verify(folder: Path) -> list:
    return thermoquake.verify_directory(folder)


def _failed(verdicts: list) -> list:
    return [v for v in verdicts if not v.ok]


def _with_record(folder: Path, tile: Path) -> Path:
    copy = Path(shutil.copy(tile, folder / tile.name))
    write_sidecar(copy, Sidecar("CKSUM", _coreutils_cksum(tile), f"https://pool{DIR}{tile.name}.xml", tile.name,
                                tile.stat().st_size))
    return copy


def test_verify_passes_real_tiles_and_names_what_it_checked(tmp_path):
    for tile in REAL_LST_TILES.values():
        shutil.copy(tile, tmp_path / tile.name)
    _with_record(tmp_path, AQUA)
    verdicts = _verify(tmp_path)
    assert len(verdicts) == 3 and all(v.ok for v in verdicts), verdicts
    (aqua,) = [v for v in verdicts if v.path.name == AQUA.name]
    assert aqua.checks[0].startswith("CKSUM checksum as published") and "LST_Day_1km/QC_Day consistent" in aqua.checks
    assert sum(not any("checksum" in c for c in v.checks) for v in verdicts) == 2
    assert all("LST_Night_1km/QC_Night consistent" in v.checks for v in verdicts)


def test_verify_finds_a_self_consistent_corruption_only_by_its_checksum(tmp_path):
    """Damage in a layer thermoquake never reads leaves the tile consistent: only the
    recorded checksum shows that the file is not the one NASA published."""
    (tmp_path / "with").mkdir()
    tile = _with_record(tmp_path / "with", AQUA)
    offset, length = compressed_block(AQUA, "Clear_night_cov")
    flip_byte(AQUA, tile, offset + length // 2)
    bare = flip_byte(AQUA, tmp_path / "without" / AQUA.name, offset + length // 2)
    assert _failed(_verify(bare.parent)) == []                   # consistent: cannot be seen
    (verdict,) = _verify(tile.parent)
    assert not verdict.ok
    assert "CKSUM checksum is" in verdict.problem
    assert "the file is not the one NASA published" in verdict.problem


def test_verify_lists_each_bad_file_in_one_line_and_exits_1(tmp_path):
    good = Path(shutil.copy(AQUA, tmp_path / AQUA.name))
    terra = REAL_LST_TILES["terra_c6_south"]
    offset, length = compressed_block(terra, "LST_Day_1km")
    damaged = None
    for i in range(1, 12):    # the first flip that the HDF library decodes without complaint
        candidate = flip_byte(terra, tmp_path / "try" / terra.name, offset + i * length // 12)
        if any("disagree" in v.problem for v in _failed(_verify(candidate.parent))):
            damaged = Path(shutil.move(candidate, tmp_path / terra.name))
            break
    assert damaged is not None
    shutil.rmtree(tmp_path / "try")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "MYD11A1.A2002186.h09v06.006.2015146150958.hdf.verified.json").write_text(
        json.dumps({"checksum_type": "MD5", "checksum": "0", "source": "s", "file": "x"}))
    verdicts = _verify(tmp_path)
    assert [(v.path, v.ok) for v in verdicts[:2]] == [(damaged, False), (good, True)]
    assert verdicts[0].problem.startswith("LST_Day_1km and QC_Day disagree")
    assert not verdicts[2].ok and "which is not in the directory" in verdicts[2].problem
    assert len(verdicts) == 3


def test_verify_of_an_empty_or_missing_directory_is_one_line(tmp_path):
    for target in (tmp_path, tmp_path / "none"):
        with pytest.raises(ThermoquakeError) as err:
            _verify(target)
        assert len(str(err.value).splitlines()) == 1 and str(err.value).startswith(f"{target}: ")


# -- fetch checks NASA's published checksum ------------------------------------------------------

@pytest.fixture
def published(tmp_path):
    pools: list[DataPool] = []

    def start(kind: str, value: str | None = None, size: int | None = None) -> tuple[DataPool, Path]:
        value = value or (_coreutils_cksum(AQUA) if kind == "CKSUM" else file_checksum(AQUA, kind))
        pool = DataPool({DIR + AQUA.name: AQUA.read_bytes(),
                         DIR + AQUA.name + ".xml": _xml(AQUA.name, kind, value, size or AQUA.stat().st_size)}).start()
        pools.append(pool)
        return pool, write_manifest(tmp_path / "granules.csv", pool.url, ("2002-07-04", "h09v06"))

    yield start
    for pool in pools:
        pool.stop()


@pytest.mark.parametrize("kind", ["CKSUM", "MD5", "SHA256"])
def test_fetch_checks_the_published_checksum_and_records_it(tmp_path, published, kind):
    pool, manifest = published(kind)
    dest = tmp_path / "modis"
    result = fetch(manifest, dest, env_for(pool, tmp_path, **BASIC))
    assert result.ok, result.problems
    record = read_sidecar(sidecar_path(dest / AQUA.name))
    assert (record.checksum_type, record.file, record.size) == (kind, AQUA.name, AQUA.stat().st_size)
    assert record.source == f"{pool.url}{DIR}{AQUA.name}.xml"
    assert pool.requests("data", AQUA.name + ".xml")
    (verified,) = _verify(dest)
    assert verified.ok and verified.checks[0].startswith(f"{kind} checksum as published")


@pytest.mark.parametrize("value, size, words", [("12345", None, "CKSUM checksum is"),
                                                 (None, 1000, "size 936896 bytes, but")])
def test_fetch_rejects_a_file_that_differs_from_what_nasa_publishes(tmp_path, published, value, size, words):
    pool, manifest = published("CKSUM", value, size)
    dest = tmp_path / "modis"
    result = fetch(manifest, dest, env_for(pool, tmp_path, **BASIC))
    assert not result.ok
    assert not dest.exists() or sorted(p.name for p in dest.iterdir()) == []   # nothing under a final name
    assert words in result.problems and "was rejected after download" in result.problems
    assert len([r for r in pool.requests("data", AQUA.name) if r.path.endswith(".hdf")]) >= 2   # tried afresh once


def test_fetch_checks_a_present_file_against_its_record_without_network(tmp_path, published):
    pool, manifest = published("MD5")
    dest = tmp_path / "modis"
    assert fetch(manifest, dest, env_for(pool, tmp_path, **BASIC)).ok
    offset, length = compressed_block(AQUA, "Clear_night_cov")
    flip_byte(AQUA, dest / AQUA.name, offset + length // 2)
    before = len(pool.log)
    result = fetch(manifest, dest, env_for(pool, tmp_path, **BASIC))
    assert not result.ok
    assert "MD5 checksum is" in result.problems and "delete it to fetch again" in result.problems
    assert len(pool.log) == before
