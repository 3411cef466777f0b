"""``thermoquake balance``: do a study's events and controls differ in anything but the label?"""

from __future__ import annotations

import json
from pathlib import Path

import click

from thermoquake.cli.options import json_option
from thermoquake.dataset.windows import WINDOWS


@click.command()
@click.option("--workdir", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A preprocess workdir with events and controls (after rst: the references rst used).")
@click.option("--window", type=click.Choice([str(w) for w in WINDOWS]), required=True,
              help="Forecast window N, days (the N-1 days before each event or control).")
@json_option
def balance(workdir: Path, window: str, as_json: bool) -> None:
    """Compare events and controls before training: per class, the reference years per
    target, clear-sky fraction, ΔT spread of the reference (K), |target year - reference
    centre|, day of year and box overlap, each with a two-sample test per sample
    (Mann-Whitney or Fisher) and its AUC. A quantity with p < 0.001 and |AUC - 0.5| >= 0.1
    is clearly imbalanced: thermoquake train refuses such a study unless --allow-imbalance."""
    from thermoquake.evaluation.balance import balance_report, format_balance

    report = balance_report(workdir, int(window))
    if as_json:
        click.echo(json.dumps(report.to_dict(), sort_keys=True))
        return
    click.echo(format_balance(report))
