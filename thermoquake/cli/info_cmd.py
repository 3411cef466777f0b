"""``thermoquake info``: what a MODIS LST tile holds."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from thermoquake.cli.options import json_option, layer_option, qc_policy_option
from thermoquake.errors import ThermoquakeError
from thermoquake.modis.reader import LstTileFile
from thermoquake.modis.sinusoidal import xy_to_lonlat


def describe_tile(path: Path, layer: str, qc_policy: str) -> dict:
    """Product, date, tile, grid and valid-pixel statistics of one tile (deg C)."""
    with LstTileFile(path, layer) as tile:
        arr = tile.read(qc_policy)
        g, grid = tile.granule, tile.grid
        valid = arr.celsius[np.isfinite(arr.celsius)]
        lon_ul, lat_ul = xy_to_lonlat(*grid.upper_left_m)
        lon_lr, lat_lr = xy_to_lonlat(*grid.lower_right_m)
        return {
            "file": str(path),
            "product": g.product,
            "collection": g.collection,
            "date": g.date.isoformat(),
            "tile": g.tile,
            "layer": layer,
            "qc_policy": qc_policy,
            "grid": grid.grid_name,
            "shape": [grid.ydim, grid.xdim],
            "pixel_m": round(grid.pixel_width_m, 6),
            "lat_range": [float(lat_lr), float(lat_ul)],
            "valid_fraction": round(float(valid.size / arr.celsius.size), 6),
            "celsius_min": float(valid.min()) if valid.size else None,
            "celsius_mean": float(valid.mean()) if valid.size else None,
            "celsius_max": float(valid.max()) if valid.size else None,
            "synthetic": tile.synthetic,
        }


@click.command()
@click.argument("tiles", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@layer_option
@qc_policy_option
@json_option
def info(tiles: tuple[Path, ...], layer: str, qc_policy: str, as_json: bool) -> None:
    """Describe MODIS LST TILES: product, date, tile, grid and valid pixels (deg C).

    Every file is checked as `crop` would check it; a bad file gets a one-line
    error and the exit status is 1, after the good files are described.
    """
    failed = 0
    for path in tiles:
        try:
            d = describe_tile(path, layer, qc_policy)
        except ThermoquakeError as err:
            failed += 1
            click.echo(f"Error: {err}", err=True)
            continue
        if as_json:
            click.echo(json.dumps(d))
        else:
            stats = ("no valid pixels" if d["celsius_mean"] is None else
                     f"{d['celsius_min']:.2f} / {d['celsius_mean']:.2f} / {d['celsius_max']:.2f} deg C min/mean/max")
            synth = "  SYNTHETIC" if d["synthetic"] else ""
            click.echo(f"{path.name}: {d['product']} c{d['collection']} {d['date']} {d['tile']} {layer} "
                       f"[{qc_policy}] {d['valid_fraction']:.1%} valid, {stats}{synth}")
    if failed:
        raise SystemExit(1)
