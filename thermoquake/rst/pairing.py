"""Reference groups: which samples of a workdir build their RST references under one set of
exclusions (:func:`thermoquake.rst.reference.group_references`).

* An event and its matched controls (``samples.csv`` group) are one reference group: they
  sit at one place on the same calendar days, so they get the very same reference images.
* A control without an event in the workdir (``mode`` random in the controls file:
  ``samples.csv`` gives it an empty ``matched_event_id`` and a group of its own; or a
  matched control whose event is not in the batch) joins an event's reference group:
  controls and events are each ordered by time and the ``i``-th of ``n_c`` controls joins
  the event at rank ``floor((i + 1/2) n_e / n_c)`` of ``n_e`` (one control per event when
  there are as many; time-matched, so the years they add are few).

Why random controls must join: an event's site lies where earthquakes cluster, so the
catalogue exclusion takes more reference years from events than from controls drawn
anywhere (on the committed lists 11.6 against 12.3 years on average for day 1 before,
2003-2016, 200 km / 30 days) — a difference in the R distribution a classifier can learn
with no precursor at all. In one group every member gets the same reference years, so
each control has exactly the reference-year count of the event it joined.

The reference group changes only which reference years are used, never which images a
sample is compared with (a control's reference stays its own site's images), nor the
``group`` used for splits. Controls without any event in the workdir are refused unless the
run is unpaired (each sample its own reference group).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from thermoquake.preprocessing.samples import EVENT, Sample
from thermoquake.errors import ThermoquakeError


def _time_key(sample: Sample) -> tuple[str, str]:
    try:
        stamp = dt.datetime.fromisoformat(sample.time).astimezone(dt.timezone.utc).isoformat()
    except ValueError:
        stamp = ""
    return stamp, sample.sample_id


def reference_groups(samples: Sequence[Sample], paired: bool = True, source: Path | None = None) -> dict[str, str]:
    """``site -> reference group`` (the id of the event whose group it is in, see the module
    doc; every site its own group when not ``paired``).

    Raises:
        ThermoquakeError: ``paired`` and there are controls but no event to join.
    """
    if not paired:
        return {s.site: s.site for s in samples}
    events = sorted((s for s in samples if s.kind == EVENT), key=_time_key)
    event_groups = {s.group for s in events}
    out = {s.site: s.group for s in samples if s.group in event_groups}
    loose = sorted((s for s in samples if s.site not in out), key=_time_key)
    if loose and not events:
        raise ThermoquakeError(
            f"{len(loose)} controls and no event: a control's RST reference is built under the "
            "exclusions of an event's reference group; preprocess the controls with their events, "
            "or run rst --unpaired (then the classes' reference years may differ)", source)
    for i, control in enumerate(loose):
        out[control.site] = events[int((i + 0.5) * len(events) / len(loose))].group
    return out
