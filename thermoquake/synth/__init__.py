"""SYNTHETIC MODIS LST tiles: genuine HDF4-EOS files in the MYD11A1/MOD11A1 layout.

Night and day LST from a latitude/season climatology, a synthetic terrain with a
lapse rate, day-to-day weather, clouds (QC bits + fill), swath gaps and optional
injected pre-earthquake anomalies, all deterministic functions of global
position, date and seed (tiles join seamlessly; any tile/date can be made on its
own). Every file is marked ``thermoquake_synthetic = "true"``.

Modules: ``noise`` (smooth random fields), ``tilegrid`` (pixel coordinates),
``fields`` (climatology, terrain, weather, clouds, swath), ``quality`` (QC bytes),
``anomaly`` (injected anomalies, truth), ``model`` (layer composition),
``ecs_metadata`` / ``hdfeos_writer`` (file structure), ``tiles`` (one tile + sidecar),
``run`` (many tiles and the run manifest).
"""

from thermoquake.synth.anomaly import SyntheticAnomaly, parse_anomaly_spec
from thermoquake.synth.config import SYNTH_VERSION, SynthConfig
from thermoquake.synth.model import synthetic_lst_kelvin, synthetic_tile
from thermoquake.synth.tiles import (
    SYNTHETIC_ATTRIBUTE,
    is_complete,
    read_parameters,
    synthetic_granule_name,
    truth_path,
    write_synthetic_tile,
)

__all__ = [
    "SYNTHETIC_ATTRIBUTE",
    "SYNTH_VERSION",
    "SynthConfig",
    "SyntheticAnomaly",
    "is_complete",
    "parse_anomaly_spec",
    "read_parameters",
    "synthetic_granule_name",
    "synthetic_lst_kelvin",
    "synthetic_tile",
    "truth_path",
    "write_synthetic_tile",
]
