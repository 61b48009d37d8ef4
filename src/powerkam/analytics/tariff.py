"""Tariff advice for key accounts (docs/rules.md §5): the value-added service a key-account manager
brings to a customer — how much the customer could save on the same consumption.

Three pieces of advice, each from the last 12 months of bills (``billing`` in the store):

- **Basic charge** (两部制电价, 发改办价格〔2016〕1583号, 发改价格〔2023〕526号): a large-industrial
  customer of 315 kVA and more pays a basic charge either by transformer capacity
  (元/kVA·month) or by maximum demand (元/kW·month, against a contract demand of at least 40 %
  of the capacity; demand up to 105 % of the contract is billed at the contract, the excess
  above 105 % — or above the contract, by province — at double price). The advice is the
  cheaper mode and the contract demand that would have cost least over the 12 months, with the
  yuan saved against what the customer's current mode cost, and the day by which to apply
  (mode: 15 working days before a quarter; contract demand: 5 working days before a month).
- **Time of use** (峰谷分时, 发改价格〔2021〕1093号): the yuan a customer saves per year for every
  share of its peak (and critical-peak) energy it moves to the valley.
- **Power factor** (《功率因数调整电费办法》): the surcharge paid below the standard, and what
  reactive compensation to a target power factor would have saved.

Pure functions; prices, ratios and limits are :class:`TariffRules` (a TOML file overrides them,
see docs/tariff.md). Nothing here imports Django.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis.expr.types as ir

from powerkam.analytics import portfolio, store
from powerkam.analytics.accounts import shift_period
from powerkam.analytics.charges import pf_adjustment_percent, pf_standard, power_factor
from powerkam.analytics.grading_backends import drop_temp_table, ids_table, store_connection

MONTHS = 12
_TOU_PERIODS = ("peak", "flat", "valley", "critical")


class TariffRulesError(ValueError):
    """A tariff rules file that cannot be used; the message names the key and what is wrong."""


@dataclass(frozen=True)
class TariffRules:
    """Provincial prices and the national rules' limits. Defaults: the demo province (示范省)."""

    #: Basic charge by transformer capacity, 元/kVA per month.
    capacity_yuan_per_kva: float = 28.0
    #: Basic charge by maximum demand, 元/kW per month.
    demand_yuan_per_kw: float = 38.4
    #: Two-part tariff applies from this capacity (kVA).
    two_part_min_kva: float = 315.0
    #: The contract demand may not be below this share of the transformer capacity.
    min_demand_share: float = 0.40
    #: Demand up to this multiple of the contract is billed at the contract value.
    demand_tolerance: float = 1.05
    #: The excess is billed at this multiple of the price.
    excess_multiplier: float = 2.0
    #: What the excess is counted above: "tolerance" (105 % of the contract) or "contract".
    excess_base: str = "tolerance"
    #: Working days' notice: a mode change takes effect at the next quarter, a contract demand at the next month.
    mode_notice_workdays: int = 15
    demand_notice_workdays: int = 5
    #: TOU price ratios to the flat price.
    tou_ratio: Mapping[str, float] = field(
        default_factory=lambda: {"peak": 1.6, "flat": 1.0, "valley": 0.4, "critical": 1.92}
    )
    #: Flat energy price (元/kWh) by tariff, then by voltage (kV, the highest not above the customer's applies).
    energy_price: Mapping[str, Mapping[float, float]] = field(
        default_factory=lambda: {
            "large_industrial": {10.0: 0.6215, 35.0: 0.6015, 110.0: 0.5815, 220.0: 0.5665},
            "general_commercial": {0.4: 0.7012, 10.0: 0.6812, 35.0: 0.6612, 110.0: 0.6412},
            "agricultural": {0.22: 0.5090, 0.4: 0.5090, 10.0: 0.4990},
            "residential": {0.22: 0.5483, 0.4: 0.5483},
        }
    )
    #: The share of peak energy the TOU advice moves to the valley.
    shift_share: float = 0.10
    #: The power factor reactive compensation aims at.
    target_power_factor: float = 0.95
    #: Advice saving less than this per year (yuan) is not shown.
    min_saving_yuan: float = 1000.0

    def __post_init__(self) -> None:
        problems = []
        for name in ("capacity_yuan_per_kva", "demand_yuan_per_kw", "two_part_min_kva", "min_saving_yuan"):
            if getattr(self, name) < 0:
                problems.append(f"{name} must be 0 or more")
        if not 0 < self.min_demand_share <= 1:
            problems.append("min_demand_share must be above 0 and at most 1")
        if self.demand_tolerance < 1:
            problems.append("demand_tolerance must be 1 or more")
        if self.excess_multiplier < 1:
            problems.append("excess_multiplier must be 1 or more")
        if self.excess_base not in ("tolerance", "contract"):
            problems.append('excess_base must be "tolerance" or "contract"')
        if not 0 < self.shift_share <= 1:
            problems.append("shift_share must be above 0 and at most 1")
        if not 0 < self.target_power_factor <= 1:
            problems.append("target_power_factor must be above 0 and at most 1")
        missing = [p for p in _TOU_PERIODS if p not in self.tou_ratio]
        if missing:
            problems.append(f"tou_ratio lacks {', '.join(missing)}")
        if problems:
            raise TariffRulesError("; ".join(problems))

    @property
    def shift_percent(self) -> float:
        return round(self.shift_share * 100, 1)

    def flat_price(self, tariff: str, voltage_kv: float) -> float | None:
        """The flat-period energy price of a tariff at a voltage (None when the rules have none)."""
        table = self.energy_price.get(tariff) or {}
        usable = [v for v in table if v <= voltage_kv + 1e-9]
        if not usable:
            return None
        return float(table[max(usable)])

    @classmethod
    def from_toml(cls, text: str) -> TariffRules:
        """Rules from TOML text: top-level keys as the field names, ``[tou_ratio]`` and
        ``[energy_price.<tariff>]`` tables (voltage as the key, e.g. ``"10" = 0.62``)."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise TariffRulesError(f"not valid TOML: {exc}") from exc
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise TariffRulesError(f"unknown key(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key == "tou_ratio":
                ratios = _table(key, value)
                values[key] = {**cls().tou_ratio, **{k: _number(f"tou_ratio.{k}", v) for k, v in ratios.items()}}
            elif key == "energy_price":
                values[key] = {
                    tariff: {
                        _number(f"energy_price.{tariff} voltage", kv): _number(f"energy_price.{tariff}.{kv}", p)
                        for kv, p in _table(f"energy_price.{tariff}", table).items()
                    }
                    for tariff, table in _table(key, value).items()
                }
            elif key == "excess_base":
                values[key] = str(value)
            elif key in ("mode_notice_workdays", "demand_notice_workdays"):
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise TariffRulesError(f"{key} must be a whole number of working days, not {value!r}")
                values[key] = value
            else:
                values[key] = _number(key, value)
        return replace(cls(), **values)

    @classmethod
    def from_file(cls, path: Path) -> TariffRules:
        try:
            return cls.from_toml(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise TariffRulesError(f"cannot read {path}: {exc.strerror}") from exc


def _table(key: str, value: Any) -> dict[str, Any]:
    """A TOML table (``[key]`` or ``key = {…}``); anything else is refused naming the key."""
    if not isinstance(value, dict):
        raise TariffRulesError(f"{key} must be a table ([{key}] with one value per line), not {value!r}")
    return value


def _number(key: str, value: Any) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        return float(value)
    except (TypeError, ValueError):
        raise TariffRulesError(f"{key} must be a number, not {value!r}") from None


DEFAULT_RULES = TariffRules()


# --- inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """What a customer is billed under (the CRM's master data)."""

    customer_id: str
    tariff: str
    voltage_kv: float
    capacity_kva: float
    basic_charge_mode: str = ""  # "capacity", "demand" or unknown


@dataclass(frozen=True)
class MonthBill:
    period: str
    kwh: float
    amount_yuan: float
    kwh_peak: float | None = None
    kwh_flat: float | None = None
    kwh_valley: float | None = None
    kwh_critical: float | None = None
    kvarh: float | None = None
    max_demand_kw: float | None = None


_BILL_VALUES = ("kwh_peak", "kwh_flat", "kwh_valley", "kwh_critical", "kvarh", "max_demand_kw")


def bills_table(billing: ir.Table, ids: ir.Table, *, first: str, last: str) -> ir.Table:
    """The bills of the customers in *ids* of the periods ``first``…``last``, by customer and period,
    with the columns of :class:`MonthBill` (the yuan as float64). Ibis, for any engine."""
    mine = billing.filter(billing.customer_id.isin(ids.customer_id) & billing.period.between(first, last))
    return mine.select(
        "customer_id", "period", "kwh", mine.amount_yuan.cast("float64").name("amount_yuan"), *_BILL_VALUES
    ).order_by(["customer_id", "period"])


def read_bills(
    store_dir: Path, customer_ids: Iterable[str], *, period: str, months: int = MONTHS, backend: str | None = None
) -> dict[str, list[MonthBill]]:
    """Each customer's bills of the ``months`` months ending with ``period``, oldest first
    (:func:`bills_table` on *backend*: default ``POWERKAM_ANALYTICS_BACKEND``, else DuckDB)."""
    ids = list(dict.fromkeys(customer_ids))
    path = store.dataset_source(store_dir, "billing")
    if not ids or path is None:
        return {}
    first = shift_period(period, -(months - 1))
    with store_connection(None, backend) as con:
        id_table = ids_table(con, "powerkam_tariff_ids", ids)
        try:
            billing = con.read_parquet(path, table_name="powerkam_tariff_billing")
            rows = bills_table(billing, id_table, first=first, last=period).to_pyarrow().to_pylist()
        finally:
            drop_temp_table(con, "powerkam_tariff_ids")
    bills: dict[str, list[MonthBill]] = {}
    for row in rows:
        cid = row.pop("customer_id")
        bills.setdefault(cid, []).append(MonthBill(**row))
    return bills


# --- basic charge ------------------------------------------------------------------------------


def billed_demand_kw(contract_kw: float, max_demand_kw: float, rules: TariffRules = DEFAULT_RULES) -> float:
    """The demand a month is billed for under a contract demand (kW-equivalent at the plain price).

    Up to ``demand_tolerance`` × contract: the contract. Above: the actual maximum demand plus the
    excess over the base (105 % of the contract, or the contract) once more at the multiplier.
    """
    if max_demand_kw <= rules.demand_tolerance * contract_kw:
        return contract_kw
    base = rules.demand_tolerance * contract_kw if rules.excess_base == "tolerance" else contract_kw
    return max_demand_kw + (rules.excess_multiplier - 1) * (max_demand_kw - base)


def demand_cost(contract_kw: float, demands: Sequence[float], rules: TariffRules = DEFAULT_RULES) -> float:
    """Basic charge (yuan) of the months with these maximum demands under one contract demand."""
    return rules.demand_yuan_per_kw * sum(billed_demand_kw(contract_kw, md, rules) for md in demands)


def best_contract_demand(capacity_kva: float, demands: Sequence[float], rules: TariffRules = DEFAULT_RULES) -> int:
    """The whole-kW contract demand (between the minimum share of capacity and the capacity) that
    would have cost least over these months; ties → the larger (less risk of the excess charge).

    Each month's charge falls as the contract rises towards its demand ÷ tolerance and rises
    after it, so the optimum is at one of those points (rounded up to a whole kW) or a limit.
    """
    lower = math.ceil(rules.min_demand_share * capacity_kva - 1e-9)
    upper = max(lower, math.floor(capacity_kva + 1e-9))
    candidates = {lower, upper}
    for md in demands:
        point = math.ceil(md / rules.demand_tolerance - 1e-9)
        candidates.update(c for c in (point, point + 1) if lower <= c <= upper)
    return min(sorted(candidates), key=lambda d: (round(demand_cost(d, demands, rules), 6), -d))


def _apply_by(effective: dt.date, notice_workdays: int, is_workday: Callable[[dt.date], bool]) -> dt.date:
    """The last day to apply: the ``notice_workdays``-th working day before ``effective`` (提前 N 个工作日)."""
    day, counted = effective, 0
    while counted < notice_workdays:
        day -= dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    return day if notice_workdays else effective - dt.timedelta(days=1)


def next_effective(
    today: dt.date, *, months_step: int, notice_workdays: int, is_workday: Callable[[dt.date], bool]
) -> tuple[dt.date, dt.date]:
    """(effective date, apply-by date) of the first month (``months_step`` 1) or quarter (3) start
    that can still be reached from ``today`` with the notice."""
    index = today.year * 12 + today.month - 1
    index += months_step - index % months_step  # the next period start after this month
    while True:
        effective = dt.date(index // 12, index % 12 + 1, 1)
        apply_by = _apply_by(effective, notice_workdays, is_workday)
        if apply_by >= today:
            return effective, apply_by
        index += months_step


def deadlines(
    today: dt.date, is_workday: Callable[[dt.date], bool], rules: TariffRules = DEFAULT_RULES
) -> dict[str, dt.date]:
    """When a mode change (next quarter) and a contract demand (next month) can take effect, and the apply-by days."""
    mode_at, mode_by = next_effective(
        today, months_step=3, notice_workdays=rules.mode_notice_workdays, is_workday=is_workday
    )
    demand_at, demand_by = next_effective(
        today, months_step=1, notice_workdays=rules.demand_notice_workdays, is_workday=is_workday
    )
    return {
        "mode_effective": mode_at,
        "mode_apply_by": mode_by,
        "demand_effective": demand_at,
        "demand_apply_by": demand_by,
    }


@dataclass(frozen=True)
class BasicChargeAdvice:
    current_mode: str
    months: int
    capacity_cost_yuan: float
    contract_demand_kw: int
    demand_cost_yuan: float
    current_cost_yuan: float
    advised_mode: str
    saving_yuan: float  # over the months measured
    annual_saving_yuan: float
    peak_demand_kw: float
    mode_effective: dt.date | None = None
    mode_apply_by: dt.date | None = None
    demand_effective: dt.date | None = None
    demand_apply_by: dt.date | None = None


def basic_charge_advice(
    terms: Terms,
    bills: Sequence[MonthBill],
    *,
    rules: TariffRules = DEFAULT_RULES,
    today: dt.date | None = None,
    is_workday: Callable[[dt.date], bool] | None = None,
) -> BasicChargeAdvice | None:
    """The cheaper basic-charge mode over the months billed; None when the two-part tariff does not
    apply or fewer than three months carry a maximum demand."""
    if terms.tariff != "large_industrial" or terms.capacity_kva < rules.two_part_min_kva:
        return None
    demands = [b.max_demand_kw for b in bills if b.max_demand_kw is not None]
    if len(demands) < 3:
        return None
    months = len(demands)
    capacity_cost = rules.capacity_yuan_per_kva * terms.capacity_kva * months
    contract = best_contract_demand(terms.capacity_kva, demands, rules)
    by_demand = demand_cost(contract, demands, rules)
    if terms.basic_charge_mode == "capacity":
        current = capacity_cost
    else:
        # Without a contract value on record the demand mode is billed on the month's maximum demand,
        # not below the minimum share of capacity.
        floor_kw = rules.min_demand_share * terms.capacity_kva
        current = rules.demand_yuan_per_kw * sum(max(md, floor_kw) for md in demands)
    advised = "demand" if by_demand < capacity_cost else "capacity"
    best = min(by_demand, capacity_cost)
    saving = max(current - best, 0.0)
    advice = BasicChargeAdvice(
        current_mode=terms.basic_charge_mode or "demand",
        months=months,
        capacity_cost_yuan=round(capacity_cost, 2),
        contract_demand_kw=contract,
        demand_cost_yuan=round(by_demand, 2),
        current_cost_yuan=round(current, 2),
        advised_mode=advised,
        saving_yuan=round(saving, 2),
        annual_saving_yuan=round(saving * MONTHS / months, 2),
        peak_demand_kw=max(demands),
    )
    if today is not None and is_workday is not None:
        when = deadlines(today, is_workday, rules)
        advice = replace(
            advice,
            mode_effective=when["mode_effective"],
            mode_apply_by=when["mode_apply_by"],
            demand_effective=when["demand_effective"],
            demand_apply_by=when["demand_apply_by"],
        )
    return advice


# --- time of use -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TouAdvice:
    months: int
    kwh: dict[str, float]
    peak_share: float  # (peak + critical) ÷ total
    flat_price: float
    energy_cost_yuan: float
    shift_share: float
    annual_saving_yuan: float  # moving shift_share of peak and critical energy to the valley

    @property
    def peak_percent(self) -> float:
        return round(self.peak_share * 100, 1)

    @property
    def shift_percent(self) -> float:
        return round(self.shift_share * 100, 1)


def tou_advice(terms: Terms, bills: Sequence[MonthBill], *, rules: TariffRules = DEFAULT_RULES) -> TouAdvice | None:
    """What moving ``shift_share`` of the peak (and critical-peak) energy to the valley saves a year;
    None without a TOU split on the bills or a price for the customer's tariff."""
    split = [b for b in bills if b.kwh_peak is not None and b.kwh_valley is not None]
    price = rules.flat_price(terms.tariff, terms.voltage_kv)
    if not split or price is None:
        return None
    kwh = {p: sum(float(getattr(b, f"kwh_{p}") or 0.0) for b in split) for p in _TOU_PERIODS}
    total = sum(kwh.values())
    if total <= 0:
        return None
    ratio = rules.tou_ratio
    cost = price * sum(ratio[p] * kwh[p] for p in _TOU_PERIODS)
    moved = rules.shift_share * (
        kwh["peak"] * (ratio["peak"] - ratio["valley"]) + kwh["critical"] * (ratio["critical"] - ratio["valley"])
    )
    saving = price * moved * MONTHS / len(split)
    return TouAdvice(
        months=len(split),
        kwh=kwh,
        peak_share=(kwh["peak"] + kwh["critical"]) / total,
        flat_price=price,
        energy_cost_yuan=round(cost, 2),
        shift_share=rules.shift_share,
        annual_saving_yuan=round(saving, 2),
    )


# --- power factor ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PowerFactorAdvice:
    standard: Decimal
    months: int
    lowest: Decimal
    average: Decimal  # over the months' energy
    adjustment_yuan: float  # paid (+) or rebated (−) over the months
    target: Decimal
    annual_saving_yuan: float  # had every month been at least at the target

    @property
    def rebate_yuan(self) -> float:
        return max(-self.adjustment_yuan, 0.0)


def power_factor_advice(
    terms: Terms, bills: Sequence[MonthBill], *, rules: TariffRules = DEFAULT_RULES
) -> PowerFactorAdvice | None:
    """The power-factor adjustment paid over the months and what compensation to the target would
    have saved; None when the adjustment does not apply or no month has reactive energy."""
    standard = pf_standard(tariff=terms.tariff, capacity_kva=terms.capacity_kva, voltage_kv=terms.voltage_kv)
    metered = [b for b in bills if b.kvarh is not None and b.kwh > 0]
    if standard is None or not metered:
        return None
    target = max(Decimal(str(rules.target_power_factor)), standard)
    paid = saved = 0.0
    factors = []
    for b in metered:
        pf = power_factor(b.kwh, b.kvarh or 0.0)
        factors.append(pf)
        percent = float(pf_adjustment_percent(standard, pf))
        base = b.amount_yuan / (1 + percent / 100)  # the bill before its adjustment
        paid += base * percent / 100
        improved = float(pf_adjustment_percent(standard, max(pf, target)))
        saved += base * (percent - improved) / 100
    total_kwh = sum(b.kwh for b in metered)
    total_kvarh = sum(b.kvarh or 0.0 for b in metered)
    return PowerFactorAdvice(
        standard=standard,
        months=len(metered),
        lowest=min(factors),
        average=power_factor(total_kwh, total_kvarh),
        adjustment_yuan=round(paid, 2),
        target=target,
        annual_saving_yuan=round(saved * MONTHS / len(metered), 2),
    )


# --- all of it ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Advice:
    customer_id: str
    period: str
    basic: BasicChargeAdvice | None
    tou: TouAdvice | None
    power_factor: PowerFactorAdvice | None
    min_saving_yuan: float = DEFAULT_RULES.min_saving_yuan

    @property
    def items(self) -> list[tuple[str, float]]:
        """(kind, annual saving) of every piece of advice worth giving, largest first."""
        found = [
            ("basic_charge", self.basic.annual_saving_yuan if self.basic else 0.0),
            ("time_of_use", self.tou.annual_saving_yuan if self.tou else 0.0),
            ("power_factor", self.power_factor.annual_saving_yuan if self.power_factor else 0.0),
        ]
        return sorted(((k, s) for k, s in found if s >= self.min_saving_yuan and s > 0), key=lambda x: -x[1])

    @property
    def annual_saving_yuan(self) -> float:
        return round(sum(s for _, s in self.items), 2)


def advise(
    terms: Terms,
    bills: Sequence[MonthBill],
    *,
    period: str,
    rules: TariffRules = DEFAULT_RULES,
    today: dt.date | None = None,
    is_workday: Callable[[dt.date], bool] | None = None,
) -> Advice:
    return Advice(
        customer_id=terms.customer_id,
        period=period,
        basic=basic_charge_advice(terms, bills, rules=rules, today=today, is_workday=is_workday),
        tou=tou_advice(terms, bills, rules=rules),
        power_factor=power_factor_advice(terms, bills, rules=rules),
        min_saving_yuan=rules.min_saving_yuan,
    )


def latest_period(store_dir: Path) -> str | None:
    """The newest billing period in the store (:func:`powerkam.analytics.portfolio.latest_period`)."""
    return portfolio.latest_period(store_dir)


def advise_many(
    store_dir: Path,
    customers: Sequence[Terms],
    *,
    period: str,
    rules: TariffRules = DEFAULT_RULES,
    today: dt.date | None = None,
    is_workday: Callable[[dt.date], bool] | None = None,
    backend: str | None = None,
) -> list[Advice]:
    """Advice for many customers from one read of the store (on *backend*, :func:`read_bills`); the
    advice itself is arithmetic on each customer's 12 bills, here in Python."""
    bills = read_bills(store_dir, [c.customer_id for c in customers], period=period, backend=backend)
    if is_workday is not None:
        is_workday = functools.lru_cache(maxsize=None)(is_workday)  # the same few days for every customer
    return [
        advise(c, bills.get(c.customer_id, []), period=period, rules=rules, today=today, is_workday=is_workday)
        for c in customers
    ]
