"""Checksums that NASA publishes for a granule, and the record of a check beside the file.

The LP DAAC Data Pool puts an ECS metadata file ``<granule>.xml`` beside each granule; its
``DataFileContainer`` gives ``ChecksumType`` (``CKSUM``, ``MD5``, ``SHA256``, ...) and
``Checksum`` for the file (and ``FileSize``). After a granule has been checked against it,
:func:`write_sidecar` records the check as ``<granule>.verified.json``::

    {"checksum_type": "CKSUM", "checksum": "2284779930", "source": "https://.../X.hdf.xml",
     "file": "X.hdf", "size": 2071045}

``thermoquake verify`` re-computes the checksum of every granule that has such a record.
``CKSUM`` is the POSIX ``cksum`` CRC (as the ``cksum`` command prints it, decimal).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from xml.etree import ElementTree

from thermoquake.atomic import write_text_atomic
from thermoquake.errors import ChecksumError, ThermoquakeError  # noqa: F401  (ChecksumError: re-exported)

SIDECAR_SUFFIX = ".verified.json"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Sidecar:
    """A recorded checksum of one granule (what ``<granule>.verified.json`` holds).

    Attributes:
        checksum_type: algorithm as NASA names it (``CKSUM``, ``MD5``, ``SHA256``, ...).
        checksum: the published value (decimal for CKSUM, hex digits otherwise).
        source: where the value was published (the ``.xml`` URL).
        file: the granule's file name.
        size: the published size in bytes, or None.
    """

    checksum_type: str
    checksum: str
    source: str
    file: str
    size: int | None = None


def sidecar_path(granule: str | os.PathLike[str]) -> Path:
    """``<granule>.verified.json`` beside the granule."""
    granule = Path(granule)
    return granule.with_name(granule.name + SIDECAR_SUFFIX)


def write_sidecar(granule: str | os.PathLike[str], sidecar: Sidecar) -> Path:
    """Write the record of a check beside ``granule`` (atomically); returns its path."""
    path = sidecar_path(granule)
    write_text_atomic(path, json.dumps(asdict(sidecar), indent=2, sort_keys=True) + "\n")
    return path


def read_sidecar(path: str | os.PathLike[str]) -> Sidecar:
    """Read a ``.verified.json`` record; :class:`ChecksumError` (one line) if it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise ChecksumError(f"cannot be read as a checksum record: {err}", path) from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) and data.get(k)
                                             for k in ("checksum_type", "checksum", "source", "file")):
        raise ChecksumError("is not a checksum record (needs checksum_type, checksum, source and file)", path)
    size = data.get("size")
    if size is not None and not (isinstance(size, int) and size >= 0):
        raise ChecksumError(f"size {size!r} is not a byte count", path)
    algorithm_of(data["checksum_type"], path)
    return Sidecar(data["checksum_type"], data["checksum"], data["source"], data["file"], size)


# -- algorithms ----------------------------------------------------------------------------------

_BIT_REVERSED = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def _cksum(path: Path) -> str:
    """POSIX ``cksum``: CRC-32 (polynomial 04C11DB7, most significant bit first, register 0)
    of the bytes followed by their length (least significant byte first), complemented.

    zlib computes the same polynomial bit-reflected, so the bytes are bit-reversed on the
    way in and the 32-bit result on the way out (C speed instead of a Python loop)."""
    crc, length = 0xFFFFFFFF, 0      # zlib's pre-inversion turns this back into register 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            crc = zlib.crc32(chunk.translate(_BIT_REVERSED), crc)
            length += len(chunk)
    tail = bytearray()
    while length:
        tail.append(length & 0xFF)
        length >>= 8
    register = ~zlib.crc32(bytes(tail).translate(_BIT_REVERSED), crc) & 0xFFFFFFFF
    return str(~int(f"{register:032b}"[::-1], 2) & 0xFFFFFFFF)


def _hashlib(name: str) -> Callable[[Path], str]:
    def digest(path: Path) -> str:
        h = hashlib.new(name)
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                h.update(chunk)
        return h.hexdigest()
    return digest


ALGORITHMS: dict[str, Callable[[Path], str]] = {
    "CKSUM": _cksum, "MD5": _hashlib("md5"), "SHA1": _hashlib("sha1"), "SHA256": _hashlib("sha256"),
    "SHA512": _hashlib("sha512"),
}
"""Checksum types read (``SHA-256`` and ``sha256`` are the same as ``SHA256``)."""


def algorithm_of(checksum_type: str, source: str | os.PathLike[str] | None = None) -> Callable[[Path], str]:
    """The function computing ``checksum_type`` of a file; :class:`ChecksumError` if unknown."""
    key = re.sub(r"[^A-Z0-9]", "", checksum_type.upper())
    if key not in ALGORITHMS:
        raise ChecksumError(f"checksum type {checksum_type!r} is not one of {', '.join(ALGORITHMS)}", source)
    return ALGORITHMS[key]


def file_checksum(path: str | os.PathLike[str], checksum_type: str) -> str:
    """The ``checksum_type`` checksum of the file at ``path`` (as :data:`Sidecar.checksum` writes it)."""
    return algorithm_of(checksum_type, path)(Path(path))


def same_checksum(checksum_type: str, a: str, b: str) -> bool:
    """Compare two checksum values of one type (hex case and CKSUM leading zeros ignored)."""
    if algorithm_of(checksum_type) is _cksum:
        return a.strip().isdigit() and b.strip().isdigit() and int(a) == int(b)
    return a.strip().lower() == b.strip().lower()


def check_file(path: str | os.PathLike[str], sidecar: Sidecar) -> str | None:
    """Compare the file with a recorded checksum (and size); None if it matches, else one line."""
    path = Path(path)
    size = path.stat().st_size
    if sidecar.size is not None and size != sidecar.size:
        return f"size {size} bytes, but {sidecar.source} says {sidecar.size}"
    have = file_checksum(path, sidecar.checksum_type)
    if not same_checksum(sidecar.checksum_type, have, sidecar.checksum):
        return (f"{sidecar.checksum_type} checksum is {have}, but {sidecar.source} publishes "
                f"{sidecar.checksum}: the file is not the one NASA published")
    return None


# -- the Data Pool's ECS metadata ----------------------------------------------------------------

def parse_datapool_xml(text: str | bytes, filename: str, source: str) -> Sidecar:
    """The checksum that a granule's Data Pool ``.xml`` publishes for ``filename``.

    Looks for the ``DataFileContainer`` whose ``DistributedFileName`` is ``filename`` (or,
    with a single container, that one) and reads ``ChecksumType``, ``Checksum`` and
    ``FileSize``. :class:`ChecksumError` naming ``source`` if there is none."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as err:
        raise ChecksumError(f"is not XML metadata: {err}", source) from None
    containers = [el for el in root.iter() if _local(el.tag) == "DataFileContainer"]
    named = [c for c in containers if _child_text(c, "DistributedFileName") == filename]
    chosen = named[0] if named else (containers[0] if len(containers) == 1 else root)
    kind, value = _child_text(chosen, "ChecksumType"), _child_text(chosen, "Checksum")
    if not kind or not value:
        raise ChecksumError(f"publishes no ChecksumType and Checksum for {filename}", source)
    algorithm_of(kind, source)
    size_text = _child_text(chosen, "FileSize")
    size = int(size_text) if size_text and size_text.isdigit() else None
    return Sidecar(kind, value, source, filename, size)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(element: ElementTree.Element, name: str) -> str | None:
    for el in element.iter():
        if _local(el.tag) == name and el.text and el.text.strip():
            return el.text.strip()
    return None
