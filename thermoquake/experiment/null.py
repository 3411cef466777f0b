"""A null test with power: the SYNTHETIC 0 K experiment over several seeds.

One seed and "the 95 % interval contains 0.5" lets a confound worth a balanced accuracy of
0.56 through most of the time: one run's interval is about +-0.2 wide. Here each seed draws
other events and controls, another synthetic world and another network initialisation
(:func:`thermoquake.experiment.synthetic.build_study` with ``anomaly_k = 0``), and the mean
balanced accuracy over the seeds is tested against 0.5 with a one-sample t-test (two-sided).
The seeds are independent replicates, so their spread is the run-to-run spread of the
whole benchmark, not a bootstrap's.

Each seed's study lives in ``OUT/seed-<s>/study`` and its run in ``OUT/seed-<s>/run``; run
again, the command reuses the tiles and the finished folds. Everything is SYNTHETIC.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from thermoquake.atomic import write_text_atomic
from thermoquake.errors import BadRequestError
from thermoquake.experiment.synthetic import (DEFAULT_CATALOG, DEFAULT_EVENTS, HARDER_DEFAULTS, SyntheticStudy,
                                              build_study)

CHANCE = 0.5
LEVEL = 0.05


@dataclass(frozen=True)
class NullSummary:
    """Balanced accuracy (0..1) of each seed's 0 K run and the t-test of their mean against 0.5.

    Attributes:
        seeds: the seeds, in run order.
        balanced_accuracy: each seed's out-of-fold balanced accuracy.
        mean, sd: their mean and sample standard deviation (sd is NaN for one seed).
        t, p_value: one-sample t statistic against 0.5 (df = seeds - 1) and its two-sided p
            (NaN for fewer than two seeds or no spread).
        ci_low, ci_high: 95 % t interval of the mean.
    """

    seeds: tuple[int, ...]
    balanced_accuracy: tuple[float, ...]
    mean: float
    sd: float
    t: float
    p_value: float
    ci_low: float
    ci_high: float

    @property
    def at_chance(self) -> bool:
        """True unless the mean differs from 0.5 at the 5 % level."""
        return not (self.p_value < LEVEL)

    def to_dict(self) -> dict:
        return {"synthetic": True, "anomaly_k": 0.0, "seeds": list(self.seeds),
                "balanced_accuracy": list(self.balanced_accuracy), "mean": self.mean, "sd": self.sd,
                "t": self.t, "df": len(self.seeds) - 1, "p_value": self.p_value,
                "ci95_mean": [self.ci_low, self.ci_high], "chance": CHANCE, "level": LEVEL,
                "at_chance": self.at_chance}

    def text(self) -> str:
        rows = [f"seed {s:>4d}: balanced accuracy {ba:.3f}" for s, ba in zip(self.seeds, self.balanced_accuracy)]
        verdict = ("compatible with chance" if self.at_chance
                   else "NOT at chance: something other than an anomaly separates the classes")
        rows.append(f"mean {self.mean:.3f} (sd {self.sd:.3f}, 95 % interval of the mean "
                    f"[{self.ci_low:.3f}, {self.ci_high:.3f}]) over {len(self.seeds)} seeds; "
                    f"t = {self.t:.2f}, df = {len(self.seeds) - 1}, p = {self.p_value:.3f} against 0.5: {verdict}")
        return "SYNTHETIC null test (0 K anomaly)\n" + "\n".join(rows)


def summarise(seeds: Sequence[int], balanced_accuracy: Sequence[float]) -> NullSummary:
    """The distribution of ``balanced_accuracy`` (one per seed, 0..1) and its t-test against 0.5."""
    from scipy import stats

    values = [float(v) for v in balanced_accuracy]
    if not values or len(values) != len(seeds):
        raise BadRequestError("the null test needs one balanced accuracy per seed, and at least one seed")
    n = len(values)
    mean = sum(values) / n
    nan = float("nan")
    if n < 2:
        return NullSummary(tuple(seeds), tuple(values), mean, nan, nan, nan, nan, nan)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    if sd == 0:
        t, p = (nan, nan) if mean == CHANCE else (math.copysign(math.inf, mean - CHANCE), 0.0)
    else:
        t = (mean - CHANCE) / (sd / math.sqrt(n))
        p = float(2 * stats.t.sf(abs(t), n - 1))
    return NullSummary(tuple(seeds), tuple(values), mean, sd, t, p, mean - half, mean + half)


def run_null(out: Path, seeds: Sequence[int], study: SyntheticStudy, config, window: int,
             events_csv: Path = DEFAULT_EVENTS, catalog: Path = DEFAULT_CATALOG, allow_imbalance: bool = False,
             progress: Callable[[int, float], None] | None = None) -> NullSummary:
    """Run the 0 K experiment of ``study`` (its seed and anomaly replaced) with training
    ``config`` (its seed replaced) for each of ``seeds``, events drawn from ``events_csv`` with
    controls clear of ``catalog`` (:func:`~thermoquake.experiment.synthetic.build_study`);
    write ``OUT/null.json``."""
    from thermoquake.training.run import train_window

    if not seeds:
        raise BadRequestError("give at least one seed")
    values = []
    for seed in seeds:
        here = Path(out) / f"seed-{seed}"
        workdir = build_study(here / "study", replace(study, anomaly_k=0.0, seed=seed), window - 1,
                              events_csv, catalog)
        result = train_window(workdir, replace(config, seed=seed), here / "run", allow_imbalance=allow_imbalance)
        ba = result.metrics.balanced_accuracy.value
        values.append(ba)
        if progress is not None:
            progress(seed, ba)
    summary = summarise(seeds, values)
    world = {k: v for k, v in study.record().items() if k in HARDER_DEFAULTS}
    doc = summary.to_dict() | {"study": {"events": study.n_events, "size_km": study.size,
                                         "reference_years": f"{study.first_year}-{study.last_year}",
                                         "window": window, **world},
                               "train": config.to_dict()}
    write_text_atomic(Path(out) / "null.json", json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return summary
