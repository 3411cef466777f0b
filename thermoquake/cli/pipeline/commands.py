"""A stage as a thermoquake command line: find the click command, check its options, build argv,
and run it in this process (``cli.main(argv, standalone_mode=False)``)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from thermoquake.errors import ThermoquakeError
from thermoquake.cli.pipeline.config import Pipeline, Stage


def find_command(words: tuple[str, ...]) -> click.Command | None:
    """The click command ``thermoquake WORDS...`` names, or None if this version has none."""
    from thermoquake.cli.main import cli

    ctx = click.Context(cli, info_name="thermoquake")
    command: click.Command | None = cli
    for word in words:
        if not isinstance(command, click.Group):
            return None
        command = command.get_command(ctx, word)
        if command is None:
            return None
    return command


def _option_names(command: click.Command) -> tuple[set[str], set[str], set[str]]:
    """(every option name, the flags, the --no- names of on/off pairs), with leading dashes."""
    names, flags, negatives = set(), set(), set()
    for p in command.params:
        if isinstance(p, click.Option):
            names.update(p.opts)
            names.update(p.secondary_opts)
            negatives.update(p.secondary_opts)
            if p.is_flag:
                flags.update(p.opts)
    return names, flags, negatives


def _path_params(command: click.Command) -> tuple[set[str], bool]:
    """(the option names whose values are paths, whether every argument is a path)."""
    paths = {name for p in command.params if isinstance(p, click.Option)
             and isinstance(p.type, (click.Path, click.File)) for name in p.opts}
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    return paths, bool(arguments) and all(isinstance(p.type, (click.Path, click.File)) for p in arguments)


def _from_here(value: str, here: Path) -> str:
    """A relative path taken from the pipeline file's directory (``-`` stays standard input)."""
    return value if value == "-" or Path(value).is_absolute() else os.path.normpath(here / value)


def build_argv(stage: Stage, command: click.Command, source) -> list[str]:
    """``[*command words, --option value ..., *arguments]``; an option the command does not have
    is a one-line error naming the stage. Relative paths in path-valued options and arguments are
    taken from the pipeline file's directory, like ``inputs`` and ``outputs``, so a run gives
    the same result from any working directory."""
    names, flags, negatives = _option_names(command)
    path_options, path_arguments = _path_params(command)
    here = Path(os.path.abspath(Path(source).parent))
    argv = list(stage.command)
    for key, value in stage.options.items():
        opt = f"--{key}"
        if opt not in names:
            raise ThermoquakeError(f"stage {stage.name!r}: {' '.join(stage.command)} has no option {opt}", source)
        if isinstance(value, bool):
            if opt not in flags and opt not in negatives:
                raise ThermoquakeError(f"stage {stage.name!r}: {opt} takes a value, not true/false", source)
            if value:
                argv.append(opt)
            elif f"--no-{key}" in negatives:
                argv.append(f"--no-{key}")
            continue
        if opt in flags:
            raise ThermoquakeError(f"stage {stage.name!r}: {opt} is a flag: write {key} = true", source)
        for item in value if isinstance(value, list) else [value]:
            argv += [opt, _from_here(str(item), here) if opt in path_options else str(item)]
    _check_required(stage, command, argv, source)
    arguments = [_from_here(a, here) for a in stage.arguments] if path_arguments else list(stage.arguments)
    return argv + arguments


def _check_required(stage: Stage, command: click.Command, argv: list[str], source) -> None:
    """A required option the stage does not give, or missing arguments, is a one-line error
    before anything runs (values are checked by the command when it runs: its inputs may be
    an earlier stage's outputs)."""
    given = set(argv)
    for p in command.params:
        if isinstance(p, click.Option) and p.required and not given & set(p.opts):
            raise ThermoquakeError(f"stage {stage.name!r}: {' '.join(stage.command)} needs {p.opts[-1]} "
                                   f"(write {p.opts[-1].lstrip('-')} = ... under [stage.options])", source)
        if isinstance(p, click.Argument) and p.required and not stage.arguments:
            raise ThermoquakeError(f"stage {stage.name!r}: {' '.join(stage.command)} needs its "
                                   f"{p.human_readable_name} argument(s) (arguments = [...])", source)


def nested_pipelines(pipeline: Pipeline, argvs: dict[str, list[str] | None]) -> list[tuple[str, Path]]:
    """(stage name, pipeline file) of every stage that runs another pipeline (``thermoquake run``)."""
    out = []
    for stage in pipeline.stages:
        argv = argvs.get(stage.name)
        command = find_command(stage.command) if argv else None
        if command is None or stage.command != ("run",):
            continue
        ctx = command.make_context("run", list(argv[len(stage.command):]), resilient_parsing=True)
        nested = ctx.params.get("pipeline_file")
        if nested:
            out.append((stage.name, Path(os.path.abspath(nested))))
    return out


def check_no_cycle(pipeline: Pipeline, argvs: dict[str, list[str] | None],
                   chain: tuple[Path, ...] = ()) -> None:
    """A pipeline that runs itself, directly or through other pipelines, is a one-line error
    naming the stage and the chain, before anything runs."""
    from thermoquake.cli.pipeline.config import load_pipeline

    here = Path(os.path.abspath(pipeline.path))
    chain = (*chain, here)
    for stage_name, nested in nested_pipelines(pipeline, argvs):
        if nested in chain:
            loop = " -> ".join(p.name for p in (*chain, nested))
            raise ThermoquakeError(f"stage {stage_name!r} runs a pipeline that is already running "
                                   f"({loop}): a pipeline cannot contain itself", chain[0])
        if nested.is_file():
            inner = load_pipeline(nested)
            check_no_cycle(inner, check_pipeline(inner, allow_unknown=True, check_cycles=False), chain)


def check_pipeline(pipeline: Pipeline, allow_unknown: bool = False,
                   check_cycles: bool = True) -> dict[str, list[str] | None]:
    """argv of every stage (None for a command this version lacks, when ``allow_unknown``);
    otherwise an unknown command is a one-line error naming the stage, before anything runs;
    so is a pipeline that runs itself (:func:`check_no_cycle`)."""
    out: dict[str, list[str] | None] = {}
    for stage in pipeline.stages:
        command = find_command(stage.command)
        if command is None:
            if allow_unknown:
                out[stage.name] = None
                continue
            raise ThermoquakeError(f"stage {stage.name!r}: unknown command 'thermoquake {' '.join(stage.command)}' "
                                   "(not in this version; thermoquake --help lists the commands)", pipeline.path)
        out[stage.name] = build_argv(stage, command, pipeline.path)
    if check_cycles:
        check_no_cycle(pipeline, out)
    return out


def invoke(argv: list[str]) -> None:
    """Run ``thermoquake ARGV`` in this process; a failure raises :class:`click.ClickException`
    (its one-line message) or whatever the command raised."""
    from thermoquake.cli.main import cli

    code = cli.main(args=argv, prog_name="thermoquake", standalone_mode=False)
    if isinstance(code, int) and code != 0:
        raise click.ClickException(f"exited with status {code}")
