"""The parameters of an RST run (``thermoquake rst``) in one place, with their defaults.

:class:`RstConfig` is to RST what :class:`~thermoquake.training.config.TrainConfig` is to
training: the command's option defaults are its field defaults, and
:func:`thermoquake.rst.run.run_rst` takes one.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from thermoquake.errors import ConfigurationError
from thermoquake.study.calendar import MAX_WINDOW_DAYS as MAX_REFERENCE_WINDOW_DAYS
from thermoquake.study.calendar import MODES as REFERENCE_MODES
from thermoquake.rst.anomalies import PAPER_THRESHOLD
from thermoquake.rst.retira import DEFAULT_MIN_COUNT, DEFAULT_SIGMA_FLOOR_K
from thermoquake.rst.sequences import SequenceRules


@dataclass(frozen=True)
class RstConfig:
    """Everything that decides an RST run's R maps, anomalies and sequences.

    R and its reference: ``threshold`` the R level of an anomaly (dimensionless; the paper's 2,
    the RST literature's 3 to 4); ``min_count`` the fewest clear reference samples for a pixel
    to get an R value; ``sigma_floor_k`` the smallest reference sigma R divides by, K;
    ``reference_mode`` "same-day" (the target's calendar day +- ``reference_window_days``
    days) or "month" (its calendar month); ``exclude_years`` years never used as reference;
    ``paired`` one reference under the exclusions of a whole reference group (an event and its
    controls) rather than per sample.

    Catalogue exclusions (with a catalogue): reference dates within ``exclusion_days`` days of
    a quake of magnitude >= ``exclusion_min_mag`` within ``exclusion_km`` km of the site are
    left out.

    Significant sequences: at least ``min_days`` consecutive days with anomalous regions of at
    least ``min_area_km2`` km^2 whose centroids move at most ``max_distance_km`` km a day.
    """

    threshold: float = PAPER_THRESHOLD
    min_count: int = DEFAULT_MIN_COUNT
    sigma_floor_k: float = DEFAULT_SIGMA_FLOOR_K
    reference_mode: str = "same-day"
    reference_window_days: int = 0
    exclude_years: tuple[int, ...] = ()
    paired: bool = True
    exclusion_km: float = 200.0
    exclusion_days: int = 30
    exclusion_min_mag: float = 5.0
    min_days: int = 2
    max_distance_km: float = 50.0
    min_area_km2: float = 150.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "exclude_years", tuple(sorted({int(y) for y in self.exclude_years})))
        problems = []
        if not math.isfinite(self.threshold):
            problems.append(f"threshold must be a finite R level, got {self.threshold}")
        if self.min_count < 1:
            problems.append(f"min_count must be at least 1, got {self.min_count}")
        if not (self.sigma_floor_k >= 0):
            problems.append(f"sigma_floor_k must be >= 0 K, got {self.sigma_floor_k}")
        if self.reference_mode not in REFERENCE_MODES:
            problems.append(f"reference_mode must be one of {', '.join(REFERENCE_MODES)}, got {self.reference_mode!r}")
        if not 0 <= self.reference_window_days <= MAX_REFERENCE_WINDOW_DAYS:
            problems.append(f"reference_window_days must be 0..{MAX_REFERENCE_WINDOW_DAYS}, "
                            f"got {self.reference_window_days}")
        for name in ("exclusion_km", "exclusion_days", "max_distance_km", "min_area_km2"):
            if not (getattr(self, name) >= 0):
                problems.append(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.min_days < 1:
            problems.append(f"min_days must be at least 1, got {self.min_days}")
        if problems:
            raise ConfigurationError("; ".join(problems))

    @property
    def sequence_rules(self) -> SequenceRules:
        """The significant-sequence rules at :attr:`threshold`."""
        return SequenceRules(min_days=self.min_days, max_distance_km=self.max_distance_km,
                             min_area_km2=self.min_area_km2, threshold=self.threshold)

    def with_settings(self, **settings: Any) -> RstConfig:
        """A copy with ``settings`` (field names) changed; an unknown name is a ConfigurationError."""
        unknown = set(settings) - {f.name for f in fields(self)}
        if unknown:
            raise ConfigurationError(f"not RST settings: {', '.join(sorted(unknown))}")
        return replace(self, **settings)

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values (``exclude_years`` a list)."""
        data = asdict(self)
        data["exclude_years"] = list(self.exclude_years)
        return data
