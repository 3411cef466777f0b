"""Read a JSON object from a file, with one-line errors that name the file.

Writers use :func:`thermoquake.atomic.write_text_atomic`; this is the matching reader for
the small JSON documents thermoquake keeps beside its data (summaries, evaluations, records).
"""

from __future__ import annotations

import json
from pathlib import Path

from thermoquake.errors import ThermoquakeError


def read_json_object(path: str | Path, error: type[ThermoquakeError] = ThermoquakeError) -> dict:
    """The JSON object in ``path``; ``error`` (a :class:`ThermoquakeError`) naming the file when
    it is missing, a directory, not JSON or not an object."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error("does not exist", path) from None
    except IsADirectoryError:
        raise error("is a directory, not a JSON file", path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise error(f"is not valid JSON ({err})", path) from None
    if not isinstance(data, dict):
        raise error("is not a JSON object", path)
    return data
