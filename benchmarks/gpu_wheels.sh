#!/usr/bin/env bash
# Run HERE (a machine with PyPI): fetch the wheels the lent GPU machine lacks for
# benchmarks/gpu_suite.sh into .whl/ (ignored by git; carried to the device with carry=[".whl"]).
# The device's image has JAX, numpy, h5py, ml-dtypes, absl-py, rich, packaging; not Keras 3 or
# Keras's namex / optree. Its python3 is 3.12 on x86-64.
set -euo pipefail
cd "$(dirname "$0")/.."
KERAS_VERSION="${KERAS_VERSION:-$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("keras"))')}"
rm -rf .whl && mkdir -p .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl \
    "keras==${KERAS_VERSION}" namex optree
ls -l .whl
du -sh .whl
