"""No module imports a higher floor of the package. Imports are read with ``ast`` from every
module (lazy imports inside functions count too); a new top-level module or package must be
given its floor here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "thermoquake"

# Bottom to top. A module may import its own floor and the floors below it. An entry names a
# top-level module or package, or (dotted) one module inside a package that sits lower than
# the rest of it.
LAYERS: list[tuple[str, set[str]]] = [
    ("foundation", {"__init__", "errors", "atomic", "json_files", "outputs", "dirlock", "parallel", "progress",
                    "tf_quiet", "ml_extra"}),
    ("files", {"modis", "image", "catalog", "study", "fetch", "verify", "monitor.calendar"}),
    ("arrays", {"preprocessing", "synth", "rst", "dataset", "study.control_study"}),
    ("models", {"classifiers", "gan", "keras_file"}),
    ("evaluation", {"training", "evaluation"}),
    ("reports", {"report", "experiment", "monitor", "testing", "directories", "api"}),
    ("cli", {"cli", "__main__"}),
]
FLOOR = {part: n for n, (_, parts) in enumerate(LAYERS) for part in parts}


def _part(module: str) -> str:
    """The entry of :data:`LAYERS` that ``module`` belongs to: ``<part>.<module>`` where listed,
    else the top-level part of ``thermoquake.<part>...`` (the package root is ``__init__``)."""
    parts = module.split(".")
    if len(parts) > 2 and f"{parts[1]}.{parts[2]}" in FLOOR:
        return f"{parts[1]}.{parts[2]}"
    return parts[1] if len(parts) > 1 else "__init__"


def _own_module(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1] if len(parts) > 1 else parts[:1]
    return ".".join(parts)


def _imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every thermoquake module ``path`` imports."""
    own = _own_module(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for a in node.names:   # ``from thermoquake import errors`` imports thermoquake.errors
                candidate = f"{base}.{a.name}"
                sub = PACKAGE.parent.joinpath(*candidate.split("."))
                out.append((node.lineno, candidate if sub.is_dir() or sub.with_suffix(".py").is_file() else base))
    return [(line, m) for line, m in out if m == "thermoquake" or m.startswith("thermoquake.")]


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_part_of_the_package_has_a_floor():
    parts = {p.stem if p.parent == PACKAGE else p.relative_to(PACKAGE).parts[0] for p in _modules()}
    assert parts - set(FLOOR) == set(), "give these a floor in LAYERS"


def test_no_module_imports_a_higher_floor():
    upward = []
    for path in _modules():
        own = _part(_own_module(path))
        for line, module in _imported(path):
            target = _part(module)
            if FLOOR[target] > FLOOR[own]:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({LAYERS[FLOOR[own]][0]}) imports "
                              f"{module} ({LAYERS[FLOOR[target]][0]})")
    assert upward == []


def test_the_check_sees_imports_inside_functions():
    inner = [m for _, m in _imported(PACKAGE / "preprocessing" / "preprocess.py")]
    assert "thermoquake.preprocessing.run" in inner          # imported inside preprocess()
    assert "thermoquake.errors" in [m for _, m in _imported(PACKAGE / "__init__.py")]


# --- the tests: the library is the product, the command line a thin shell over it -------------

TESTS = Path(__file__).resolve().parent
CLI_TESTS = TESTS / "cli"

# Test files that still drive the command line although they test the library. The list only
# shrinks: an entry that no longer drives the command line fails the test below.
NOT_YET_LIBRARY: set[str] = set()

_CLI_MODULE = "thermoquake" + ".cli"        # spelled apart so this file does not match itself
_CONSOLE = "thermoquake"


def _drives_the_cli(path: Path) -> list[str]:
    """How the test module at ``path`` reaches the command line: imports of thermoquake.cli (at
    any depth, also ``from thermoquake import cli``, ``import_module("thermoquake.cli...")`` and
    code given to ``python -c``),
    click's CliRunner, ``python -m thermoquake`` and the ``thermoquake`` console script in an
    argument list or a command string."""
    source = path.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            if any(a.name == "CliRunner" for a in node.names):
                found.append(f"line {node.lineno}: imports CliRunner")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
            if re.search(r"(^|\s)-m\s+thermoquake\b", value):
                found.append(f"line {node.lineno}: runs {value.strip()[:60]!r}")
            if re.search(r"\b(from|import)\s+thermoquake\.cli\b|\bfrom\s+thermoquake\s+import\s+cli\b", value):
                found.append(f"line {node.lineno}: code in a string imports {_CLI_MODULE}")
            names = [value]
        elif isinstance(node, (ast.List, ast.Tuple)):
            items = [e.value if isinstance(e, ast.Constant) and isinstance(e.value, str) else None
                     for e in node.elts]
            if items and items[0] == _CONSOLE:
                found.append(f"line {node.lineno}: runs the {_CONSOLE} console script")
            for a, b in zip(items, items[1:]):
                if a == "-m" and b is not None and (b == _CONSOLE or b.startswith(_CONSOLE + ".")):
                    found.append(f"line {node.lineno}: runs -m {b}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "which"
              and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == _CONSOLE):
            found.append(f"line {node.lineno}: runs the {_CONSOLE} console script")
        elif isinstance(node, ast.Name) and node.id == "CliRunner":
            found.append(f"line {node.lineno}: uses CliRunner")
        elif isinstance(node, ast.Attribute) and node.attr == "CliRunner":
            found.append(f"line {node.lineno}: uses CliRunner")
        for name in names:
            if name == _CLI_MODULE or name.startswith(_CLI_MODULE + "."):
                found.append(f"line {node.lineno}: imports {name}")
                break
    return found


def _test_sources() -> list[Path]:
    """Every Python file under tests/ outside tests/cli/ (tests, fixtures, helper modules)."""
    return sorted(p for p in TESTS.rglob("*.py")
                  if "__pycache__" not in p.parts and not p.is_relative_to(CLI_TESTS)
                  and p != Path(__file__).resolve())


def test_only_the_command_line_tests_drive_the_command_line():
    offending = {}
    for path in _test_sources():
        if path.name not in NOT_YET_LIBRARY and (how := _drives_the_cli(path)):
            offending[str(path.relative_to(TESTS))] = how[:3]
    assert offending == {}, ("call the library (import thermoquake) here, or move the command line's "
                             f"own tests to tests/cli/: {offending}")


def test_files_waiting_for_the_library_still_drive_the_command_line():
    """The allow-list only shrinks: a converted file leaves it."""
    present = {p.name: p for p in _test_sources()}
    stale = sorted(name for name in NOT_YET_LIBRARY if name not in present or not _drives_the_cli(present[name]))
    assert stale == [], f"remove from NOT_YET_LIBRARY: {stale}"


def test_test_file_names_are_unique_across_the_tree():
    names = [p.name for p in TESTS.rglob("test_*.py") if "__pycache__" not in p.parts]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []


def test_the_cli_check_sees_each_way_of_driving_the_command_line(tmp_path):
    cases = {
        "from click.testing import CliRunner\n": "CliRunner",
        "import thermoquake.cli.main\n": "imports",
        "from thermoquake import cli\n": "imports",
        "from thermoquake.cli.main import cli\n": "imports",
        "def f():\n    from thermoquake.cli import main\n": "imports",
        "import importlib\nimportlib.import_module('thermoquake.cli.main')\n": "imports",
        "import sys\ncmd = [sys.executable, '-m', 'thermoquake', 'rst']\n": "runs",
        "cmd = ['thermoquake', '--help']\n": "runs",
        "import shutil\nexe = shutil.which('thermoquake')\n": "runs",
        "import os\nos.system('python -m thermoquake train --help')\n": "runs",
        "import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'from thermoquake.cli.main import cli'])\n":
            "imports",
    }
    for source, word in cases.items():
        path = tmp_path / "test_case.py"
        path.write_text(source)
        assert any(word in how for how in _drives_the_cli(path)), source
    path = tmp_path / "test_library.py"
    path.write_text("import thermoquake as tq\nimport thermoquake.training.run\nname = 'thermoquake'\n"
                    "text = 'thermoquake cli reference'\nx = ['-m', 'pytest']\n")
    assert _drives_the_cli(path) == []
