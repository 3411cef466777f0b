"""Without the ml extra (Keras, TensorFlow, JAX) the commands' --help works, and the commands
that need it say in one line what to install. The library's side is tests/test_ml_extra.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_ml_extra import WITHOUT_ML as HIDE_ML

ROOT = Path(__file__).resolve().parents[2]

# Runs the thermoquake command with tensorflow, keras and jax unimportable, as on a machine
# where only `pip install thermoquake` was run.
WITHOUT_ML = HIDE_ML + """
from thermoquake.cli.main import cli
try:
    cli(prog_name='thermoquake')
finally:
    heavy = sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'keras', 'jax'})
    print('imported:', heavy, file=sys.stderr)
"""


def without_ml(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", WITHOUT_ML, *args], capture_output=True, text=True, env=env,
                          cwd=ROOT)


@pytest.mark.parametrize("command", ["fetch", "preprocess", "rst", "report", "manifest"])
def test_help_works_without_the_ml_extra(command):
    proc = without_ml(command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "Usage:" in proc.stdout and "imported: []" in proc.stderr


def test_train_without_the_ml_extra_names_the_extra_in_one_line(tmp_path):
    proc = without_ml("train", "--workdir", str(tmp_path), "--window", "3", "--out", str(tmp_path / "run"),
                      "--no-progress")
    assert proc.returncode == 1
    error = [line for line in proc.stderr.splitlines() if line.startswith("Error:")]
    assert len(error) == 1, proc.stderr
    assert "pip install 'thermoquake[ml]'" in error[0] and "Traceback" not in proc.stderr


def test_predict_without_the_ml_extra_names_the_extra(tmp_path):
    (tmp_path / "image.tif").write_bytes(b"")
    proc = without_ml("predict", "--run", str(tmp_path), str(tmp_path / "image.tif"))
    assert proc.returncode == 1 and "thermoquake[ml]" in proc.stderr, proc.stderr
