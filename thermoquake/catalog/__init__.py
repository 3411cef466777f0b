"""Earthquake catalogues: one event schema, format readers, selection and declustering."""

from thermoquake.catalog.decluster import WINDOWS, Declustered, decluster
from thermoquake.catalog.readers import FORMATS, Catalog, read_catalog
from thermoquake.catalog.region import Region
from thermoquake.catalog.schema import (
    COLUMNS,
    BadRowsError,
    CatalogError,
    Event,
    RowProblem,
    events_to_csv,
)
from thermoquake.catalog.select import Selection, keep_flagged, read_flags, select_events

__all__ = [
    "COLUMNS",
    "FORMATS",
    "WINDOWS",
    "BadRowsError",
    "Catalog",
    "CatalogError",
    "Declustered",
    "Event",
    "Region",
    "RowProblem",
    "Selection",
    "decluster",
    "events_to_csv",
    "keep_flagged",
    "read_catalog",
    "read_flags",
    "select_events",
]
