"""Background processes a pipeline keeps running beside its stages (``service = true``), and the
run's ``[environment]``.

A service is ``python -m thermoquake ARGV`` in a child process. It is ready when it prints its
first line on standard output (its address); its standard error goes to
``OUT/.thermoquake-pipeline/<stage>.log`` (appended to, run after run). It is told the runner's process id
(``THERMOQUAKE_SERVICE_PARENT``) so that it can stop by itself if the run is killed.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from thermoquake.errors import ThermoquakeError

PARENT_ENV = "THERMOQUAKE_SERVICE_PARENT"
READY_TIMEOUT_S = 120.0
SECRET_WORDS = ("PASSWORD", "TOKEN", "SECRET", "KEY")


class Service:
    """One running service (see the module docstring)."""

    def __init__(self, name: str, argv: list[str], log: Path, timeout_s: float = READY_TIMEOUT_S) -> None:
        self.name = name
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log_path = log
        self._log = open(log, "ab")                 # one log across runs
        env = dict(os.environ, **{PARENT_ENV: str(os.getpid()), "PYTHONUNBUFFERED": "1"})
        self.process = subprocess.Popen([sys.executable, "-m", "thermoquake", *argv], stdout=subprocess.PIPE,
                                        stderr=self._log, stdin=subprocess.DEVNULL, env=env)
        self.address = self._first_line(timeout_s)

    def _first_line(self, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        out = self.process.stdout
        buffer = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([out], [], [], 0.2)
            if ready:
                chunk = os.read(out.fileno(), 4096)
                if not chunk:
                    break
                buffer += chunk
                if b"\n" in buffer:
                    return buffer.split(b"\n", 1)[0].decode(errors="replace").strip()
            elif self.process.poll() is not None:
                break
        self.stop()
        tail = self._log_path.read_text(errors="replace").strip().splitlines()[-1:] or ["no message"]
        if self.process.returncode is None or self.process.returncode == -15:
            raise ThermoquakeError(f"service {self.name!r} printed no address within {timeout_s:.0f} s "
                                   f"(log: {self._log_path})")
        raise ThermoquakeError(f"service {self.name!r} stopped before it was ready: {tail[0]} "
                               f"(log: {self._log_path})")

    def stop(self, timeout_s: float = 10.0) -> None:
        """Terminate the process (kill it after ``timeout_s`` s) and close its pipes."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._log.close()


@contextlib.contextmanager
def environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Set ``variables`` in ``os.environ`` for the block (an empty value still sets the variable,
    hiding one inherited), then put back what was there."""
    saved = {k: os.environ.get(k) for k in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def redacted(variables: Mapping[str, str]) -> dict[str, str]:
    """The variables with the values of secret-looking names (password, token, ...) hidden."""
    return {k: ("(hidden)" if any(w in k.upper() for w in SECRET_WORDS) and v else v)
            for k, v in variables.items()}
