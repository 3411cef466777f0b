"""QC bytes of synthetic LST pixels, with the bit layout of MOD11/MYD11 ``QC_Day``/``QC_Night``.

Bits 1-0 mandatory QA (00 good, 01 other quality, 10 not produced: cloud,
11 not produced: other), 3-2 data quality (always 00 here), 5-4 emissivity
error (00 or 01), 7-6 average LST error (00 <= 1 K, 01 <= 2 K, 10 <= 3 K).

The mixture imitates real tiles, which hold the bytes 0, 17, 65, 81, 129 and
145 where LST is produced, 2 under cloud and 3 elsewhere:

- cloud (index >= threshold): 2 (``0b00000010``), LST fill;
- swath gap or off the globe: 3 (``0b00000011``), LST fill;
- cloud-edge band (index within ``EDGE_WIDTH`` below the threshold): QA 01; the
  half nearer the cloud has LST error <= 3 K (129, or 145 with emissivity
  error 01), the other half <= 2 K (65 or 81); these pixels are cooled by up to
  ``EDGE_COLD_BIAS_K`` (undetected cloud contamination);
- elsewhere: 65 at large view angles (> 55 deg), 17 for ~4 % of pixels at
  random, 0 otherwise.

So the ``strict`` policy keeps 0 only, ``paper`` also 17, 65 and 81, ``all`` everything produced.
"""

from __future__ import annotations

import numpy as np

QC_GOOD = 0b00000000
QC_CLOUD = 0b00000010
QC_NOT_PRODUCED = 0b00000011
QC_OTHER_ERR1K_EMIS = 0b00010001  # 17: QA 01, emissivity error 01, LST error <= 1 K
QC_OTHER_ERR2K = 0b01000001  # 65: QA 01, LST error <= 2 K
QC_OTHER_ERR3K = 0b10000001  # 129: QA 01, LST error <= 3 K
EMIS_ERR_01 = 0b00010000  # adds 16: 65 -> 81, 129 -> 145

EDGE_WIDTH = 0.35
"""Width of the cloud-edge band in cloud-index units (standard deviations)."""
EDGE_COLD_BIAS_K = 3.0
"""Cooling of a cloud-edge pixel at the cloud threshold, K (falls linearly to 0 across the band)."""
WIDE_VIEW_DEG = 55.0
RANDOM_OTHER_FRACTION = 0.04
EMIS_ERR_FRACTION = 0.25


def _qc_rule(
    observed: bool, cloudy: bool, band: bool, near: bool, emis: bool, wide: bool, rnd: bool
) -> int:
    """The QC byte of one pixel from its situation (the rules in the module docstring)."""
    if not observed:
        return QC_NOT_PRODUCED
    if cloudy:
        return QC_CLOUD
    if band:
        return (QC_OTHER_ERR3K if near else QC_OTHER_ERR2K) | (EMIS_ERR_01 if emis else 0)
    if wide:
        return QC_OTHER_ERR2K
    return QC_OTHER_ERR1K_EMIS if rnd else QC_GOOD


_BITS = ("observed", "cloudy", "band", "near", "emis", "wide", "rnd")
_QC_TABLE = np.array(
    [_qc_rule(*(bool(i >> b & 1) for b in range(len(_BITS)))) for i in range(1 << len(_BITS))],
    dtype=np.uint8,
)
"""QC byte for every combination of the 7 situation bits (bit b of the index is ``_BITS[b]``)."""


def encode_qc(
    cloud: np.ndarray,
    threshold: float,
    observed: np.ndarray,
    view_zenith_deg: np.ndarray,
    choice: np.ndarray,
    qc_mix: bool,
) -> tuple[np.ndarray, np.ndarray | None]:
    """QC bytes and the cold bias of each pixel.

    Args:
        cloud: cloud index, float32 (1200, 1200).
        threshold: cloud where ``cloud >= threshold`` (``inf``: no cloud, ``-inf``: all cloud).
        observed: on the globe and inside the swath, bool (1200, 1200).
        view_zenith_deg: absolute view zenith angle, degrees, float32 (1200, 1200).
        choice: per-pixel uniform [0, 1) float32, picks the emissivity bits and random QA 01.
        qc_mix: if False, every produced pixel gets QC 0 and there is no bias.

    Returns:
        ``(qc, bias_k)``: uint8 (1200, 1200); float32 (1200, 1200) cooling in K
        (>= 0, to subtract; meaningful where LST is produced), or None when there is none.
    """
    u8 = np.uint8
    index = observed.view(u8).copy()
    index |= (cloud >= np.float32(threshold)).view(u8) << u8(1)
    if not qc_mix:
        return _QC_TABLE[index], None
    closeness = cloud - np.float32(threshold - EDGE_WIDTH)
    closeness *= np.float32(1.0 / EDGE_WIDTH)
    index |= (closeness >= 0).view(u8) << u8(2)
    index |= (closeness >= 0.5).view(u8) << u8(3)
    index |= (choice < EMIS_ERR_FRACTION).view(u8) << u8(4)
    index |= (view_zenith_deg > WIDE_VIEW_DEG).view(u8) << u8(5)
    index |= (choice < RANDOM_OTHER_FRACTION).view(u8) << u8(6)
    np.clip(closeness, 0.0, 1.0, out=closeness)
    closeness *= np.float32(EDGE_COLD_BIAS_K)
    return _QC_TABLE[index], closeness
