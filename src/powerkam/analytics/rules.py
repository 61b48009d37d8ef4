"""Grading rules: every threshold and weight of docs/rules.md §1, overridable from a TOML file.

The defaults are exactly those of ``docs/rules.md`` §1. A rules file only lists what it changes::

    [key_account]
    min_annual_kwh = 800000

    [credit]
    late_payment_deduction = 5

Anything else in the file is refused with a message that names the offending key
(unknown section or key, wrong type, negative threshold, a rank outside 0…1 …), so a typo
never silently falls back to a default. :meth:`GradingRules.to_toml` writes the complete
effective rules back out; that text (and its hash) is what a grading run records.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

#: The important-user grades of the customers dataset (English form, as stored).
IMPORTANT_GRADES = ("special", "first", "second", "temporary")


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the key and says what is wrong."""


@dataclass(frozen=True)
class WindowRules:
    #: Number of billing periods in the window W, ending with the graded period.
    months: int = 12


@dataclass(frozen=True)
class SettlementRules:
    #: A bill is settled once its known payments reach its amount within this many yuan.
    tolerance_yuan: Decimal = Decimal("0.01")


@dataclass(frozen=True)
class CreditRules:
    base: int = 100
    late_payment_deduction: int = 10
    overdue_deduction: int = 20
    long_late_days: int = 30
    long_late_deduction: int = 20
    floor: int = 0
    ceiling: int = 100


@dataclass(frozen=True)
class KeyAccountRules:
    min_voltage_kv: float = 10.0
    min_active_months: int = 6
    min_annual_kwh: float = 1_000_000.0
    min_contract_capacity_kva: float = 2_000.0
    #: Important-user grades that make a customer a key account by themselves (empty: none do).
    important_grades: tuple[str, ...] = IMPORTANT_GRADES


@dataclass(frozen=True)
class GradeRules:
    #: Grade C below this credit score.
    c_below_credit: int = 60
    #: Grade A needs at least this value rank …
    a_min_value_rank: float = 0.8
    #: … and at least this credit score.
    a_min_credit: int = 90


@dataclass(frozen=True)
class GradingRules:
    window: WindowRules = field(default_factory=WindowRules)
    settlement: SettlementRules = field(default_factory=SettlementRules)
    credit: CreditRules = field(default_factory=CreditRules)
    key_account: KeyAccountRules = field(default_factory=KeyAccountRules)
    grade: GradeRules = field(default_factory=GradeRules)

    # -- reading -----------------------------------------------------------------------------

    @classmethod
    def from_toml(cls, text: str, *, source: str = "rules file") -> GradingRules:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RulesError(f"{source} is not valid TOML: {exc}") from exc
        return cls.from_mapping(data, source=source)

    @classmethod
    def from_file(cls, path: Path | str) -> GradingRules:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise RulesError(f"rules file {path} does not exist") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise RulesError(f"rules file {path} cannot be read: {exc}") from exc
        return cls.from_toml(text, source=f"rules file {path}")

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, source: str = "rules file") -> GradingRules:
        sections = {f.name: f for f in fields(cls)}
        rules = cls()
        for section_name, values in data.items():
            if section_name not in sections:
                raise RulesError(f"{source}: unknown section [{section_name}] (known sections: {', '.join(sections)})")
            if not isinstance(values, dict):
                raise RulesError(f"{source}: '{section_name}' must be a section [{section_name}], not a value")
            current = getattr(rules, section_name)
            known = {f.name: f for f in fields(current)}
            changes: dict[str, Any] = {}
            for key, raw in values.items():
                name = f"{section_name}.{key}"
                if key not in known:
                    raise RulesError(f"{source}: unknown key '{name}' (known keys: {', '.join(known)})")
                changes[key] = _coerce(name, raw, getattr(current, key), source)
            rules = replace(rules, **{section_name: replace(current, **changes)})
        rules.validate(source=source)
        return rules

    def validate(self, *, source: str = "rules") -> None:
        """Relations between values that no single key can check."""

        def bad(name: str, why: str) -> RulesError:
            return RulesError(f"{source}: '{name}' {why}")

        if not 1 <= self.window.months <= 120:
            raise bad("window.months", f"must be between 1 and 120 billing periods, not {self.window.months}")
        if self.credit.floor > self.credit.ceiling:
            raise bad("credit.floor", f"({self.credit.floor}) must not exceed credit.ceiling ({self.credit.ceiling})")
        if not 0 <= self.grade.a_min_value_rank <= 1:
            raise bad("grade.a_min_value_rank", f"must be between 0 and 1, not {self.grade.a_min_value_rank}")
        unknown = [g for g in self.key_account.important_grades if g not in IMPORTANT_GRADES]
        if unknown:
            raise bad(
                "key_account.important_grades",
                f"contains unknown grade(s) {', '.join(unknown)} (known: {', '.join(IMPORTANT_GRADES)})",
            )

    # -- writing -----------------------------------------------------------------------------

    def to_toml(self) -> str:
        """The complete effective rules as TOML (read back by :meth:`from_toml` to equal rules)."""
        lines: list[str] = []
        for section in fields(self):
            lines.append(f"[{section.name}]")
            values = getattr(self, section.name)
            for f in fields(values):
                lines.append(f"{f.name} = {_toml_value(getattr(values, f.name))}")
            lines.append("")
        return "\n".join(lines)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.to_toml().encode("utf-8")).hexdigest()


def _coerce(name: str, raw: Any, default: Any, source: str) -> Any:
    """Check one value against the type of its default; thresholds and weights are never negative."""

    def bad(why: str) -> RulesError:
        return RulesError(f"{source}: '{name}' {why}, got {raw!r}")

    if isinstance(default, tuple):
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise bad("must be a list of text values")
        return tuple(raw)
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise bad("must be a number")
    if isinstance(default, int) and not isinstance(raw, int):
        raise bad("must be a whole number")
    if raw < 0:
        raise bad("must not be negative")
    if isinstance(default, Decimal):
        return Decimal(str(raw))
    if isinstance(default, float):
        return float(raw)
    return raw


def _toml_value(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


DEFAULT_RULES = GradingRules()
