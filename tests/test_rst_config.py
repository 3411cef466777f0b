"""RstConfig: the RST parameters and their defaults in one place, used by the rst command and run_rst."""

from __future__ import annotations

import pytest

from thermoquake.errors import ConfigurationError
from thermoquake.rst.config import RstConfig


def test_the_sequence_rules_follow_the_threshold():
    config = RstConfig(threshold=3.5, min_days=3)
    assert config.sequence_rules.threshold == 3.5 and config.sequence_rules.min_days == 3


@pytest.mark.parametrize("settings", [{"min_count": 0}, {"reference_mode": "week"}, {"reference_window_days": 400},
                                      {"sigma_floor_k": -1.0}, {"threshold": float("nan")}, {"min_days": 0}])
def test_a_setting_out_of_range_is_a_configuration_error(settings):
    with pytest.raises(ConfigurationError):
        RstConfig(**settings)


def test_an_unknown_setting_is_refused_by_name():
    with pytest.raises(ConfigurationError, match="not RST settings: min_cout"):
        RstConfig().with_settings(min_cout=3)


def test_run_rst_takes_a_configuration_and_keyword_overrides(tmp_path):
    from thermoquake.rst.run import run_rst
    from thermoquake.rst.sequences import SequenceRules

    with pytest.raises(ConfigurationError, match="min_count"):
        run_rst(tmp_path, RstConfig(), min_count=0)
    with pytest.raises(ConfigurationError, match="one threshold"):
        run_rst(tmp_path, RstConfig(threshold=2.0), sequence_rules=SequenceRules(threshold=3.0))


@pytest.mark.slow
def test_a_configuration_and_the_same_keywords_write_the_same_anomalies(tiny_study, tmp_path):
    import shutil

    from thermoquake.rst.run import ANOMALIES_FILE, run_rst

    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(tiny_study / "work", a)
    shutil.copytree(tiny_study / "work", b)
    run_rst(a, RstConfig(threshold=1.5, min_count=1, paired=False))
    run_rst(b, threshold=1.5, min_count=1, paired=False)
    assert (a / ANOMALIES_FILE).read_text() == (b / ANOMALIES_FILE).read_text()
    assert "1.5" in (a / ANOMALIES_FILE).read_text()
