"""Refuse an output path that is one of a command's inputs, before anything is written.

An atomic write (:mod:`thermoquake.atomic`) renames its result over the final name, so
``crop TILE --out TILE`` or ``catalog select --catalog C --out C`` would replace the input
with the output. Every command that writes calls :func:`refuse_outputs_over_inputs` first
with all of its outputs (files or directories) and all of its inputs; a command that
empties its output directory first also calls :func:`refuse_inputs_inside`.

Two paths are the same when they name the same file (same device and inode: hard links,
symbolic links, ``./x`` and ``x``), or, when one does not exist yet, when they resolve to
the same absolute path.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from thermoquake.errors import ThermoquakeError

PathLike = str | os.PathLike[str]
Paths = PathLike | Iterable[PathLike] | None
"""One path, several (``TILES``, a ``multiple=True`` option) or none (an option not given)."""


class OutputIsInputError(ThermoquakeError):
    """An output path names a file or directory that the same command reads.

    ``template`` is the problem with ``{output}`` and ``{input}`` where the two names go, and
    ``names`` the names as the caller gave them (a function's parameters); :meth:`renamed`
    gives the same error under other names (a command line's options)."""

    def __init__(self, template: str, names: Mapping[str, str], source: PathLike) -> None:
        self.template, self.names = template, dict(names)
        super().__init__(template.format(**self.names), source)

    def renamed(self, spelling: Mapping[str, str]) -> OutputIsInputError:
        """The error with each name replaced by ``spelling[name]`` where given."""
        return OutputIsInputError(self.template, {k: spelling.get(v, v) for k, v in self.names.items()},
                                  self.source)


def same_path(a: PathLike, b: PathLike) -> bool:
    """True if ``a`` and ``b`` name the same file or directory (see the module docstring)."""
    try:
        return os.path.samefile(a, b)
    except OSError:   # one of them does not exist (yet)
        return _resolved(a) == _resolved(b)


def _resolved(path: PathLike) -> Path:
    return Path(os.path.abspath(os.fspath(path))).resolve(strict=False)


def _braced(path: PathLike) -> str:
    """``path`` as literal text of a :meth:`str.format` template."""
    return os.fspath(path).replace("{", "{{").replace("}", "}}")


def _each(paths: Paths) -> list[PathLike]:
    if paths is None:
        return []
    if isinstance(paths, (str, os.PathLike)):
        return [paths]
    return [p for p in paths if p is not None]


def refuse_outputs_over_inputs(outputs: Mapping[str, Paths], inputs: Mapping[str, Paths]) -> None:
    """Raise :class:`OutputIsInputError` (one line, naming the output) if any output path is
    the same file or directory as any input path. Keys are what the user typed (``--out``,
    ``TILES``) and appear in the message; ``None`` values (options not given) are skipped."""
    for out_name, outs in outputs.items():
        for out in _each(outs):
            for in_name, ins in inputs.items():
                for inp in _each(ins):
                    if same_path(out, inp):
                        kind = "directory" if os.path.isdir(inp) else "file"
                        raise OutputIsInputError(
                            f"{{output}} is the same {kind} as the input {{input}} {_braced(inp)}; "
                            "nothing was written (choose another {output})",
                            {"output": out_name, "input": in_name}, out)


def refuse_inputs_inside(directories: Mapping[str, Paths], inputs: Mapping[str, Paths]) -> None:
    """Raise :class:`OutputIsInputError` if an input lies inside (or is) an output directory
    whose old contents the command deletes or replaces wholesale."""
    for dir_name, dirs in directories.items():
        for folder in _each(dirs):
            root = _resolved(folder)
            for in_name, ins in inputs.items():
                for inp in _each(ins):
                    if root == _resolved(inp) or root in _resolved(inp).parents:
                        raise OutputIsInputError(
                            f"the input {{input}} {_braced(inp)} lies inside {{output}}, whose old "
                            "contents are replaced; nothing was written (choose another {output})",
                            {"output": dir_name, "input": in_name}, folder)
