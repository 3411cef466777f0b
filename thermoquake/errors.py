"""The one exception type users see: a problem with a named input."""

from __future__ import annotations

import os


class ThermoquakeError(Exception):
    """A problem with an input (a file, an argument) that the user can fix.

    ``str(err)`` is one line: ``"<source>: <problem>"`` when a source is known.
    The CLI prints it without a traceback and exits non-zero.
    """

    def __init__(self, problem: str, source: str | os.PathLike[str] | None = None) -> None:
        self.problem = " ".join(str(problem).split())
        self.source = None if source is None else os.fspath(source)
        super().__init__(self.problem if self.source is None else f"{self.source}: {self.problem}")


class BadTileError(ThermoquakeError):
    """An HDF file that is not a readable tile of the expected product."""


class InconsistentTileError(BadTileError):
    """A tile whose layers decode but contradict each other or the product (a corrupt layer)."""


class BadRequestError(ThermoquakeError):
    """Arguments that cannot give an image (coordinates, sizes, mixed tiles)."""


class WriteError(ThermoquakeError):
    """An output that could not be written completely (the final name was left untouched)."""


class DiskFullError(WriteError):
    """No space left for an output (ENOSPC, a disk quota, a file size limit)."""
