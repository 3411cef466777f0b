"""Class balance of a study before any training: do events and controls differ in anything
but the label?

A classifier learns whatever tells the classes apart. If controls have more reference years,
clearer skies, another season or sit elsewhere, a model can score well with no precursor at
all. For the days of an N-day window (:func:`thermoquake.dataset.windows.window_days`: the
N − 1 days before each event are class "event", the same days before each control class
"control") this module compares, per class:

* ``reference_years``: distinct years in the target's RST reference (years). The reference
  is the one ``thermoquake rst`` used (the R map's ``rst_reference_dates`` tag); before
  ``rst``, the site's preprocessed reference images of the same day in the other years
  (``reference_source`` says which).
* ``clear_sky_fraction``: fraction (0..1) of the target's pixels with a QC-passed value
  (``manifest.csv`` ``valid_fraction``).
* ``delta_t_spread``: the spread of the reference, K: the median over the box of each
  pixel's standard deviation (ddof 0) across the reference images of ΔT = LST − the image's
  clear-pixel mean, i.e. RETIRA's σ (pixels with fewer than 2 reference values left out).
  A class with a wider or narrower σ gets R values of another spread.
* ``year_offset``: |target year − mean reference year|, years.
* ``day_of_year``: of the target day (days). Tested as the offset from the pooled circular
  mean, so a season across New Year is not cut in two; summaries are days of year again.
* ``overlap_other_class``: whether the sample's box overlaps the box of a sample of the
  other class (0/1).
* ``overlap_same_class``: whether it overlaps the box of another sample of its own class
  (0/1): clustered events against scattered controls let a model learn the places.

Boxes are the epicentre images (``size`` km square, :class:`~thermoquake.image.grid.
EpicentreGrid`); any shared area counts as overlap; :class:`OverlapPairs` counts the pairs.

Tests are per sample (the mean of its window days; the days of one sample are not
independent): Mann–Whitney U (two-sided) for the continuous quantities, Fisher's exact test
for the 0/1 ones. The effect is ``|AUC − 0.5|`` with AUC the probability that an event's
value exceeds a control's (ties half; for 0/1 quantities ``0.5 + (p_event − p_control) / 2``):
how well that quantity alone would rank events above controls.

**Clearly imbalanced** (``train`` refuses, unless told to allow it): some quantity with
p < :data:`ALPHA` (0.001) *and* effect >= :data:`MIN_EFFECT` (0.1, i.e. AUC outside 0.4–0.6).
Both are needed: a large study makes a negligible difference significant, and a tiny study
cannot reach p < 0.001 at all (classes of 6 samples or fewer each, even perfectly separated,
give p > 0.001), so it is never refused on chance.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from thermoquake.dataset.windows import MANIFEST_FILE, WindowDay, check_both_classes, window_days
from thermoquake.errors import ThermoquakeError

ALPHA = 1e-3
"""p-value below which a difference between the classes is significant."""
MIN_EFFECT = 0.1
"""|AUC − 0.5| at or above which a significant difference refuses training."""
YEAR_DAYS = 365.25

# name -> (label, unit, test)
QUANTITIES: dict[str, tuple[str, str, str]] = {
    "reference_years": ("reference years per target", "years", "mann-whitney"),
    "clear_sky_fraction": ("clear-sky fraction", "1", "mann-whitney"),
    "delta_t_spread": ("ΔT spread of the reference (σ)", "K", "mann-whitney"),
    "year_offset": ("|target year - reference centre|", "years", "mann-whitney"),
    "day_of_year": ("day of year", "days", "mann-whitney"),
    "overlap_other_class": ("box overlaps the other class", "0/1", "fisher"),
    "overlap_same_class": ("box overlaps its own class", "0/1", "fisher"),
}


def _num(value: float | None) -> float | None:
    """A float for JSON: NaN -> None."""
    return None if value is None or not math.isfinite(value) else float(value)


def _float(value: float | None) -> float:
    return math.nan if value is None else float(value)


@dataclass(frozen=True)
class ClassSummary:
    """One class's values of a quantity (per sample): count, mean, quartiles (unit of the quantity;
    NaN when ``n`` is 0)."""

    n: int
    mean: float
    q25: float
    median: float
    q75: float

    @classmethod
    def of(cls, values: np.ndarray) -> ClassSummary:
        v = np.asarray(values, float)
        if not len(v):
            return cls(0, math.nan, math.nan, math.nan, math.nan)
        q25, median, q75 = np.percentile(v, [25, 50, 75])
        return cls(len(v), float(v.mean()), float(q25), float(median), float(q75))

    def to_dict(self) -> dict:
        return {"n": self.n, "mean": _num(self.mean), "q25": _num(self.q25), "median": _num(self.median),
                "q75": _num(self.q75)}

    @classmethod
    def from_dict(cls, d: dict) -> ClassSummary:
        return cls(int(d["n"]), _float(d["mean"]), _float(d["q25"]), _float(d["median"]), _float(d["q75"]))


@dataclass(frozen=True)
class QuantityBalance:
    """One quantity compared between the classes (see the module doc for names and tests).

    ``p_value`` and ``auc`` are NaN when the test cannot run (a class without values, or all
    values equal: then p = 1, AUC = 0.5)."""

    name: str
    unit: str
    test: str
    events: ClassSummary
    controls: ClassSummary
    p_value: float
    auc: float
    imbalanced: bool

    @property
    def label(self) -> str:
        return QUANTITIES.get(self.name, (self.name,))[0]

    @property
    def effect(self) -> float:
        """|AUC − 0.5| (NaN without a test)."""
        return abs(self.auc - 0.5)

    def to_dict(self) -> dict:
        return {"name": self.name, "unit": self.unit, "test": self.test, "events": self.events.to_dict(),
                "controls": self.controls.to_dict(), "p_value": _num(self.p_value), "auc": _num(self.auc),
                "effect": _num(self.effect), "imbalanced": self.imbalanced}

    @classmethod
    def from_dict(cls, d: dict) -> QuantityBalance:
        return cls(d["name"], d["unit"], d["test"], ClassSummary.from_dict(d["events"]),
                   ClassSummary.from_dict(d["controls"]), _float(d["p_value"]), _float(d["auc"]),
                   bool(d["imbalanced"]))


@dataclass(frozen=True)
class OverlapPairs:
    """Pairs of samples whose ``box_km`` boxes share area, by the classes of the pair."""

    box_km: float
    event_event: int
    event_control: int
    control_control: int


@dataclass(frozen=True)
class BalanceReport:
    """The balance of one study and window (module doc); ``imbalanced`` names the quantities
    that are clearly imbalanced (p < ``alpha`` and effect >= ``min_effect``)."""

    window: int
    events: int
    controls: int
    event_days: int
    control_days: int
    reference_source: str
    quantities: tuple[QuantityBalance, ...]
    overlap_pairs: OverlapPairs
    alpha: float = ALPHA
    min_effect: float = MIN_EFFECT

    @property
    def imbalanced(self) -> tuple[str, ...]:
        return tuple(q.name for q in self.quantities if q.imbalanced)

    def quantity(self, name: str) -> QuantityBalance:
        return next(q for q in self.quantities if q.name == name)

    def to_dict(self) -> dict:
        return {"window": self.window, "events": self.events, "controls": self.controls,
                "event_days": self.event_days, "control_days": self.control_days,
                "reference_source": self.reference_source, "test_unit": "sample",
                "alpha": self.alpha, "min_effect": self.min_effect,
                "quantities": [q.to_dict() for q in self.quantities],
                "overlap_pairs": asdict(self.overlap_pairs), "imbalanced": list(self.imbalanced)}

    @classmethod
    def from_dict(cls, d: dict) -> BalanceReport:
        return cls(int(d["window"]), int(d["events"]), int(d["controls"]), int(d["event_days"]),
                   int(d["control_days"]), d["reference_source"],
                   tuple(QuantityBalance.from_dict(q) for q in d["quantities"]), OverlapPairs(**d["overlap_pairs"]),
                   float(d["alpha"]), float(d["min_effect"]))

    def refusal(self) -> str:
        """One line naming the clearly imbalanced quantities ("" when there are none)."""
        if not self.imbalanced:
            return ""
        parts = []
        for q in self.quantities:
            if not q.imbalanced:
                continue
            values = (f"events {q.events.mean:.0%}, controls {q.controls.mean:.0%}" if q.test == "fisher" else
                      f"median events {q.events.median:.3g}, controls {q.controls.median:.3g} {q.unit}")
            parts.append(f"{q.label} ({values}; p {q.p_value:.1g}, AUC {q.auc:.2f})")
        return "events and controls differ clearly in " + "; ".join(parts)


# --- per-day values ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Manifest:
    valid_fraction: dict[tuple[str, str], float]                # (site, date) of targets
    references: dict[str, list[tuple[dt.date, int, Path]]]       # site -> (date, days_before, path)


def _read_manifest(workdir: Path) -> _Manifest:
    path = workdir / MANIFEST_FILE
    valid: dict[tuple[str, str], float] = {}
    refs: dict[str, list[tuple[dt.date, int, Path]]] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["role"] == "target":
                try:
                    valid[(row["site"], row["date"])] = float(row.get("valid_fraction") or "nan")
                except ValueError:
                    raise ThermoquakeError(f"valid_fraction {row['valid_fraction']!r} is not a number", path) from None
            elif row["role"] == "reference":
                refs.setdefault(row["site"], []).append((dt.date.fromisoformat(row["date"]), int(row["days_before"]),
                                                         workdir / row["path"]))
    return _Manifest(valid, refs)


def _reference_dates(day: WindowDay) -> list[dt.date] | None:
    """The dates ``thermoquake rst`` used for this day's reference (None without an R map)."""
    if day.retira_path is None:
        return None
    from thermoquake.image.geotiff import GeoTiffReadError, read_tags

    try:
        text = read_tags(day.retira_path).get("rst_reference_dates")
    except GeoTiffReadError as err:
        raise ThermoquakeError(f"cannot read the R map: {err}", day.retira_path) from None
    return None if text is None else [dt.date.fromisoformat(t) for t in text.split(",") if t]


def _reference(day: WindowDay, manifest: _Manifest) -> tuple[list[tuple[dt.date, Path]], bool]:
    """The (date, path) of each reference image of one target day, and whether they are rst's own."""
    candidates = manifest.references.get(day.site, [])
    dates = _reference_dates(day)
    if dates is not None:
        wanted = set(dates)
        return [(d, p) for d, _, p in candidates if d in wanted], True
    return [(d, p) for d, k, p in candidates if k == day.days_before and d.year != day.date.year], False


def delta_t_spread(reference_images: Sequence[np.ndarray]) -> float:
    """Median over the box of each pixel's std (ddof 0, K) of ΔT = image − its clear-pixel mean
    across ``reference_images`` (each ``(H, W)``, °C or K, NaN = no data); pixels with fewer than
    two values are left out. NaN if no pixel has two."""
    from thermoquake.rst.retira import ReferenceStats

    if not reference_images:
        return math.nan
    stats = ReferenceStats(np.shape(reference_images[0]))
    for image in reference_images:
        stats.add(image)
    ok = stats.count >= 2
    return float(np.median(stats.std[ok])) if ok.any() else math.nan


def _day_values(days: Sequence[WindowDay], workdir: Path) -> tuple[dict[str, np.ndarray], str]:
    """Per-day values of the continuous quantities, and where the references came from."""
    from thermoquake.dataset.arrays import read_band

    manifest = _read_manifest(workdir)
    out = {k: np.full(len(days), np.nan) for k in ("reference_years", "clear_sky_fraction", "delta_t_spread",
                                                     "year_offset", "day_of_year")}
    sources = set()
    for i, d in enumerate(days):
        refs, from_rst = _reference(d, manifest)
        sources.add("rst" if from_rst else "manifest")
        years = sorted({date.year for date, _ in refs})
        out["reference_years"][i] = len(years)
        if years:
            out["year_offset"][i] = abs(d.date.year - float(np.mean(years)))
        out["delta_t_spread"][i] = delta_t_spread([read_band(p) for _, p in refs])
        out["clear_sky_fraction"][i] = manifest.valid_fraction.get((d.site, d.date.isoformat()), math.nan)
        out["day_of_year"][i] = d.date.timetuple().tm_yday
    source = "none" if not sources else sources.pop() if len(sources) == 1 else "mixed"
    return out, source



# --- per-sample values, overlap and tests -------------------------------------------------------


def _per_sample(values: np.ndarray, index: np.ndarray, n_samples: int) -> np.ndarray:
    """Mean of each sample's finite day values (NaN for a sample with none)."""
    ok = np.isfinite(values)
    total = np.bincount(index[ok], weights=values[ok], minlength=n_samples)
    count = np.bincount(index[ok], minlength=n_samples)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _circular_centre(doy: np.ndarray) -> float:
    """The circular mean (0-based day of year, 0 <= c < 365.25) of days of year ``doy`` (1-based)."""
    angle = 2 * np.pi * (np.asarray(doy, float) - 1) / YEAR_DAYS
    mean = np.arctan2(np.sin(angle).mean(), np.cos(angle).mean())
    return float(mean % (2 * np.pi) * YEAR_DAYS / (2 * np.pi))


def _offsets(doy: np.ndarray, centre: float) -> np.ndarray:
    """Days of year as offsets (days, -182.6..182.6) from ``centre`` (0-based day of year)."""
    return (np.asarray(doy, float) - 1 - centre + YEAR_DAYS / 2) % YEAR_DAYS - YEAR_DAYS / 2


def box_bounds(lat: float, lon: float, size_km: float) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` degrees of a ``size_km`` epicentre box (1 km pixels)."""
    from thermoquake.image.grid import DLAT_DEG

    half_lat = size_km / 2 * DLAT_DEG
    half_lon = half_lat / math.cos(math.radians(lat))
    return lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat


def overlap_matrix(lats: Sequence[float], lons: Sequence[float], size_km: float) -> np.ndarray:
    """``(n, n)`` bool: boxes i and j share area (diagonal False; NaN positions overlap nothing)."""
    b = np.array([box_bounds(la, lo, size_km) for la, lo in zip(lats, lons)], float).reshape(-1, 4)
    west, south, east, north = b.T
    dlon = (west[None, :] - west[:, None] + 180.0) % 360.0 - 180.0       # across the antimeridian
    width = (east - west)
    lon_ok = np.where(dlon >= 0, dlon < width[:, None], -dlon < width[None, :])
    lat_ok = (south[None, :] < north[:, None]) & (south[:, None] < north[None, :])
    out = lon_ok & lat_ok
    np.fill_diagonal(out, False)
    return out


def _test(name: str, events: np.ndarray, controls: np.ndarray, alpha: float, min_effect: float) -> QuantityBalance:
    """The two-sample test of :data:`QUANTITIES` ``name`` on the classes' per-sample values (NaN left out)."""
    from scipy import stats

    _, unit, test = QUANTITIES[name]
    e, c = events[np.isfinite(events)], controls[np.isfinite(controls)]
    p = auc = math.nan
    if len(e) and len(c):
        if np.ptp(np.concatenate([e, c])) == 0:
            p, auc = 1.0, 0.5
        elif test == "fisher":
            a, b = int(e.sum()), int(c.sum())
            p = float(stats.fisher_exact([[a, len(e) - a], [b, len(c) - b]]).pvalue)
            auc = 0.5 + (a / len(e) - b / len(c)) / 2
        else:
            u = stats.mannwhitneyu(e, c, alternative="two-sided")
            p, auc = float(u.pvalue), float(u.statistic) / (len(e) * len(c))
    imbalanced = bool(p < alpha and abs(auc - 0.5) >= min_effect)
    return QuantityBalance(name, unit, test, ClassSummary.of(e), ClassSummary.of(c), p, auc, imbalanced)


def _box_km(days: Sequence[WindowDay]) -> float:
    from thermoquake.dataset.arrays import read_band

    return float(read_band(days[0].path).shape[1]) if days else math.nan


def balance_report(workdir: Path, window: int, days: Sequence[WindowDay] | None = None,
                   alpha: float = ALPHA, min_effect: float = MIN_EFFECT) -> BalanceReport:
    """The :class:`BalanceReport` of ``workdir`` for an N = ``window`` day window (module doc).
    ``days``: the window's days when already read (:func:`window_days`); else they are read and
    a workdir without both events and controls is refused (:class:`ThermoquakeError`)."""
    workdir = Path(workdir)
    if days is None:
        days = window_days(workdir, window)
        check_both_classes(days, workdir)
    first: dict[str, WindowDay] = {}                  # sample -> its first day, in order
    for d in days:
        first.setdefault(d.sample_id, d)
    samples = {s: i for i, s in enumerate(first)}
    index = np.array([samples[d.sample_id] for d in days], int)
    label = np.array([d.label for d in first.values()], int)
    values, source = _day_values(days, workdir)
    per = {k: _per_sample(v, index, len(samples)) for k, v in values.items()}
    ev, co = label == 1, label == 0
    results = [_test(k, per[k][ev], per[k][co], alpha, min_effect)
               for k in ("reference_years", "clear_sky_fraction", "delta_t_spread", "year_offset")]
    results.append(_day_of_year_test(per["day_of_year"][ev], per["day_of_year"][co], alpha, min_effect))
    other, same, pairs = _overlaps(list(first.values()), label, _box_km(days))
    results.append(_test("overlap_other_class", other[ev], other[co], alpha, min_effect))
    results.append(_test("overlap_same_class", same[ev], same[co], alpha, min_effect))
    labels_day = np.array([d.label for d in days], int)
    return BalanceReport(window, int(ev.sum()), int(co.sum()), int((labels_day == 1).sum()),
                         int((labels_day == 0).sum()), source, tuple(results), pairs, alpha, min_effect)


def _overlaps(samples: Sequence[WindowDay], label: np.ndarray,
              box_km: float) -> tuple[np.ndarray, np.ndarray, OverlapPairs]:
    """Per sample (one day of each): 1.0 if its box overlaps one of the other class / of its own
    class (NaN without a position), and the pairs of overlapping boxes."""
    lat = np.array([d.latitude for d in samples], float)
    lon = np.array([d.longitude for d in samples], float)
    over = overlap_matrix(lat, lon, box_km)
    same = label[:, None] == label[None, :]
    other_flag = (over & ~same).any(axis=1).astype(float)
    same_flag = (over & same).any(axis=1).astype(float)
    unknown = ~(np.isfinite(lat) & np.isfinite(lon))
    other_flag[unknown] = np.nan
    same_flag[unknown] = np.nan
    upper = np.triu(over, 1)
    event_row = label[:, None] == 1
    pairs = OverlapPairs(box_km, int((upper & same & event_row).sum()), int((upper & ~same).sum()),
                         int((upper & same & ~event_row).sum()))
    return other_flag, same_flag, pairs


def _day_of_year_test(events: np.ndarray, controls: np.ndarray, alpha: float, min_effect: float) -> QuantityBalance:
    """Mann–Whitney on the offsets from the pooled circular mean; the summaries are days of year
    again (the offsets' mean and quartiles mapped back, so a season across New Year keeps its order)."""
    pooled = np.concatenate([events, controls])
    pooled = pooled[np.isfinite(pooled)]
    centre = _circular_centre(pooled) if len(pooled) else 0.0
    q = _test("day_of_year", _offsets(events, centre), _offsets(controls, centre), alpha, min_effect)

    def back(x: float) -> float:
        return 1 + (centre + x) % YEAR_DAYS if math.isfinite(x) else math.nan

    def summary(s: ClassSummary) -> ClassSummary:
        return ClassSummary(s.n, back(s.mean), back(s.q25), back(s.median), back(s.q75))

    return replace(q, events=summary(q.events), controls=summary(q.controls))


def check_balance(report: BalanceReport, allow_imbalance: bool, source: object) -> None:
    """One-line :class:`ThermoquakeError` if the study is clearly imbalanced and that is not allowed."""
    if report.imbalanced and not allow_imbalance:
        raise ThermoquakeError(f"{report.refusal()}: a classifier could learn that instead of a precursor "
                               f"(see thermoquake balance; --allow-imbalance trains anyway)", source)


def format_balance(report: BalanceReport) -> str:
    """The report as a plain-text table."""
    head = (f"{report.window}-day window: {report.events} events, {report.controls} controls "
            f"({report.event_days} / {report.control_days} days); tests per sample; reference from "
            f"{report.reference_source}")
    rows = [head, f"{'quantity':34s} {'unit':6s} {'events median [q25, q75]':28s} "
                  f"{'controls median [q25, q75]':28s} {'test':13s} {'p':>8s} {'AUC':>5s}"]
    for q in report.quantities:
        def cell(s: ClassSummary) -> str:
            if s.n == 0:
                return "-"
            if q.test == "fisher":
                return f"{s.mean:.0%} of {s.n}"
            return f"{s.median:.3g} [{s.q25:.3g}, {s.q75:.3g}] n={s.n}"
        p = "-" if math.isnan(q.p_value) else f"{q.p_value:.2g}"
        auc = "-" if math.isnan(q.auc) else f"{q.auc:.2f}"
        mark = "  IMBALANCED" if q.imbalanced else ""
        rows.append(f"{q.label:34s} {q.unit:6s} {cell(q.events):28s} {cell(q.controls):28s} {q.test:13s} "
                    f"{p:>8s} {auc:>5s}{mark}")
    o = report.overlap_pairs
    rows.append(f"overlapping pairs of {o.box_km:g} km boxes: event-event {o.event_event}, "
                f"event-control {o.event_control}, control-control {o.control_control}")
    rule = f"p < {report.alpha:g} and |AUC - 0.5| >= {report.min_effect:g}"
    rows.append(f"clearly imbalanced ({rule}): " + (", ".join(report.imbalanced) or "none"))
    return "\n".join(rows)
