"""Read a catalogue for a study step, reporting what was skipped or merged."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from thermoquake.catalog.readers import read_catalog
from thermoquake.catalog.schema import BadRowsError, CatalogError

_log = logging.getLogger("thermoquake.catalog")


def load_catalog(path: str | os.PathLike[str], fmt: str = "auto", skip_bad_rows: bool = False, keep=None,
                 on_note: Callable[[str], None] | None = None):
    """:func:`read_catalog`, with each skipped row and the merged exact duplicates passed to
    ``on_note`` as one line (default: logged as warnings). Unusable rows (with ``keep``, those
    touching the selection) raise :class:`CatalogError` with a hint about ``skip_bad_rows``."""
    note = on_note or _log.warning
    try:
        cat = read_catalog(path, fmt, skip_bad_rows=skip_bad_rows, keep=keep)
    except BadRowsError as err:
        raise CatalogError(f"{err.problem} (pass --skip-bad-rows to drop them)", err.source) from None
    for problem in cat.problems:
        note(f"warning: {os.fspath(path)}: skipped {problem}")
    if cat.merged:
        shown = "; ".join(str(m) for m in cat.merged[:5])
        more = f"; and {len(cat.merged) - 5} more" if len(cat.merged) > 5 else ""
        note(f"note: {os.fspath(path)}: {len(cat.merged)} exact duplicate row(s) merged: {shown}{more}")
    return cat
