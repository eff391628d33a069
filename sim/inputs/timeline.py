"""A parameter's value in a year of a run: its start value, then the scenario's events, kept in its domain.

One rule, used by the model as it steps (``BalancingModel``) and by every reader of a
run folder (``Result.parameter_value``: explain, report), so that what a reader says a
parameter was in 2021 is what the model used in 2021 (docs/ODD.md, section 3, step 1:
"scenario events that change parameters from this year on").

A change is ``{"year": Y, "set": v}`` or ``{"year": Y, "add": d}``, as in a run's
manifest (``parameters.<id>.events``). ``set`` takes the value as given (the scenario
loader has checked it against the domain); ``add`` is kept inside the domain and
rounded for integer parameters, as state jolts are, because a sum of deltas may leave it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

INF = math.inf


@dataclass(frozen=True)
class Domain:
    """The values a parameter may take: ``low`` to ``high`` (infinite when unbounded), whole numbers if ``integer``."""

    low: float = -INF
    high: float = INF
    integer: bool = False

    @classmethod
    def of(cls, parameter: Any) -> "Domain":
        """The domain of a registry ``Parameter`` (``domain_low``, ``domain_high``, ``integer``)."""
        return cls(float(parameter.domain_low), float(parameter.domain_high), bool(parameter.integer))

    @classmethod
    def from_record(cls, entry: Mapping[str, Any]) -> "Domain":
        """The domain written in a manifest entry (``domain: [low, high]`` with None for unbounded);
        an entry without one (a run folder from before domains were recorded) is unbounded."""
        low, high = (entry.get("domain") or [None, None])[:2]
        return cls(-INF if low is None else float(low), INF if high is None else float(high),
                   bool(entry.get("integer", False)))

    def to_record(self) -> dict[str, Any]:
        """JSON-able form for the manifest: ``{"domain": [low, high], "integer": bool}``, None for an open side."""
        return {"domain": [None if math.isinf(self.low) else self.low, None if math.isinf(self.high) else self.high],
                "integer": self.integer}


def parameter_changes(events: Iterable[Any], parameter_ids: Iterable[str] | Mapping[str, Any]) -> dict[str, list[dict]]:
    """The changes each parameter undergoes, in the order they are applied: by year, then as the
    scenario lists them (an event's ``set`` before its ``add``). ``events`` are scenario ``Event``
    objects (``year``, ``set``, ``add``); ids that are not in ``parameter_ids`` (state jolts) are left out."""
    known = set(parameter_ids)
    changes: dict[str, list[dict]] = {}
    for event in sorted(events, key=lambda ev: ev.year):
        for operation in ("set", "add"):
            for pid, value in getattr(event, operation).items():
                if pid in known:
                    changes.setdefault(pid, []).append({"year": int(event.year), operation: float(value)})
    return changes


def value_in_year(start: Any, changes: Sequence[Mapping[str, Any]], year: int, domain: Domain | None = None) -> Any:
    """The value after applying, in order, every change of ``changes`` dated ``year`` or earlier to ``start``.

    ``start`` may be a number or an array over worlds; an ``add`` keeps the domain world by world, a ``set``
    gives every world the same number.
    """
    domain = domain or Domain()
    value = start
    for change in sorted(changes, key=lambda c: int(c["year"])):  # stable: same-year changes keep their order
        if int(change["year"]) > year:
            continue
        if "set" in change:
            value = float(change["set"])  # the same in every world from then on
        elif "add" in change:
            value = _add_within(value, float(change["add"]), domain)
    return value


def _add_within(value: Any, delta: float, domain: Domain) -> Any:
    if np.ndim(value) == 0:
        moved = min(max(value + delta, domain.low), domain.high)
        return float(round(moved)) if domain.integer else moved
    moved = np.clip(np.asarray(value, dtype=float) + delta, domain.low, domain.high)
    return np.round(moved) if domain.integer else moved
