"""Each on-disk format has one module that reads and writes it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np

import thermoquake
from thermoquake.image import geotiff

PACKAGE = Path(thermoquake.__file__).parent

#: Modules that may open a raster with rasterio themselves, and why.
RASTERIO_OWNERS = {
    "image/geotiff.py": "the epicentre GeoTIFF and R map reader and writer",
    "modis/": "MODIS tiles (HDF4), a different format",
    "atomic.py": "reads back any written GeoTIFF before its rename; image/geotiff.py is built on it",
    "monitor/outputs.py": "the monitor's alarm map writer",
}


def _owned(relative: str) -> bool:
    return any(relative == owner or (owner.endswith("/") and relative.startswith(owner))
               for owner in RASTERIO_OWNERS)


def test_only_the_owner_modules_open_rasters():
    opened = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"rasterio\.open\(", line) and not _owned(relative):
                opened.append(f"{relative}:{n}")
    assert opened == [], "open GeoTIFFs through thermoquake.image.geotiff"


def test_the_owner_list_names_modules_that_exist():
    for owner in RASTERIO_OWNERS:
        assert (PACKAGE / owner).exists(), owner


def test_an_r_map_reads_back_with_its_grid_and_tags(tmp_path):
    from affine import Affine

    r = np.array([[0.5, np.nan], [-1.25, 3.0]], dtype=np.float64)
    profile = {"driver": "GTiff", "width": 2, "height": 2, "count": 1, "dtype": "float64",
               "crs": "EPSG:4326", "transform": Affine(0.01, 0, 100.0, 0, -0.01, 30.0)}
    out = tmp_path / "r.tif"
    geotiff.write_retira_geotiff(out, r, profile, {"rst_reference_years": "2001;2002"})
    values, header = geotiff.read_band_and_header(out)
    assert values.dtype == np.float32
    assert np.array_equal(values, r.astype(np.float32), equal_nan=True)
    assert (header.width, header.height) == (2, 2)
    assert header.transform == profile["transform"]
    assert header.bounds == (100.0, 29.98, 100.02, 30.0)
    assert geotiff.read_tags(out)["rst_reference_years"] == "2001;2002"
    assert not geotiff.is_synthetic(out)
    masked = geotiff.read_band(out, masked=True)
    assert masked.mask.tolist() == [[False, True], [False, False]]


#: File and directory names that two separate formats share, and why each keeps its own constant.
SHARED_NAMES = {
    "normalisation.json": "a GAN model's normalisation and a classifier's input normaliser are different files",
    "tensorboard": "a GAN model directory's and a train run's logs",
    "state.json": "a pipeline run's state and a GAN checkpoint's step",
    "config.json": "a train run's configuration and the model entry inside a .keras archive",
}

#: Modules that spell other formats' names as their own: the monitor directory's files.
OWN_NAMES = {"monitor/run.py", "report/monitor_report.py"}


def _name_constants() -> dict[str, list[str]]:
    """name -> the modules that define a ``*_FILE``/``*_DIR`` constant with that value."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and re.fullmatch(r"[A-Z_]+_(FILE|DIR)", node.targets[0].id)
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                found.setdefault(node.value.value, []).append(path.relative_to(PACKAGE).as_posix())
    return found


def test_each_file_name_is_defined_once():
    twice = {name: where for name, where in _name_constants().items() if len(where) > 1 and name not in SHARED_NAMES}
    assert twice == {}


def test_file_names_are_spelled_only_where_they_are_defined():
    owners = _name_constants()
    spelled = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # a bare literal: a path part (``workdir / "manifest.csv"``), not a word in a message
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in owners
                    and relative not in owners[node.value] and "." in node.value
                    and relative not in OWN_NAMES):
                spelled.append(f"{relative}:{node.lineno} {node.value!r}")
    assert spelled == [], "import the name from the module that defines it"
