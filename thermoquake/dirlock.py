"""One writer at a time per workdir, run directory or model directory.

A command that writes a directory holds an OS-level lock on ``DIR/.thermoquake.lock``
(``fcntl.flock``, exclusive, non-blocking) for as long as it writes. The lock file holds
who took it (process id, host, command line, start time, UTC). A second command on the
same directory fails at once with :class:`DirectoryBusyError`, one line naming the holder.

The lock file is removed when the command ends. The kernel releases the lock when the
holding process ends, however it ends (killed, crashed), so the lock file a killed run
leaves behind never blocks a later run; its record is then simply overwritten. The lock is per open file: within one process, taking the same directory
again (a library function calling another) is allowed and counted.

flock works on local file systems; on NFS it depends on the server (Linux clients
emulate it with POSIX locks), and it does not exclude writers that do not take the lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import functools
import inspect
import json
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from thermoquake.errors import ThermoquakeError

LOCK_FILE = ".thermoquake.lock"


class DirectoryBusyError(ThermoquakeError):
    """Another process holds the lock of a directory this command would write."""


_held: dict[str, int] = {}          # resolved directory -> how many times this process holds it
_held_guard = threading.Lock()


def holder_record(path: Path) -> dict:
    """The holder written in ``DIR/.thermoquake.lock`` ({} if none can be read)."""
    try:
        data = json.loads((Path(path) / LOCK_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _describe(holder: dict) -> str:
    if not holder:
        return "another process"
    command = " ".join(str(holder.get("command", "?")).split())
    if len(command) > 120:
        command = command[:117] + "..."
    return (f"process {holder.get('pid', '?')} on {holder.get('host', '?')} "
            f"({command}, since {holder.get('since', '?')})")


@contextlib.contextmanager
def lock_directory(path: str | os.PathLike[str], what: str = "directory") -> Iterator[Path]:
    """Hold the lock of directory ``path`` (created if missing) for the block; ``what`` names
    it in the error (``"workdir"``, ``"run directory"``, ``"model directory"``).

    Raises :class:`DirectoryBusyError` at once if another process holds it, and
    :class:`ThermoquakeError` if ``path`` is not a directory or the lock cannot be taken."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ThermoquakeError(f"the {what} exists and is not a directory", path)
    key = str(path.resolve())
    with _held_guard:
        if key in _held:
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield path
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    created = not path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ThermoquakeError(f"cannot create the {what}: {err.strerror}", path) from None
    lock = path / LOCK_FILE
    fd = _take(lock, path, what)
    try:
        record = {"pid": os.getpid(), "host": socket.gethostname(),
                  "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "?",
                  "since": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record, sort_keys=True) + "\n").encode("utf-8"), 0)
        with _held_guard:
            _held[key] = 1
        try:
            yield path
        finally:
            with _held_guard:
                del _held[key]
            # Unlink while still holding the lock: a process waiting on this inode re-checks
            # the path after it gets the lock (_take) and starts over on the new file.
            with contextlib.suppress(OSError):
                lock.unlink()
            if created:
                with contextlib.suppress(OSError):
                    path.rmdir()                 # only if the run left it empty
    finally:
        os.close(fd)                             # releases the lock


def _take(lock: Path, path: Path, what: str) -> int:
    """Open ``lock`` and take its exclusive lock; the open descriptor. Retries when the file
    was unlinked (its holder finished) between the open and the lock."""
    for _ in range(100):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as err:
            raise ThermoquakeError(f"cannot open the lock file of the {what}: {err.strerror}", lock) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise ThermoquakeError(f"cannot lock the {what}: {err.strerror}", path) from None
            raise DirectoryBusyError(
                f"the {what} is in use by {_describe(holder_record(path))}; wait for it to end "
                "or use another directory", path) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)
    raise ThermoquakeError(f"cannot lock the {what}: its lock file keeps changing", path)


def locks_directory(argument: str, what: str, check: Callable[..., None] | None = None) -> Callable:
    """Decorator: the function holds :func:`lock_directory` on its argument ``argument`` (a
    directory path) while it runs. ``check``, if given, is called with the function's
    arguments before the lock is taken (e.g. to refuse an output that is an input, before the
    lock file appears in it)."""
    def decorate(function: Callable) -> Callable:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def locked(*args, **kwargs):
            if check is not None:
                check(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            with lock_directory(bound.arguments[argument], what):
                return function(*args, **kwargs)
        return locked
    return decorate
