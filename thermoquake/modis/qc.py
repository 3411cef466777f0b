"""Decode MODIS LST QC bytes (MOD11/MYD11 ``QC_Day`` / ``QC_Night``) and apply a QC policy.

Bits (0 = least significant):
- 1-0 mandatory QA: 00 produced, good quality; 01 produced, other quality;
  10 not produced due to cloud; 11 not produced, other reasons.
- 3-2 data quality, 5-4 emissivity error (not used here).
- 7-6 average LST error: 00 <= 1 K, 01 <= 2 K, 10 <= 3 K, 11 > 3 K.
"""

from __future__ import annotations

import numpy as np

QC_POLICIES: tuple[str, ...] = ("strict", "paper", "all")
DEFAULT_QC_POLICY = "paper"

QA_GOOD = 0b00
QA_OTHER = 0b01
QA_CLOUD = 0b10
QA_NOT_PRODUCED = 0b11

LST_ERROR_MAX_K = {0: 1.0, 1: 2.0, 2: 3.0, 3: float("inf")}
"""Average-LST-error class (bits 7-6) -> upper bound in K."""


def mandatory_qa(qc: np.ndarray) -> np.ndarray:
    """Bits 1-0 of each QC byte (0..3), same shape as ``qc``."""
    return np.asarray(qc, dtype=np.uint8) & 0b11


def lst_error_class(qc: np.ndarray) -> np.ndarray:
    """Bits 7-6 of each QC byte (0: <= 1 K, 1: <= 2 K, 2: <= 3 K, 3: > 3 K)."""
    return (np.asarray(qc, dtype=np.uint8) >> 6) & 0b11


def qc_keep_table(policy: str = DEFAULT_QC_POLICY) -> np.ndarray:
    """Boolean table of 256 entries: ``qc_keep_table(policy)[qc]`` is :func:`qc_keep_mask`."""
    return _KEEP_TABLES[policy] if policy in _KEEP_TABLES else qc_keep_mask(np.arange(256, dtype=np.uint8), policy)


def qc_keep_mask(qc: np.ndarray, policy: str = DEFAULT_QC_POLICY) -> np.ndarray:
    """Boolean mask of pixels a QC policy keeps (same shape as ``qc``).

    - ``strict``: mandatory QA 00 only;
    - ``paper``: QA 00, and QA 01 when the average LST error is <= 2 K;
    - ``all``: every produced value (QA 00 or 01).
    """
    qa = mandatory_qa(qc)
    if policy == "strict":
        return qa == QA_GOOD
    if policy == "paper":
        return (qa == QA_GOOD) | ((qa == QA_OTHER) & (lst_error_class(qc) <= 1))
    if policy == "all":
        return qa <= QA_OTHER
    raise ValueError(f"unknown QC policy {policy!r}; choose one of {', '.join(QC_POLICIES)}")


_KEEP_TABLES = {p: qc_keep_mask(np.arange(256, dtype=np.uint8), p) for p in QC_POLICIES}
