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
    "image/geotiff.py": "the GeoTIFF reader and writer: epicentre images, R maps, regional rasters",
    "modis/": "MODIS tiles (HDF4), a different format",
    "atomic.py": "reads back any written GeoTIFF before its rename; image/geotiff.py is built on it",
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
    "sequences.csv": "a workdir's RST sequences and a monitor directory's significant sequences",
}


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
                    and relative not in owners[node.value] and "." in node.value):
                spelled.append(f"{relative}:{node.lineno} {node.value!r}")
    assert spelled == [], "import the name from the module that defines it"


MONITOR_FORMAT = "monitor/outputs.py"


def _monitor_names() -> set[str]:
    """The file and directory names of a monitor directory: the ``*_FILE``/``*_DIR`` constants
    of :mod:`thermoquake.monitor.outputs`."""
    return {name for name, where in _name_constants().items() if MONITOR_FORMAT in where}


def _path_parts(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of every string used as a path part: an operand of ``/``, an argument of
    ``Path(...)``/``open(...)``, or any literal with a file suffix (``"x.json"``)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            out += [(c.lineno, c.value) for c in (node.left, node.right)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("Path", "open"):
            out += [(c.lineno, c.value) for c in node.args if isinstance(c, ast.Constant) and isinstance(c.value, str)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"[\w.-]+\.\w+", node.value):
            out.append((node.lineno, node.value))
    return out


def test_the_monitor_directory_names_its_files_once():
    names = _monitor_names()
    owners = _name_constants()
    assert {"monitor.json", "monitor.nc", "sequences.csv", "geotiff", "csep", "csep_model", "evaluation.json",
            "evaluation_model.json", "days", "reference"} <= names
    spelled = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative == MONITOR_FORMAT:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        spelled += [f"{relative}:{n} {text!r}" for n, text in _path_parts(tree)
                    if text in names and relative not in owners[text]      # a shared name's other format
                    and (relative.startswith(("monitor/", "report/")) or "." in text)]
        # an f-string that builds a monitor name (``f"evaluation_{source}.json"``)
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr) and relative.startswith(("monitor/", "report/", "cli/")):
                parts = [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
                if parts and any(n.startswith(parts[0]) and n.endswith(parts[-1]) and len(parts[0]) > 3
                                 and "." in parts[-1] for n in names):
                    spelled.append(f"{relative}:{node.lineno} f-string {parts}")
    assert spelled == [], "use the names and readers of thermoquake.monitor.outputs"


def test_the_monitor_report_reads_the_directory_only_through_its_format_module():
    source = (PACKAGE / "report" / "monitor_report.py").read_text(encoding="utf-8")
    assert "open_dataset(" not in source and "np.load(" not in source and "open(" not in source.replace(
        "open_datacube(", "")


def _private_imports(source: str, own: str) -> list[str]:
    """``from thermoquake.X import _name`` in the module ``own`` (dotted) of a module other than itself."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("thermoquake") \
                and node.module != own:
            out += [f"{own}:{node.lineno} {node.module}.{a.name}" for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")]
    return out


def test_report_modules_import_no_private_name_of_another_module():
    found = [hit for path in sorted((PACKAGE / "report").glob("*.py"))
             for hit in _private_imports(path.read_text(encoding="utf-8"),
                                         ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))]
    assert found == [], "make the name public where it is defined"


def test_the_private_import_check_finds_one_inside_a_function():
    source = "def f():\n    from thermoquake.report.build import (\n        INDEX,\n        _draw,\n    )\n"
    assert _private_imports(source, "thermoquake.report.x") == ["thermoquake.report.x:2 thermoquake.report.build._draw"]
    assert _private_imports(source, "thermoquake.report.build") == []


def test_a_monitor_day_geotiff_reads_back_through_the_format_module(tmp_path):
    import datetime as dt

    from thermoquake.catalog.region import Region
    from thermoquake.modis.region_grid import RegionGrid
    from thermoquake.monitor import outputs

    grid = RegionGrid.for_region(Region.parse("85.0,28.0,85.1,28.1"))
    rng = np.random.default_rng(0)
    lst = rng.normal(20, 3, grid.shape).astype(np.float32)
    lst[0, 0] = np.nan
    r = rng.normal(0, 1, grid.shape).astype(np.float32)
    states = np.where(np.isfinite(lst), (r >= 2).astype(np.int8), np.int8(-1))
    path = outputs.day_geotiff_path(tmp_path, dt.date(2015, 4, 24))
    outputs.write_day_geotiff(path, grid, lst, r, states, {"date": "2015-04-24", "synthetic": True})
    got_lst, got_r, got_states, tags = outputs.read_day_geotiff(path)
    assert np.array_equal(got_lst, lst, equal_nan=True) and np.array_equal(got_r, r)
    assert np.array_equal(got_states, states.astype(np.float32))
    assert tags["date"] == "2015-04-24" and tags["synthetic"] == "true"
    assert geotiff.read_header(path).transform == grid.transform
