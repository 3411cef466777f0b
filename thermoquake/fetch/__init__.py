"""Download MODIS granules from the LP DAAC Data Pool with NASA Earthdata Login."""

from thermoquake.fetch.auth import Credentials, find_credentials
from thermoquake.fetch.download import FetchSettings, Outcome, fetch_granules
from thermoquake.fetch.listing import granule_files
from thermoquake.fetch.verify import verify_hdf4

__all__ = [
    "Credentials",
    "FetchSettings",
    "Outcome",
    "fetch_granules",
    "find_credentials",
    "granule_files",
    "verify_hdf4",
]
