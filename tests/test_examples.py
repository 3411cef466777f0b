"""The scripts in examples/ run as users run them: a fresh interpreter, the repository root as
working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str, timeout: float) -> str:
    env = os.environ | {"PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_python_api_example_preprocesses_computes_r_and_writes_netcdf(tmp_path):
    out = _run("examples/python_api.py", str(tmp_path / "demo"), timeout=300)
    assert "preprocess: 10 target and 20 reference images (0 failures)" in out
    assert "rst: 10 R maps" in out and "(SYNTHETIC)" in out
    import xarray as xr

    with xr.open_dataset(tmp_path / "demo" / "images.nc", engine="h5netcdf") as ds:
        assert dict(ds.sizes) == {"site": 5, "time": 10, "y": 16, "x": 16}
        assert float(ds["lst"].min()) > 200.0        # kelvin, not deg C


@pytest.mark.slow
@pytest.mark.ml
def test_python_api_example_trains_a_tiny_classifier(tmp_path):
    out = _run("examples/python_api.py", str(tmp_path / "demo"), "--train", timeout=600)
    assert "train: 10 out-of-fold predictions" in out
    assert (tmp_path / "demo" / "run" / "metrics.json").is_file()
