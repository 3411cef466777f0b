"""Is a downloaded file a complete HDF4 file?"""

from __future__ import annotations

import os

HDF4_SIGNATURE = b"\x0e\x03\x13\x01"
"""First four bytes of every HDF4 file."""


def verify_hdf4(path: str | os.PathLike[str], expected_size: int | None = None) -> str | None:
    """Check ``path``: size (if ``expected_size`` given), HDF4 signature, that pyhdf opens it.

    Returns None if it is fine, else a one-line reason.
    """
    size = os.path.getsize(path)
    if expected_size is not None and size != expected_size:
        return f"size {size} bytes, expected {expected_size}"
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head[:4] != HDF4_SIGNATURE:
        if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
            return "an HTML page, not HDF4 (an Earthdata login or error page?)"
        return "no HDF4 signature (0e 03 13 01) at the start"
    from pyhdf.error import HDF4Error
    from pyhdf.SD import SD, SDC

    try:
        sd = SD(os.fspath(path), SDC.READ)
    except HDF4Error as err:
        return f"pyhdf cannot open it as HDF4 ({err})"
    try:
        sd.datasets()
    except HDF4Error as err:
        return f"pyhdf cannot list its data sets ({err})"
    finally:
        sd.end()
    return None
