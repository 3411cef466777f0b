"""QC decoding, table-driven on hand-made bytes (the place users most often get bits wrong)."""

from __future__ import annotations

import numpy as np
import pytest

from thermoquake.modis.qc import lst_error_class, mandatory_qa, qc_keep_mask

#       QC byte      QA  err  strict paper  all
TABLE = [
    (0b00_00_00_00, 0, 0, True, True, True),     # good, error <= 1 K
    (0b01_00_00_00, 0, 1, True, True, True),     # good QA keeps regardless of error bits
    (0b00_01_00_01, 1, 0, False, True, True),    # other quality, error <= 1 K
    (0b01_00_00_01, 1, 1, False, True, True),    # other quality, error <= 2 K  (real value 65)
    (0b01_01_00_01, 1, 1, False, True, True),    # ... emissivity bits set      (real value 81)
    (0b10_01_00_01, 1, 2, False, False, True),   # other quality, error <= 3 K  (real value 145)
    (0b11_00_00_01, 1, 3, False, False, True),   # other quality, error > 3 K
    (0b00_00_00_10, 2, 0, False, False, False),  # not produced: cloud
    (0b00_00_00_11, 3, 0, False, False, False),  # not produced: other reasons
]


@pytest.mark.parametrize("qc, qa, err, strict, paper, keep_all", TABLE)
def test_qc_bits_decode_and_policies_keep_the_documented_pixels(qc, qa, err, strict, paper, keep_all):
    byte = np.array([qc], dtype=np.uint8)
    assert mandatory_qa(byte)[0] == qa
    assert lst_error_class(byte)[0] == err
    assert qc_keep_mask(byte, "strict")[0] == strict
    assert qc_keep_mask(byte, "paper")[0] == paper
    assert qc_keep_mask(byte, "all")[0] == keep_all


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="unknown QC policy"):
        qc_keep_mask(np.zeros(1, np.uint8), "lenient")
