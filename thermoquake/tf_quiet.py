"""Keep TensorFlow's start-up noise out of the terminal.

Importing TensorFlow on a machine without a GPU prints lines such as "Could not find cuda
drivers", "failed call to cuInit", the CPU-feature (oneDNN / AVX) notice, grappler remapper
messages and absl's "All log messages before absl::InitializeLog()". They come from its C++
logging, which reads ``TF_CPP_MIN_LOG_LEVEL`` once, when TensorFlow is first imported; so
:func:`quiet_tensorflow` must run before that (the ``thermoquake`` command calls it at start,
unless ``--verbose``). A value already set in the environment is kept.

Two lines are not covered: on a machine without CUDA, XLA's "Could not find cuda drivers"
and absl's "All log messages before absl::InitializeLog()" are written before TensorFlow
reads its settings.
"""

from __future__ import annotations

import logging
import os

QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",        # C++ INFO, WARNING and ERROR lines (cuInit, oneDNN, grappler)
    "TF_CPP_MIN_VLOG_LEVEL": "0",
    "GRPC_VERBOSITY": "ERROR",
    "GLOG_minloglevel": "3",
}


def quiet_tensorflow(verbose: bool = False) -> None:
    """Unless ``verbose``: set :data:`QUIET_ENV` (where not already set) and the Python
    loggers ``tensorflow`` and ``absl`` to ERROR. Python warnings and thermoquake's own
    messages are untouched. Has no effect on a TensorFlow already imported."""
    if verbose:
        return
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    for name in ("tensorflow", "absl", "h5py._conv"):
        logging.getLogger(name).setLevel(logging.ERROR)
