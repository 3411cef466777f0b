"""Time per epicentre crop on a real tile against the floor: a bare pyhdf read of the two layers.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_crop.py [--repeat N]``).
Both are measured in the same run, on the same file, interleaved; the report is
the median of N repeats and the ratio crop / floor (target <= 2). A crop decodes the
two layers whole, as the floor does, and checks that they are consistent
(thermoquake.modis.consistency) before cropping its window.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from pyhdf.SD import SD, SDC

from thermoquake.image.crop import crop_epicentre
from thermoquake.image.geotiff import write_epicentre_geotiff

HERE = Path(__file__).resolve().parent
TILE = HERE.parent / "tests" / "data" / "modis" / "MOD11A1.A2019305.h14v09.006.2019306084028.hdf"
CENTRE = (-6.88, -37.14)  # a 256 km box inside the tile


def bare_read(path: Path) -> None:
    """The floor: open the file and read LST_Night_1km and QC_Night in full with pyhdf."""
    sd = SD(str(path), SDC.READ)
    sd.select("LST_Night_1km")[:]
    sd.select("QC_Night")[:]
    sd.end()


def crop_only(path: Path, engine: str = "direct") -> None:
    crop_epicentre([path], *CENTRE, size=256, engine=engine)


def crop_and_write(path: Path, out: Path) -> None:
    write_epicentre_geotiff(out, crop_epicentre([path], *CENTRE, size=256))


CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}
"""``cpu``: this thread's CPU time, steady on a machine shared with other work, but blind
to time spent waiting (the GeoTIFF write's fsync)."""


def timed(fn, *args, clock=time.perf_counter) -> float:
    t0 = clock()
    fn(*args)
    return clock() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--json", dest="json_out", type=Path, help="also write the figures as JSON")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="wall-clock time, or this thread's CPU time (steadier on a busy machine)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "crop.tif"
        for _ in range(3):  # warm the page cache and imports
            bare_read(TILE), crop_only(TILE), crop_and_write(TILE, out)
        floor, crop, crop_gdal, crop_write = [], [], [], []
        for _ in range(args.repeat):
            clock = CLOCKS[args.clock]
            floor.append(timed(bare_read, TILE, clock=clock))
            crop.append(timed(crop_only, TILE, clock=clock))
            crop_gdal.append(timed(crop_only, TILE, "gdal", clock=clock))
            crop_write.append(timed(crop_and_write, TILE, out, clock=clock))
    f, c, cg, cw = (statistics.median(v) * 1000 for v in (floor, crop, crop_gdal, crop_write))
    figures = {"tile": TILE.name, "repeat": args.repeat, "clock": args.clock, "floor_ms": round(f, 2), "crop_ms": round(c, 2),
               "crop_gdal_engine_ms": round(cg, 2), "crop_write_ms": round(cw, 2),
               "crop_over_floor": round(c / f, 2), "crop_gdal_engine_over_floor": round(cg / f, 2),
               "crop_write_over_floor": round(cw / f, 2)}
    print(f"tile: {TILE.name}, 256 x 256 km box, median of {args.repeat}, {args.clock} clock")
    print(f"  floor (pyhdf read of LST_Night_1km + QC_Night): {f:7.2f} ms")
    print(f"  crop, direct engine (read + QC + mosaic + NN):  {c:7.2f} ms   {c / f:5.2f} x floor")
    print(f"  crop, gdal engine (rasterio reproject):         {cg:7.2f} ms   {cg / f:5.2f} x floor")
    print(f"  crop (direct) + GeoTIFF write:                  {cw:7.2f} ms   {cw / f:5.2f} x floor")
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
