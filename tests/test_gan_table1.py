"""examples/gan_table1.py runs end to end (tiny): both GANs, the held-out real days as the
gate's ceiling, memorisation and diversity, all labelled SYNTHETIC."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.ml, pytest.mark.slow]

SCRIPT = Path(__file__).parents[1] / "examples" / "gan_table1.py"


def test_table1_script_gates_both_gans_and_the_real_days(tmp_path, monkeypatch, capsys):
    out = tmp_path / "t1"
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "--steps", "2", "--width", "0.0625", "--batch", "4",
                                      "--train", "6", "--n", "2", "--out", str(out)])
    runpy.run_path(str(SCRIPT), run_name="__main__")
    printed = capsys.readouterr().out
    assert printed.startswith("SYNTHETIC site") and "base mean" in printed
    data = json.loads((out / "table1.json").read_text())
    assert data["synthetic"] is True
    assert [i["set"] for i in data["images"]].count("real") == 8
    assert set(data["sets"]) == {"real", "dcgan", "improved"}
    # genuine days of the site mostly pass the gate (a cloud can cost one the spectrum check);
    # two training steps make noise that none of whose images passes
    accepted = {s: sum(i["accepted"] for i in data["images"] if i["set"] == s) for s in data["sets"]}
    assert accepted["real"] >= 6 and accepted["dcgan"] == accepted["improved"] == 0
    for label in ("dcgan", "improved"):
        m = data["memorisation"][label]
        assert m["real_spread_k"] > 0 and m["diversity"] >= 0
    assert (out / "improved-w0.0625-s0-mean" / "generator.keras").is_file()
