"""One option name per concept: options that several commands take read the same everywhere."""

from __future__ import annotations

import importlib

import click
import pytest

from thermoquake.cli.main import LAZY_COMMANDS

# Commands whose options are declared outside the shared registry for now.
NOT_YET_ON_THE_REGISTRY: set[str] = set()


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


def test_every_json_option_can_be_given_alone():
    needing_a_value = [path for path, cmd in _commands() if (o := _option(cmd, "--json"))
                       and not (o.is_flag or o._flag_needs_value)]
    assert needing_a_value == []


# (command words, the old option, the new option, a value of the old option, the parameter, its value)
RENAMED = [
    (["predict"], "--model", "--run", "RUN", "model_dir", "RUN"),
    (["augment", "generate"], "--model", "--model-dir", "GAN", "model_dir", "GAN"),
    (["augment", "train"], "--base", "--gan-base", "mean", "gan_base", "site"),
    (["rst"], "--threshold", "--r-threshold", "3.5", "threshold", 3.5),
    (["rst"], "--window-days", "--reference-window-days", "4", "reference_window_days", 4),
    (["rst", "validate"], "--threshold", "--r-threshold", "3.5", "threshold", 3.5),
    (["report"], "--threshold", "--r-threshold", "3.5", "threshold", 3.5),
    (["report"], "--augment", "--gan-dir", "GEN", "augments", ("GEN",)),
    (["experiment", "synthetic"], "--events", "--n-events", "12", "n_events", 12),
]


def _leaf(words):
    cmd = getattr(importlib.import_module(LAZY_COMMANDS[words[0]][0]), LAZY_COMMANDS[words[0]][1])
    for word in words[1:]:
        cmd = cmd.commands[word]
    return cmd


@pytest.mark.parametrize("words, old, new, value, param, expected", RENAMED,
                         ids=[f"{' '.join(r[0])} {r[1]}" for r in RENAMED])
def test_an_old_option_name_is_hidden_and_feeds_the_new_parameter(words, old, new, value, param, expected):
    cmd = _leaf(words)
    assert _option(cmd, new).name == param
    hidden = [p for p in cmd.params if isinstance(p, click.Option) and old in p.opts]
    assert len(hidden) == 1 and hidden[0].hidden and hidden[0].name.startswith(f"_renamed_{param}_")
    help_text = cmd.get_help(click.Context(cmd, info_name=words[-1]))
    assert f"{new} " in help_text and f"{old} " not in help_text.replace(new, "")


def _toy():
    from thermoquake.cli.options import renamed_option

    @click.command()
    @click.option("--gan-base", type=click.Choice(["none", "site"]), default="none")
    @renamed_option("--base", "--gan-base", "gan_base", type=click.Choice(["none", "mean"]),
                    convert=lambda v: {"mean": "site"}.get(v, v))
    def toy(gan_base):
        click.echo(f"gan_base={gan_base}")

    return toy


def test_the_old_name_gives_the_new_value_and_a_deprecation_note():
    from click.testing import CliRunner

    result = CliRunner().invoke(_toy(), ["--base", "mean"])
    assert result.exit_code == 0 and result.stdout == "gan_base=site\n"
    assert "--base is deprecated, use --gan-base" in result.stderr
    plain = CliRunner().invoke(_toy(), ["--gan-base", "site"])
    assert plain.stdout == "gan_base=site\n" and plain.stderr == ""
    assert CliRunner().invoke(_toy(), []).stdout == "gan_base=none\n"


def test_the_old_and_the_new_name_together_are_refused():
    from click.testing import CliRunner

    result = CliRunner().invoke(_toy(), ["--base", "none", "--gan-base", "site"])
    assert result.exit_code == 2 and "give --gan-base only" in result.output


def test_predict_with_the_old_model_option_reads_that_run(tmp_path):
    from click.testing import CliRunner

    from thermoquake.cli.main import cli

    image = tmp_path / "day.tif"
    image.write_bytes(b"")
    missing = CliRunner().invoke(cli, ["predict", str(image)])
    assert missing.exit_code == 2 and "Missing option '--run'" in missing.stderr
    (tmp_path / "run").mkdir()
    result = CliRunner().invoke(cli, ["predict", "--model", str(tmp_path / "run"), str(image)])
    assert "--model is deprecated, use --run" in result.stderr
    assert result.exit_code == 1 and str(tmp_path / "run") in result.stderr, result.output


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


def test_every_required_option_is_asked_for():
    """click takes an explicit ``default=None`` as a value given: a required option declared
    with it is never asked for, and the command runs on with None."""
    unenforced = [f"{path} {param.opts[0]}" for path, cmd in _commands() for param in cmd.params
                  if isinstance(param, click.Option) and param.required and param.default is None]
    assert unenforced == []
