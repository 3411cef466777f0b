"""Internal consistency of a decoded MODIS LST layer and its QC layer.

A flipped byte inside a deflate-compressed layer either stops the HDF library (an
error) or decodes into garbage from that byte to the end of the layer. Two properties
that every real MxD11A1 tile has catch the garbage:

- LST is fill (DN 0) exactly where the QC mandatory bits (1-0) say "not produced"
  (10: cloud, 11: other reasons), and produced everywhere else;
- every produced value lies inside :data:`~thermoquake.modis.products.PLAUSIBLE_K` for
  the layer, well inside the product's ``valid_range`` (150..1310.7 K).

Both hold on every pixel of both layers of the real tiles in tests/data/modis. A
corruption that keeps both (a changed value among produced values, a QC byte changed
from "good" to "other quality") cannot be seen here; only a published checksum finds it.
"""

from __future__ import annotations

import math

import numpy as np

from thermoquake.modis.products import PLAUSIBLE_K, LstProduct

NOT_PRODUCED_BIT = np.uint8(0b10)
"""Mandatory QA 10 and 11 (bit 1 set): no LST was produced for the pixel."""


def plausible_dn(layer: str, product: LstProduct, valid_range: tuple[int, int]) -> tuple[int, int]:
    """(lowest, highest) DN a produced pixel of ``layer`` may hold: :data:`PLAUSIBLE_K`
    in DN, clipped to the file's ``valid_range``."""
    lo_k, hi_k = PLAUSIBLE_K[layer]
    return (max(math.ceil(lo_k / product.scale_k - 1e-6), valid_range[0]),
            min(math.floor(hi_k / product.scale_k + 1e-6), valid_range[1]))


def lst_inconsistency(dn: np.ndarray, qc: np.ndarray, layer: str, qc_layer: str, product: LstProduct,
                      valid_range: tuple[int, int]) -> str | None:
    """What is inconsistent between a whole LST layer (uint16 DN, (rows, cols)) and its QC
    layer (uint8, same shape), as one line; None if nothing is."""
    lo, hi = plausible_dn(layer, product, valid_range)
    mismatched, outside = _count_problems(dn, qc, product.fill_dn, lo, hi)
    if mismatched:
        fill = dn == product.fill_dn
        not_produced = (qc & NOT_PRODUCED_BIT) > 0
        value_where_none = int(np.count_nonzero(not_produced & ~fill))
        return (f"{layer} and {qc_layer} disagree (a corrupt layer?): {value_where_none} pixels hold "
                f"LST where {qc_layer} says not produced, {mismatched - value_where_none} hold fill "
                "where it says produced")
    if outside:
        produced = dn[dn != product.fill_dn]
        bad = produced[(produced < lo) | (produced > hi)].astype(np.float64) * product.scale_k
        lo_k, hi_k = PLAUSIBLE_K[layer]
        return (f"{layer} holds {outside} values outside {lo_k:g}..{hi_k:g} K, the plausible range "
                f"(from {bad.min():.2f} to {bad.max():.2f} K; a corrupt layer?)")
    return None


ROWS_PER_BLOCK = 64
"""The counts run over blocks of rows small enough to stay in cache, into buffers made once:
on a whole 1200 x 1200 layer each temporary array was a fresh allocation, page-faulted
in, which took two to three times as long (about 1 ms a tile against 2-3 ms)."""


def _count_problems(dn: np.ndarray, qc: np.ndarray, fill_dn: int, lo: int, hi: int) -> tuple[int, int]:
    """(pixels whose fill and QC "not produced" disagree, produced pixels outside DN lo..hi).

    Needs ``fill_dn < lo``. Numpy scalars, not Python ints, keep every operation on the
    arrays' own small types."""
    fill_value, low, span, zero = np.uint16(fill_dn), np.uint16(lo), np.uint16(hi - lo), np.uint8(0)
    shape = (min(ROWS_PER_BLOCK, dn.shape[0]),) + dn.shape[1:]
    fill_buf, flag_buf = np.empty(shape, bool), np.empty(shape, bool)
    qa_buf, dn_buf = np.empty(shape, np.uint8), np.empty(shape, np.uint16)
    mismatched = outside = 0
    for r in range(0, dn.shape[0], ROWS_PER_BLOCK):
        d, q = dn[r:r + ROWS_PER_BLOCK], qc[r:r + ROWS_PER_BLOCK]
        k = d.shape[0]
        fill = np.equal(d, fill_value, out=fill_buf[:k])
        not_produced = np.greater(np.bitwise_and(q, NOT_PRODUCED_BIT, out=qa_buf[:k]), zero, out=flag_buf[:k])
        mismatched += int(np.count_nonzero(np.not_equal(fill, not_produced, out=flag_buf[:k])))
        # DN - lo wraps round for DN < lo, so "outside lo..hi" is "(DN - lo) > hi - lo";
        # fill pixels (DN fill_dn < lo) are all counted there and taken off again.
        shifted = np.subtract(d, low, out=dn_buf[:k])
        outside += int(np.count_nonzero(np.greater(shifted, span, out=flag_buf[:k])) - np.count_nonzero(fill))
    return mismatched, outside
