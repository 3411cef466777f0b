"""A full disk (or a file size limit) never leaves a partial file under a final name: the
library raises one line naming the path, inputs stay byte-identical, and a resumed preprocess
completes once there is space. (The commands' message and exit status: tests/cli/test_crop_cmd.py.)

The full disk is real, not mocked, where it matters: the library call runs in a child process
whose file size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes the kernel refuse writes with
EFBIG past N bytes, exactly as a full file system refuses them with ENOSPC. The ENOSPC and
EDQUOT messages are checked with a writer that raises those errors at its Nth byte.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio

from tests.conftest import REAL_LST_TILES
from thermoquake.atomic import TEMP_MARKER, atomic_path, write_text_atomic
from thermoquake.errors import DiskFullError, WriteError

from tests.test_fetch import pool, small_hdf  # noqa: F401 - fixtures: a Data Pool on 127.0.0.1

ROOT = Path(__file__).resolve().parents[1]
TILE = REAL_LST_TILES["terra_c61_north"]
CENTRE = {"lat": 39.37, "lon": -89.75, "size": 64}   # 99.6 % valid: ~9.6 kB
STUDY = {"days_before": 2, "reference_years": [2008, 2010], "size": 16, "progress": False, "workers": 0}

LIMITED = """
import json, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
if int(sys.argv[1]):
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), resource.RLIM_INFINITY))
import thermoquake
from thermoquake.errors import ThermoquakeError
call, kw = sys.argv[2], json.loads(sys.argv[3])
try:
    if call == "crop":
        image = thermoquake.crop_epicentre([kw.pop("tile")], kw.pop("lat"), kw.pop("lon"), size=kw.pop("size"))
        thermoquake.write_epicentre_image(kw.pop("out"), image)
    elif call == "preprocess":
        kw["reference_years"] = range(kw["reference_years"][0], kw["reference_years"][1] + 1)
        thermoquake.preprocess(**kw)
    else:
        outcomes = thermoquake.fetch_granules(**kw)
        failed = [o.message for o in outcomes if o.status in ("missing", "failed")]
        if failed:
            sys.exit(" | ".join(failed))
except ThermoquakeError as err:
    sys.exit(str(err))
"""


def _library(call: str, limit_bytes: int | None = None, env: dict | None = None,
             **kwargs) -> subprocess.CompletedProcess:
    """Run ``call`` (crop, preprocess or fetch) of the library in a child process, with a file
    size limit if given; a ThermoquakeError (or the failed granules) is its one stderr line
    and exit status 1."""
    env = (env or os.environ) | {"PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-c", LIMITED, str(limit_bytes or 0), call, json.dumps(kwargs, default=str)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def _temps(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if TEMP_MARKER in p.name]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _one_error_line(result: subprocess.CompletedProcess, path: Path, words: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}: cannot write: "), lines[0]
    assert words in lines[0], lines[0]


def test_crop_past_the_file_size_limit_leaves_no_file_and_says_so(tmp_path):
    tile = tmp_path / TILE.name
    shutil.copy(TILE, tile)
    out = tmp_path / "out" / "epicentre.tif"
    result = _library("crop", limit_bytes=4096, tile=tile, out=out, **CENTRE)
    _one_error_line(result, out, "file too large")
    assert result.stdout == ""
    assert not out.exists() and not _temps(tmp_path)
    assert tile.read_bytes() == TILE.read_bytes()


def test_crop_that_cannot_write_keeps_the_previous_complete_output(tmp_path):
    out = tmp_path / "epicentre.tif"
    first = _library("crop", tile=TILE, out=out, **CENTRE)
    assert first.returncode == 0, first.stderr
    before = out.read_bytes()
    result = _library("crop", limit_bytes=4096, tile=TILE, out=out, lat=39.0, lon=-89.0, size=64)
    _one_error_line(result, out, "file too large")
    assert out.read_bytes() == before and not _temps(tmp_path)
    with rasterio.open(out) as src:
        src.read(1)


def test_preprocess_stopped_by_a_full_disk_resumes_to_the_same_workdir(tiny_study, tmp_path):
    inputs = {"events": tiny_study / "events.csv", "controls": tiny_study / "controls.csv",
              "hdf_dir": tiny_study / "hdf"}
    before = _snapshot(tiny_study / "hdf")
    work = tmp_path / "work"
    # 2000 bytes: workdir.json, samples.csv and the cloudiest 16 km images fit, most images do not
    stopped = _library("preprocess", limit_bytes=2000, workdir=work, **inputs, **STUDY)
    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert "Traceback" not in stopped.stderr
    lines = stopped.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot write: file too large" in lines[0], lines
    assert lines[0].startswith(f"{work.resolve() / 'images'}"), lines[0]
    assert not _temps(work)
    for image in work.rglob("*.tif"):                   # whatever is under a final name is whole
        with rasterio.open(image) as src:
            assert src.read(1).shape == (16, 16)

    resumed = _library("preprocess", workdir=work, **inputs, **STUDY)
    assert resumed.returncode == 0, resumed.stderr
    assert "Traceback" not in resumed.stderr
    for name in ("manifest.csv", "failures.csv", "samples.csv", "workdir.json"):
        assert (work / name).read_bytes() == (tiny_study / "work" / name).read_bytes(), name
    reference = tiny_study / "work"
    for image in reference.rglob("*.tif"):
        with rasterio.open(image) as a, rasterio.open(work / image.relative_to(reference)) as b:
            np.testing.assert_array_equal(a.read(1), b.read(1))
    assert _snapshot(tiny_study / "hdf") == before


class _FullAfter:
    """A file writer whose device fills after ``n`` bytes: later writes raise ``code``."""

    def __init__(self, path: Path, n: int, code: int) -> None:
        self.fh, self.left, self.code = open(path, "wb"), n, code

    def write(self, data: bytes) -> None:
        if len(data) > self.left:
            self.fh.write(data[:self.left])
            self.left = 0
            self.fh.flush()
            raise OSError(self.code, os.strerror(self.code))
        self.fh.write(data)
        self.left -= len(data)


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "no space left on device"),
                                         (errno.EDQUOT, "disk quota exceeded")])
def test_a_write_failing_for_space_is_one_line_naming_the_path(tmp_path, code, words):
    final = tmp_path / "table.csv"
    final.write_text("old,complete\n")
    with pytest.raises(DiskFullError) as info:
        with atomic_path(final) as tmp:
            writer = _FullAfter(tmp, 10, code)
            try:
                writer.write(b"a,b\n" * 100)
            finally:
                writer.fh.close()
    message = str(info.value)
    assert message.startswith(f"{final}: cannot write: {words}") and "\n" not in message
    assert final.read_text() == "old,complete\n" and not _temps(tmp_path)


def test_an_output_that_does_not_read_back_is_never_renamed(tmp_path):
    final = tmp_path / "image.tif"
    with pytest.raises(WriteError, match="did not read back"):
        with atomic_path(final) as tmp:
            tmp.write_bytes(b"II*\x00" + b"\x00" * 20)        # a TIFF header and nothing else
    assert not final.exists() and not _temps(tmp_path)
    with pytest.raises(WriteError, match="did not read back"):
        with atomic_path(tmp_path / "doc.json") as tmp:
            tmp.write_text('{"truncated": ')
    assert not (tmp_path / "doc.json").exists() and not _temps(tmp_path)


def test_text_is_read_back_and_compared(tmp_path):
    write_text_atomic(tmp_path / "a.csv", "x,y\n1,2\n")
    assert (tmp_path / "a.csv").read_text() == "x,y\n1,2\n"


def test_a_full_disk_while_writing_an_image_is_one_line_naming_it(tmp_path, monkeypatch):
    import thermoquake
    import thermoquake.image.geotiff as geotiff

    def full(path, expected):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(geotiff, "check_pixels", full)
    out = tmp_path / "e.tif"
    image = thermoquake.crop_epicentre([TILE], **CENTRE)
    with pytest.raises(DiskFullError) as info:
        thermoquake.write_epicentre_image(out, image)
    assert str(info.value) == f"{out}: cannot write: no space left on device; nothing was left under this name"
    assert not out.exists() and not _temps(tmp_path)


def test_fetch_past_the_file_size_limit_stops_keeps_the_partial_file_and_resumes(tmp_path, pool, small_hdf):
    from tests.test_fetch import BASIC, REAL_TILE, env_for, write_manifest

    manifest = write_manifest(tmp_path / "granules.csv", pool.url, ("2002-07-04", "h09v06"))
    dest = tmp_path / "modis"
    env = {k: v for k, v in (os.environ | env_for(pool, tmp_path, **BASIC)).items() if v is not None}
    args = {"manifest": manifest, "dest": dest, "backoff_s": 0.01, "timeout_s": 10}
    limited = _library("fetch", limit_bytes=300000, env=env, **args)
    assert limited.returncode == 1 and "Traceback" not in limited.stderr, limited.stderr
    assert f"{dest}: cannot write: File too large; the partial download is kept" in limited.stderr
    assert not (dest / REAL_TILE.name).exists()
    partial = dest / f".{REAL_TILE.name}{TEMP_MARKER}partial"
    assert 0 < partial.stat().st_size <= 300000
    resumed = _library("fetch", env=env, **args)
    assert resumed.returncode == 0, resumed.stderr
    assert (dest / REAL_TILE.name).read_bytes() == REAL_TILE.read_bytes() and not partial.exists()
    assert any(r.headers.get("Range") for r in pool.requests("data", REAL_TILE.name))


def test_an_output_whose_directory_cannot_be_made_is_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    final = tmp_path / "file" / "sub" / "out.csv"
    with pytest.raises(WriteError) as info:
        write_text_atomic(final, "a\n")
    assert str(info.value).startswith(f"{final}: cannot write: ") and "\n" not in str(info.value)
    assert (tmp_path / "file").read_text() == "x"
