"""Cost of the checked atomic write of an epicentre GeoTIFF, against the same write
without the read-back, measured in the same run.

Run: ``.venv/bin/python benchmarks/bench_checked_write.py [--size 256] [--repeat 200]``.

The image is a crop of the real tile MOD11A1 h11v05 2021-08-15 (tests/data/modis) with
clear pixels (43 % of a 256 km box), so the GeoTIFF holds real LST, not only NaN. Both variants
go through :func:`thermoquake.atomic.atomic_path` (temporary file, fsync, rename); the
checked one also re-opens the file and compares its pixels (what ``crop`` and
``preprocess`` do), the baseline passes ``check=None``. Reported: median ms per write of
each and their ratio; the crop itself (``crop_epicentre``) is timed as the scale.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio

from thermoquake.atomic import atomic_path
from thermoquake.image.crop import crop_epicentre
from thermoquake.image.geotiff import write_epicentre_geotiff

TILE = Path(__file__).resolve().parents[1] / "tests/data/modis/MOD11A1.A2021227.h11v05.061.2021228105320.hdf"


def unchecked_write(path: Path, image) -> None:
    """The write of :func:`write_epicentre_geotiff` with no read-back (the baseline)."""
    import thermoquake.image.geotiff as geotiff

    real = geotiff.atomic_path
    geotiff.atomic_path = lambda final, check=None: atomic_path(final, check=None)
    try:
        write_epicentre_geotiff(path, image)
    finally:
        geotiff.atomic_path = real


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    image = crop_epicentre([TILE], 39.37, -89.75, size=args.size)
    crop_ms = median_ms(lambda: crop_epicentre([TILE], 39.37, -89.75, size=args.size), max(5, args.repeat // 20))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "e.tif"
        checked = median_ms(lambda: write_epicentre_geotiff(out, image), args.repeat)
        with rasterio.open(out) as src:
            assert np.array_equal(src.read(1), image.celsius, equal_nan=True)
        plain = median_ms(lambda: unchecked_write(out, image), args.repeat)
    print(f"{args.size} x {args.size} px, {image.valid_fraction:.1%} valid, median of {args.repeat}:")
    print(f"  write without read-back  {plain:7.2f} ms")
    print(f"  checked write            {checked:7.2f} ms   ratio {checked / plain:.2f}")
    print(f"  (the crop itself         {crop_ms:7.2f} ms)")


if __name__ == "__main__":
    main()
