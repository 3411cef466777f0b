"""``thermoquake fetch``: download a manifest's granules from the LP DAAC Data Pool."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import click

from thermoquake.cli.options import progress_option, base_url_option, dry_run_option, json_option


@click.command()
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="Granule manifest (CSV from `thermoquake manifest`).",
)
@click.option(
    "--dest",
    type=click.Path(file_okay=False),
    required=True,
    help="Folder for the HDF files (created if needed).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Parallel downloads.",
)
@base_url_option(
    help="Rebuild every directory from this Data Pool root [default: the manifest's directories]."
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Further attempts after a dropped connection, truncated file, HTTP 429 or 5xx.",
)
@click.option(
    "--backoff",
    "backoff_s",
    type=click.FloatRange(min=0.0),
    default=2.0,
    show_default=True,
    help="Seconds before the first retry; doubles each retry (at most 60 s).",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=0.0, min_open=True),
    default=60.0,
    show_default=True,
    help="Connect and read timeout, s.",
)
@click.option(
    "--min-rate",
    "min_rate",
    type=click.FloatRange(min=0.0),
    default=1024.0,
    show_default=True,
    help="Slowest acceptable transfer, bytes/s, averaged over each --timeout window; "
    "a slower server is cut off and retried (0: no limit).",
)
@progress_option
@dry_run_option
@json_option
def fetch(
    manifest_path,
    dest,
    workers,
    base_url,
    retries,
    backoff_s,
    timeout_s,
    min_rate,
    progress,
    dry_run,
    as_json,
) -> None:
    """Download the granules of a manifest over HTTPS with NASA Earthdata Login.

    Credentials: EARTHDATA_TOKEN (bearer), or EARTHDATA_USERNAME and
    EARTHDATA_PASSWORD, or ~/.netrc (machine urs.earthdata.nasa.gov; host
    from EARTHDATA_HOST: a host, host:port or http(s)://host:port). They are
    sent only to the exact Earthdata Login origin (scheme, host and port; a
    token also to the Data Pool's origins), never to other origins redirected to.

    A manifest made with `manifest --cmr` gives each granule's URL, size and
    checksum from NASA's catalogue; without them (or with --base-url) the
    Data Pool's directory listings and NAME.xml metadata are read instead.

    Files already complete are skipped; partial ones (hidden
    .NAME.tmp-partial files) are resumed. Each file is checked (size, HDF4
    signature, opens with pyhdf, and the checksum and size that the Data
    Pool's NAME.xml publishes) before it gets its final name; the published
    checksum is recorded as NAME.verified.json, which `thermoquake verify`
    checks again. Exits 1 if any granule is missing from the Data Pool or failed.
    """
    from thermoquake.errors import ThermoquakeError
    from thermoquake.fetch.auth import auth_host, find_credentials
    from thermoquake.fetch.download import FetchSettings, fetch_granules, manifest_rows, plan

    rows = manifest_rows(manifest_path, dest)
    settings = FetchSettings(
        Path(dest),
        workers=workers,
        retries=retries,
        backoff_s=backoff_s,
        timeout_s=timeout_s,
        min_rate=min_rate,
        base_url=base_url,
    )
    if dry_run:
        outcomes = plan(rows, settings.dest)
        todo = [o for o in outcomes if o.status == "pending"]
        bad = [o for o in outcomes if o.status == "failed"]
        summary = {
            "granules": len(rows),
            "present": len(rows) - len(todo) - len(bad),
            "to_download": len(todo),
            "unusable_local_files": [o.message for o in bad],
            "dry_run": True,
        }
        if as_json:
            click.echo(json.dumps(summary))
            return
        for o in todo:
            click.echo(o.row.url if o.row.url and not base_url
                       else f"{settings.directory(o.row)}{o.row.name_prefix}*.hdf")
        for o in bad:
            click.echo(f"unusable: {o.path}: {o.message}", err=True)
        click.echo(
            f"{summary['present']} of {len(rows)} granules present in {dest}; "
            f"{len(todo)} to download" + (f"; {len(bad)} unusable local files" if bad else ""),
            err=True,
        )
        return

    host = auth_host()
    credentials = find_credentials(host)
    from tqdm import tqdm

    lock = threading.Lock()
    totals = {"bytes": 0}
    bar = tqdm(
        total=len(rows),
        unit="file",
        desc="fetch",
        disable=not progress,
        dynamic_ncols=True,
    )

    def on_bytes(n: int) -> None:
        with lock:
            totals["bytes"] += n
            bar.set_postfix_str(tqdm.format_sizeof(totals["bytes"], "B", 1024), refresh=False)

    def on_done(outcome) -> None:
        with lock:
            bar.update(1)

    try:
        outcomes = fetch_granules(
            rows, settings, credentials, host, on_bytes=on_bytes, on_done=on_done
        )
    finally:
        bar.close()
    counts = {
        s: sum(1 for o in outcomes if o.status == s)
        for s in ("downloaded", "present", "missing", "failed")
    }
    problems = [o for o in outcomes if o.status in ("missing", "failed")]
    summary = {
        "granules": len(rows),
        **counts,
        "bytes_received": totals["bytes"],
        "dest": dest,
        "credentials": credentials.source if credentials else None,
        "problems": [
            {
                "date": o.row.date.isoformat(),
                "tile": o.row.tile,
                "status": o.status,
                "message": o.message,
            }
            for o in problems
        ],
    }
    if as_json:
        click.echo(json.dumps(summary))
    else:
        for o in problems:
            click.echo(
                f"{o.status}: {o.row.product} {o.row.date} {o.row.tile}: {o.message}", err=True
            )
        click.echo(
            f"{counts['downloaded']} downloaded, {counts['present']} already present, "
            f"{counts['missing']} missing, {counts['failed']} failed "
            f"({totals['bytes'] / 1e6:.1f} MB received) -> {dest}"
        )
    if problems:
        first = problems[0]
        raise ThermoquakeError(
            f"{len(problems)} of {len(rows)} granules not fetched ({counts['missing']} missing, "
            f"{counts['failed']} failed); first: {first.row.date} {first.row.tile}: "
            f"{first.message}",
            manifest_path,
        )
