"""Robust Satellite Technique (RST): RETIRA maps, three-state anomaly maps, significant
sequences of anomalies and their association with earthquakes.

Modules: :mod:`retira` (reference statistics, R), :mod:`reference` (which images form a
reference), :mod:`pairing` (which samples share reference exclusions),
:mod:`reference_balance` (reference-year counts per class, from dates only),
:mod:`anomalies` (three-state maps, per-image summaries), :mod:`sequences` (significant
sequences, association radius and window), :mod:`blocks` (large GeoTIFFs in row blocks),
:mod:`config` (:class:`RstConfig`, every parameter of a run and its default), :mod:`run` (the
``thermoquake rst`` batch over a preprocess workdir).
"""

from thermoquake.rst.retira import (
    DEFAULT_MIN_COUNT,
    DEFAULT_SIGMA_FLOOR_K,
    ReferenceStats,
    RetiraResult,
    null_exceedance,
    reference_stats,
    retira,
    retira_result,
    spatial_mean_anomaly,
)

__all__ = ["DEFAULT_MIN_COUNT", "DEFAULT_SIGMA_FLOOR_K", "ReferenceStats", "RetiraResult", "null_exceedance",
           "reference_stats", "retira", "retira_result", "spatial_mean_anomaly"]
