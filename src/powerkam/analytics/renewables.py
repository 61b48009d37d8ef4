"""Renewable-energy key accounts (docs/rules.md §7): the consumption-responsibility quota, the
distributed-PV rules and the tiered price differences.

- **Quota** (可再生能源电力消纳责任权重): obligation = weight × consumption; fulfilled = own renewable
  consumption (self-used generation) + green power bought + certificates held (1 certificate =
  1 MWh); shortfall = max(0, obligation − fulfilled), in MWh, in whole certificates (rounded up) and
  in yuan at the latest certificate price. The year's forecast scales the months so far to twelve.
- **Distributed PV** (国能发新能规〔2025〕7号): the connection modes a voltage and a capacity allow,
  and the self-consumption ratio against a provincial minimum.
- **Tiered price differences** (售电差价分层): the utility's band table, the account's band and the
  next one.

Pure functions and one DuckDB read of the store (:func:`year_figures`); the configurable numbers
are :class:`RenewableRules` (TOML, like the tariff rules). Nothing here imports Django.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from powerkam.analytics import store

#: Connection modes of a generating account (data contract, ``generation.mode``).
SELF_USE = "self_use"  # 全额自发自用
SURPLUS = "surplus"  # 自发自用、余电上网
FULL_EXPORT = "full_export"  # 全额上网
MODES: tuple[str, ...] = (SELF_USE, SURPLUS, FULL_EXPORT)
TECHNOLOGIES: tuple[str, ...] = ("pv", "wind", "storage")
#: Parties a weight is set for (market users buying directly, users supplied by a retail company,
#: owners of captive plants).
PARTY_TYPES: tuple[str, ...] = ("market_user", "retail_supplied", "captive_plant")

#: 1 green certificate stands for 1 MWh of renewable electricity.
KWH_PER_CERTIFICATE = 1000.0
#: Self-consumed + exported must equal generated within this share (data contract).
GENERATION_TOLERANCE = 0.01
#: Below a certificate's thousandth a shortfall is arithmetic noise, not a certificate to buy.
_EPSILON = 1e-6


class RenewableRulesError(ValueError):
    """A renewables rules file that cannot be used; the message names the key and what is wrong."""


# --- distributed PV: connection modes (国能发新能规〔2025〕7号) ---------------------------------------


@dataclass(frozen=True)
class PvCategory:
    """Distributed PV connected at up to ``max_voltage_kv`` and up to ``max_kw`` installed."""

    key: str
    max_voltage_kv: float
    max_kw: float
    modes: tuple[str, ...]
    #: modes allowed only where an electricity spot market runs
    spot_modes: tuple[str, ...] = ()

    def allowed(self, spot_market: bool = False) -> tuple[str, ...]:
        return self.modes + (self.spot_modes if spot_market else ())


#: General C&I (≤ 10 kV, ≤ 6 MW): self-use or surplus export, never full export. Large C&I (35 kV up
#: to 20 MW, 110 kV up to 50 MW; 20 kV and 66 kV counted with the level above): self-use, surplus
#: export only where a spot market runs. Above 110 kV a plant is not distributed PV.
PV_CATEGORIES: tuple[PvCategory, ...] = (
    PvCategory("general", 10.0, 6_000.0, (SELF_USE, SURPLUS)),
    PvCategory("large_35", 35.0, 20_000.0, (SELF_USE,), (SURPLUS,)),
    PvCategory("large_110", 110.0, 50_000.0, (SELF_USE,), (SURPLUS,)),
)


@dataclass(frozen=True)
class ModeCheck:
    category: PvCategory | None
    allowed: tuple[str, ...]
    #: the installed capacity is above the category's limit (or no category fits the voltage)
    over_limit: bool

    def allows(self, mode: str) -> bool:
        return not self.over_limit and mode in self.allowed


def pv_category(voltage_kv: float) -> PvCategory | None:
    """The distributed-PV category of an account's supply voltage (None above 110 kV)."""
    for category in PV_CATEGORIES:
        if voltage_kv <= category.max_voltage_kv + 1e-9:
            return category
    return None


def allowed_modes(voltage_kv: float, installed_kw: float, *, spot_market: bool = False) -> ModeCheck:
    """The connection modes distributed PV of ``installed_kw`` at ``voltage_kv`` may use."""
    category = pv_category(voltage_kv)
    if category is None:
        return ModeCheck(None, (), True)
    return ModeCheck(category, category.allowed(spot_market), installed_kw > category.max_kw + 1e-9)


def mode_sql(voltage: str, installed: str, mode: str, *, spot_market: bool = False) -> tuple[str, str, str]:
    """SQL for the validator, from :data:`PV_CATEGORIES`: (mode allowed?, over the limit?, the allowed
    modes as text). Each expression is NULL-safe on its inputs being present."""
    allowed_cases, over_cases, text_cases = [], [], []
    for c in PV_CATEGORIES:
        allowed = c.allowed(spot_market)
        when = f"WHEN {voltage} <= {c.max_voltage_kv + 1e-9!r}"
        allowed_cases.append(f"{when} THEN {mode} IN ({', '.join(repr(m) for m in allowed)})")
        over_cases.append(f"{when} THEN {installed} > {c.max_kw + 1e-9!r}")
        text_cases.append(f"{when} THEN {', '.join(allowed)!r}")
    return (
        f"(CASE {' '.join(allowed_cases)} ELSE false END)",
        f"(CASE {' '.join(over_cases)} ELSE true END)",
        f"(CASE {' '.join(text_cases)} ELSE '' END)",
    )


# --- self-consumption ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SelfConsumption:
    generated_kwh: float
    self_consumed_kwh: float
    minimum: float

    @property
    def ratio(self) -> float | None:
        """Self-consumed ÷ generated (None when nothing was generated)."""
        return self.self_consumed_kwh / self.generated_kwh if self.generated_kwh > 0 else None

    @property
    def compliant(self) -> bool | None:
        ratio = self.ratio
        return None if ratio is None else ratio >= self.minimum - 1e-9


def self_consumption(
    generated_kwh: float,
    *,
    self_consumed_kwh: float | None = None,
    exported_kwh: float | None = None,
    minimum: float = 0.5,
) -> SelfConsumption:
    """The self-consumption ratio from the self-consumed kWh, or from the exported kWh when only they are known."""
    if self_consumed_kwh is None:
        if exported_kwh is None:
            raise ValueError("self_consumed_kwh or exported_kwh is needed")
        self_consumed_kwh = generated_kwh - exported_kwh
    return SelfConsumption(float(generated_kwh), float(self_consumed_kwh), float(minimum))


# --- green power and certificates ---------------------------------------------------------------


def green_premium_yuan(kwh: float, premium_yuan_per_kwh: float) -> float:
    """What green power costs above grey power: the environmental premium on every kWh."""
    return kwh * premium_yuan_per_kwh


def certificates_cost_yuan(certificates: int, price_yuan: float) -> float:
    return certificates * price_yuan


# --- quota --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quota:
    """One account's consumption-responsibility figures for a year (MWh, yuan)."""

    weight: float
    consumption_mwh: float
    own_mwh: float
    green_mwh: float
    certificates: int
    certificate_price_yuan: float | None

    @property
    def obligation_mwh(self) -> float:
        return self.weight * self.consumption_mwh

    @property
    def fulfilled_mwh(self) -> float:
        return self.own_mwh + self.green_mwh + self.certificates * KWH_PER_CERTIFICATE / 1000.0

    @property
    def shortfall_mwh(self) -> float:
        short = self.obligation_mwh - self.fulfilled_mwh
        return short if short > _EPSILON else 0.0

    @property
    def shortfall_certificates(self) -> int:
        return math.ceil(round(self.shortfall_mwh * 1000.0 / KWH_PER_CERTIFICATE, 6))

    @property
    def shortfall_cost_yuan(self) -> float | None:
        if self.certificate_price_yuan is None:
            return None
        return round(self.shortfall_certificates * self.certificate_price_yuan, 2)

    @property
    def share(self) -> float | None:
        """The renewable share of consumption reached (fulfilled ÷ consumption)."""
        return self.fulfilled_mwh / self.consumption_mwh if self.consumption_mwh > 0 else None

    @property
    def met(self) -> bool:
        return self.shortfall_mwh == 0.0


def quota(
    *,
    weight: float,
    consumption_mwh: float,
    own_mwh: float = 0.0,
    green_mwh: float = 0.0,
    certificates: int = 0,
    certificate_price_yuan: float | None = None,
) -> Quota:
    if not 0 <= weight <= 1:
        raise ValueError("a weight is a share between 0 and 1")
    return Quota(
        float(weight),
        float(consumption_mwh),
        float(own_mwh),
        float(green_mwh),
        int(certificates),
        certificate_price_yuan,
    )


def forecast(q: Quota, months: int) -> Quota:
    """The year's figures if the rest of the year goes like ``months`` so far: consumption and own
    generation scale to twelve months; green power and certificates count as bought (lumps)."""
    if months <= 0 or months >= 12:
        return q
    scale = 12 / months
    return replace(q, consumption_mwh=q.consumption_mwh * scale, own_mwh=q.own_mwh * scale)


# --- tiered price differences (售电差价分层) -----------------------------------------------------


@dataclass(frozen=True)
class Tier:
    #: the band starts at this annual consumption (kWh) and runs to the next band's start
    from_kwh: float
    #: the price difference in the band, yuan/kWh
    rate_yuan_per_kwh: float


@dataclass(frozen=True)
class TierPosition:
    kwh: float
    index: int  # 0-based band
    rate_yuan_per_kwh: float
    next_from_kwh: float | None
    next_rate_yuan_per_kwh: float | None

    @property
    def tier(self) -> int:
        """The band, counted from 1."""
        return self.index + 1

    @property
    def difference_yuan(self) -> float:
        """The account's yearly price difference: its band's rate × its kWh."""
        return round(self.rate_yuan_per_kwh * self.kwh, 2)

    @property
    def kwh_to_next(self) -> float | None:
        return None if self.next_from_kwh is None else self.next_from_kwh - self.kwh

    @property
    def next_difference_yuan(self) -> float | None:
        """The difference at the next band's start (its rate × that kWh)."""
        if self.next_from_kwh is None or self.next_rate_yuan_per_kwh is None:
            return None
        return round(self.next_rate_yuan_per_kwh * self.next_from_kwh, 2)

    @property
    def gain_at_next_yuan(self) -> float | None:
        """What reaching the next band brings against today's difference."""
        nxt = self.next_difference_yuan
        return None if nxt is None else round(nxt - self.difference_yuan, 2)


#: An example band table (PowerKAM's default: no national table exists; each utility sets its own).
EXAMPLE_TIERS: tuple[Tier, ...] = (
    Tier(0.0, 0.005),
    Tier(10_000_000.0, 0.008),
    Tier(50_000_000.0, 0.010),
    Tier(100_000_000.0, 0.012),
)


def tier_position(kwh: float, tiers: Sequence[Tier] = EXAMPLE_TIERS) -> TierPosition:
    bands = sorted(tiers, key=lambda t: t.from_kwh)
    index = 0
    for i, band in enumerate(bands):
        if kwh + 1e-9 >= band.from_kwh:
            index = i
    nxt = bands[index + 1] if index + 1 < len(bands) else None
    return TierPosition(
        float(kwh),
        index,
        bands[index].rate_yuan_per_kwh,
        nxt.from_kwh if nxt else None,
        nxt.rate_yuan_per_kwh if nxt else None,
    )


# --- headroom to grow (额度提升空间) ------------------------------------------------------------------

#: Which limit caps the PV an account could add.
PV_LIMITS: tuple[str, ...] = ("distributed_pv", "feeder", "substation", "consumption")


@dataclass(frozen=True)
class GrowthHeadroom:
    """How far one account could raise its renewable share in a year (MWh, kW, yuan).

    Two ways: **buy** — the certificates or green power that close the shortfall (green power costs
    its environmental premium over grey power); **build** — the PV it could add: the least of the
    distributed-PV limit of its voltage less the PV it has, its feeder's and its substation's capacity
    headroom (kW), and the PV whose yearly yield equals its consumption (more would only be exported).
    Added PV counts toward the quota with the self-consumption minimum used on site.
    """

    consumption_mwh: float
    fulfilled_mwh: float
    shortfall_mwh: float
    shortfall_certificates: int
    certificate_price_yuan: float | None
    green_premium_yuan_per_kwh: float
    #: the PV limits in kW (None: not known — no grid data for the feeder or substation)
    limits_kw: Mapping[str, float | None]
    pv_yield_kwh_per_kw: float
    self_use_share: float

    @property
    def certificates_yuan(self) -> float | None:
        if self.certificate_price_yuan is None:
            return None
        return round(self.shortfall_certificates * self.certificate_price_yuan, 2)

    @property
    def green_power_mwh(self) -> float:
        return self.shortfall_mwh

    @property
    def green_power_premium_yuan(self) -> float:
        return round(green_premium_yuan(self.shortfall_mwh * 1000, self.green_premium_yuan_per_kwh), 2)

    @property
    def pv_known(self) -> bool:
        return all(v is not None for v in self.limits_kw.values())

    @property
    def pv_binding(self) -> str | None:
        """The limit that caps the PV (None when one is unknown)."""
        if not self.pv_known:
            return None
        return min(PV_LIMITS, key=lambda k: self.limits_kw[k] or 0.0)

    @property
    def pv_kw(self) -> float | None:
        """PV it could add (kW, whole tens), 0 when a limit is already reached."""
        if not self.pv_known:
            return None
        least = min(v or 0.0 for v in self.limits_kw.values())
        return max(0.0, math.floor(least / 10) * 10)

    @property
    def pv_mwh(self) -> float | None:
        """The added PV's yearly yield (MWh)."""
        kw = self.pv_kw
        return None if kw is None else kw * self.pv_yield_kwh_per_kw / 1000

    @property
    def pv_counted_mwh(self) -> float | None:
        """What the added PV adds to the fulfilled MWh (its self-used part)."""
        mwh = self.pv_mwh
        return None if mwh is None else mwh * self.self_use_share

    @property
    def pv_certificates_yuan(self) -> float | None:
        """The certificates the added PV spares (within the shortfall), at the certificate price."""
        counted = self.pv_counted_mwh
        if counted is None or self.certificate_price_yuan is None:
            return None
        spared = min(self.shortfall_certificates, math.floor(counted * 1000 / KWH_PER_CERTIFICATE + 1e-9))
        return round(spared * self.certificate_price_yuan, 2)

    @property
    def share_now(self) -> float | None:
        return self.fulfilled_mwh / self.consumption_mwh if self.consumption_mwh > 0 else None

    @property
    def share_with_pv(self) -> float | None:
        """The share it reaches with the added PV alone."""
        counted = self.pv_counted_mwh
        if counted is None or self.consumption_mwh <= 0:
            return None
        return (self.fulfilled_mwh + counted) / self.consumption_mwh


def pv_limit_kw(voltage_kv: float) -> float:
    """The most distributed PV an account at ``voltage_kv`` may have (0 above 110 kV)."""
    category = pv_category(voltage_kv)
    return 0.0 if category is None else category.max_kw


def growth_headroom(
    q: Quota,
    *,
    voltage_kv: float,
    pv_kw: float,
    annual_consumption_kwh: float,
    feeder_headroom_kw: float | None,
    substation_headroom_kw: float | None,
    rules: RenewableRules,
    green_premium_yuan_per_kwh: float | None = None,
) -> GrowthHeadroom:
    """The headroom to grow of an account with quota ``q`` (see :class:`GrowthHeadroom`)."""
    limits: dict[str, float | None] = {
        "distributed_pv": max(0.0, pv_limit_kw(voltage_kv) - pv_kw),
        "feeder": None if feeder_headroom_kw is None else max(0.0, feeder_headroom_kw),
        "substation": None if substation_headroom_kw is None else max(0.0, substation_headroom_kw),
        "consumption": max(0.0, annual_consumption_kwh / rules.pv_yield_kwh_per_kw),
    }
    return GrowthHeadroom(
        consumption_mwh=q.consumption_mwh,
        fulfilled_mwh=q.fulfilled_mwh,
        shortfall_mwh=q.shortfall_mwh,
        shortfall_certificates=q.shortfall_certificates,
        certificate_price_yuan=q.certificate_price_yuan,
        green_premium_yuan_per_kwh=(
            rules.green_premium_yuan_per_kwh if green_premium_yuan_per_kwh is None else green_premium_yuan_per_kwh
        ),
        limits_kw=limits,
        pv_yield_kwh_per_kw=rules.pv_yield_kwh_per_kw,
        self_use_share=rules.self_consumption_min,
    )


# --- retention signal -----------------------------------------------------------------------------


def self_generation_signal(figures: YearFigures, *, threshold: float = 0.10) -> float | None:
    """Self-generation growth as a retention risk between 0 (none) and 1 (high), for the health score.

    An account whose own generation grows buys less from the grid. Growth of own generation against
    the same months a year earlier (:attr:`YearFigures.generation_growth`) of ``threshold`` or less is
    no risk; the risk rises linearly to 1 at growth of ``threshold`` + 100 %, and is weighted by how
    much of the account's supply its own generation already is (self-consumed ÷ (self-consumed + grid
    consumption)) — a doubling of a tiny plant matters less than a doubling of a large one. None when
    there is no generation a year earlier to compare with (a new plant shows in ``generation_growth``
    only once it has a year of history).
    """
    growth = figures.generation_growth
    if growth is None:
        return None
    supply = figures.self_consumed_kwh + figures.consumption_kwh
    own_share = figures.self_consumed_kwh / supply if supply > 0 else 0.0
    rising = min(1.0, max(0.0, growth - threshold))
    return round(min(1.0, rising * (0.5 + own_share * 2.5)), 4)


# --- rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenewableRules:
    """The numbers a province or a utility sets. Defaults: the demo province (示范省)."""

    #: the province whose weights apply
    province: str = "示范省"
    #: party type of an account with none recorded
    default_party_type: str = "market_user"
    #: the provincial minimum of the self-consumption ratio
    self_consumption_min: float = 0.5
    #: whether a spot market runs (large C&I PV may then export its surplus)
    spot_market: bool = False
    #: the certificate price when no certificate trade is in the data (yuan)
    certificate_price_yuan: float = 2.31
    #: the price-difference bands
    tiers: tuple[Tier, ...] = field(default_factory=lambda: EXAMPLE_TIERS)
    #: the yield of added PV (kWh per kW installed per year) in the headroom to grow
    pv_yield_kwh_per_kw: float = 1100.0
    #: the environmental premium of green power when no green power trade is in the data (yuan/kWh)
    green_premium_yuan_per_kwh: float = 0.03

    def __post_init__(self) -> None:
        problems = []
        if self.default_party_type not in PARTY_TYPES:
            problems.append(f"default_party_type must be one of {', '.join(PARTY_TYPES)}")
        if not 0 <= self.self_consumption_min <= 1:
            problems.append("self_consumption_min must be between 0 and 1")
        if self.certificate_price_yuan < 0:
            problems.append("certificate_price_yuan must be 0 or more")
        if not 0 < self.pv_yield_kwh_per_kw <= 3000:
            problems.append("pv_yield_kwh_per_kw must be more than 0 and at most 3000 (kWh per kW a year)")
        if not 0 <= self.green_premium_yuan_per_kwh <= 10:
            problems.append("green_premium_yuan_per_kwh must be between 0 and 10")
        if not self.tiers:
            problems.append("tiers must have at least one band")
        elif min(t.from_kwh for t in self.tiers) != 0:
            problems.append("the first band of tiers must start at 0 kWh")
        starts = [t.from_kwh for t in self.tiers]
        if len(set(starts)) != len(starts):
            problems.append("two bands of tiers start at the same kWh")
        if problems:
            raise RenewableRulesError("; ".join(problems))

    @classmethod
    def from_toml(cls, text: str) -> RenewableRules:
        """Rules from TOML text: top-level keys as the field names, ``[[tiers]]`` with ``from_kwh`` and ``rate``."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RenewableRulesError(f"not valid TOML: {exc}") from exc
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise RenewableRulesError(f"unknown key(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("province", "default_party_type"):
                values[key] = str(value)
            elif key == "spot_market":
                if not isinstance(value, bool):
                    raise RenewableRulesError(f"spot_market must be true or false, not {value!r}")
                values[key] = value
            elif key == "tiers":
                if not isinstance(value, list):
                    raise RenewableRulesError("tiers must be a list of [[tiers]] tables")
                bands = []
                for i, band in enumerate(value, start=1):
                    if not isinstance(band, dict) or set(band) != {"from_kwh", "rate"}:
                        raise RenewableRulesError(f"tiers band {i} needs exactly from_kwh and rate")
                    bands.append(
                        Tier(
                            _number(f"tiers[{i}].from_kwh", band["from_kwh"]), _number(f"tiers[{i}].rate", band["rate"])
                        )
                    )
                values[key] = tuple(bands)
            else:
                values[key] = _number(key, value)
        return replace(cls(), **values)

    def to_toml(self) -> str:
        lines = [
            f"province = {self.province!r}".replace("'", '"'),
            f'default_party_type = "{self.default_party_type}"',
            f"self_consumption_min = {self.self_consumption_min!r}",
            f"spot_market = {'true' if self.spot_market else 'false'}",
            f"certificate_price_yuan = {self.certificate_price_yuan!r}",
            f"pv_yield_kwh_per_kw = {self.pv_yield_kwh_per_kw!r}",
            f"green_premium_yuan_per_kwh = {self.green_premium_yuan_per_kwh!r}",
        ]
        for t in self.tiers:
            lines += ["", "[[tiers]]", f"from_kwh = {t.from_kwh!r}", f"rate = {t.rate_yuan_per_kwh!r}"]
        return "\n".join(lines) + "\n"


def _number(key: str, value: Any) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
    except (TypeError, ValueError):
        raise RenewableRulesError(f"{key} must be a number, not {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise RenewableRulesError(f"{key} must be a number of 0 or more, not {value!r}")
    return number


DEFAULT_RULES = RenewableRules()


# --- the store: a year's figures per account ----------------------------------------------------


@dataclass(frozen=True)
class MonthGeneration:
    period: str
    generated_kwh: float
    self_consumed_kwh: float
    exported_kwh: float


@dataclass
class YearFigures:
    """What the store holds about one customer in one year (kWh, yuan)."""

    customer_id: str
    year: int
    consumption_kwh: float = 0.0
    #: billed months of the year (the forecast scales these to twelve)
    months: int = 0
    generated_kwh: float = 0.0
    self_consumed_kwh: float = 0.0
    #: self-consumed kWh of renewable plants (PV, wind): storage only shifts energy and does not count
    own_renewable_kwh: float = 0.0
    exported_kwh: float = 0.0
    installed_kw: float = 0.0
    pv_kw: float = 0.0
    technologies: tuple[str, ...] = ()
    pv_mode: str | None = None
    green_kwh: float = 0.0
    green_premium_yuan: float = 0.0
    certificates: int = 0
    certificates_yuan: float = 0.0
    #: generated kWh of the same months a year earlier (None: no generation then)
    generated_kwh_prior: float | None = None

    @property
    def has_renewables(self) -> bool:
        return self.generated_kwh > 0 or self.installed_kw > 0 or self.green_kwh > 0 or self.certificates > 0

    @property
    def generation_growth(self) -> float | None:
        """Growth of own generation against the same months a year earlier (a retention signal:
        an account producing more of its own power buys less from the grid)."""
        if not self.generated_kwh_prior:
            return None
        return self.generated_kwh / self.generated_kwh_prior - 1


def _parquet(store_dir: Path, kind: str) -> str | None:
    return store.dataset_source(store_dir, kind)


def year_figures(store_dir: Path, year: int, customer_ids: Iterable[str] | None = None) -> dict[str, YearFigures]:
    """Every customer with consumption, generation or green power in ``year`` (or only ``customer_ids``)."""
    ids = None if customer_ids is None else sorted(set(customer_ids))
    out: dict[str, YearFigures] = {}

    def get(cid: str) -> YearFigures:
        if cid not in out:
            out[cid] = YearFigures(cid, year)
        return out[cid]

    lo, hi = f"{year:04d}-01", f"{year:04d}-12"
    with duckdb.connect(":memory:") as con:
        if ids is not None:
            con.register("wanted", _ids_table(ids))
        only = "AND customer_id IN (SELECT customer_id FROM wanted)" if ids is not None else ""
        if billing := _parquet(store_dir, "billing"):
            rows = con.execute(
                "SELECT customer_id, sum(kwh), count(DISTINCT period) FROM read_parquet($p) "
                f"WHERE period BETWEEN $lo AND $hi {only} GROUP BY customer_id",
                {"p": billing, "lo": lo, "hi": hi},
            ).fetchall()
            for cid, kwh, months in rows:
                figures = get(cid)
                figures.consumption_kwh, figures.months = float(kwh or 0), int(months)
        if generation := _parquet(store_dir, "generation"):
            rows = con.execute(
                "SELECT customer_id, sum(generated_kwh), sum(self_consumed_kwh), sum(exported_kwh), "
                "max(period), list(DISTINCT technology ORDER BY technology), "
                "sum(CASE WHEN technology <> 'storage' THEN self_consumed_kwh END) "
                f"FROM read_parquet($p) WHERE period BETWEEN $lo AND $hi {only} GROUP BY customer_id",
                {"p": generation, "lo": lo, "hi": hi},
            ).fetchall()
            last: dict[str, str] = {}
            for cid, gen, own, exp, last_period, techs, renewable in rows:
                figures = get(cid)
                figures.own_renewable_kwh = float(renewable or 0)
                figures.generated_kwh, figures.self_consumed_kwh, figures.exported_kwh = (
                    float(gen or 0),
                    float(own or 0),
                    float(exp or 0),
                )
                figures.technologies = tuple(techs)
                last[cid] = last_period
            # Installed capacity and the PV mode as of the newest month of the year.
            for cid, tech, kw, mode, period in con.execute(
                "SELECT customer_id, technology, installed_kw, mode, period FROM read_parquet($p) "
                f"WHERE period BETWEEN $lo AND $hi {only}",
                {"p": generation, "lo": lo, "hi": hi},
            ).fetchall():
                if period != last.get(cid):
                    continue
                figures = get(cid)
                figures.installed_kw += float(kw or 0)
                if tech == "pv":
                    figures.pv_kw += float(kw or 0)
                    figures.pv_mode = mode
            # The same months a year earlier (up to this year's newest), so a part year compares like with like.
            con.register("last_months", _last_table(last))
            prior = con.execute(
                "SELECT g.customer_id, sum(g.generated_kwh) FROM read_parquet($p) g "
                "JOIN last_months l ON l.customer_id = g.customer_id "
                "WHERE g.period BETWEEN $plo AND ($py || substr(l.last_period, 5)) GROUP BY g.customer_id",
                {"p": generation, "plo": f"{year - 1:04d}-01", "py": f"{year - 1:04d}"},
            ).fetchall()
            for cid, gen in prior:
                get(cid).generated_kwh_prior = float(gen) if gen else None
        if green := _parquet(store_dir, "green"):
            rows = con.execute(
                "SELECT customer_id, "
                "sum(CASE WHEN type = 'power' THEN kwh END), "
                "sum(CASE WHEN type = 'power' THEN kwh * coalesce(premium_yuan_per_kwh, 0) END), "
                "sum(CASE WHEN type = 'certificate' THEN certificates END), "
                "sum(CASE WHEN type = 'certificate' THEN certificates * certificate_price_yuan END) "
                f"FROM read_parquet($p) WHERE year(traded_on) = $y {only} GROUP BY customer_id",
                {"p": green, "y": year},
            ).fetchall()
            for cid, kwh, premium, certs, certs_yuan in rows:
                figures = get(cid)
                figures.green_kwh = float(kwh or 0)
                figures.green_premium_yuan = float(premium or 0)
                figures.certificates = int(certs or 0)
                figures.certificates_yuan = float(certs_yuan or 0)
    return out


def _ids_table(ids: Sequence[str]) -> pa.Table:
    return pa.table({"customer_id": pa.array(list(ids), pa.string())})


def _last_table(last: Mapping[str, str]) -> pa.Table:
    return pa.table(
        {"customer_id": pa.array(list(last), pa.string()), "last_period": pa.array(list(last.values()), pa.string())}
    )


def _latest_green(store_dir: Path, kind: str, column: str, on_or_before: Any) -> float | None:
    """``column`` of the newest ``kind`` row (``certificate`` or ``power``) of the green data that has one."""
    green = _parquet(store_dir, "green")
    if green is None:
        return None
    # ``column`` is one of the two names below, never user input.
    where = f"type = $t AND {column} IS NOT NULL"
    params: dict[str, Any] = {"p": green, "t": kind}
    if on_or_before is not None:
        where += " AND traded_on <= $d"
        params["d"] = on_or_before
    with duckdb.connect(":memory:") as con:
        row = con.execute(
            f"SELECT {column} FROM read_parquet($p) WHERE {where} ORDER BY traded_on DESC, record_id DESC LIMIT 1",
            params,
        ).fetchone()
    return float(row[0]) if row else None


def latest_certificate_price(store_dir: Path, on_or_before: Any = None) -> float | None:
    """The price of the newest certificate trade in the data (yuan per certificate)."""
    return _latest_green(store_dir, "certificate", "certificate_price_yuan", on_or_before)


def latest_green_premium(store_dir: Path, on_or_before: Any = None) -> float | None:
    """The environmental premium of the newest green power trade in the data (yuan/kWh)."""
    return _latest_green(store_dir, "power", "premium_yuan_per_kwh", on_or_before)


def monthly_generation(store_dir: Path, customer_id: str, *, months: int = 24) -> list[MonthGeneration]:
    """One customer's generation per month (all technologies), the last ``months`` months, oldest first."""
    generation = _parquet(store_dir, "generation")
    if generation is None:
        return []
    with duckdb.connect(":memory:") as con:
        rows = con.execute(
            "SELECT period, sum(generated_kwh), sum(self_consumed_kwh), sum(exported_kwh) FROM read_parquet($p) "
            "WHERE customer_id = $c GROUP BY period ORDER BY period DESC LIMIT $n",
            {"p": generation, "c": customer_id, "n": months},
        ).fetchall()
    return [MonthGeneration(p, float(g or 0), float(s or 0), float(e or 0)) for p, g, s, e in reversed(rows)]


def customers_voltage_sql(store_dir: Path) -> str | None:
    """A relation (customer_id, voltage_kv) of the store's customers, for the import's mode check."""
    path = _parquet(store_dir, "customers")
    if path is None:
        return None
    literal = "'" + path.replace("'", "''") + "'"
    return f"SELECT customer_id, voltage_kv FROM read_parquet({literal})"


def weights_by_key(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int, str], tuple[float, float | None]]:
    """(province, year, party type) → (total weight, non-hydro weight) from plain rows."""
    return {
        (str(r["province"]), int(r["year"]), str(r["party_type"])): (
            float(r["total_weight"]),
            None if r.get("non_hydro_weight") is None else float(r["non_hydro_weight"]),
        )
        for r in rows
    }
