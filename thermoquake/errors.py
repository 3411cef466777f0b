"""The exceptions thermoquake raises for problems a user can fix, as one tree.

Every class derives from :class:`ThermoquakeError`, so ``except ThermoquakeError`` catches
them all; where a builtin says the same thing, it is a second base, so ``except ValueError``
or ``except FileNotFoundError`` work too::

    ThermoquakeError
    ├── InputNotFoundError (FileNotFoundError)  a named input does not exist
    ├── BadRequestError (ValueError)            arguments that cannot give a result
    ├── BadTileError                            an HDF file that is not a usable MODIS tile
    │   └── InconsistentTileError               layers that contradict each other
    ├── CatalogueError (ValueError)             a catalogue, events or controls list
    │                                           (CatalogError: the same class)
    ├── WorkdirError                            a preprocess workdir (workdir.json, manifest, images)
    ├── RunDirectoryError                       a training run directory (config, predictions, metrics)
    ├── ModelDirectoryError                     a model file or directory (model.keras, GAN checkpoints)
    ├── ConfigurationError (ValueError)         parameters or a configuration that do not fit together
    ├── MissingExtraError (ImportError)         an optional extra (Keras/TensorFlow) not installed
    ├── WriteError                              an output that could not be written completely
    │   └── DiskFullError                       no space left (ENOSPC, a quota, a file size limit)
    └── DownloadError                           listing, fetching or checking granules
        ├── AuthError (PermissionError)         Earthdata Login credentials
        └── ChecksumError                       a checksum record or published checksum

``str(err)`` is one line, ``"<source>: <problem>"`` when a source is known; the CLI prints it
without a traceback and exits with status 1.
"""

from __future__ import annotations

import os

__all__ = [
    "AuthError", "BadRequestError", "BadTileError", "CatalogError", "CatalogueError", "ChecksumError",
    "ConfigurationError", "DownloadError", "InconsistentTileError", "InputNotFoundError",
    "MissingExtraError", "ModelDirectoryError", "RunDirectoryError", "ThermoquakeError", "WorkdirError", "WriteError", "DiskFullError",
]


class ThermoquakeError(Exception):
    """A problem with an input (a file, an argument) that the user can fix.

    ``problem`` is the problem in one line, ``source`` the file or argument it concerns (or None).
    """

    def __init__(self, problem: str, source: str | os.PathLike[str] | None = None) -> None:
        self.problem = " ".join(str(problem).split())
        self.source = None if source is None else os.fspath(source)
        message = self.problem if self.source is None else f"{self.source}: {self.problem}"
        super().__init__(message)

    def __str__(self) -> str:  # one line, whatever the builtin co-base would print
        return self.problem if self.source is None else f"{self.source}: {self.problem}"


class InputNotFoundError(ThermoquakeError, FileNotFoundError):
    """A named input (file or directory) that does not exist."""


class BadRequestError(ThermoquakeError, ValueError):
    """Arguments that cannot give an image or a result (coordinates, sizes, mixed tiles)."""


class BadTileError(ThermoquakeError):
    """An HDF file that is not a readable tile of the expected product."""


class InconsistentTileError(BadTileError):
    """A tile whose layers decode but contradict each other or the product (a corrupt layer)."""


class CatalogueError(ThermoquakeError, ValueError):
    """A catalogue (or event/control list) that cannot be read or used as asked."""


CatalogError = CatalogueError
"""The same class as :class:`CatalogueError` (its first name)."""


class WorkdirError(ThermoquakeError):
    """A preprocess workdir that is missing, of another kind, or made with other parameters."""


class RunDirectoryError(ThermoquakeError):
    """A training run directory whose configuration, predictions or metrics cannot be used."""


class ModelDirectoryError(ThermoquakeError):
    """A model file or directory (``model.keras``, GAN checkpoints) that cannot be used."""


class ConfigurationError(ThermoquakeError, ValueError):
    """Parameters or a configuration file whose values do not fit together."""


class MissingExtraError(ThermoquakeError, ImportError):
    """An optional part of thermoquake whose packages are not installed (the ``ml`` extra:
    Keras and TensorFlow, for training, prediction and the GAN)."""


class WriteError(ThermoquakeError):
    """An output that could not be written completely (the final name was left untouched)."""


class DiskFullError(WriteError):
    """No space left for an output (ENOSPC, a disk quota, a file size limit)."""


class DownloadError(ThermoquakeError):
    """Listing, downloading or checking granules failed in a way the user can act on."""


class AuthError(DownloadError, PermissionError):
    """Missing, malformed or rejected Earthdata Login credentials."""


class ChecksumError(DownloadError):
    """A checksum record or published metadata that cannot be read or used."""
