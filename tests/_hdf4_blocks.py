"""Where a compressed SDS's bytes lie inside an HDF4 file, from the file's own data
descriptors (no thermoquake code), so that tests can damage exactly one layer.

An HDF4 file is a list of data descriptors (tag, ref, offset, length). A scientific data
set is a numeric data group (tag 720) listing its parts; its data part (tag 702) is, when
compressed, a special element (tag 702 | 0x4000) whose 16-byte header names the ref of
the compressed bytes (tag 40, DFTAG_COMPRESSED).
"""

from __future__ import annotations

import struct
from pathlib import Path

from pyhdf.SD import SD, SDC

DFTAG_NULL, DFTAG_COMPRESSED, DFTAG_SD, DFTAG_NDG = 1, 40, 702, 720
SPECIAL = 0x4000
SPECIAL_COMP = 3


def _descriptors(data: bytes) -> dict[tuple[int, int], tuple[int, int]]:
    """(tag, ref) -> (offset, length) of every data descriptor."""
    out, block = {}, 4
    while block:
        count, next_block = struct.unpack(">hi", data[block:block + 6])
        for i in range(count):
            tag, ref, offset, length = struct.unpack(">HHii", data[block + 6 + 12 * i:block + 18 + 12 * i])
            if tag != DFTAG_NULL:
                out[(tag, ref)] = (offset, length)
        block = next_block
    return out


def compressed_block(path: Path, sds_name: str) -> tuple[int, int]:
    """(offset, length) in bytes of the compressed data of the SDS ``sds_name``."""
    sd = SD(str(path), SDC.READ)
    try:
        ndg_ref = sd.select(sds_name).ref()
    finally:
        sd.end()
    data = path.read_bytes()
    dds = _descriptors(data)
    offset, length = dds[(DFTAG_NDG, ndg_ref)]
    words = struct.unpack(f">{length // 2}H", data[offset:offset + length])
    sd_ref = next(ref for tag, ref in zip(words[0::2], words[1::2]) if tag == DFTAG_SD)
    offset, _ = dds[(DFTAG_SD | SPECIAL, sd_ref)]
    special, _version, _length, comp_ref = struct.unpack(">HHiH", data[offset:offset + 10])
    assert special == SPECIAL_COMP, f"{sds_name} in {path.name} is not compressed"
    return dds[(DFTAG_COMPRESSED, comp_ref)]


def flip_byte(src: Path, dst: Path, offset: int) -> Path:
    """Copy ``src`` to ``dst`` with the byte at ``offset`` inverted (XOR 0xFF)."""
    data = bytearray(src.read_bytes())
    data[offset] ^= 0xFF
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(bytes(data))
    return dst
