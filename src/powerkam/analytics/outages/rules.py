"""The outage rules (docs/rules.md §4): account weights, notice periods, typical-load days and the
reliability thresholds, with their defaults and a TOML form for rules versions."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from powerkam.analytics.outages.model import OutageError
from powerkam.analytics.typical import TYPICAL_DAYS

#: Priority of grade-A key accounts and of important users when no rules version says otherwise
#: (docs/rules.md §4 "weighted by each account's weight"; the values are PowerKAM's defaults,
#: docs/outages.md "Weights"): an hour of a grade-A account counts three ordinary hours, an
#: important user's by the harm its grade stands for (special > first > second); a temporary
#: important user keeps the default weight. A rules version that sets ``[weights.grade]`` or
#: ``[weights.important_grade]`` replaces the whole mapping (an empty table means "no weights").
DEFAULT_GRADE_WEIGHTS: Mapping[str, float] = {"A": 3.0}
DEFAULT_IMPORTANT_WEIGHTS: Mapping[str, float] = {"special": 10.0, "first": 5.0, "second": 2.0}


@dataclass(frozen=True)
class OutageRules:
    """Every default of docs/rules.md §4 (and the reliability thresholds of issue 7), overridable by TOML::

    [weights]
    default = 1.0
    [weights.grade]          # by key-account grade
    A = 3.0
    [weights.important_grade]
    special = 10.0
    first = 5.0

    [notice]
    planned_days = 7
    temporary_hours = 24

    [load]
    days = 28

    [reliability]
    months = 12
    max_interruptions = 3
    max_hours = 8.76
    growth_fraction = 0.2
    power_factor = 0.9
    """

    default_weight: float = 1.0
    grade_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_GRADE_WEIGHTS))
    important_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_IMPORTANT_WEIGHTS))
    planned_notice_days: int = 7
    temporary_notice_hours: int = 24
    typical_days: int = TYPICAL_DAYS
    reliability_months: int = 12
    max_interruptions: int = 3
    max_hours: float = 8.76
    growth_fraction: float = 0.2
    power_factor: float = 0.9

    _TOML = {
        ("weights", "default"): "default_weight",
        ("notice", "planned_days"): "planned_notice_days",
        ("notice", "temporary_hours"): "temporary_notice_hours",
        ("load", "days"): "typical_days",
        ("reliability", "months"): "reliability_months",
        ("reliability", "max_interruptions"): "max_interruptions",
        ("reliability", "max_hours"): "max_hours",
        ("reliability", "growth_fraction"): "growth_fraction",
        ("reliability", "power_factor"): "power_factor",
    }

    def weight(self, *, grade: str = "", important_grade: str = "") -> float:
        """The largest of the weights configured for the account's grade and important-user grade;
        the default weight when neither is configured."""
        specific = [
            w
            for w in (self.grade_weights.get(grade or "\0"), self.important_weights.get(important_grade or "\0"))
            if w is not None
        ]
        return max(specific) if specific else self.default_weight

    @classmethod
    def from_toml(cls, text: str, *, source: str = "rules file") -> OutageRules:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise OutageError(f"{source} is not valid TOML: {exc}", source=source) from exc
        defaults = cls()
        changes: dict[str, Any] = {}
        for section, values in data.items():
            if not isinstance(values, dict):
                raise OutageError(f"{source}: '{section}' must be a section [{section}]", source=source)
            for key, raw in values.items():
                name = f"{section}.{key}"
                if section == "weights" and key in ("grade", "important_grade"):
                    if not isinstance(raw, dict) or not all(_is_number(v) and v >= 0 for v in raw.values()):
                        raise OutageError(f"{source}: [{name}] must map names to non-negative numbers", source=source)
                    changes["grade_weights" if key == "grade" else "important_weights"] = {
                        str(k): float(v) for k, v in raw.items()
                    }
                    continue
                attr = cls._TOML.get((section, key))
                if attr is None:
                    known = ", ".join(
                        sorted({f"{s}.{k}" for s, k in cls._TOML} | {"weights.grade", "weights.important_grade"})
                    )
                    raise OutageError(f"{source}: unknown key '{name}' (known keys: {known})", source=source)
                default = getattr(defaults, attr)
                if not _is_number(raw) or raw < 0 or (isinstance(default, int) and not isinstance(raw, int)):
                    kind = "a whole number" if isinstance(default, int) else "a number"
                    raise OutageError(f"{source}: '{name}' must be {kind} ≥ 0, got {raw!r}", source=source)
                changes[attr] = type(default)(raw)
        rules = replace(defaults, **changes)
        if rules.typical_days < 1 or rules.reliability_months < 1 or not 0 < rules.power_factor <= 1:
            raise OutageError(
                f"{source}: load.days and reliability.months must be at least 1 and power_factor in (0, 1]",
                source=source,
            )
        return rules

    def to_toml(self) -> str:
        sections: dict[str, list[str]] = {}
        for (section, key), attr in self._TOML.items():
            sections.setdefault(section, []).append(f"{key} = {getattr(self, attr)!r}")
        lines = []
        for section, entries in sections.items():
            lines += [f"[{section}]", *entries, ""]
        for key, mapping in (("grade", self.grade_weights), ("important_grade", self.important_weights)):
            lines.append(f"[weights.{key}]")
            lines += [f"{k} = {float(v)!r}" for k, v in sorted(mapping.items())]
            lines.append("")
        return "\n".join(lines)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


DEFAULT_RULES = OutageRules()
