"""One option name per concept: options that several commands take read the same everywhere."""

from __future__ import annotations

import importlib

import click
import pytest

from thermoquake.cli.main import LAZY_COMMANDS

# Commands whose options are declared outside the shared registry for now.
NOT_YET_ON_THE_REGISTRY = {"monitor"}


def _commands():
    """(path, click.Command) of every leaf command."""
    out = []

    def walk(path, cmd):
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(f"{path} {name}", sub)
        else:
            out.append((path, cmd))

    for name, (module, attr, _) in sorted(LAZY_COMMANDS.items()):
        if name in NOT_YET_ON_THE_REGISTRY:
            continue
        walk(name, getattr(importlib.import_module(module), attr))
    return out


def _option(cmd: click.Command, flag: str) -> click.Option | None:
    for param in cmd.params:
        if isinstance(param, click.Option) and flag in param.opts and not param.hidden:
            return param
    return None


def _describe(option: click.Option) -> tuple:
    return (tuple(option.opts), tuple(option.secondary_opts), option.is_flag, str(option.type.to_info_dict()), option.help,
            getattr(option.callback, "__qualname__", None))


def test_every_progress_option_is_the_shared_one():
    from thermoquake.cli.options import progress_option

    @progress_option
    def reference():  # pragma: no cover - only its option is read
        pass

    expected = _describe(reference.__click_params__[0])
    found = {path: _describe(o) for path, cmd in _commands() if (o := _option(cmd, "--progress"))}
    assert len(found) >= 8
    assert {path: d for path, d in found.items() if d != expected} == {}


def test_paper_tables_takes_the_training_options_of_train_with_their_types():
    from thermoquake.cli.experiment_cmd import paper_tables
    from thermoquake.cli.train_cmd import train

    from thermoquake.cli.options import TRAINING_OPTIONS

    shared = [p for p in paper_tables.params if p.name in TRAINING_OPTIONS]
    assert {p.opts[0] for p in shared} >= {"--seed", "--width", "--epochs", "--gan-steps", "--gan-width",
                                           "--gan-base", "--folds", "--channels"}
    for p in shared:
        if p.opts[0] == "--channels":
            continue        # the same option, with the paper's default (LST images only)
        assert _describe(p) == _describe(_option(train, p.opts[0])), p.opts[0]
        assert p.default == _option(train, p.opts[0]).default, p.opts[0]


@pytest.mark.parametrize("value", ["0", "-1.5"])
def test_paper_tables_refuses_a_width_train_refuses(value, tmp_path):
    from click.testing import CliRunner

    from thermoquake.cli.main import cli

    for args in (["train", "--workdir", str(tmp_path), "--window", "3"],
                 ["experiment", "paper-tables", "--workdir", str(tmp_path)]):
        result = CliRunner().invoke(cli, [*args, "--width", value, "--dry-run"])
        assert result.exit_code == 2 and "--width" in result.output, (args, result.output)
