"""Run a pipeline's stages in order, skipping each stage whose command, options and input
fingerprints match its last *complete* run (and whose outputs are still as it left them).

State lives in ``OUT/.thermoquake-pipeline/``: ``state.json`` (one entry per completed stage,
written atomically right after the stage completes; a stage's entry is removed before it
runs, so a failed or killed stage is never complete) and ``hashes.json`` (the file-hash
cache). ``OUT/run_record.json`` records the configuration, package versions, input
checksums and per-stage status and timings, written atomically after every stage.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import platform
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import click

from thermoquake import __version__
from thermoquake.atomic import write_text_atomic
from thermoquake.errors import ThermoquakeError
from thermoquake.cli.pipeline.checksum import HashCache, fingerprint
from thermoquake.cli.pipeline.commands import check_pipeline, invoke
from thermoquake.cli.pipeline.config import Pipeline, Stage
from thermoquake.cli.pipeline.services import Service, environment, redacted

STATE_DIR = ".thermoquake-pipeline"
STATE_FILE = "state.json"
HASH_FILE = "hashes.json"
RECORD_FILE = "run_record.json"
STATE_FORMAT = 1
PACKAGES = ("thermoquake", "numpy", "scipy", "pyhdf", "rasterio", "click", "tqdm", "dask", "distributed",
            "scikit-learn", "matplotlib", "tensorflow", "keras", "jax")


def versions() -> dict[str, str | None]:
    """Python, platform and the installed versions of the packages that matter (from package
    metadata: nothing is imported, so TensorFlow is not loaded)."""
    out: dict[str, str | None] = {"python": platform.python_version(), "platform": platform.platform()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class StageOutcome:
    name: str
    command: list[str]
    argv: list[str] | None
    status: str                  # ran | skipped | failed | not-run | would-run | would-skip | unknown-command
                                 # services: started | not-needed | would-start
    reason: str = ""
    seconds: float = 0.0
    inputs: dict[str, dict] = field(default_factory=dict)
    outputs: dict[str, dict] = field(default_factory=dict)
    error: str | None = None

    def as_dict(self) -> dict:
        return {"name": self.name, "command": self.command, "argv": self.argv, "status": self.status,
                "reason": self.reason, "seconds": round(self.seconds, 3), "inputs": self.inputs,
                "outputs": self.outputs, "error": self.error}


class PipelineState:
    def __init__(self, directory: Path) -> None:
        self.path = directory / STATE_FILE
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.stages = data["stages"] if data.get("format") == STATE_FORMAT else {}
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError, KeyError, AttributeError):
            self.stages = {}

    def save(self) -> None:
        write_text_atomic(self.path, json.dumps({"format": STATE_FORMAT, "stages": self.stages},
                                                indent=1, sort_keys=True) + "\n")


def stage_key(argv: list[str], inputs: dict[str, dict]) -> str:
    """What a stage's completeness depends on: its command line, its inputs' contents and the
    thermoquake version (code changes within one version are not seen: use --force)."""
    text = json.dumps({"argv": argv, "inputs": {k: v["sha256"] for k, v in inputs.items()},
                       "thermoquake": __version__}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _fingerprints(entries, cache: HashCache, exclude) -> dict[str, dict]:
    return {entry: fingerprint(entry, cache, exclude).as_dict() for entry in entries}


def _unchanged(prev: dict | None, key: str, outputs: dict[str, dict]) -> tuple[bool, str]:
    if prev is None:
        return False, "no complete run yet"
    if prev.get("key") != key:
        return False, "command, options or inputs changed"
    changed = [k for k, v in outputs.items() if prev.get("outputs", {}).get(k, {}).get("sha256") != v["sha256"]]
    if changed:
        return False, f"output {changed[0]} changed or is missing"
    return True, f"unchanged since {prev.get('completed', '?')}"


def run_pipeline(pipeline: Pipeline, force: tuple[str, ...] = (), dry_run: bool = False,
                 echo: Callable[[str], None] = click.echo, quiet_stages: bool = False) -> dict:
    """Run (or with ``dry_run`` only plan) the pipeline; returns the run record as a dict.

    ``force`` names stages to run even if unchanged (``all`` for every stage). A stage that
    fails raises a one-line :class:`ThermoquakeError` naming the stage, after the run record
    (status failed) is written; its traceback, if any, goes to ``OUT/.thermoquake-pipeline/``.
    ``quiet_stages`` sends the stages' own output to stderr (for ``--json``).

    The ``[environment]`` variables are set for the run and put back after it; services
    (``service = true``) start just before the first later stage that runs and are stopped
    when the run ends, however it ends.
    """
    services: list[Service] = []
    with environment({} if dry_run else pipeline.environment):
        try:
            return _run_pipeline(pipeline, force, dry_run, echo, quiet_stages, services)
        finally:
            for service in reversed(services):
                service.stop()


def _run_pipeline(pipeline: Pipeline, force: tuple[str, ...], dry_run: bool, echo: Callable[[str], None],
                  quiet_stages: bool, services: list[Service]) -> dict:
    names = {s.name for s in pipeline.stages}
    unknown = [f for f in force if f != "all" and f not in names]
    if unknown:
        raise ThermoquakeError(f"--force {unknown[0]}: no such stage (stages: {', '.join(s.name for s in pipeline.stages)})",
                               pipeline.path)
    argvs = check_pipeline(pipeline, allow_unknown=dry_run)
    state_dir = pipeline.out / STATE_DIR
    state = PipelineState(state_dir)
    cache = HashCache(state_dir / HASH_FILE)
    record = {"format": 1, "pipeline": pipeline.name, "file": str(pipeline.path),
              "file_sha256": hashlib.sha256(pipeline.path.read_bytes()).hexdigest(),
              "configuration": _redacted_configuration(pipeline.raw), "out": str(pipeline.out), "dry_run": dry_run,
              "versions": versions(), "started": _now(), "finished": None, "status": "running",
              "result": None if pipeline.result is None else str(pipeline.result), "stages": []}
    outcomes = [StageOutcome(s.name, list(s.command), argvs[s.name], "not-run") for s in pipeline.stages]
    record_path = pipeline.out / RECORD_FILE

    def save_record(status: str) -> None:
        record["stages"] = [o.as_dict() for o in outcomes]
        record["status"] = status
        if status != "running":
            record["finished"] = _now()
        if not dry_run:
            write_text_atomic(record_path, json.dumps(record, indent=1, sort_keys=True, default=str) + "\n")

    upstream_runs: list[str] = []
    pending: list[tuple[str, Stage, StageOutcome]] = []

    def start_services() -> None:
        for service_label, service_stage, service_outcome in pending:
            started = time.monotonic()
            try:
                service = Service(service_stage.name, service_outcome.argv or [],
                                  state_dir / f"{service_stage.name}.log")
            except ThermoquakeError as err:
                service_outcome.status, service_outcome.error = "failed", err.problem
                save_record("failed")
                raise ThermoquakeError(f"stage {service_stage.name!r} failed: {err.problem}", pipeline.path) from None
            services.append(service)
            service_outcome.seconds = time.monotonic() - started
            service_outcome.status, service_outcome.reason = "started", f"serving at {service.address}"
            echo(f"{service_label}: started, serving at {service.address} (stopped when the run ends)")
        pending.clear()

    total = len(pipeline.stages)
    for i, (stage, outcome) in enumerate(zip(pipeline.stages, outcomes), start=1):
        label = f"[{i}/{total}] {stage.name} (thermoquake {' '.join(stage.command)})"
        if outcome.argv is None:
            outcome.status, outcome.reason = "unknown-command", "this version has no such command"
            echo(f"{label}: UNKNOWN COMMAND in this version")
            upstream_runs.append(stage.name)
            continue
        if stage.service:
            if dry_run:
                outcome.status, outcome.reason = "would-start", "a service: started before the first later stage that runs"
                echo(f"{label}: would start a service\n    thermoquake " + " ".join(_quote(a) for a in outcome.argv))
            else:
                outcome.status, outcome.reason = "not-needed", "a service: no later stage ran"
                pending.append((label, stage, outcome))
            continue
        outcome.inputs = _fingerprints(stage.inputs, cache, stage.exclude)
        key = stage_key(outcome.argv, outcome.inputs)
        outputs_now = _fingerprints(stage.outputs, cache, stage.exclude)
        same, why = _unchanged(state.stages.get(stage.name), key, outputs_now)
        forced = stage.name in force or "all" in force
        if dry_run:
            if forced:
                outcome.status, outcome.reason = "would-run", "forced"
            elif not same:
                outcome.status, outcome.reason = "would-run", why
            elif upstream_runs and _reads_from(stage, pipeline, upstream_runs):
                outcome.status = "would-run"
                outcome.reason = f"if {', '.join(upstream_runs)} change its inputs; {why}"
            else:
                outcome.status, outcome.reason = "would-skip", why
            if outcome.status == "would-run":
                upstream_runs.append(stage.name)
            echo(f"{label}: {outcome.status.replace('-', ' ')} ({outcome.reason})\n    thermoquake "
                 + " ".join(_quote(a) for a in outcome.argv))
            continue
        if same and not forced:
            outcome.status, outcome.reason, outcome.outputs = "skipped", why, outputs_now
            echo(f"{label}: skipped ({why})")
            continue
        outcome.reason = "forced" if forced else why
        start_services()
        echo(f"{label}: running ({outcome.reason})")
        state.stages.pop(stage.name, None)
        state.save()
        save_record("running")
        started = time.monotonic()
        try:
            with contextlib.redirect_stdout(sys.stderr) if quiet_stages else contextlib.nullcontext():
                invoke(outcome.argv)
        except BaseException as err:  # noqa: BLE001 - every failure stops the run and is recorded
            outcome.seconds = time.monotonic() - started
            outcome.status = "failed"
            message = _message(err)
            if not isinstance(err, (click.ClickException, ThermoquakeError, click.Abort, KeyboardInterrupt)):
                trace = state_dir / f"{stage.name}.traceback.txt"
                write_text_atomic(trace, "".join(traceback.format_exception(err)))
                message += f" (traceback in {trace})"
            outcome.error = message
            cache.save()
            save_record("failed")
            if isinstance(err, KeyboardInterrupt):
                raise
            raise ThermoquakeError(f"stage {stage.name!r} failed: {message}", pipeline.path) from None
        outcome.seconds = time.monotonic() - started
        outcome.status = "ran"
        outcome.outputs = _fingerprints(stage.outputs, cache, stage.exclude)
        missing = [k for k, v in outcome.outputs.items() if v["sha256"] == "missing"]
        if missing:
            outcome.status, outcome.error = "failed", f"declared output {missing[0]} was not written"
            cache.save()
            save_record("failed")
            raise ThermoquakeError(f"stage {stage.name!r} failed: {outcome.error}", pipeline.path)
        state.stages[stage.name] = {"key": key, "argv": outcome.argv, "inputs": outcome.inputs,
                                    "outputs": outcome.outputs, "completed": _now(),
                                    "seconds": round(outcome.seconds, 3)}
        state.save()
        cache.save()
        save_record("running")
        echo(f"{label}: done in {outcome.seconds:.1f} s")
    for service_label, _, _ in pending:
        echo(f"{service_label}: not started (no later stage ran)")
    if not dry_run:
        cache.save()
    save_record("dry-run" if dry_run else "complete")
    record["stages"] = [o.as_dict() for o in outcomes]
    return record


def _redacted_configuration(raw: dict) -> dict:
    """The pipeline file's tables, with secret-looking ``[environment]`` values hidden."""
    if isinstance(raw.get("environment"), dict):
        return {**raw, "environment": redacted({k: str(v) for k, v in raw["environment"].items()})}
    return raw


def _reads_from(stage: Stage, pipeline: Pipeline, upstream: list[str]) -> bool:
    """Whether ``stage`` reads a path an upstream stage writes (for the dry-run plan)."""
    writes = [o for s in pipeline.stages if s.name in upstream for o in s.outputs]
    return any(i == w or i.startswith(w.rstrip("/") + "/") or w.startswith(i.rstrip("/") + "/")
               for i in stage.inputs for w in writes) or not stage.inputs


def _message(err: BaseException) -> str:
    if isinstance(err, click.ClickException):
        return err.format_message()
    if isinstance(err, click.Abort):
        return "aborted"
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)
