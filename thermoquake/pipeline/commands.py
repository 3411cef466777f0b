"""A stage as a thermoquake command line: find the click command, check its options, build argv,
and run it in this process (``cli.main(argv, standalone_mode=False)``)."""

from __future__ import annotations

import click

from thermoquake.errors import ThermoquakeError
from thermoquake.pipeline.config import Pipeline, Stage


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


def build_argv(stage: Stage, command: click.Command, source) -> list[str]:
    """``[*command words, --option value ..., *arguments]``; an option the command does not have
    is a one-line error naming the stage."""
    names, flags, negatives = _option_names(command)
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
            argv += [opt, str(item)]
    _check_required(stage, command, argv, source)
    return argv + list(stage.arguments)


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


def check_pipeline(pipeline: Pipeline, allow_unknown: bool = False) -> dict[str, list[str] | None]:
    """argv of every stage (None for a command this version lacks, when ``allow_unknown``);
    otherwise an unknown command is a one-line error naming the stage, before anything runs."""
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
    return out


def invoke(argv: list[str]) -> None:
    """Run ``thermoquake ARGV`` in this process; a failure raises :class:`click.ClickException`
    (its one-line message) or whatever the command raised."""
    from thermoquake.cli.main import cli

    code = cli.main(args=argv, prog_name="thermoquake", standalone_mode=False)
    if isinstance(code, int) and code != 0:
        raise click.ClickException(f"exited with status {code}")
