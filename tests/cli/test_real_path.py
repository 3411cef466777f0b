"""The real user's path end to end: pipelines/paper.toml, shrunk, against the local stand-in for NASA.

The pipeline is paper.toml itself with its sizes made small (2 events with matched controls,
64 km boxes, reference years 2008-2010, tiny networks), a SYNTHETIC study written first and
served by `thermoquake synth nasa-server`, throw-away credentials under [environment], and
the catalogue's URL in the manifest stage. The stand-in withholds one granule and serves
another damaged once; the first run is killed during `fetch`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from conftest import CONTROLS, EVENTS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.ml]

MISSING = "MYD11A1.A2010125.h26v05"        # 2010-05-05: a reference day only (of E1 2009 and C1 2008)
DAMAGED = "MYD11A1.A2010166.h26v05"        # 2010-06-15: a target day of E2


def _toml(data: dict) -> str:
    """TOML text of the pipeline tables (strings, numbers, booleans, lists of them)."""
    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v)

    def table(d: dict) -> list[str]:
        return [f"{json.dumps(k) if not k.replace('-', '').replace('_', '').isalnum() else k} = {value(v)}"
                for k, v in d.items() if not isinstance(v, dict)]

    lines = []
    for name in ("pipeline", "environment", "paths"):
        lines += [f"[{name}]", *table(data[name]), ""]
    for stage in data["stage"]:
        lines += ["[[stage]]", *table(stage)]
        if stage.get("options"):
            lines += ["[stage.options]", *table(stage["options"])]
        lines.append("")
    return "\n".join(lines)


def small_paper(tmp_path: Path, port: int) -> Path:
    """paper.toml with small sizes, a SYNTHETIC study and the stand-in in front (see the module docstring)."""
    paper = tomllib.loads((ROOT / "pipelines" / "paper.toml").read_text())
    (tmp_path / "events.csv").write_text(EVENTS)
    (tmp_path / "controls.csv").write_text("".join(l for l in CONTROLS.splitlines(True) if "random" not in l))
    study = {"days-before": 9, "reference-years": "2008-2010", "size": 64}     # the GAN wants >= 64
    paper["pipeline"]["out"] = str(tmp_path / "out")
    paper["paths"].update(events=str(tmp_path / "events.csv"), controls=str(tmp_path / "controls.csv"),
                          catalog=str(ROOT / "data_manifests" / "catalog" / "china_m5_2003_2020.csv"),
                          nasa="{out}/nasa-standin", gan="{out}/gan/e2", generated="{out}/generated/e2")
    paper["environment"] = {"EARTHDATA_HOST": f"http://localhost:{port}", "EARTHDATA_USERNAME": "demo-user",
                            "EARTHDATA_PASSWORD": "throw-away-password", "EARTHDATA_TOKEN": "",
                            "NETRC": str(tmp_path / "no-netrc")}
    stages = {s["name"]: s for s in paper["stage"]}
    synth = {"name": "synth", "command": "synth study", "inputs": ["{events}", "{controls}"], "outputs": ["{nasa}"],
             "options": {"events": "{events}", "controls": "{controls}", "out": "{nasa}", **study, "seed": 1,
                         "anomaly-k": 3.0, "cloud-fraction": "0.1", "progress": False}}
    nasa = {"name": "nasa", "command": "synth nasa-server", "service": True, "inputs": ["{nasa}"],
            "options": {"hdf-dir": "{nasa}", "port": port, "missing": [MISSING], "bad-checksum": [DAMAGED],
                        "delay": 0.1}}
    stages["manifest"]["options"].update(study, **{"cmr-url": f"http://127.0.0.1:{port}"})
    stages["fetch"]["options"].update(workers=2, backoff=0.05, progress=False)
    stages["preprocess"]["options"].update(study, workers=0, progress=False)
    stages["rst"]["options"]["min-count"] = 2
    stages["augment-train"]["options"].update(images="images/E2/target/*.tif", width=0.125, steps=4,
                                              **{"batch-size": 4})
    stages["augment-generate"]["options"].update(n=2, like="{workdir}/images/E2/target/2010-06-19.tif")
    for w in (3, 5, 7, 9):
        stages[f"train-w{w}"]["options"].update({"folds": 2, "overlap-max": 1.0, "width": 0.125, "epochs": 1,
                                                 "gan-steps": 2, "gan-width": 0.125, "batch-size": 8,
                                                 "gan-cache": "{out}/gan-cache", "no-final-model": True,
                                                 "progress": False})
    stages["report"]["options"].update(event=["E1", "E2"], pdf=False)
    stages["report"]["outputs"] = ["{report}/index.html"]
    paper["stage"] = [synth, nasa, *paper["stage"]]
    path = tmp_path / "small_paper.toml"
    path.write_text(_toml(paper))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(path: Path, *extra: str, timeout: float = 2400) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "thermoquake", "run", str(path), *extra], capture_output=True,
                          text=True, timeout=timeout, env=_env())


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1",
               KERAS_BACKEND=os.environ.get("KERAS_BACKEND", "tensorflow"))
    env.pop("THERMOQUAKE_CMR", None)
    return env


def statuses(record_path: Path) -> dict[str, str]:
    return {s["name"]: s["status"] for s in json.loads(record_path.read_text())["stages"]}


def test_paper_pipeline_against_the_stand_in_with_a_missing_granule_a_damaged_one_and_a_killed_fetch(tmp_path):
    port = free_port()
    path = small_paper(tmp_path, port)
    out = tmp_path / "out"
    modis = out / "modis"

    # 1. killed during fetch (SIGKILL: no clean-up of any kind)
    first = subprocess.Popen([sys.executable, "-m", "thermoquake", "run", str(path)], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, env=_env())
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and first.poll() is None:
        if modis.is_dir() and len(list(modis.glob("*.hdf"))) >= 6:
            break
        time.sleep(0.05)
    assert first.poll() is None, first.stdout.read()
    first.send_signal(signal.SIGKILL)
    first.wait()
    log = first.stdout.read()
    assert "[4/" in log and "fetch (thermoquake fetch): running" in log
    state = json.loads((out / ".thermoquake-pipeline" / "state.json").read_text())
    assert set(state["stages"]) == {"synth", "manifest"}                 # fetch never recorded complete
    fetched_before = len(list(modis.glob("*.hdf")))
    missing_list = (out / "granules.missing.csv").read_text()
    assert missing_list.count("\n") == 2 and "MYD11A1,061,2010-05-05,h26v05," in missing_list
    # the stand-in started by the killed run stops by itself
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                break
        time.sleep(0.1)
    else:
        pytest.fail("the stand-in outlived the run that started it")

    # 2. resumed: finished stages skipped, fetch keeps what it had, the rest runs to the report
    second = run(path)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    got = statuses(out / "run_record.json")
    assert got["synth"] == "skipped" and got["manifest"] == "skipped" and got["nasa"] == "started"
    assert all(got[name] == "ran" for name in got if name not in ("synth", "manifest", "nasa"))
    assert f" {fetched_before} already present" in second.stdout        # resumed, not fetched again
    assert not list(modis.glob(f"{MISSING}*")) and list(modis.glob(f"{DAMAGED}*.hdf"))
    failures = (out / "work" / "failures.csv").read_text().splitlines()[1:]    # the missing day, recorded
    assert sorted(f.split(",")[1:5] for f in failures) == [["C1", "C1", "2010-05-05", "reference"],
                                                           ["E1", "E1", "2010-05-05", "reference"]]
    assert (out / ".thermoquake-pipeline" / "nasa.log").read_text().count(f"damaged copy of {DAMAGED}") == 1
    damaged = next(modis.glob(f"{DAMAGED}*.hdf"))
    assert damaged.read_bytes() == (out / "nasa-standin" / damaged.name).read_bytes()
    for w in (3, 5, 7, 9):
        metrics = json.loads((out / "models" / f"w{w}-drsn-gan-s0" / "metrics.json").read_text())
        assert metrics
    assert "SYNTHETIC" in (out / "report" / "index.html").read_text()
    assert "throw-away-password" not in (out / "run_record.json").read_text()

    # 3. nothing changed: every stage skipped, the stand-in not even started
    third = run(path)
    assert third.returncode == 0, third.stdout[-3000:]
    got = statuses(out / "run_record.json")
    assert got.pop("nasa") == "not-needed" and set(got.values()) == {"skipped"}
