"""Progress on long work: a tqdm bar on a terminal, nothing in a log.

A bar redraws its line many times a second; written to a file or a pipe each redraw is kept,
and a demo log fills with them. So a bar is drawn only when its stream (stderr) is a
terminal, unless the caller says otherwise (``--progress/--no-progress``).
"""

from __future__ import annotations

import sys
from typing import IO, Any


def is_terminal(stream: IO[str] | None = None) -> bool:
    """Whether ``stream`` (default: stderr) is an interactive terminal."""
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):       # closed or replaced streams
        return False


def show_progress(enabled: bool | None = None, stream: IO[str] | None = None) -> bool:
    """``enabled`` when given (an explicit --progress/--no-progress), else whether ``stream``
    (default: stderr) is a terminal."""
    return is_terminal(stream) if enabled is None else bool(enabled)


def progress_bar(total: int | None = None, desc: str = "", unit: str = "it", enabled: bool | None = None,
                 leave: bool = False, **kwargs: Any):
    """A ``tqdm`` bar on stderr, disabled (a no-op with the same methods) unless
    :func:`show_progress` says so. Use as a context manager; ``update``, ``set_postfix_str``
    work either way."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not show_progress(enabled), leave=leave,
                file=sys.stderr, dynamic_ncols=True, **kwargs)



def rough_duration(seconds: float) -> str:
    """``about 40 s``, ``about 12 min``, ``about 3.5 h``: a --dry-run estimate, rounded."""
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"
