"""``thermoquake verify``: re-check a directory of MODIS LST tiles."""

from __future__ import annotations

import json
from pathlib import Path

import click

from thermoquake.cli.options import json_option


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@json_option
def verify(directory: Path, as_json: bool) -> None:
    """Re-check every MODIS LST tile (*.hdf) under DIRECTORY.

    Each tile must open as `crop` reads it and both LST layers must agree with their QC
    layers (LST exactly where QC says produced, values in the plausible range); where
    fetch recorded a check against NASA's published checksum (<granule>.verified.json),
    the file must still have that size and checksum. One line per file; exit status 1 if
    any file fails. A corruption that leaves a tile self-consistent is found only by a
    recorded checksum.
    """
    from thermoquake.verify import verify_directory

    verdicts = verify_directory(directory)
    failed = [v for v in verdicts if not v.ok]
    with_checksum = sum(any("checksum" in c for c in v.checks) for v in verdicts)
    if as_json:
        click.echo(json.dumps({
            "directory": str(directory), "files": len(verdicts), "ok": len(verdicts) - len(failed),
            "failed": len(failed), "checksums_checked": with_checksum,
            "results": [{"file": str(v.path), "ok": v.ok, "problem": v.problem, "checks": list(v.checks)}
                        for v in verdicts]}, sort_keys=True))
    else:
        for v in verdicts:
            if v.ok:
                checksum = "" if any("checksum" in c for c in v.checks) else "; no checksum recorded"
                click.echo(f"ok      {v.path}: {', '.join(v.checks)}{checksum}")
            else:
                click.echo(f"FAILED  {v.path}: {v.problem}")
        click.echo(f"{len(verdicts)} files: {len(verdicts) - len(failed)} ok, {len(failed)} failed; "
                   f"{with_checksum} checked against a published checksum")
    if failed:
        raise SystemExit(1)
