from thermoquake.cli.main import cli

cli()
