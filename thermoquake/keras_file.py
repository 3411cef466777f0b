"""The one reader of saved Keras models (``.keras`` zip archives), for classifiers and GANs.

Models are loaded with Keras safe mode on (no deserialised Python code: a ``Lambda`` layer
is refused) and thermoquake's custom layers registered. Anything that is not a loadable
``.keras`` archive — a missing file, a legacy HDF5 file under a ``.keras`` name, a damaged
archive, a model with arbitrary code — is a one-line :class:`ThermoquakeError` naming the file.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from thermoquake.errors import ModelDirectoryError

#: The model configuration entry inside a .keras (zip) archive.
CONFIG_ENTRY_FILE = "config.json"

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def check_keras_archive(path: Path) -> None:
    """Refuse, with one line, what cannot be a ``.keras`` archive (before Keras sees it)."""
    path = Path(path)
    if not path.is_file():
        raise ModelDirectoryError("no such model file", path)
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == HDF5_SIGNATURE:
        raise ModelDirectoryError("is a legacy HDF5 model under a .keras name; thermoquake reads only "
                               "the .keras (zip) format of Keras 3", path)
    if not zipfile.is_zipfile(path):
        raise ModelDirectoryError("is not a .keras model (not a zip archive: damaged or another format)", path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as err:
        raise ModelDirectoryError(f"is a damaged .keras archive ({err})", path) from None
    if CONFIG_ENTRY_FILE not in names:
        raise ModelDirectoryError("is a zip archive without a model config.json: not a .keras model", path)


def load_keras_model(path: Path, *, compile: bool = True):
    """The model saved at ``path`` (``.keras``), loaded with ``safe_mode=True``.

    Raises:
        ThermoquakeError: the file is missing, not a ``.keras`` archive, holds code that safe
            mode refuses (``Lambda``), or Keras cannot rebuild it.
    """
    from thermoquake.ml_extra import require_ml

    require_ml("loading a Keras model")
    import keras

    import thermoquake.classifiers  # noqa: F401  (registers the classifier layers)
    import thermoquake.gan.layers  # noqa: F401  (registers the GAN layers)

    path = Path(path)
    check_keras_archive(path)
    try:
        return keras.saving.load_model(path, safe_mode=True, compile=compile)
    except Exception as err:  # Keras raises many types; each becomes one line naming the file
        text = " ".join(str(err).split())
        if "safe_mode" in text or "Lambda" in text:
            reason = ("holds a Lambda layer or other Python code, which thermoquake refuses to "
                      "run (Keras safe mode)")
        else:
            reason = f"cannot be loaded as a model ({type(err).__name__}: {text[:200]})"
        raise ModelDirectoryError(reason, path) from None
