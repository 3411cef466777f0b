"""``thermoquake crop``: one epicentre image from one or more MODIS LST tiles."""

from __future__ import annotations

import json
from pathlib import Path

import click

from thermoquake.cli.options import (
    json_option, lat_option, layer_option, lon_option, qc_policy_option, size_option,
)
from thermoquake.image.geotiff import crop_to_geotiff


@click.command()
@click.argument("tiles", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@lat_option
@lon_option
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output GeoTIFF (written atomically).")
@size_option
@layer_option
@qc_policy_option
@click.option("--engine", type=click.Choice(["direct", "gdal"]), default="direct", show_default=True,
              help="Nearest-neighbour resampling: closed-form sinusoidal mapping (direct) or "
              "rasterio/GDAL's warper (gdal); both give the same image, direct is faster.")
@json_option
def crop(tiles: tuple[Path, ...], lat: float, lon: float, out: Path, size: int, layer: str,
         qc_policy: str, engine: str, as_json: bool) -> None:
    """Crop a SIZE x SIZE km epicentre image centred on LAT, LON from MODIS LST TILES.

    TILES are MYD11A1/MOD11A1 HDF4-EOS files of one product and date; several
    neighbouring tiles are mosaicked. The output is a one-band float32 GeoTIFF
    in deg C, nodata NaN, EPSG:4326, 1 km pixels on the MODIS sphere, the
    epicentre at the image centre; masked (cloudy, low-quality) pixels are NaN.
    Pixels that no given tile covers are NaN and the missing tiles are named.
    """
    image = crop_to_geotiff(tiles, out, lat=lat, lon=lon, size=size, layer=layer, qc_policy=qc_policy, engine=engine)
    summary = {
        "out": str(out),
        "product": image.product,
        "date": image.date.isoformat(),
        "layer": image.layer,
        "qc_policy": image.qc_policy,
        "sources": list(image.sources),
        "missing_tiles": list(image.missing_tiles),
        "valid_fraction": round(image.valid_fraction, 6),
        "synthetic": image.synthetic,
        "bounds": dict(zip(("west", "south", "east", "north"), image.grid.bounds)),
    }
    if as_json:
        click.echo(json.dumps(summary))
        return
    label = " (SYNTHETIC data)" if image.synthetic else ""
    click.echo(f"wrote {out}{label}: {image.product} {image.layer} {image.date}, "
               f"{image.valid_fraction:.1%} valid pixels")
    if image.missing_tiles:
        click.echo(f"warning: tiles {', '.join(image.missing_tiles)} were not given; "
                   "their part of the box is NaN", err=True)
