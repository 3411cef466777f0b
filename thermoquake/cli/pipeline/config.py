"""Read a pipeline file (TOML, stdlib ``tomllib``) into :class:`Pipeline`.

File layout::

    [pipeline]
    name = "demo"
    out = "../demo-output"            # output directory, relative to this file's directory
    result = "{out}/report/index.html"  # optional: printed when the run ends

    [environment]                     # optional: variables set for the run (and its services)
    EARTHDATA_HOST = "http://localhost:8765"

    [paths]                           # named paths, relative to this file's directory
    events = "demo_events.csv"        # ... or built on {out}, {here} or an earlier name
    workdir = "{out}/work"

    [[stage]]
    name = "preprocess"
    command = "preprocess"            # a thermoquake sub-command ("synth tiles", "rst", ...)
    inputs = ["{events}", "{out}/hdf"]  # files, directories or globs (** allowed) it reads
    outputs = ["{workdir}/manifest.csv", "{workdir}/images"]
    exclude = ["*.retira.tif"]        # file-name patterns left out of directory fingerprints
    arguments = []                    # positional arguments, if the command takes any
    [stage.options]                   # --name value; a list repeats the option; true = flag
    events = "{events}"
    out = "{workdir}"
    days-before = 4

A stage with ``service = true`` starts its command as a background process (e.g.
``synth nasa-server``) just before the first later stage that runs, and stops it when the
run ends; it is never recorded as complete and has no outputs. Its first line on standard
output is its address, waited for before the run goes on.

``{here}`` is the file's directory, ``{out}`` the output directory, other ``{name}`` the
``[paths]`` entries. Relative paths (``out``, ``[paths]``, ``inputs``, ``outputs``) are taken
from the file's directory.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from thermoquake.errors import ThermoquakeError

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_-]*)\}")
STAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
STAGE_KEYS = {"name", "command", "options", "arguments", "inputs", "outputs", "exclude", "description", "service"}
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
OptionValue = str | int | float | bool | list


@dataclass(frozen=True)
class Stage:
    name: str
    command: tuple[str, ...]
    options: dict[str, OptionValue]
    arguments: tuple[str, ...]
    inputs: tuple[str, ...]       # absolute paths or glob patterns
    outputs: tuple[str, ...]
    exclude: tuple[str, ...]
    description: str = ""
    service: bool = False


@dataclass(frozen=True)
class Pipeline:
    path: Path
    name: str
    out: Path
    paths: dict[str, Path]
    stages: tuple[Stage, ...]
    result: Path | None
    raw: dict = field(repr=False, default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)


def _substitute(text: str, names: dict[str, str], where: str, source: Path) -> str:
    def repl(m: re.Match) -> str:
        if m.group(1) not in names:
            raise ThermoquakeError(f"{where}: unknown placeholder {{{m.group(1)}}} "
                                   f"(known: {', '.join(sorted(names))})", source)
        return names[m.group(1)]
    return PLACEHOLDER.sub(repl, text)


def _path(text: str, names: dict[str, str], here: Path, where: str, source: Path) -> Path:
    value = Path(_substitute(text, names, where, source))
    return value if value.is_absolute() else (here / value)


def _normal(path: Path) -> Path:
    """Absolute, with ``..`` folded, without resolving symbolic links."""
    return Path(os.path.normpath(path.absolute()))


def load_pipeline(path: str | Path, out: str | Path | None = None) -> Pipeline:
    """Read and check a pipeline file; ``out`` overrides ``[pipeline] out``. Every problem is a
    one-line :class:`ThermoquakeError` naming the file (and the stage)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ThermoquakeError("does not exist", path) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ThermoquakeError(f"is not valid TOML ({err})", path) from None
    here = _normal(path.parent)
    head = raw.get("pipeline")
    if not isinstance(head, dict) or not isinstance(head.get("name"), str):
        raise ThermoquakeError("needs a [pipeline] table with a name", path)
    unknown = set(raw) - {"pipeline", "paths", "stage", "environment"}
    if unknown:
        raise ThermoquakeError(f"unknown table(s) {sorted(unknown)} (use [pipeline], [environment], [paths], "
                               "[[stage]])", path)
    names = {"here": str(here)}
    if out is not None:
        out_dir = _normal(Path(out))                      # --out: relative to the working directory
    elif isinstance(head.get("out"), str):
        out_dir = _normal(_path(head["out"], names, here, "[pipeline] out", path))
    else:
        raise ThermoquakeError("[pipeline] needs out = \"DIRECTORY\" (or give --out)", path)
    names["out"] = str(out_dir)
    paths: dict[str, Path] = {}
    table = raw.get("paths", {})
    if not isinstance(table, dict):
        raise ThermoquakeError("[paths] must be a table of name = \"path\"", path)
    for key, value in table.items():
        if key in names:
            raise ThermoquakeError(f"[paths] {key}: the name is reserved or repeated", path)
        if not isinstance(value, str):
            raise ThermoquakeError(f"[paths] {key} must be a string", path)
        paths[key] = _normal(_path(value, names, here, f"[paths] {key}", path))
        names[key] = str(paths[key])
    stages_raw = raw.get("stage", [])
    if not isinstance(stages_raw, list) or not stages_raw:
        raise ThermoquakeError("has no [[stage]] tables", path)
    stages, seen = [], set()
    for i, s in enumerate(stages_raw, start=1):
        stages.append(_stage(s, i, names, here, path, seen))
    environment: dict[str, str] = {}
    env_table = raw.get("environment", {})
    if not isinstance(env_table, dict):
        raise ThermoquakeError("[environment] must be a table of NAME = \"value\"", path)
    for key, value in env_table.items():
        if not ENV_NAME.match(key) or not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ThermoquakeError(f"[environment] {key}: needs a variable name and a string or number", path)
        environment[key] = _substitute(str(value), names, f"[environment] {key}", path)
    result = head.get("result")
    result_path = _normal(_path(result, names, here, "[pipeline] result", path)) if isinstance(result, str) else None
    return Pipeline(path, head["name"], out_dir, paths, tuple(stages), result_path, raw, environment)


def _stage(s: dict, i: int, names: dict[str, str], here: Path, source: Path, seen: set[str]) -> Stage:
    name = s.get("name") if isinstance(s, dict) else None
    where = f"stage {name!r}" if isinstance(name, str) else f"stage {i}"
    if not isinstance(s, dict) or not isinstance(name, str) or not STAGE_NAME.match(name):
        raise ThermoquakeError(f"{where}: needs name = \"letters, digits, - _ .\"", source)
    if name in seen:
        raise ThermoquakeError(f"{where}: the name is used twice", source)
    seen.add(name)
    unknown = set(s) - STAGE_KEYS
    if unknown:
        raise ThermoquakeError(f"{where}: unknown key(s) {sorted(unknown)}", source)
    command = s.get("command")
    if not isinstance(command, str) or not command.split():
        raise ThermoquakeError(f"{where}: needs command = \"a thermoquake sub-command\"", source)
    options = s.get("options", {})
    if not isinstance(options, dict):
        raise ThermoquakeError(f"{where}: options must be a table", source)
    resolved: dict[str, OptionValue] = {}
    for key, value in options.items():
        resolved[key] = _option_value(value, names, f"{where} option {key}", source)
    def strings(key: str) -> list[str]:
        values = s.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ThermoquakeError(f"{where}: {key} must be a list of strings", source)
        return values
    arguments = tuple(_substitute(a, names, f"{where} arguments", source) for a in strings("arguments"))
    inputs = tuple(str(_normal(_path(p, names, here, f"{where} inputs", source))) for p in strings("inputs"))
    outputs = tuple(str(_normal(_path(p, names, here, f"{where} outputs", source))) for p in strings("outputs"))
    service = s.get("service", False)
    if not isinstance(service, bool):
        raise ThermoquakeError(f"{where}: service must be true or false", source)
    if service and outputs:
        raise ThermoquakeError(f"{where}: a service has no outputs (it runs beside the later stages)", source)
    return Stage(name, tuple(command.split()), resolved, arguments, inputs, outputs, tuple(strings("exclude")),
                 str(s.get("description", "")), service)


def _option_value(value, names, where: str, source: Path) -> OptionValue:
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        return _substitute(value, names, where, source)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return [_substitute(v, names, where, source) if isinstance(v, str) else v for v in value]
    raise ThermoquakeError(f"{where}: must be a string, number, true/false or a list of strings/numbers", source)
