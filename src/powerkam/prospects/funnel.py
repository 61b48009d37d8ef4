"""The prospect funnel and the expected new load, as pure arithmetic over the dated stage changes.

Definitions (written down in docs/prospects.md):

- A project *reached* a pipeline stage S when it is, or was, at S or at any later pipeline stage
  (a project imported as approved reached planned too). A lost project reached the stages up to
  the one it was lost at.
- *Moved on* from S: reached the next pipeline stage. *Conversion* of S = moved on / reached.
- *Lost at* S: lost while at S. *Now at* S: its current stage is S.
- *Time in stage*: calendar days from the change into S to the change out of S, over the stays
  that are finished and whose start is known (a project brought in at approved has no known
  time in planned). Mean and median.
- Expected new load by quarter: expected capacity (kVA) and annual consumption (kWh/yr) of the
  projects neither energised nor lost, by the quarter of their expected energise date, per stage.

No Django here: the selectors hand in plain values.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

PIPELINE: tuple[str, ...] = ("planned", "approved", "applied", "under_construction", "energised")
LOST = "lost"
NO_DATE = "—"


@dataclass(frozen=True)
class Change:
    from_stage: str
    to_stage: str
    on: dt.date


@dataclass(frozen=True)
class ProjectPath:
    key: str
    stage: str
    district: str = ""
    industry: str = ""
    changes: tuple[Change, ...] = ()

    def furthest(self) -> int:
        """Index in PIPELINE of the furthest pipeline stage reached (lost projects: where they were)."""
        stages = [self.stage] + [c.to_stage for c in self.changes] + [c.from_stage for c in self.changes]
        reached = [PIPELINE.index(s) for s in stages if s in PIPELINE]
        return max(reached) if reached else 0

    def lost_at(self) -> str | None:
        if self.stage != LOST:
            return None
        last = next((c for c in reversed(self.changes) if c.to_stage == LOST), None)
        if last is not None and last.from_stage in PIPELINE:
            return last.from_stage
        return PIPELINE[self.furthest()]

    def stays(self) -> list[tuple[str, int]]:
        """Finished stays: (stage, days) for each change into a stage followed by a change out of it."""
        ordered = sorted(self.changes, key=lambda c: c.on)
        result = []
        for into, out in itertools.pairwise(ordered):
            if into.to_stage in PIPELINE and out.from_stage == into.to_stage:
                result.append((into.to_stage, (out.on - into.on).days))
        return result


@dataclass
class StageFunnel:
    stage: str
    reached: int = 0
    moved_on: int = 0
    lost: int = 0
    now: int = 0
    days: list[int] = field(default_factory=list)

    @property
    def conversion(self) -> float | None:
        """Share of the projects that reached this stage and went on to the next (percent, 1 place)."""
        if self.stage == PIPELINE[-1] or not self.reached:
            return None
        return round(100 * self.moved_on / self.reached, 1)

    @property
    def mean_days(self) -> float | None:
        return round(statistics.fmean(self.days), 1) if self.days else None

    @property
    def median_days(self) -> float | None:
        return float(statistics.median(self.days)) if self.days else None


@dataclass
class Funnel:
    key: str
    stages: list[StageFunnel]

    @property
    def total(self) -> int:
        return self.stages[0].reached if self.stages else 0

    def stage(self, name: str) -> StageFunnel:
        return next(s for s in self.stages if s.stage == name)


def funnel(paths: Iterable[ProjectPath], key: str = "") -> Funnel:
    stages = {name: StageFunnel(name) for name in PIPELINE}
    for path in paths:
        furthest = path.furthest()
        for index, name in enumerate(PIPELINE):
            if index <= furthest:
                stages[name].reached += 1
            if index < furthest:
                stages[name].moved_on += 1
        lost_at = path.lost_at()
        if lost_at is not None:
            stages[lost_at].lost += 1
        elif path.stage in stages:
            stages[path.stage].now += 1
        for stage, days in path.stays():
            stages[stage].days.append(days)
    return Funnel(key, [stages[name] for name in PIPELINE])


def funnels_by(paths: Sequence[ProjectPath], attribute: str) -> list[Funnel]:
    """One funnel per value of ``attribute`` ("district" or "industry"), largest first."""
    groups: dict[str, list[ProjectPath]] = defaultdict(list)
    for path in paths:
        groups[getattr(path, attribute) or ""].append(path)
    result = [funnel(group, key) for key, group in groups.items()]
    return sorted(result, key=lambda f: (-f.total, f.key))


@dataclass(frozen=True)
class ExpectedLoad:
    key: str
    stage: str
    energize_on: dt.date | None
    capacity_kva: Decimal | None
    annual_kwh: Decimal | None


def quarter_of(day: dt.date | None) -> str:
    if day is None:
        return NO_DATE
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


@dataclass
class QuarterLoad:
    quarter: str
    capacity_kva: dict[str, Decimal] = field(default_factory=dict)
    annual_kwh: dict[str, Decimal] = field(default_factory=dict)
    projects: int = 0

    @property
    def total_kva(self) -> Decimal:
        return sum(self.capacity_kva.values(), Decimal(0))

    @property
    def total_kwh(self) -> Decimal:
        return sum(self.annual_kwh.values(), Decimal(0))


def load_by_quarter(items: Iterable[ExpectedLoad]) -> list[QuarterLoad]:
    """Expected new load by quarter of the expected energise date, per stage (undated last)."""
    quarters: dict[str, QuarterLoad] = {}
    for item in items:
        if item.stage in (LOST, PIPELINE[-1]):
            continue
        quarter = quarters.setdefault(quarter_of(item.energize_on), QuarterLoad(quarter_of(item.energize_on)))
        quarter.projects += 1
        quarter.capacity_kva[item.stage] = quarter.capacity_kva.get(item.stage, Decimal(0)) + (
            item.capacity_kva or Decimal(0)
        )
        quarter.annual_kwh[item.stage] = quarter.annual_kwh.get(item.stage, Decimal(0)) + (
            item.annual_kwh or Decimal(0)
        )
    return sorted(quarters.values(), key=lambda q: (q.quarter == NO_DATE, q.quarter))
