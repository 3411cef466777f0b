"""Saved models that must be refused with one line naming the file: code inside a .keras
(Lambda), a legacy HDF5 file under a .keras name, a damaged archive, a missing file."""

from __future__ import annotations

from pathlib import Path

import pytest

import thermoquake as tq
from thermoquake.dataset.arrays import Normaliser
from thermoquake.errors import ThermoquakeError
from thermoquake.keras_file import load_keras_model

pytestmark = pytest.mark.ml


@pytest.fixture(scope="module")
def lambda_model(tmp_path_factory) -> Path:
    import keras

    inputs = keras.Input((16, 16, 1))
    outputs = keras.layers.Lambda(lambda x: x * 2.0)(inputs)
    path = tmp_path_factory.mktemp("lambda") / "model.keras"
    keras.Model(inputs, outputs).save(path)
    return path


@pytest.fixture(scope="module")
def hdf5_named_keras(tmp_path_factory) -> Path:
    real = Path(__file__).parent / "data" / "modis" / "MYD11A1.A2002185.h09v06.006.2015146150958.hdf"
    path = tmp_path_factory.mktemp("h5") / "model.keras"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + real.read_bytes()[8:4096])
    return path


def test_a_lambda_layer_is_refused_in_safe_mode(lambda_model):
    with pytest.raises(ThermoquakeError, match="Lambda layer") as err:
        load_keras_model(lambda_model)
    assert str(lambda_model) in str(err.value) and "\n" not in str(err.value)


def test_an_hdf5_file_named_keras_is_refused(hdf5_named_keras):
    with pytest.raises(ThermoquakeError, match="legacy HDF5"):
        load_keras_model(hdf5_named_keras)


@pytest.mark.parametrize("content, reason", [(b"", "not a zip"), (b"PK\x03\x04garbage", "not a zip"),
                                             (None, "no such model file")])
def test_damaged_or_missing_model_files_are_one_line(tmp_path, content, reason):
    path = tmp_path / "model.keras"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ThermoquakeError, match=reason):
        load_keras_model(path)


def refused_model_run(tmp_path: Path, model: Path) -> tuple[Path, Path]:
    """A run directory holding ``model`` as its model.keras, and an image to predict."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "model.keras").write_bytes(model.read_bytes())
    (run / "normalisation.json").write_text(Normaliser(1.0, ("lst", "mask")).to_json())
    image = tmp_path / "day.tif"
    image.write_bytes(b"")
    return run, image


@pytest.mark.parametrize("which", ["lambda", "hdf5"])
def test_predict_with_a_refused_model_is_a_one_line_error_naming_the_model(tmp_path, lambda_model,
                                                                          hdf5_named_keras, which):
    run, image = refused_model_run(tmp_path, lambda_model if which == "lambda" else hdf5_named_keras)
    with pytest.raises(ThermoquakeError) as err:
        tq.predict(run, [image])
    assert len(str(err.value).splitlines()) == 1 and str(run / "model.keras") in str(err.value)
