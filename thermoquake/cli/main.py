"""Entry point of the ``thermoquake`` command.

Sub-commands live in their own modules and are imported only when invoked
(``LAZY_COMMANDS``), so ``thermoquake crop`` never imports TensorFlow and
``thermoquake --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import click

from thermoquake import __version__
from thermoquake.errors import ThermoquakeError
from thermoquake.outputs import OutputIsInputError

# name -> (module, attribute, one-line help shown by ``thermoquake --help``)
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "catalog": ("thermoquake.cli.catalog_cmd", "catalog", "Read earthquake catalogues and select study events."),
    "controls": ("thermoquake.cli.controls_cmd", "controls", "Choose no-earthquake samples clear of the catalogue."),
    "fetch": ("thermoquake.cli.fetch_cmd", "fetch", "Download the granules of a manifest from the LP DAAC Data Pool."),
    "manifest": ("thermoquake.cli.manifest_cmd", "manifest", "List the MODIS granules events and controls need."),
    "crop": ("thermoquake.cli.crop_cmd", "crop", "Crop an epicentre image (GeoTIFF, deg C) from MODIS LST tiles."),
    "tiles": ("thermoquake.cli.tiles_cmd", "tiles", "List the MODIS tiles an epicentre box needs."),
    "info": ("thermoquake.cli.info_cmd", "info", "Describe MODIS LST tiles: product, date, grid, valid pixels."),
    "verify": ("thermoquake.cli.verify_cmd", "verify", "Re-check a directory of tiles: consistency and checksums."),
    "preprocess": ("thermoquake.cli.preprocess_cmd", "preprocess", "Crop every target and reference image of an events list (dask)."),
    "synth": ("thermoquake.cli.synth_cmd", "synth", "Write synthetic data (HDF4-EOS tiles) for tests and demos."),
    "monitor": ("thermoquake.cli.monitor_cmd", "monitor", "Daily anomaly and alarm maps over a region; score them as a forecast."),
    "rst": ("thermoquake.cli.rst_cmd", "rst", "RETIRA (RST) maps and the anomalies table of a preprocess workdir."),
    "balance": ("thermoquake.cli.balance_cmd", "balance", "Compare events and controls before training (two-sample tests)."),
    "train": ("thermoquake.cli.train_cmd", "train", "Train and cross-validate a classifier for one forecast window."),
    "evaluate": ("thermoquake.cli.train_cmd", "evaluate", "Score a training run again: metrics, intervals, baselines."),
    "predict": ("thermoquake.cli.train_cmd", "predict", "Per-day earthquake probabilities of epicentre images."),
    "experiment": ("thermoquake.cli.experiment_cmd", "experiment", "Synthetic benchmarks end to end; the paper's tables."),
    "augment": ("thermoquake.cli.augment_cmd", "augment", "Train the improved DCGAN and generate gated GeoTIFFs."),
    "report": ("thermoquake.cli.report_cmd", "report", "HTML/PDF report: anomaly maps, run metrics, generated images."),
    "run": ("thermoquake.cli.run_cmd", "run", "Run a pipeline file (pipelines/*.toml), skipping unchanged stages."),
}


class LazyGroup(click.Group):
    """A click group that imports each sub-command's module on first use and
    turns :class:`ThermoquakeError` into a one-line message and exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module_name, attr, _ = LAZY_COMMANDS[cmd_name]
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, LAZY_COMMANDS[name][2]) for name in sorted(LAZY_COMMANDS)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        args = [*getattr(ctx, "_protected_args", ()), *ctx.args]   # the command line after the group's options
        try:
            return super().invoke(ctx)
        except OutputIsInputError as err:   # the library names its parameters; say the options typed
            raise click.ClickException(str(err.renamed(_spelling(self, ctx, args)))) from None
        except ThermoquakeError as err:
            raise click.ClickException(str(err)) from None


def _spelling(group: click.Group, ctx: click.Context, args: list[str]) -> dict[str, str]:
    """Parameter name -> what a user types for it (``out_dir`` -> ``--out``, ``tiles`` ->
    ``TILES``) for the command that ``args`` name under ``group`` (sub-commands followed)."""
    command: click.Command = group
    while isinstance(command, click.Group) and args and args[0] in command.list_commands(ctx):
        sub = command.get_command(ctx, args[0])
        if sub is None:
            break
        command, args = sub, args[1:]
    spelling = {}
    for param in command.params:
        if isinstance(param, click.Option):
            long = [o for o in param.opts if o.startswith("--")]
            spelling[param.name] = long[0] if long else param.opts[0]
            for flag in long:                # a library parameter named like the option
                spelling.setdefault(flag[2:].replace("-", "_"), flag)
        elif param.name:
            spelling[param.name] = param.human_readable_name
    return spelling


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="thermoquake")
@click.option("--verbose", is_flag=True,
              help="Let TensorFlow print its start-up and runtime notices (CUDA, oneDNN, grappler); "
              "hidden by default.")
def cli(verbose: bool = False) -> None:
    """thermoquake: thermal precursors of earthquakes in MODIS night-time LST.

    Each command has --help. Errors print one line naming the file and the
    problem and exit with status 1.
    """
    from thermoquake.tf_quiet import quiet_tensorflow

    quiet_tensorflow(verbose)


def main() -> None:  # pragma: no cover - thin wrapper for ``python -m``
    sys.exit(cli())
