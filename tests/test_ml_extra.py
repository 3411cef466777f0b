"""Without the ml extra (Keras, TensorFlow, JAX) preprocess and RST work, and the functions that
need it raise one line naming what to install (:class:`thermoquake.errors.MissingExtraError`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import thermoquake as tq
from thermoquake.errors import MissingExtraError, ThermoquakeError

ROOT = Path(__file__).resolve().parents[1]

# Makes tensorflow, keras and jax unimportable, as on a machine where only `pip install
# thermoquake` was run; code after it runs without them.
WITHOUT_ML = """
import importlib.abc, sys
class _NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('tensorflow', 'keras', 'jax'):
            raise ModuleNotFoundError(f'No module named {name!r}', name=name)
        return None
sys.meta_path.insert(0, _NotInstalled())
"""


@pytest.fixture
def no_keras(monkeypatch):
    """Keras unimportable in this process for one test (``import keras`` raises
    ModuleNotFoundError), whether or not an earlier test imported it."""
    monkeypatch.setitem(sys.modules, "keras", None)


def test_training_without_the_ml_extra_names_the_extra_in_one_line(tmp_path, no_keras):
    with pytest.raises(MissingExtraError) as err:
        tq.train_window(tmp_path, tmp_path / "run", window=3)
    assert "\n" not in str(err.value) and "pip install 'thermoquake[ml]'" in str(err.value)
    assert not (tmp_path / "run").exists()


def test_predicting_without_the_ml_extra_names_the_extra(tmp_path, no_keras):
    assert issubclass(MissingExtraError, ThermoquakeError) and issubclass(MissingExtraError, ImportError)
    (tmp_path / "image.tif").write_bytes(b"")
    with pytest.raises(MissingExtraError, match=r"thermoquake\[ml\]"):
        tq.predict(tmp_path, [tmp_path / "image.tif"])


@pytest.mark.slow
def test_preprocess_and_rst_run_without_the_ml_extra(tiny_study, tmp_path):
    work = tmp_path / "work"
    code = WITHOUT_ML + (
        "import thermoquake as tq\n"
        f"tq.preprocess({str(tiny_study / 'events.csv')!r}, {str(tiny_study / 'hdf')!r}, {str(work)!r}, "
        f"controls={str(tiny_study / 'controls.csv')!r}, days_before=2, reference_years=range(2008, 2011), "
        "size=16, workers=0, progress=False)\n"
        f"tq.run_rst({str(work)!r})\n"
        "print('imported:', sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'keras', 'jax'}))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "imported: []" in proc.stdout
    assert any(work.rglob("*anomal*")), sorted(p.name for p in work.iterdir())
