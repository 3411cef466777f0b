"""``thermoquake predict`` on the command line: a refused model file is one line on stderr,
exit status 1, no traceback. Prediction itself is tested through the library
(tests/test_train.py, tests/test_model_files.py)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.test_model_files import hdf5_named_keras, lambda_model, refused_model_run  # noqa: F401  (fixtures)
from thermoquake.cli.main import cli

pytestmark = pytest.mark.ml


@pytest.mark.parametrize("which", ["lambda", "hdf5"])
def test_predict_with_a_refused_model_is_one_line_without_traceback(tmp_path, lambda_model,  # noqa: F811
                                                                    hdf5_named_keras, which):  # noqa: F811
    run, image = refused_model_run(tmp_path, lambda_model if which == "lambda" else hdf5_named_keras)
    result = CliRunner().invoke(cli, ["predict", "--run", str(run), str(image)])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output
    assert str(run / "model.keras") in lines[0]
