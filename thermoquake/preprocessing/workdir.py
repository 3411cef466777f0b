"""The preprocess workdir: its layout, its parameters file, and the checks before a run.

Layout (paths relative to WORKDIR)::

    workdir.json                          format name, format version, parameters (the
                                          reference period is recorded only when it is not
                                          the default same-day, window 0: see
                                          :func:`reference_parameters`)
    manifest.csv                          one row per image written (see tables.py)
    failures.csv                          bad tile files and images that could not be made
    images/<site>/target/<YYYY-MM-DD>.tif     target images (days before the event)
    images/<site>/reference/<YYYY-MM-DD>.tif  RST reference images (same days, other years)
    state/bad_files/<key>.json            bad tile files found so far (so a resumed run
                                          still reports them)
    .thermoquake.lock                     the lock a run holds while it writes the workdir
                                          (:mod:`thermoquake.dirlock`)

``<site>`` is the event id with characters other than letters, digits and ``._-`` replaced
by ``_``. Every file is written atomically (temporary ``.<name>.tmp-*`` sibling, then
rename); a run removes the temporary files a killed run left behind.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from thermoquake.atomic import TEMP_MARKER, write_text_atomic
from thermoquake.dirlock import LOCK_FILE
from thermoquake.errors import ThermoquakeError

FORMAT_NAME = "thermoquake-preprocess"
FORMAT_VERSION = 1
METADATA_FILE = "workdir.json"
MANIFEST_FILE = "manifest.csv"
FAILURES_FILE = "failures.csv"
ANOMALIES_FILE = "anomalies.csv"    # written by thermoquake rst
SEQUENCES_FILE = "sequences.csv"    # written by thermoquake rst
IMAGES_DIR = "images"
BAD_FILES_DIR = "state/bad_files"


def metadata_text(parameters: dict[str, Any]) -> str:
    return json.dumps({"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
                       "parameters": parameters}, indent=2, sort_keys=True) + "\n"


def _is_temp(name: str) -> bool:
    return name.startswith(".") and TEMP_MARKER in name


def _is_ours_hidden(name: str) -> bool:
    """A temporary file or the lock file (neither makes a directory a workdir)."""
    return _is_temp(name) or name == LOCK_FILE


def check_workdir(workdir: Path, parameters: dict[str, Any]) -> None:
    """Refuse (one-line :class:`ThermoquakeError`) a workdir that is not ours, was written by
    another format version, or with other parameters. A missing or empty one is fine."""
    if workdir.exists() and not workdir.is_dir():
        raise ThermoquakeError("--out exists and is not a directory", workdir)
    meta_path = workdir / METADATA_FILE
    if not meta_path.exists():
        if workdir.is_dir() and any(not _is_ours_hidden(p.name) for p in workdir.iterdir()):
            raise ThermoquakeError(f"--out is not empty and has no {METADATA_FILE}: not a "
                                   "thermoquake preprocess workdir", workdir)
        return
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ThermoquakeError(f"cannot be read as a workdir description: {err}", meta_path) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ThermoquakeError("is not a thermoquake preprocess workdir description", meta_path)
    if meta.get("format_version") != FORMAT_VERSION:
        raise ThermoquakeError(
            f"workdir format version {meta.get('format_version')!r} was written by another "
            f"thermoquake version; this one writes version {FORMAT_VERSION}: use a new --out", meta_path)
    old = meta.get("parameters")
    if old != parameters:
        old = old if isinstance(old, dict) else {}
        diff = [k for k in sorted(set(old) | set(parameters)) if old.get(k) != parameters.get(k)]
        shown = "; ".join(f"{k} was {old.get(k)!r}, now {parameters.get(k)!r}" for k in diff)
        raise ThermoquakeError(f"workdir was made with other parameters ({shown}): use a new --out "
                               "or the same parameters", meta_path)


DEFAULT_REFERENCE = ("same-day", 0)


def reference_parameters(mode: str, window_days: int) -> dict[str, Any]:
    """The workdir parameters that record the planned reference period: none for the default
    (same-day, window 0), so workdirs made before the period was recorded stay resumable."""
    if (mode, window_days) == DEFAULT_REFERENCE:
        return {}
    return {"reference": mode, "reference_window_days": window_days}


def read_parameters(workdir: Path) -> dict[str, Any] | None:
    """The ``parameters`` of ``WORKDIR/workdir.json``, or None if there is no such file (a
    workdir written by hand); a one-line error if it cannot be read."""
    meta_path = Path(workdir) / METADATA_FILE
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ThermoquakeError(f"cannot be read as a workdir description: {err}", meta_path) from None
    parameters = meta.get("parameters") if isinstance(meta, dict) else None
    if not isinstance(parameters, dict):
        raise ThermoquakeError("has no parameters: not a thermoquake preprocess workdir description", meta_path)
    return parameters


def planned_reference(parameters: dict[str, Any]) -> tuple[str, int]:
    """``(mode, window_days)`` of the reference period a workdir's images were planned for."""
    return (str(parameters.get("reference", DEFAULT_REFERENCE[0])),
            int(parameters.get("reference_window_days", DEFAULT_REFERENCE[1])))


def prepare_workdir(workdir: Path, parameters: dict[str, Any]) -> None:
    """Create the workdir, write ``workdir.json`` and remove stale temporary files."""
    workdir.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(workdir)
    write_text_atomic(workdir / METADATA_FILE, metadata_text(parameters))


def remove_stale_temps(workdir: Path) -> int:
    """Delete the ``.*.tmp-*`` files a killed run left under ``workdir``; return how many."""
    count = 0
    for dirpath, _, filenames in os.walk(workdir):
        for name in filenames:
            if _is_temp(name):
                try:
                    os.unlink(os.path.join(dirpath, name))
                    count += 1
                except FileNotFoundError:
                    pass
    return count
