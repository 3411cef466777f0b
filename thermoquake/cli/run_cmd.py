"""``thermoquake run``: run a pipeline file's stages in order, skipping unchanged ones."""

from __future__ import annotations

import json
from pathlib import Path

import click

from thermoquake.cli.options import json_option


@click.command()
@click.argument("pipeline_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output directory (overrides [pipeline] out; relative to the working directory).")
@click.option("--force", multiple=True, metavar="STAGE",
              help="Run this stage even if unchanged (repeatable; 'all' for every stage).")
@click.option("--dry-run", is_flag=True,
              help="List the stages, their command lines and whether each would run; run nothing. "
              "Commands this version lacks are listed, not refused.")
@json_option
def run(pipeline_file: Path, out: Path | None, force: tuple[str, ...], dry_run: bool, as_json: bool) -> None:
    """Run the stages of PIPELINE_FILE (pipelines/*.toml) in order.

    Each stage is a thermoquake sub-command with its options, run in this process. A stage
    is skipped when its command line and the SHA-256 of its inputs match its last complete
    run and its outputs are as that run left them; a later stage re-runs when an earlier one
    produced different outputs. The whole file is checked first (an unknown command or
    option stops the run before anything runs). OUT/run_record.json records the
    configuration, package versions, input checksums and each stage's status and time;
    OUT/.thermoquake-pipeline/state.json the completed stages. A failing stage stops the run
    with one line naming it, and is not recorded as complete.
    """
    import sys

    from thermoquake.cli.pipeline.config import load_pipeline
    from thermoquake.outputs import refuse_outputs_over_inputs
    from thermoquake.cli.pipeline.runner import RECORD_FILE, run_pipeline

    pipeline = load_pipeline(pipeline_file, out)
    refuse_outputs_over_inputs({"--out": [pipeline.out, pipeline.out / RECORD_FILE]},
                               {"PIPELINE_FILE": pipeline_file})
    echo = (lambda line: click.echo(line, err=True)) if as_json else click.echo
    record = run_pipeline(pipeline, force=force, dry_run=dry_run, echo=echo, quiet_stages=as_json)
    if as_json:
        click.echo(json.dumps({k: record[k] for k in ("pipeline", "file", "out", "status", "dry_run", "result",
                                                      "stages", "started", "finished")}, sort_keys=True))
        return
    counts = {}
    for stage in record["stages"]:
        counts[stage["status"]] = counts.get(stage["status"], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    click.echo(f"pipeline {record['pipeline']}: {record['status']} ({summary})")
    if not dry_run:
        click.echo(f"run record: {pipeline.out / RECORD_FILE}")
        if pipeline.result is not None:
            click.echo(f"result: {pipeline.result}")
    sys.stdout.flush()
