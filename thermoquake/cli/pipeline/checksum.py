"""Fingerprints of a stage's inputs and outputs: SHA-256 of file contents.

An entry is a file, a directory (every file below it) or a glob pattern (``**`` recursive).
Temporary files of :mod:`thermoquake.atomic` and names matching the stage's ``exclude``
patterns are left out of directory entries (a glob names exactly what it wants). File hashes are cached by (size, mtime in ns), so an unchanged tree
is not read again; a file rewritten with other bytes gets a new mtime and is re-hashed.
"""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from thermoquake.atomic import TEMP_MARKER, write_text_atomic

MISSING = "missing"
CHUNK = 1 << 20


@dataclass(frozen=True)
class Fingerprint:
    digest: str          # sha256 hex of the entry, or "missing"
    files: int
    bytes: int

    def as_dict(self) -> dict:
        return {"sha256": self.digest, "files": self.files, "bytes": self.bytes}


class HashCache:
    """{absolute path: [size, mtime_ns, sha256]} kept in a JSON file (written atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._data = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
            self._data = {}
        self._dirty = False

    def sha256(self, path: Path) -> str:
        st = path.stat()
        key = str(path)
        hit = self._data.get(key)
        if hit and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
            return hit[2]
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                h.update(chunk)
        self._data[key] = [st.st_size, st.st_mtime_ns, h.hexdigest()]
        self._dirty = True
        return h.hexdigest()

    def save(self) -> None:
        if self._dirty:
            write_text_atomic(self.path, json.dumps(self._data, sort_keys=True))
            self._dirty = False


def _excluded(name: str, exclude: Iterable[str]) -> bool:
    return TEMP_MARKER in name or any(fnmatch.fnmatch(name, pattern) for pattern in exclude)


def entry_files(entry: str, exclude: Iterable[str] = ()) -> list[tuple[str, Path]] | None:
    """(name relative to the entry, path) of every file an entry covers, sorted; None if the
    entry does not exist (a file or directory that is absent, a glob matching nothing)."""
    exclude = tuple(exclude)
    if glob.has_magic(entry):
        root = Path(entry.split("*")[0].split("?")[0].split("[")[0]).parent
        paths = sorted(Path(p) for p in glob.glob(entry, recursive=True) if Path(p).is_file())
        files = [(p.relative_to(root).as_posix(), p) for p in paths if TEMP_MARKER not in p.name]
        return files or None
    path = Path(entry)
    if path.is_file():
        return [(path.name, path)]
    if path.is_dir():
        files = []
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames.sort()
            for name in sorted(filenames):
                if not _excluded(name, exclude):
                    p = Path(dirpath) / name
                    files.append((p.relative_to(path).as_posix(), p))
        return files
    return None


def fingerprint(entry: str, cache: HashCache, exclude: Iterable[str] = ()) -> Fingerprint:
    """SHA-256 over the sorted (relative name, file SHA-256) pairs of an entry."""
    files = entry_files(entry, exclude)
    if files is None:
        return Fingerprint(MISSING, 0, 0)
    h = hashlib.sha256()
    size = 0
    for name, path in files:
        h.update(f"{name}\0{cache.sha256(path)}\n".encode())
        size += path.stat().st_size
    return Fingerprint(h.hexdigest(), len(files), size)
