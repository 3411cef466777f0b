"""The configuration of one training run (``thermoquake train``), saved as config.json."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from thermoquake.errors import ConfigurationError

from thermoquake.dataset.augment import AUGMENTATIONS
from thermoquake.dataset.splits import DEFAULT_OVERLAP_MAX, SPLITS
from thermoquake.evaluation.threshold import DEFAULT_THRESHOLD

MODEL_KINDS = ("drsn", "resnet", "cnn")
"""The names :mod:`thermoquake.classifiers` builds (kept here so the CLI lists them without Keras)."""
GAN_BASES = ("none", "site")
"""``gan_base``: "none" the paper's GAN on whole images; "site" the GAN learns departures from
each training site's mean field (:mod:`thermoquake.gan.normalise`), added back per site."""
LEGACY_DEFAULTS = {"gan_base": "none", "threshold": DEFAULT_THRESHOLD, "overlap_max": 1.0}
"""Fields added since runs were first written, at the value those runs had: left out of the
digest and of run-directory comparisons, so earlier runs keep their names and resume."""


def comparable(config: dict) -> dict:
    """A config dict without ``final_model`` and without fields at their :data:`LEGACY_DEFAULTS`."""
    return {k: v for k, v in config.items()
            if k != "final_model" and not (k in LEGACY_DEFAULTS and v == LEGACY_DEFAULTS[k])}


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a run's results (a re-run with the same config resumes it).

    ``width`` scales the network's channels (1.0 = full size); ``epochs``, ``batch_size``,
    ``learning_rate`` are Adam's; ``classic_copies`` augmented copies per training image;
    ``gan_steps``/``gan_width``/``gan_copies``/``gan_base`` the per-fold, per-class GAN
    (:data:`GAN_BASES`); ``test_from`` the
    first test year of a chronological split; ``threshold`` the probability at or above which
    a day is an alarm, fixed here before any fold is evaluated; ``overlap_max`` the fraction of
    a box's area above which overlapping epicentre boxes share a fold group (1: folds by event
    group only).
    """

    window: int
    model: str = "drsn"
    augment: str = "none"
    folds: int = 4
    split: str = "grouped"
    test_from: int | None = None
    seed: int = 0
    channels: tuple[str, ...] = ("lst", "mask", "retira")
    width: float = 0.25
    epochs: int = 40
    batch_size: int = 8
    learning_rate: float = 1e-3
    classic_copies: int = 2
    gan_steps: int = 200
    gan_width: float = 0.125
    gan_copies: int = 2
    gan_base: str = "none"
    threshold: float = DEFAULT_THRESHOLD
    final_model: bool = True
    overlap_max: float = DEFAULT_OVERLAP_MAX
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.model not in MODEL_KINDS:
            raise ConfigurationError(f"model {self.model!r} is not one of {', '.join(MODEL_KINDS)}")
        if self.augment not in AUGMENTATIONS:
            raise ConfigurationError(f"augment {self.augment!r} is not one of {', '.join(AUGMENTATIONS)}")
        if self.gan_base not in GAN_BASES:
            raise ConfigurationError(f"gan_base {self.gan_base!r} is not one of {', '.join(GAN_BASES)}")
        if self.split not in SPLITS:
            raise ConfigurationError(f"split {self.split!r} is not one of {', '.join(SPLITS)}")
        if self.augment == "gan" and "retira" in self.channels:
            raise ConfigurationError("--augment gan generates LST images only: use --channels lst,mask")
        if not 0.0 <= self.threshold <= 1.0:
            raise ConfigurationError(f"threshold {self.threshold!r} is not a probability in [0, 1]")
        if not 0.0 <= self.overlap_max <= 1.0:
            raise ConfigurationError(f"overlap_max {self.overlap_max:g} is not between 0 and 1")
        if self.split == "chronological" and self.test_from is None:
            raise ConfigurationError("a chronological split needs --test-from YEAR")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @property
    def digest(self) -> str:
        """8 hex digits of the configuration (final_model aside): tells runs apart."""
        import hashlib

        d = comparable(self.to_dict())
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:8]

    @property
    def run_name(self) -> str:
        return f"w{self.window}-{self.model}-{self.augment}-s{self.seed}"
