"""Service strategies for key accounts at risk (docs/health.md, "Service strategies"; the paper's
reference [5]: a recommendation model of service strategies for key accounts).

A configurable table of strategies (:data:`DEFAULT_STRATEGIES`, TOML overrides it), each answering
some churn reasons (the reason codes of :mod:`powerkam.analytics.health`), offered from a risk level
and an account value up, at a cost, with a prior share of the accounts it keeps. Each account's
strategies are ranked by the **revenue they are expected to keep**:

    probability of loss × annual revenue × share kept − cost

where the probability of loss is the churn model's when there is one, else the risk level's
(``loss_by_risk``), and the share kept is *learned from the outcomes recorded*: the prior counts as
``prior_weight`` offers, each recorded offer whose outcome is known adds one (kept or not), so a
strategy that keeps accounts rises and one that does not sinks as evidence comes in.
No Django here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from powerkam.analytics.health import RISKS, Health


class StrategyError(ValueError):
    """A strategies file that cannot be used; the message names the key."""


@dataclass(frozen=True)
class Strategy:
    code: str
    #: churn reason codes it answers
    reasons: tuple[str, ...]
    #: the lowest risk level it is offered at
    min_risk: str = "medium"
    #: the smallest annual revenue (yuan) it is worth offering to
    min_annual_yuan: float = 0.0
    cost_yuan: float = 0.0
    #: share of the accounts offered it that are kept, before any outcome is recorded
    success: float = 0.3


DEFAULT_STRATEGIES: tuple[Strategy, ...] = (
    Strategy(
        "senior_visit",  # 高层走访
        ("closure_applied", "contract_declined", "market_retailer", "relocation_applied", "consumption_down"),
        min_annual_yuan=5_000_000,
        cost_yuan=5_000,
        success=0.35,
    ),
    Strategy(
        "dedicated_service",  # 专属服务方案
        (
            "complaints",
            "complaints_repeated",
            "late_requests",
            "satisfaction_low",
            "visit_overdue",
            "contract_expiring",
        ),
        min_annual_yuan=1_000_000,
        cost_yuan=20_000,
        success=0.3,
    ),
    Strategy("efficiency_audit", ("consumption_down", "capacity_reduced"), cost_yuan=10_000, success=0.2),  # 能效诊断
    Strategy(
        "tariff_optimisation",  # 电价方案优化
        ("consumption_down", "capacity_reduced", "market_direct", "market_retailer", "contract_expiring"),
        cost_yuan=2_000,
        success=0.3,
    ),
    Strategy("payment_plan", ("arrears_overdue", "credit_low"), cost_yuan=1_000, success=0.5),  # 缴费计划
    Strategy(
        "reliability_upgrade",  # 供电可靠性提升 / 双电源改造
        ("interruptions",),
        min_annual_yuan=2_000_000,
        cost_yuan=200_000,
        success=0.4,
    ),
    Strategy(
        "green_power",  # 绿电与新能源服务
        ("market_direct", "market_retailer", "consumption_down", "self_generation_up"),
        cost_yuan=5_000,
        success=0.2,
    ),
    Strategy("capacity_fast_track", ("capacity_reduced", "relocation_applied"), cost_yuan=3_000, success=0.25),
)


@dataclass(frozen=True)
class StrategyRules:
    strategies: tuple[Strategy, ...] = DEFAULT_STRATEGIES
    #: probability of loss by risk level when no churn model is trained
    loss_by_risk: dict[str, float] = field(default_factory=lambda: {"high": 0.5, "medium": 0.2, "low": 0.05})
    #: how many offers the prior share counts as
    prior_weight: float = 10.0

    def __post_init__(self) -> None:
        problems = []
        codes = [s.code for s in self.strategies]
        if len(set(codes)) != len(codes):
            problems.append("strategy codes must be unique")
        for s in self.strategies:
            if s.min_risk not in RISKS:
                problems.append(f"{s.code}.min_risk must be one of {', '.join(RISKS)}")
            if not 0 <= s.success <= 1:
                problems.append(f"{s.code}.success must be between 0 and 1")
            if s.cost_yuan < 0 or s.min_annual_yuan < 0:
                problems.append(f"{s.code}: cost_yuan and min_annual_yuan must be 0 or more")
            if not s.reasons:
                problems.append(f"{s.code}.reasons must name at least one reason")
        if set(self.loss_by_risk) != set(RISKS) or not all(0 <= p <= 1 for p in self.loss_by_risk.values()):
            problems.append("loss_by_risk must give high, medium and low a probability between 0 and 1")
        if self.prior_weight <= 0:
            problems.append("prior_weight must be above 0")
        if problems:
            raise StrategyError("; ".join(problems))

    @classmethod
    def from_toml(cls, text: str) -> StrategyRules:
        """``[strategy.CODE]`` tables change a default strategy's fields or add one; ``loss_by_risk``
        and ``prior_weight`` at the top level."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise StrategyError(f"not valid TOML: {exc}") from exc
        unknown = sorted(set(data) - {"strategy", "loss_by_risk", "prior_weight"})
        if unknown:
            raise StrategyError(f"unknown key(s): {', '.join(unknown)}")
        by_code = {s.code: s for s in DEFAULT_STRATEGIES}
        for code, values in data.get("strategy", {}).items():
            if not isinstance(values, dict):
                raise StrategyError(f"strategy.{code} must be a table")
            known = {"reasons", "min_risk", "min_annual_yuan", "cost_yuan", "success"}
            if bad := sorted(set(values) - known):
                raise StrategyError(f"strategy.{code}: unknown key(s) {', '.join(bad)}")
            base = by_code.get(code, Strategy(code, ()))
            changes: dict[str, Any] = dict(values)
            if "reasons" in changes:
                changes["reasons"] = tuple(str(r) for r in changes["reasons"])
            try:
                by_code[code] = replace(base, **changes)
            except TypeError as exc:
                raise StrategyError(f"strategy.{code}: {exc}") from exc
        rules = cls()
        return replace(
            rules,
            strategies=tuple(by_code.values()),
            loss_by_risk={**rules.loss_by_risk, **data.get("loss_by_risk", {})},
            prior_weight=float(data.get("prior_weight", rules.prior_weight)),
        )


DEFAULT_RULES = StrategyRules()


@dataclass(frozen=True)
class Outcome:
    """A recorded offer whose outcome is known: the strategy and whether the account was kept."""

    strategy: str
    kept: bool


def learned_success(outcomes: Iterable[Outcome], rules: StrategyRules = DEFAULT_RULES) -> dict[str, float]:
    """Each strategy's share of accounts kept: the prior, counted as ``prior_weight`` offers, updated by
    the outcomes recorded (a beta-binomial mean)."""
    offered: dict[str, int] = {}
    kept: dict[str, int] = {}
    for o in outcomes:
        offered[o.strategy] = offered.get(o.strategy, 0) + 1
        kept[o.strategy] = kept.get(o.strategy, 0) + int(o.kept)
    w = rules.prior_weight
    return {s.code: (w * s.success + kept.get(s.code, 0)) / (w + offered.get(s.code, 0)) for s in rules.strategies}


@dataclass(frozen=True)
class Recommendation:
    strategy: str
    #: the account's reasons it answers
    reasons: tuple[str, ...]
    success: float
    #: yuan of revenue a year the offer is expected to keep, net of its cost
    expected_yuan: float


def recommend(
    health: Health,
    *,
    annual_yuan: float,
    loss_probability: float | None = None,
    success: Mapping[str, float] | None = None,
    rules: StrategyRules = DEFAULT_RULES,
) -> list[Recommendation]:
    """The strategies that answer the account's reasons, at its risk and value, best first (those
    expected to keep less than they cost are left out)."""
    level = RISKS.index(health.risk)  # 0 high … 2 low
    reasons = {r.code for r in health.reasons} | {code for code, _floor in health.floors}
    p_loss = loss_probability if loss_probability is not None else rules.loss_by_risk[health.risk]
    found = []
    for s in rules.strategies:
        answered = tuple(r for r in s.reasons if r in reasons)
        if not answered or level > RISKS.index(s.min_risk) or annual_yuan < s.min_annual_yuan:
            continue
        share = (success or {}).get(s.code, s.success)
        expected = p_loss * annual_yuan * share - s.cost_yuan
        if expected > 0:
            found.append(Recommendation(s.code, answered, round(share, 3), round(expected, 2)))
    found.sort(key=lambda r: (-r.expected_yuan, r.strategy))
    return found
