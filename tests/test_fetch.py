"""``thermoquake.fetch_granules`` (the ``fetch`` command) against a local Data-Pool-like server
with an Earthdata-Login redirect. The command's summary, --dry-run, progress bar and exit status:
tests/cli/test_fetch_cmd.py."""

from __future__ import annotations

import base64
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from _datapool import PASSWORD, TOKEN, USERNAME, DataPool

import thermoquake
from thermoquake.errors import ThermoquakeError
from thermoquake.fetch.auth import AuthError, Credentials, find_credentials
from thermoquake.fetch.http import EarthdataSession
from thermoquake.fetch.listing import granule_files, pick_granule
from thermoquake.fetch.verify import verify_hdf4

REPO = Path(__file__).resolve().parents[1]
REAL_TILE = REPO / "tests" / "data" / "modis" / "MYD11A1.A2002185.h09v06.006.2015146150958.hdf"
DIR = "/MOLA/MYD11A1.006/2002.07.04/"
SMALL_NAME = "MYD11A1.A2002185.h10v06.006.2015146150959.hdf"
OTHER_DIR = "/MOLA/MYD11A1.006/2002.07.05/"
OTHER_NAME = "MYD11A1.A2002186.h09v06.006.2015146151000.hdf"


@pytest.fixture(scope="module")
def small_hdf(tmp_path_factory) -> bytes:
    """A tiny valid HDF4 file (one 4 x 4 uint16 SDS), made with pyhdf."""
    from pyhdf.SD import SD, SDC

    path = tmp_path_factory.mktemp("hdf") / "small.hdf"
    sd = SD(str(path), SDC.WRITE | SDC.CREATE)
    sds = sd.create("LST_Night_1km", SDC.UINT16, (4, 4))
    sds[:] = np.arange(16, dtype=np.uint16).reshape(4, 4) + 14000
    sds.endaccess()
    sd.end()
    return path.read_bytes()


@pytest.fixture
def pool(small_hdf):
    server = DataPool(
        {
            DIR + REAL_TILE.name: REAL_TILE.read_bytes(),
            DIR + SMALL_NAME: small_hdf,
            OTHER_DIR + OTHER_NAME: small_hdf,
        }
    ).start()
    yield server
    server.stop()


def write_manifest(path: Path, base: str, *entries: tuple[str, str]) -> Path:
    """entries: (date, tile) of MYD11A1 collection 006."""
    lines = ["product,collection,date,tile,directory,role"]
    for date, tile in entries:
        lines.append(
            f"MYD11A1,006,{date},{tile},{base}/MOLA/MYD11A1.006/{date.replace('-', '.')}/,target"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def manifest(tmp_path, pool) -> Path:
    return write_manifest(
        tmp_path / "granules.csv", pool.url, ("2002-07-04", "h09v06"), ("2002-07-04", "h10v06")
    )


def env_for(pool: DataPool, tmp_path: Path, **creds: str | None) -> dict[str, str | None]:
    """Environment for one run: the test auth host, no stray credentials from the real home."""
    env = {
        "EARTHDATA_HOST": pool.auth_url,
        "NETRC": str(tmp_path / "no-netrc"),
        "HOME": str(tmp_path),
        "EARTHDATA_USERNAME": None,
        "EARTHDATA_PASSWORD": None,
        "EARTHDATA_TOKEN": None,
        "THERMOQUAKE_DATAPOOL_URL": None,
    }
    env.update(creds)
    return env


@contextlib.contextmanager
def environment(env: dict[str, str | None]):
    """``os.environ`` with ``env`` set (None: unset) for the duration, restored after."""
    saved = {key: os.environ.get(key) for key in env}
    try:
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass
class Fetched:
    """What one :func:`thermoquake.fetch_granules` call gave: its outcomes, or the error it raised."""

    outcomes: list
    error: ThermoquakeError | None = None

    @property
    def ok(self) -> bool:
        """Every granule downloaded or present."""
        return self.error is None and not any(o.status in ("missing", "failed") for o in self.outcomes)

    @property
    def problems(self) -> str:
        """The messages of the granules missing or failed, and the error raised, one a line."""
        lines = [f"{o.status}: {o.message}" for o in self.outcomes if o.status in ("missing", "failed")]
        return "\n".join(lines + ([str(self.error)] if self.error else []))

    @property
    def summary(self) -> dict:
        counts = {s: sum(o.status == s for o in self.outcomes) for s in ("downloaded", "present", "missing", "failed")}
        problems = [{"date": o.row.date.isoformat(), "tile": o.row.tile, "status": o.status, "message": o.message}
                    for o in self.outcomes if o.status in ("missing", "failed")]
        return {**counts, "bytes_received": sum(o.received for o in self.outcomes), "problems": problems}


def fetch(manifest: Path, dest: Path, env: dict, **settings) -> Fetched:
    """:func:`thermoquake.fetch_granules` under ``env``, quick to retry (0.01 s back-off, 10 s timeout)."""
    with environment(env):
        try:
            return Fetched(thermoquake.fetch_granules(manifest, dest, **({"backoff_s": 0.01, "timeout_s": 10}
                                                                          | settings)))
        except ThermoquakeError as err:
            return Fetched([], err)


def names_in(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.iterdir()) if dest.exists() else []


BASIC = {"EARTHDATA_USERNAME": USERNAME, "EARTHDATA_PASSWORD": PASSWORD}


def test_downloads_through_the_earthdata_login_redirect(tmp_path, pool, manifest, small_hdf):
    dest = tmp_path / "modis"
    result = fetch(manifest, dest, env_for(pool, tmp_path, **BASIC))
    assert result.ok, result.problems
    summary = result.summary
    assert (summary["downloaded"], summary["present"], summary["failed"]) == (2, 0, 0)
    assert names_in(dest) == [REAL_TILE.name, SMALL_NAME]
    assert (dest / REAL_TILE.name).read_bytes() == REAL_TILE.read_bytes()
    assert (dest / SMALL_NAME).read_bytes() == small_hdf
    # the password went to the login host only, never to the data host
    assert all("Authorization" not in r.headers for r in pool.requests("data"))
    basic = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    assert any(r.headers.get("Authorization") == basic for r in pool.requests("auth"))
    # one listing for the shared directory
    assert len(pool.requests("data", DIR)) >= 1 and sum(r.path == DIR for r in pool.log) == 1


def test_netrc_credentials_are_used(tmp_path, pool, manifest):
    netrc = tmp_path / "netrc"
    netrc.write_text(
        f"machine localhost login {USERNAME} password {PASSWORD.replace(' ', chr(92) + ' ')}\n"
    )
    netrc.chmod(0o600)
    result = fetch(manifest, tmp_path / "modis", env_for(pool, tmp_path, NETRC=str(netrc)))
    assert result.ok, result.problems
    assert names_in(tmp_path / "modis") == [REAL_TILE.name, SMALL_NAME]


def test_bearer_token_goes_straight_to_the_data_pool(tmp_path, pool, manifest):
    result = fetch(manifest, tmp_path / "modis", env_for(pool, tmp_path, EARTHDATA_TOKEN=TOKEN))
    assert result.ok, result.problems
    assert pool.requests("auth") == []
    assert any(
        r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in pool.requests("data", ".hdf")
    )


def test_without_credentials_the_401_is_explained_and_nothing_is_written(tmp_path, pool, manifest):
    dest = tmp_path / "modis"
    result = fetch(manifest, dest, env_for(pool, tmp_path))
    assert not result.ok
    assert result.summary["failed"] == 2
    for message in result.problems.splitlines():
        assert message.startswith("failed: ") and "HTTP 401" in message and "~/.netrc" in message
        assert "EARTHDATA_TOKEN" in message
    assert names_in(dest) == []


def test_a_wrong_password_is_refused_and_the_run_stops(tmp_path, pool, manifest):
    dest = tmp_path / "modis"
    env = env_for(pool, tmp_path, EARTHDATA_USERNAME=USERNAME, EARTHDATA_PASSWORD="hunter2-bad")
    result = fetch(manifest, dest, env, workers=1)
    assert not result.ok
    assert (
        "were refused" in result.problems and "EARTHDATA_USERNAME/EARTHDATA_PASSWORD" in result.problems
    )
    assert "hunter2" not in result.problems  # the secret itself is never printed
    assert len(pool.requests("auth")) == 1  # the second granule is not attempted
    assert names_in(dest) == []


def test_a_connection_dropped_mid_file_is_resumed_with_range(tmp_path, pool, manifest):
    path = DIR + REAL_TILE.name
    pool.drop_once.add(path)
    dest = tmp_path / "modis"
    result = fetch(manifest, dest, env_for(pool, tmp_path, **BASIC))
    assert result.ok, result.problems
    half = len(REAL_TILE.read_bytes()) // 2
    ranges = [r.headers["Range"] for r in pool.requests("data", path) if "Range" in r.headers]
    # resumed from what had arrived (whole 64 KiB reads of the first half), not from zero
    assert len(ranges) == 1 and 0 < int(ranges[0].removeprefix("bytes=").rstrip("-")) <= half
    assert (dest / REAL_TILE.name).read_bytes() == REAL_TILE.read_bytes()
    assert names_in(dest) == [REAL_TILE.name, SMALL_NAME]  # no partial file left


def test_a_partial_file_from_an_earlier_run_is_resumed(tmp_path, pool, manifest):
    dest = tmp_path / "modis"
    dest.mkdir()
    data = REAL_TILE.read_bytes()
    (dest / f".{REAL_TILE.name}.tmp-partial").write_bytes(data[:300_000])
    result = fetch(manifest, dest, env_for(pool, tmp_path, **BASIC))
    assert result.ok, result.problems
    assert "bytes=300000-" in [
        r.headers.get("Range") for r in pool.requests("data", REAL_TILE.name)
    ]
    assert result.summary["bytes_received"] == len(data) - 300_000 + len(
        pool.files[DIR + SMALL_NAME]
    )
    assert (dest / REAL_TILE.name).read_bytes() == data
    assert names_in(dest) == [REAL_TILE.name, SMALL_NAME]


def test_complete_files_are_skipped_without_touching_the_network(tmp_path, pool, manifest):
    dest = tmp_path / "modis"
    assert fetch(manifest, dest, env_for(pool, tmp_path, **BASIC)).ok
    before = len(pool.log)
    result = fetch(manifest, dest, env_for(pool, tmp_path, **BASIC))
    assert result.ok
    assert result.summary["present"] == 2
    assert len(pool.log) == before


@pytest.mark.parametrize(
    "corrupt, reason",
    [
        (lambda d: b"\x00" * len(d), "no HDF4 signature"),
        (lambda d: d[:4] + bytes(len(d) - 4), "pyhdf cannot open it"),
    ],
)
def test_a_corrupt_file_is_rejected_and_never_gets_its_final_name(
    tmp_path, pool, manifest, corrupt, reason
):
    path = DIR + REAL_TILE.name
    pool.files[path] = corrupt(pool.files[path])
    dest = tmp_path / "modis"
    result = fetch(manifest, dest, env_for(pool, tmp_path, **BASIC))
    assert not result.ok
    assert reason in result.problems
    assert (result.summary["downloaded"], result.summary["failed"]) == (1, 1)
    assert names_in(dest) == [SMALL_NAME]  # the good one is kept, no partial file remains


def test_an_html_login_page_instead_of_the_file_is_rejected(tmp_path, pool, manifest):
    pool.html.add(DIR + SMALL_NAME)
    dest = tmp_path / "modis"
    result = fetch(manifest, dest, env_for(pool, tmp_path, **BASIC))
    assert not result.ok and "HTML page instead of the HDF file" in result.problems
    assert names_in(dest) == [REAL_TILE.name]


def test_server_errors_are_retried_with_back_off(tmp_path, pool, manifest):
    pool.fail_times[DIR + SMALL_NAME] = 2
    result = fetch(manifest, tmp_path / "modis", env_for(pool, tmp_path, **BASIC), retries=2)
    assert result.ok, result.problems
    assert len(pool.requests("data", SMALL_NAME)) >= 3


def test_retries_give_up_with_a_clear_message(tmp_path, pool, manifest):
    pool.fail_times[DIR + SMALL_NAME] = 5
    result = fetch(manifest, tmp_path / "modis", env_for(pool, tmp_path, **BASIC), retries=1)
    assert not result.ok
    assert "gave up after 2 attempts: HTTP 503" in result.problems
    assert names_in(tmp_path / "modis") == [REAL_TILE.name]


def test_a_granule_missing_from_the_listing_fails_the_run_after_the_others(tmp_path, pool):
    manifest = write_manifest(
        tmp_path / "g.csv",
        pool.url,
        ("2002-07-04", "h09v06"),
        ("2002-07-04", "h11v06"),
        ("2002-07-06", "h09v06"),
    )
    dest = tmp_path / "modis"
    result = fetch(manifest, dest, env_for(pool, tmp_path, **BASIC))
    assert not result.ok
    summary = result.summary
    assert (summary["downloaded"], summary["missing"]) == (1, 2)
    messages = " | ".join(p["message"] for p in summary["problems"])
    assert "no MYD11A1.A2002185.h11v06.006.*.hdf in the listing" in messages
    assert "HTTP 404" in messages  # no directory at all for 2002-07-06
    assert names_in(dest) == [REAL_TILE.name]


def test_base_url_option_redirects_the_manifest_to_another_server(tmp_path, pool):
    manifest = write_manifest(
        tmp_path / "g.csv", "https://e4ftl01.cr.usgs.gov", ("2002-07-05", "h09v06")
    )
    result = fetch(
        manifest, tmp_path / "modis", env_for(pool, tmp_path, **BASIC), base_url=pool.url
    )
    assert result.ok, result.problems
    assert names_in(tmp_path / "modis") == [OTHER_NAME]


def test_the_plan_lists_what_would_be_fetched_without_network(tmp_path, pool, manifest):
    from thermoquake.fetch.download import plan
    from thermoquake.study.granules import read_manifest

    outcomes = plan(read_manifest(manifest), tmp_path / "modis")
    assert [(o.row.tile, o.status) for o in outcomes] == [("h09v06", "pending"), ("h10v06", "pending")]
    assert pool.log == [] and not (tmp_path / "modis").exists()


def test_each_granule_is_reported_as_it_is_done(tmp_path, pool, manifest):
    done, received = [], []
    result = fetch(manifest, tmp_path / "modis", env_for(pool, tmp_path, **BASIC), on_done=done.append,
                   on_bytes=received.append)
    assert result.ok
    assert sorted(o.row.tile for o in done) == ["h09v06", "h10v06"]
    assert sum(received) == result.summary["bytes_received"] == sum(o.received for o in result.outcomes) > 0


def test_bad_manifest_rows_are_reported_by_line(tmp_path, pool):
    manifest = tmp_path / "g.csv"
    manifest.write_text(
        "product,collection,date,tile,directory,role\n"
        f"MYD11A1,006,2002-07-04,h09v06,{pool.url}{DIR},target\n"
        f"MYD11A1,6,2002-07-32,h09v06,{pool.url}{DIR},target\n"
    )
    result = fetch(manifest, tmp_path / "modis", env_for(pool, tmp_path, **BASIC))
    assert not result.ok and "line 3: collection '6' is not three digits" in result.problems
    assert pool.log == []


def test_credentials_stay_with_the_hosts_they_belong_to():
    basic = EarthdataSession(
        Credentials("test", username="u", password="p"),
        "urs.earthdata.nasa.gov",
        ["e4ftl01.cr.usgs.gov"],
    )
    assert basic.authorization_for("https://urs.earthdata.nasa.gov/oauth/authorize").startswith(
        "Basic "
    )
    assert (
        basic.authorization_for("http://urs.earthdata.nasa.gov/oauth/authorize") is None
    )  # not over http
    assert basic.authorization_for("https://e4ftl01.cr.usgs.gov/MOLA/") is None
    assert basic.authorization_for("https://example.com/x") is None
    token = EarthdataSession(
        Credentials("test", token="t"), "urs.earthdata.nasa.gov", ["e4ftl01.cr.usgs.gov"]
    )
    assert token.authorization_for("https://e4ftl01.cr.usgs.gov/MOLA/x.hdf") == "Bearer t"
    assert token.authorization_for("https://bucket.s3.amazonaws.com/x.hdf") is None
    assert token.authorization_for("http://e4ftl01.cr.usgs.gov/MOLA/x.hdf") is None


def test_credentials_are_found_in_order_and_half_set_ones_are_refused(tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine urs.earthdata.nasa.gov login bob password pw\n")
    assert find_credentials("urs.earthdata.nasa.gov", {"NETRC": str(netrc)}).username == "bob"
    env = {"NETRC": str(netrc), "EARTHDATA_USERNAME": "eve", "EARTHDATA_PASSWORD": "x"}
    assert find_credentials("urs.earthdata.nasa.gov", env).username == "eve"
    assert find_credentials("urs.earthdata.nasa.gov", {**env, "EARTHDATA_TOKEN": "t"}).token == "t"
    assert find_credentials("other.host", {"NETRC": str(netrc)}) is None
    with pytest.raises(AuthError, match="set both"):
        find_credentials("urs.earthdata.nasa.gov", {"EARTHDATA_USERNAME": "eve"})
    assert "pw" not in repr(find_credentials("urs.earthdata.nasa.gov", {"NETRC": str(netrc)}))


def test_listing_parser_keeps_hdf_granules_and_picks_the_latest_production():
    html = """<a href="../">Parent</a>
    <a href="MYD11A1.A2008133.h26v05.061.2021070000001.hdf">x</a>
    <a href="MYD11A1.A2008133.h26v05.061.2021070000001.hdf.xml">x</a>
    <a href="BROWSE.MYD11A1.A2008133.h26v05.061.2021070000001.1.jpg">x</a>
    <a href="/MOLA/MYD11A1.061/2008.05.12/MYD11A1.A2008133.h26v05.061.2022010000000.hdf">x</a>
    <a href="MYD11A1.A2008133.h26v06.061.2021070000002.hdf">x</a>"""
    names = granule_files(html)
    assert [n.filename for n in names] == [
        "MYD11A1.A2008133.h26v05.061.2021070000001.hdf",
        "MYD11A1.A2008133.h26v05.061.2022010000000.hdf",
        "MYD11A1.A2008133.h26v06.061.2021070000002.hdf",
    ]
    import datetime as dt

    best = pick_granule(names, "MYD11A1", "061", "h26v05", dt.date(2008, 5, 12))
    assert best.production == "2022010000000"
    assert pick_granule(names, "MYD11A1", "061", "h27v05", dt.date(2008, 5, 12)) is None


def test_verify_accepts_the_real_tile_and_rejects_a_truncated_copy(tmp_path):
    assert verify_hdf4(REAL_TILE) is None
    assert "size" in verify_hdf4(REAL_TILE, expected_size=REAL_TILE.stat().st_size + 1)
    cut = tmp_path / "cut.hdf"
    cut.write_bytes(REAL_TILE.read_bytes()[:1000])
    assert verify_hdf4(cut) is not None


# --- credentials are scoped by origin (scheme, host and port), on every redirect shape ---------


def test_credentials_go_to_the_exact_origin_only():
    basic = EarthdataSession(
        Credentials("test", username="u", password="p"), "urs.earthdata.nasa.gov", []
    )
    assert basic.authorization_for("https://urs.earthdata.nasa.gov:443/oauth").startswith("Basic ")
    assert basic.authorization_for("https://URS.earthdata.nasa.gov/oauth").startswith("Basic ")
    assert basic.authorization_for("https://urs.earthdata.nasa.gov:8443/oauth") is None
    assert basic.authorization_for("https://urs.earthdata.nasa.gov.evil.com/oauth") is None
    local = EarthdataSession(
        Credentials("test", token="t"), "http://localhost:8000", ["http://127.0.0.1:9000/MOLA/"]
    )
    assert local.authorization_for("http://127.0.0.1:9000/MOLA/x.hdf") == "Bearer t"
    assert local.authorization_for("http://127.0.0.1:9001/MOLA/x.hdf") is None
    assert local.authorization_for("https://127.0.0.1:9000/MOLA/x.hdf") is None
    assert local.authorization_for("http://localhost:8000/oauth") == "Bearer t"
    assert local.authorization_for("http://localhost:8001/oauth") is None
    assert local.authorization_for("http://localhost/oauth") is None
    assert local.authorization_for("ftp://127.0.0.1:9000/x") is None


@pytest.fixture
def bystander():
    """Another server on 127.0.0.1 (its own port) that logs every request's headers."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import threading

    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(dict(self.headers.items()))
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    server.seen = seen
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("creds", ["token", "basic"])
@pytest.mark.parametrize("shape", ["other-port-same-ip", "other-port-localhost", "auth-host-other-port"])
def test_a_redirect_to_another_origin_never_carries_credentials(
    tmp_path, pool, bystander, creds, shape
):
    port = bystander.server_address[1]
    target = {
        "other-port-same-ip": f"http://127.0.0.1:{port}/x.hdf",
        "other-port-localhost": f"http://localhost:{port}/x.hdf",
        "auth-host-other-port": f"http://localhost:{port}/oauth/authorize?client_id=pool",
    }[shape]
    pool.redirect[DIR + REAL_TILE.name] = target
    env = {"EARTHDATA_TOKEN": TOKEN} if creds == "token" else BASIC
    result = fetch(manifest_one(tmp_path, pool), tmp_path / "modis", env_for(pool, tmp_path, **env))
    assert not result.ok
    assert bystander.seen, "the redirect was not followed"
    assert all("Authorization" not in h for h in bystander.seen)
    assert names_in(tmp_path / "modis") == []


def manifest_one(tmp_path: Path, pool: DataPool) -> Path:
    return write_manifest(tmp_path / "one.csv", pool.url, ("2002-07-04", "h09v06"))


def test_a_server_sending_one_byte_at_a_time_is_cut_off_retried_and_reported(tmp_path, pool):
    import threading

    pool.trickle[DIR + REAL_TILE.name] = 0.01
    box: dict = {}
    env = env_for(pool, tmp_path, EARTHDATA_TOKEN=TOKEN)
    settings = {"timeout_s": 0.3, "min_rate": 2000, "retries": 1}
    worker = threading.Thread(
        target=lambda: box.update(result=fetch(manifest_one(tmp_path, pool), tmp_path / "modis", env, **settings)),
        daemon=True,
    )
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "fetch hung on a server sending one byte at a time"
    result = box["result"]
    assert not result.ok
    assert "slower than 2000 B/s" in result.problems and "gave up after 2 attempts" in result.problems
    assert len(pool.requests("data", REAL_TILE.name)) >= 2
    assert [p for p in names_in(tmp_path / "modis") if not p.startswith(".")] == []


def test_the_library_call_downloads_what_the_command_does(tmp_path, pool, manifest, small_hdf, monkeypatch):
    import thermoquake as tq

    for key, value in env_for(pool, tmp_path, EARTHDATA_TOKEN=TOKEN).items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    outcomes = tq.fetch_granules(manifest, tmp_path / "modis", retries=1, timeout_s=10)
    assert [o.status for o in outcomes] == ["downloaded", "downloaded"]
    assert names_in(tmp_path / "modis") == [REAL_TILE.name, SMALL_NAME]
    assert (tmp_path / "modis" / SMALL_NAME).read_bytes() == small_hdf
    again = tq.fetch_granules(manifest, tmp_path / "modis")
    assert [o.status for o in again] == ["present", "present"]
