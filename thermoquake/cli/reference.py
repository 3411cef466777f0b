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
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        path = (*words, name)
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, click.Context(command, info_name=name, parent=ctx), path)


def cli_reference_markdown() -> str:
    """Markdown: one section per command and sub-command, its usage and ``--help`` text.

    Each command's context has the group's as parent, as on the command line, so that the
    help options (``-h, --help``, from the group's context settings) read as they work;
    click caches a command's help option, so a context without that parent gave ``--help``
    or ``-h, --help`` depending on whether the command had already been run in the process."""
    root = click.Context(cli, info_name="thermoquake", terminal_width=100, max_content_width=100,
                         **cli.context_settings)
    parts = [HEADER]
    for path, command in _commands(cli, root):
        ctx = click.Context(command, parent=root, info_name=" ".join(path),
                            terminal_width=100, max_content_width=100)
        text = command.get_help(ctx).rstrip()
        level = "#" * min(len(path) + 1, 4)
        parts.append(f"{level} thermoquake {' '.join(path)}\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover
    click.echo(cli_reference_markdown(), nl=False)
