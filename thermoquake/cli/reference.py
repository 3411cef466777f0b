"""The command-line reference (``docs/cli.md``), generated from the click commands themselves.

``python -m thermoquake.cli.reference > docs/cli.md`` writes it; ``make docs`` does so
before building the site, and a test checks the committed page is current.
"""

from __future__ import annotations

import click

from thermoquake.cli.main import cli

HEADER = ("# Command-line reference\n\n"
          "Generated from the commands' own `--help` by `python -m thermoquake.cli.reference`; "
          "do not edit by hand.\n")


def _commands(group: click.Group, ctx: click.Context, words: tuple[str, ...] = ()):
    """(words, command, its context) of every command under ``group``, depth first; each
    context has its parent's, so the help shows what ``thermoquake WORDS --help`` shows."""
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        path = (*words, name)
        sub = click.Context(command, info_name=name, parent=ctx)
        yield path, command, sub
        if isinstance(command, click.Group):
            yield from _commands(command, sub, path)


def cli_reference_markdown() -> str:
    """Markdown: one section per command and sub-command, its usage and ``--help`` text."""
    root = click.Context(cli, info_name="thermoquake", terminal_width=100, max_content_width=100,
                         help_option_names=["-h", "--help"])
    parts = [HEADER]
    for path, command, ctx in _commands(cli, root):
        # click caches each command's help option on first use: one made earlier in this
        # process under other help_option_names would otherwise show here
        if getattr(command, "_help_option", None) is not None:
            command._help_option = None
        text = command.get_help(ctx).rstrip()
        level = "#" * min(len(path) + 1, 4)
        parts.append(f"{level} thermoquake {' '.join(path)}\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover
    click.echo(cli_reference_markdown(), nl=False)
