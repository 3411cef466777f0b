"""``thermoquake fetch`` as a user sees it: --json and the summary line, --dry-run, the progress
bar, option names, exit status 1 with one ``Error:`` line when granules are not fetched. The
downloads themselves are tested on the library in tests/test_fetch.py."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from thermoquake.cli.main import cli
from tests.test_nasa_standin import hdf_dir  # noqa: F401 - fixture: the stand-in's granules
from tests.test_fetch import (  # noqa: F401 - pool, manifest, small_hdf: fixtures (a Data Pool on 127.0.0.1)
    BASIC, DIR, REAL_TILE, SMALL_NAME, env_for, manifest, names_in, pool, small_hdf,
)


def fetch(manifest: Path, dest: Path, env: dict, *extra: str):
    args = ["fetch", "--manifest", str(manifest), "--dest", str(dest), "--backoff", "0.01", "--timeout", "10",
            *extra]
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def test_json_counts_the_granules_and_the_bytes(tmp_path, pool, manifest, small_hdf):
    dest = tmp_path / "modis"
    result = fetch(manifest, dest, env_for(pool, tmp_path, **BASIC), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["downloaded"], summary["present"], summary["missing"], summary["failed"]) == (2, 0, 0, 0)
    assert summary["bytes_received"] == len(REAL_TILE.read_bytes()) + len(small_hdf)
    assert summary["granules"] == 2 and summary["problems"] == [] and summary["credentials"]
    assert names_in(dest) == [REAL_TILE.name, SMALL_NAME]
    again = fetch(manifest, dest, env_for(pool, tmp_path, **BASIC))
    assert again.exit_code == 0
    assert again.stdout.strip() == f"0 downloaded, 2 already present, 0 missing, 0 failed (0.0 MB received) -> {dest}"


def test_dry_run_lists_what_would_be_fetched_without_network(tmp_path, pool, manifest):
    result = fetch(manifest, tmp_path / "modis", env_for(pool, tmp_path), "--dry-run")
    assert result.exit_code == 0
    assert f"{pool.url}{DIR}MYD11A1.A2002185.h09v06.006.*.hdf" in result.stdout
    assert "0 of 2 granules present" in result.stderr
    assert pool.log == [] and not (tmp_path / "modis").exists()


def test_progress_bar_counts_files(tmp_path, pool, manifest):
    result = fetch(manifest, tmp_path / "modis", env_for(pool, tmp_path, **BASIC), "--progress")
    assert result.exit_code == 0
    assert "2/2" in result.stderr and "file" in result.stderr


def test_without_credentials_the_401_is_explained_in_one_error_line(tmp_path, pool, manifest):
    dest = tmp_path / "modis"
    result = fetch(manifest, dest, env_for(pool, tmp_path))
    assert result.exit_code == 1
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("Error: ") and "HTTP 401" in message and "~/.netrc" in message
    assert "EARTHDATA_TOKEN" in message and "Traceback" not in result.output
    assert names_in(dest) == []


def test_a_rejected_file_is_listed_and_the_run_exits_1_after_the_others(tmp_path, pool, manifest):
    path = DIR + REAL_TILE.name
    pool.files[path] = b"\x00" * len(pool.files[path])
    dest = tmp_path / "modis"
    result = fetch(manifest, dest, env_for(pool, tmp_path, **BASIC), "--workers", "1")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("failed: MYD11A1 2002-07-04 h09v06: ") and "no HDF4 signature" in lines[0]
    assert lines[-1].startswith(f"Error: {manifest}: 1 of 2 granules not fetched (0 missing, 1 failed)")
    assert names_in(dest) == [SMALL_NAME]


def test_retries_option_reaches_the_download(tmp_path, pool, manifest):
    pool.fail_times[DIR + SMALL_NAME] = 5
    result = fetch(manifest, tmp_path / "modis", env_for(pool, tmp_path, **BASIC), "--retries", "1")
    assert result.exit_code == 1
    assert "gave up after 2 attempts: HTTP 503" in result.stderr


def test_bad_manifest_rows_are_one_line_by_line(tmp_path, pool):
    manifest = tmp_path / "g.csv"
    manifest.write_text(
        "product,collection,date,tile,directory,role\n"
        f"MYD11A1,006,2002-07-04,h09v06,{pool.url}{DIR},target\n"
        f"MYD11A1,6,2002-07-32,h09v06,{pool.url}{DIR},target\n"
    )
    result = fetch(manifest, tmp_path / "modis", env_for(pool, tmp_path, **BASIC))
    assert result.exit_code == 1 and "line 3: collection '6' is not three digits" in result.stderr
    assert result.stderr.startswith("Error: ") and pool.log == []


def test_manifest_cmr_then_fetch_json_downloads_every_granule(tmp_path, hdf_dir):
    from tests.test_nasa_standin import DAYS, TILES, WENCHUAN, env as standin_env, granule_name
    from thermoquake.testing.nasa import NasaStandIn

    folder = hdf_dir
    events = tmp_path / "events.csv"
    events.write_text("event_id,time,latitude,longitude,depth_km,magnitude,magnitude_type\n" + WENCHUAN)
    out, dest = tmp_path / "granules.csv", tmp_path / "modis"
    with NasaStandIn(folder) as standin:
        made = CliRunner().invoke(cli, ["manifest", "--events", str(events), "--days-before", "2", "--reference-years",
                                        "2008-2008", "--cmr", "--cmr-url", standin.url, "--out", str(out)],
                                  env={"THERMOQUAKE_CMR": None})
        assert made.exit_code == 0, made.output
        result = CliRunner().invoke(cli, ["fetch", "--manifest", str(out), "--dest", str(dest), "--backoff", "0.01",
                                          "--json"], env=standin_env(standin, tmp_path))
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)
        assert summary["downloaded"] == 8 and summary["credentials"]
        assert standin.requests("data", ".hdf.xml") == []           # the catalogue gave the checksums
    assert sorted(p.name for p in dest.glob("*.hdf")) == sorted(granule_name(d, t) for d in DAYS for t in TILES)
