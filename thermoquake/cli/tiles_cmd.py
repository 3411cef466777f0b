"""``thermoquake tiles``: which MODIS tiles an epicentre box needs."""

from __future__ import annotations

import json

import click

from thermoquake.cli.options import lat_option, lon_option, make_json_option, size_option
from thermoquake.image.grid import EpicentreGrid
from thermoquake.modis.sinusoidal import tile_name


@click.command()
@lat_option
@lon_option
@size_option
@make_json_option("Print a JSON object instead of one tile per line.")
def tiles(lat: float, lon: float, size: int, as_json: bool) -> None:
    """List the MODIS sinusoidal tiles (hHHvVV) that an epicentre box of SIZE km needs.

    Computed from the grid geometry (36 x 18 tiles on the MODIS sphere); the
    box is the one `thermoquake crop` would write.
    """
    grid = EpicentreGrid(lat=lat, lon=lon, size=size)
    names = [tile_name(h, v) for h, v in grid.tiles()]
    if as_json:
        west, south, east, north = grid.bounds
        click.echo(json.dumps({"lat": lat, "lon": lon, "size": size, "tiles": names,
                               "bounds": {"west": west, "south": south, "east": east, "north": north}}))
    else:
        for name in names:
            click.echo(name)
