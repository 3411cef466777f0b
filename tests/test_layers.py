"""No module imports a higher floor of the package. Imports are read with ``ast`` from every
module (lazy imports inside functions count too); a new top-level module or package must be
given its floor here."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "thermoquake"

# Bottom to top. A module may import its own floor and the floors below it. An entry names a
# top-level module or package, or (dotted) one module inside a package that sits lower than
# the rest of it.
LAYERS: list[tuple[str, set[str]]] = [
    ("foundation", {"__init__", "errors", "atomic", "outputs", "dirlock", "parallel", "progress", "tf_quiet", "ml_extra"}),
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
