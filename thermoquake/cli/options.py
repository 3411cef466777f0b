"""Click options shared by several commands, so that they read the same everywhere."""

from __future__ import annotations

import click

lat_option = click.option("--lat", type=float, required=True, help="Epicentre latitude, degrees north.")
lon_option = click.option("--lon", type=float, required=True, help="Epicentre longitude, degrees east.")
size_option = click.option(
    "--size", type=int, default=256, show_default=True, help="Image width and height in 1 km pixels."
)
layer_option = click.option(
    "--layer",
    type=click.Choice(["LST_Night_1km", "LST_Day_1km"]),
    default="LST_Night_1km",
    show_default=True,
    help="LST layer to read (its QC layer is used for masking).",
)
qc_policy_option = click.option(
    "--qc-policy",
    type=click.Choice(["strict", "paper", "all"]),
    default="paper",
    show_default=True,
    help="strict: mandatory QA 00 only; paper: 00, and 01 with average LST error <= 2 K; "
    "all: every produced value.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
