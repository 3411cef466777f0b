"""The exception tree: one base for everything a user can fix, builtin co-bases where they fit,
the first names of moved classes still importable, messages one line."""

from __future__ import annotations

import pytest

from thermoquake import errors


def test_every_error_is_a_thermoquake_error_with_a_one_line_message():
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.ThermoquakeError), name
        err = cls("bad\n  value", "some/file.csv")
        assert str(err) == "some/file.csv: bad value"
        assert (err.problem, err.source) == ("bad value", "some/file.csv")


@pytest.mark.parametrize("name, builtin", [
    ("InputNotFoundError", FileNotFoundError), ("BadRequestError", ValueError),
    ("CatalogueError", ValueError), ("ConfigurationError", ValueError), ("AuthError", PermissionError),
])
def test_builtin_co_bases_catch_the_error(name, builtin):
    with pytest.raises(builtin):
        raise getattr(errors, name)("problem", "x")


def test_moved_classes_keep_their_old_import_paths():
    from thermoquake.catalog import CatalogError
    from thermoquake.fetch.auth import AuthError
    from thermoquake.fetch.checksum import ChecksumError

    assert CatalogError is errors.CatalogueError
    assert AuthError is errors.AuthError and issubclass(AuthError, errors.DownloadError)
    assert ChecksumError is errors.ChecksumError and issubclass(ChecksumError, errors.DownloadError)


def test_a_missing_catalogue_is_a_catalogue_error(tmp_path):
    from thermoquake.catalog import read_catalog

    with pytest.raises(errors.CatalogueError, match="no such file"):
        read_catalog(tmp_path / "none.csv")


def test_a_directory_without_predictions_is_a_run_directory_error(tmp_path):
    from thermoquake.evaluation.rescore import read_predictions

    with pytest.raises(errors.RunDirectoryError, match="not a thermoquake train run directory"):
        read_predictions(tmp_path)


def test_a_directory_without_a_manifest_is_a_workdir_error(tmp_path):
    from thermoquake.rst.run import read_manifest

    with pytest.raises(errors.WorkdirError, match="manifest"):
        read_manifest(tmp_path)


def test_a_bad_training_configuration_is_a_configuration_error():
    from thermoquake.training.config import TrainConfig

    with pytest.raises(errors.ConfigurationError, match="threshold"):
        TrainConfig(window=5, threshold=2.0)
