"""The committed study lists in data_manifests/ are exactly what the documented commands make."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from thermoquake.cli.main import cli

REPO = Path(__file__).resolve().parents[1]
README = REPO / "data_manifests" / "README.md"


def documented_commands() -> list[list[str]]:
    """The `thermoquake ...` commands of data_manifests/README.md writing into data_manifests/."""
    text = README.read_text()
    commands, current = [], ""
    for line in text.splitlines():
        if line.startswith("thermoquake ") or current:
            current += line.rstrip("\\").strip() + " "
            if not line.endswith("\\"):
                args = shlex.split(current, comments=True)
                current = ""
                out = args[args.index("--out") + 1] if "--out" in args else ""
                if out.startswith("data_manifests/"):
                    commands.append(args[1:])
    return commands


def test_readme_documents_every_committed_list():
    outs = {args[args.index("--out") + 1] for args in documented_commands()}
    assert outs == {
        "data_manifests/events_study.csv",
        "data_manifests/events_study_raw.csv",
        "data_manifests/controls_study_matched.csv",
        "data_manifests/controls_study_random.csv",
    }


@pytest.mark.parametrize("args", documented_commands(), ids=lambda a: a[a.index("--out") + 1])
def test_committed_file_is_what_the_documented_command_writes(tmp_path, monkeypatch, args):
    out_index = args.index("--out") + 1
    committed = REPO / args[out_index]
    produced = tmp_path / committed.name
    # files the command reads are relative to the repository root; its own earlier outputs are read
    # from the committed copies, so each file is checked on its own
    monkeypatch.chdir(REPO)
    args = args[:out_index] + [str(produced)] + args[out_index + 1 :]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert produced.read_bytes() == committed.read_bytes()
    # files a command writes beside its output (the kept and unmatched events of matched
    # controls) are committed beside it too, and equal
    for side in tmp_path.iterdir():
        if side != produced:
            assert side.read_bytes() == (committed.parent / side.name).read_bytes(), side.name


def test_every_committed_side_file_belongs_to_a_documented_command():
    outs = {Path(args[args.index("--out") + 1]).with_suffix("").name for args in documented_commands()}
    for path in (REPO / "data_manifests").glob("*.*.csv"):
        assert path.name.split(".")[0] in outs, path.name
