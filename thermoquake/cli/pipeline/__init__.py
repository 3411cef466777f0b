"""Pipeline files (``pipelines/*.toml``) and the runner behind ``thermoquake run``.

:mod:`.config` reads and checks a file, :mod:`.commands` turns a stage into a thermoquake
command line, :mod:`.checksum` fingerprints inputs and outputs, :mod:`.runner` runs stages in
order, skipping unchanged ones, and writes the state and the run record.
"""
