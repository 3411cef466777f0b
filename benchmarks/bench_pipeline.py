"""Pipeline runner overhead, on a SYNTHETIC chain synth -> preprocess -> rst -> report.

Timed in one process, in this order, on fresh output folders, after one untimed warm-up run
of the commands (imports, first-call costs):

1. ``direct``: the four commands called one after the other through ``cli.main`` (the
   baseline: what the runner must run anyway);
2. ``runner, cold``: ``thermoquake run`` of the same stages into a new folder (fingerprints
   every input and output with no hash cache, writes state and the run record);
3. ``runner, all skipped``: the same run again (every stage unchanged; hashes from the cache);
4. ``fingerprint, no cache`` vs ``fingerprint, cached``: the inputs of every stage once more,
   first with an empty hash cache, then with the cache the runs wrote.

Printed as seconds and ratios to ``direct``. Run: ``.venv/bin/python benchmarks/bench_pipeline.py
[--size 64] [--days 2] [--years 4]``; the numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

EVENT = dt.date(2008, 5, 12)
LAT, LON = 35.0, 103.0

TOML = """
[pipeline]
name = "bench"
out = "{out}"
[paths]
events = "{events}"
hdf = "{{out}}/hdf"
workdir = "{{out}}/work"
[[stage]]
name = "synth"
command = "synth tiles"
outputs = ["{{hdf}}"]
[stage.options]
out = "{{hdf}}"
tile = ["h26v05"]
date = {dates}
seed = 3
[[stage]]
name = "preprocess"
command = "preprocess"
inputs = ["{{events}}", "{{hdf}}"]
outputs = ["{{workdir}}/manifest.csv", "{{workdir}}/images"]
exclude = ["*.retira.tif", "synth_run.json"]
[stage.options]
events = "{{events}}"
hdf-dir = "{{hdf}}"
out = "{{workdir}}"
days-before = {days}
reference-years = "{first}-{last}"
size = {size}
workers = 0
progress = false
[[stage]]
name = "rst"
command = "rst"
inputs = ["{{workdir}}/manifest.csv", "{{workdir}}/images"]
outputs = ["{{workdir}}/anomalies.csv", "{{workdir}}/images/**/*.retira.tif"]
exclude = ["*.retira.tif"]
[stage.options]
workdir = "{{workdir}}"
min-count = 3
[[stage]]
name = "report"
command = "report"
inputs = ["{{workdir}}/anomalies.csv", "{{workdir}}/images"]
outputs = ["{{out}}/report/index.html"]
[stage.options]
workdir = "{{workdir}}"
out = "{{out}}/report"
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--years", type=int, default=4, help="reference years including the event year")
    args = parser.parse_args()

    from thermoquake.cli.main import cli
    from thermoquake.cli.pipeline.checksum import HashCache, fingerprint
    from thermoquake.cli.pipeline.commands import check_pipeline
    from thermoquake.cli.pipeline.config import load_pipeline
    from thermoquake.cli.pipeline.runner import HASH_FILE, STATE_DIR, run_pipeline

    root = Path(tempfile.mkdtemp(prefix="bench_pipeline_"))
    events = root / "events.csv"
    events.write_text("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n"
                      f"E1,{EVENT}T06:00:00Z,{LAT},{LON},10,6.5,Mw\n")
    first, last = EVENT.year - args.years + 1, EVENT.year
    dates = [(EVENT - dt.timedelta(days=k)).replace(year=y).isoformat()
             for y in range(first, last + 1) for k in range(1, args.days + 1)]

    def pipeline_file(out: Path) -> Path:
        path = root / f"{out.name}.toml"
        path.write_text(TOML.format(out=out, events=events, dates=json.dumps(dates), days=args.days,
                                    first=first, last=last, size=args.size))
        return path

    quiet = lambda line: None  # noqa: E731
    timings = {}

    def run_direct(out: Path) -> float:
        direct = load_pipeline(pipeline_file(out))
        argvs = check_pipeline(direct)
        t = time.perf_counter()
        for stage in direct.stages:
            cli.main(args=argvs[stage.name], prog_name="thermoquake", standalone_mode=False)
        return time.perf_counter() - t

    run_direct(root / "warmup")          # imports and first-call costs, not timed
    timings["direct"] = run_direct(root / "direct")

    runner = load_pipeline(pipeline_file(root / "runner"))
    t = time.perf_counter()
    run_pipeline(runner, echo=quiet)
    timings["runner, cold"] = time.perf_counter() - t
    t = time.perf_counter()
    record = run_pipeline(runner, echo=quiet)
    timings["runner, all skipped"] = time.perf_counter() - t
    assert all(s["status"] == "skipped" for s in record["stages"]), record["stages"]

    def fingerprint_all(cache: HashCache) -> float:
        t = time.perf_counter()
        for stage in runner.stages:
            for entry in stage.inputs + stage.outputs:
                fingerprint(entry, cache, stage.exclude)
        return time.perf_counter() - t

    timings["fingerprint, no cache"] = fingerprint_all(HashCache(root / "none.json"))
    timings["fingerprint, cached"] = fingerprint_all(HashCache(runner.out / STATE_DIR / HASH_FILE))
    n_files = sum(1 for _ in (runner.out).rglob("*") if _.is_file())
    print(f"SYNTHETIC chain: {len(dates)} tiles, {args.size} km images, {n_files} files in the run folder")
    print(f"{'step':28s} {'seconds':>8s} {'x direct':>9s}")
    for name, seconds in timings.items():
        print(f"{name:28s} {seconds:8.3f} {seconds / timings['direct']:9.3f}")


if __name__ == "__main__":
    main()
