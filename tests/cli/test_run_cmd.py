"""``thermoquake run`` with service stages as a user sees it: a pipeline file whose first stage
starts the local NASA stand-in (``synth nasa-server``) beside the manifest and fetch stages, its
run record and environment, and one-line errors naming the file. The stand-in and the downloads
are tested on the library in tests/test_nasa_standin.py."""

from __future__ import annotations

import json

import pytest
import requests
from click.testing import CliRunner

from thermoquake.cli.main import cli
from tests.test_nasa_standin import DAYS, TILES, events, granule_name, hdf_dir  # noqa: F401 - fixtures


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


REAL_PATH = """
[pipeline]
name = "real-path"
out = "out"

[environment]
EARTHDATA_HOST = "http://localhost:{port}"
EARTHDATA_USERNAME = "demo-user"
EARTHDATA_PASSWORD = "throw-away-password"
EARTHDATA_TOKEN = ""

[paths]
events = "events.csv"
granules = "{{out}}/granules.csv"
modis = "{{out}}/modis"

[[stage]]
name = "nasa"
command = "synth nasa-server"
service = true
[stage.options]
hdf-dir = "{hdf_dir}"
port = {port}

[[stage]]
name = "manifest"
command = "manifest"
inputs = ["{{events}}"]
outputs = ["{{granules}}"]
[stage.options]
events = "{{events}}"
days-before = 2
reference-years = "2008-2008"
cmr = true
cmr-url = "http://127.0.0.1:{port}"
out = "{{granules}}"

[[stage]]
name = "fetch"
command = "fetch"
inputs = ["{{granules}}"]
outputs = ["{{modis}}"]
[stage.options]
manifest = "{{granules}}"
dest = "{{modis}}"
"""


def test_a_service_stage_runs_beside_the_later_stages_with_the_runs_environment(tmp_path, hdf_dir, events,
                                                                                monkeypatch):
    import os

    monkeypatch.setenv("EARTHDATA_TOKEN", "a-real-token-that-must-not-leak")
    monkeypatch.setenv("NETRC", str(tmp_path / "none"))
    port = free_port()
    (tmp_path / "events.csv").write_text(events.read_text())
    path = tmp_path / "real.toml"
    path.write_text(REAL_PATH.format(port=port, hdf_dir=hdf_dir))
    result = run("run", str(path), "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    statuses = {s["name"]: s["status"] for s in record["stages"]}
    assert statuses == {"nasa": "started", "manifest": "ran", "fetch": "ran"}
    assert sorted(p.name for p in (tmp_path / "out" / "modis").glob("*.hdf")) == sorted(
        granule_name(d, t) for d in DAYS for t in TILES)
    assert os.environ["EARTHDATA_TOKEN"] == "a-real-token-that-must-not-leak"      # put back after the run
    assert "EARTHDATA_USERNAME" not in os.environ
    saved = (tmp_path / "out" / "run_record.json").read_text()
    assert "throw-away-password" not in saved and "(hidden)" in saved
    with pytest.raises(requests.ConnectionError):                                    # the service is stopped
        requests.get(f"http://127.0.0.1:{port}/search/granules.json", timeout=5)
    again = json.loads(run("run", str(path), "--json").stdout)
    assert {s["name"]: s["status"] for s in again["stages"]} == {"nasa": "not-needed", "manifest": "skipped",
                                                                 "fetch": "skipped"}


def test_a_service_that_cannot_start_stops_the_run_with_one_line(tmp_path, events):
    (tmp_path / "events.csv").write_text(events.read_text())
    path = tmp_path / "real.toml"
    path.write_text(REAL_PATH.format(port=free_port(), hdf_dir=tmp_path / "no-such-dir"))
    result = run("run", str(path))
    assert result.exit_code != 0
    last = result.output.strip().splitlines()[-1]
    assert "stage 'nasa' failed: service 'nasa' stopped before it was ready" in last and "no-such-dir" in last


@pytest.mark.parametrize("table, problem", [
    ('[environment]\n"BAD NAME" = "x"\n', "[environment] BAD NAME: needs a variable name"),
    ('[environment]\nEARTHDATA_HOST = "{nope}"\n', "unknown placeholder {nope}"),
    ('[environment]\nX = "1"\n[[stage]]\nname = "s"\ncommand = "synth nasa-server"\nservice = true\n'
     'outputs = ["x"]\n', "a service has no outputs"),
])
def test_bad_environment_or_service_tables_are_one_line_naming_the_file(tmp_path, table, problem):
    path = tmp_path / "p.toml"
    path.write_text('[pipeline]\nname = "p"\nout = "out"\n' + table
                    + '[[stage]]\nname = "m"\ncommand = "manifest"\n[stage.options]\nevents = "e.csv"\n')
    result = run("run", str(path), "--dry-run")
    assert result.exit_code != 0 and problem in result.output and str(path) in result.output
    assert "Traceback" not in result.output
