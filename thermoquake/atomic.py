"""Checked atomic file output: write to a temporary sibling, check it, then rename it.

Every output goes to a hidden temporary file in the directory of its final name
(``.<name>.tmp-*``). When the writer is done the temporary file is flushed to disk
(``fsync``) and read back -- a GeoTIFF is re-opened with rasterio and every band decoded,
JSON parsed, CSV parsed, a ``.keras``/``.npz`` archive's members checked, text compared
byte for byte with what was meant -- and only then renamed over the final name (and the
directory synced). A run killed at any moment, or a write that fails, leaves either the
complete old file, the complete new file, or nothing: never a partial file under the
final name; the temporary file is removed.

A write that fails because the file system is full (``ENOSPC``), a quota is exhausted
(``EDQUOT``) or a file size limit is reached (``EFBIG``) raises :class:`DiskFullError`,
one line naming the final path. GDAL reports such failures without an errno, so after any
failed write the temporary file is probed: if it cannot grow by one block for one of
those reasons, the failure is reported as a full disk.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from thermoquake.errors import DiskFullError, ThermoquakeError, WriteError

TEMP_MARKER = ".tmp-"
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
PROBE_BYTES = 64 * 1024

Check = Callable[[Path], None]
"""Reads a written temporary file back; raises (any exception) if it is not complete."""


class _Auto:
    def __repr__(self) -> str:
        return "AUTO"


AUTO = _Auto()
"""``check=AUTO``: choose the read-back check from the final name's suffix (:func:`check_for`)."""


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike[str], check: Check | None | _Auto = AUTO) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; when the block ends, fsync it, read it back
    with ``check`` (by default chosen from the suffix of ``final``, see :func:`check_for`;
    None: no read-back), and rename it to ``final``.

    The temporary name starts with ``.`` and contains ``.tmp-`` so that directory scans can
    ignore it. On any exception the temporary file is removed and ``final`` is untouched;
    a full disk raises :class:`DiskFullError` and an output that does not read back
    :class:`WriteError`, each one line naming ``final``.
    """
    final = Path(final)
    checker = check_for(final) if check is AUTO else check
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}{TEMP_MARKER}", dir=final.parent)
    except OSError as err:
        raise as_write_error(err, final, None) or _cannot_create(err, final) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        os.chmod(tmp_path, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get normal modes
        yield tmp_path
        finish(tmp_path, final, checker)
    except BaseException as err:
        converted = as_write_error(err, final, tmp_path)
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        if converted is not None:
            raise converted from None
        raise


def finish(tmp: Path, final: Path, checker: Check | None) -> None:
    """fsync ``tmp``, read it back with ``checker``, rename it to ``final``, sync the directory.

    A file that does not read back raises :class:`WriteError` (``tmp`` is left for the
    caller to remove)."""
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    if checker is not None:
        try:
            checker(tmp)
        except Exception as err:  # any failure to read back means the file is not complete
            raise WriteError(f"the written file did not read back ({_one_line(err)}); nothing was "
                             "left under this name", final) from err
    os.replace(tmp, final)
    _sync_directory(final.parent)


def _sync_directory(folder: Path) -> None:
    """Make the rename durable (best effort: some file systems cannot fsync a directory)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def _chained_errno(err: BaseException) -> int | None:
    """The first disk-full errno in ``err`` and the exceptions it was raised from."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, OSError) and err.errno in DISK_FULL_ERRNOS:
            return err.errno
        err = err.__cause__ or err.__context__
    return None


def probe_disk_full(path: Path) -> int | None:
    """Try to grow the existing file ``path`` by :data:`PROBE_BYTES`; the errno if that fails
    for lack of space (ENOSPC, EDQUOT, EFBIG), else None. Used after a failed write whose
    error carries no errno (GDAL's)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    except OSError:
        return None
    try:
        os.write(fd, b"\0" * PROBE_BYTES)
        os.fsync(fd)
    except OSError as err:
        return err.errno if err.errno in DISK_FULL_ERRNOS else None
    finally:
        os.close(fd)
    return None


def _cannot_create(err: OSError, final: Path) -> WriteError:
    """The one-line error for an output whose directory or temporary file cannot be made
    (permissions, a file where a directory should be)."""
    return WriteError(f"cannot write: {err.strerror or _one_line(err)}", final)


def disk_full_error(code: int, final: Path) -> DiskFullError:
    """The one-line error for a write to ``final`` that failed with errno ``code``."""
    what = {errno.ENOSPC: "no space left on device",
            errno.EDQUOT: "disk quota exceeded (no space left on device for this user)",
            errno.EFBIG: "file too large (the file size limit was reached)"}[code]
    return DiskFullError(f"cannot write: {what}; nothing was left under this name", final)


def as_write_error(err: BaseException, final: Path, tmp: Path | None) -> ThermoquakeError | None:
    """The :class:`ThermoquakeError` a failed write to ``final`` becomes (``tmp``: the
    temporary file to probe for space, if it still exists), or None to re-raise ``err`` as
    it is (an interrupt, or a problem that is not the write's)."""
    if not isinstance(err, Exception):
        return None                                  # KeyboardInterrupt, SystemExit
    if isinstance(err, ThermoquakeError) and not isinstance(err, WriteError):
        return None                                  # the caller's own one-line error
    code = _chained_errno(err)
    if code is None and tmp is not None:
        code = probe_disk_full(tmp)
    if code is not None:
        return disk_full_error(code, final)
    if isinstance(err, WriteError):
        return err
    return None                                      # not a write failure we can name


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Send what native libraries print on file descriptor 2 to the null device for the
    duration of the block.

    libtiff (inside GDAL) prints a failed write (``_tiffWriteProc: File too large.``)
    straight to stderr, besides the error rasterio raises; the raised error is what becomes
    the one-line message, so the native copy is dropped. Use only around writes whose
    failures are raised as exceptions.
    """
    try:
        saved = os.dup(2)
    except OSError:                                  # no stderr at all
        yield
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 2)
        finally:
            os.close(null)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


# ---------------------------------------------------------------------------------------
# Read-back checks


def check_for(final: Path) -> Check | None:
    """The read-back check for an output named ``final``, by suffix: ``.tif``/``.tiff``
    (rasterio, every band decoded), ``.json``, ``.csv`` (UTF-8, parsed), ``.keras``/``.npz``/
    ``.zip`` (every archive member's CRC), ``.npy`` (loaded); None for other suffixes."""
    return _CHECKS.get(final.suffix.lower())


def check_geotiff(path: Path) -> None:
    """Open ``path`` with rasterio and decode every band."""
    import rasterio

    with rasterio.open(path) as src:
        src.read()


def check_json(path: Path) -> None:
    json.loads(path.read_text(encoding="utf-8"))


def check_csv(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for _ in csv.reader(io.StringIO(text, newline="")):
        pass
    if text and not text.endswith(("\n", "\r")):
        raise ValueError("the last line is not terminated")


def check_zip(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        bad = archive.testzip()
    if bad is not None:
        raise ValueError(f"archive member {bad} is corrupt")


def check_npy(path: Path) -> None:
    import numpy as np

    np.load(path, allow_pickle=False)


def check_bytes(expected: bytes) -> Check:
    """A check that the file holds exactly ``expected``."""
    def check(path: Path) -> None:
        got = path.read_bytes()
        if got != expected:
            raise ValueError(f"{len(got)} bytes read back where {len(expected)} were written")
    return check


_CHECKS: dict[str, Check] = {
    ".tif": check_geotiff, ".tiff": check_geotiff, ".json": check_json, ".csv": check_csv,
    ".keras": check_zip, ".npz": check_zip, ".zip": check_zip, ".npy": check_npy,
}


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # read once at import: os.umask is process-wide, not thread-safe to toggle


def write_text_atomic(final: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``final`` atomically; the file is read back and compared."""
    data = text.encode("utf-8")
    with atomic_path(final, check=check_bytes(data)) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()


def save_keras_atomic(model, final: str | os.PathLike[str]) -> Path:
    """``model.save`` (a Keras model, ``.keras`` format) to a hidden temporary sibling, check
    the archive, then rename it to ``final``."""
    final = Path(final)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise as_write_error(err, final, None) or _cannot_create(err, final) from None
    tmp = final.parent / f".{final.stem}{TEMP_MARKER}{os.getpid()}.keras"
    try:
        model.save(tmp)
        finish(tmp, final, check_zip)
    except BaseException as err:
        converted = as_write_error(err, final, tmp if tmp.exists() else None)
        tmp.unlink(missing_ok=True)
        if converted is not None:
            raise converted from None
        raise
    return final
