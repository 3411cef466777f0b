"""The command-line reference in docs/cli.md is generated from the current commands."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_line_reference_is_generated_from_the_current_commands():
    from thermoquake.cli.reference import cli_reference_markdown

    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == cli_reference_markdown(), (
        "docs/cli.md is stale: run `python -m thermoquake.cli.reference > docs/cli.md` (make docs)")
