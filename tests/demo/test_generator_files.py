"""The generator's files: deterministic, in the data contract's formats, and realistic."""

from __future__ import annotations

import collections
import datetime as dt
from decimal import Decimal
from pathlib import Path

import chinese_calendar
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from powerkam.analytics.store import SCHEMAS
from powerkam.demo import generator
from powerkam.demo.generator import IMPORT_ORDER, DemoSpec, generate
from tests.demo.conftest import TODAY, Demo, read_csv, read_customers, read_xlsx


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    spec = DemoSpec(today=TODAY, customers=400, seed=11, months=14, load_months=1)
    first = generate(spec, tmp_path / "a")
    second = generate(spec, tmp_path / "b")
    other = generate(DemoSpec(today=TODAY, customers=400, seed=12, months=14, load_months=1), tmp_path / "c")
    assert [k for k, _ in first.ordered()] == list(IMPORT_ORDER)
    for kind, path in first.ordered():
        assert path.read_bytes() == second.paths[kind].read_bytes(), kind
    assert first.paths["customers"].read_bytes() != other.paths["customers"].read_bytes()
    assert first.paths["billing"].read_bytes() != other.paths["billing"].read_bytes()


def test_billing_covers_the_months_before_today(small_demo: Demo) -> None:
    assert small_demo.files.periods == ("2023-11", "2026-10")
    periods = set(small_demo.billing.column("period").to_pylist())
    assert min(periods) == "2023-11"
    assert max(periods) == "2026-10"
    assert len(periods) == 36


def test_customers_file_is_gb18030_with_chinese_headers_and_thousands_separators(small_demo: Demo) -> None:
    raw = small_demo.path("customers").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    header = raw.decode("gb18030").splitlines()[0]
    assert header.startswith("户号,户名,集团户号,行业,电压等级,合同容量,电价类别")
    assert '"1,000"' in raw.decode("gb18030") or '"2,000"' in raw.decode("gb18030")


def test_customer_ids_are_unique_and_group_companies_are_in_the_file(small_demo: Demo) -> None:
    ids = [c["customer_id"] for c in small_demo.customers]
    assert len(ids) == len(set(ids)) == 2000
    known = set(ids)
    sites = [c for c in small_demo.customers if c["parent_id"]]
    assert sites, "a demo province has group companies with several sites"
    assert all(c["parent_id"] in known for c in sites)
    parents = collections.Counter(c["parent_id"] for c in sites)
    by_id = {c["customer_id"]: c for c in small_demo.customers}
    for parent_id in parents:
        group = by_id[parent_id]
        assert not group["parent_id"], "one level of groups: a head office is not itself a site"
        site_names = [c["name"] for c in sites if c["parent_id"] == parent_id]
        assert all(name.startswith(group["name"]) and name != group["name"] for name in site_names)


def test_voltage_mix_most_customers_are_low_voltage(small_demo: Demo) -> None:
    voltages = collections.Counter(float(c["voltage_kv"]) for c in small_demo.customers)
    low = voltages[0.22] + voltages[0.4]
    high = sum(n for v, n in voltages.items() if v >= 10)
    assert low / 2000 > 0.9
    assert 0.05 < high / 2000 < 0.10
    assert voltages[10.0] > voltages[35.0] > 0
    assert set(voltages) <= {0.22, 0.4, 10.0, 35.0, 110.0, 220.0}


def test_high_voltage_industries_and_contract_capacities_are_realistic(small_demo: Demo) -> None:
    hv = small_demo.hv
    sections = collections.Counter(c["industry"] for c in hv)
    assert sections["C"] / len(hv) > 0.4  # manufacturing leads
    for section in "IQFPD":
        assert sections[section] > 0, section
    limits = {10.0: (315, 8000), 35.0: (5000, 40000), 110.0: (20000, 100000), 220.0: (100000, 300000)}
    for c in hv:
        low, high = limits[float(c["voltage_kv"])]
        assert low <= float(c["contract_capacity_kva"]) <= high, c
    names = " ".join(c["name"] for c in hv)
    for word in ("钢铁", "化工", "医院", "数据"):
        assert word in names, word


def test_tariffs_follow_industry_and_capacity(small_demo: Demo) -> None:
    for c in small_demo.customers:
        capacity = float(c["contract_capacity_kva"])
        if c["tariff"] == "large_industrial":
            assert capacity >= 315
            assert c["basic_charge_mode"] in {"capacity", "demand"}
        else:
            assert c["basic_charge_mode"] == ""
        if c["industry"] == "":
            assert c["tariff"] == "residential"
    tariffs = collections.Counter(c["tariff"] for c in small_demo.customers)
    assert tariffs["residential"] > tariffs["general_commercial"] > 0
    assert tariffs["large_industrial"] > 0
    assert tariffs["agricultural"] > 0


def test_important_users_have_dual_supply_from_different_substations(small_demo: Demo) -> None:
    feeders = {f["feeder_id"]: f for f in read_csv(small_demo.path("feeders"))}
    important = [c for c in small_demo.customers if c["important_grade"]]
    assert important
    assert all(float(c["voltage_kv"]) >= 10 for c in important)
    assert {"first", "second"} <= {c["important_grade"] for c in important}
    for c in important:
        supply = c["feeders"].split(";")
        assert len(supply) == 2, c
        assert feeders[supply[0]]["substation_id"] != feeders[supply[1]]["substation_id"], c
    for c in small_demo.customers:
        for feeder_id in filter(None, c["feeders"].split(";")):
            assert feeder_id in feeders
            assert float(feeders[feeder_id]["voltage_kv"]) == max(10.0, float(c["voltage_kv"]))


def test_coordinates_lie_in_the_customers_district(small_demo: Demo) -> None:
    centres = {d.name: d for d in generator.cat.DISTRICTS}
    for c in small_demo.customers:
        district = centres[c["district"]]
        assert abs(float(c["latitude"]) - district.latitude) <= district.radius_deg + 1e-9
        assert c["address"].startswith("示范省")
        assert c["district"] in c["address"]
        assert dt.date.fromisoformat(c["connected_on"]) < TODAY


def test_the_city_is_urban_and_the_counties_rural_with_remote_outskirts(small_demo: Demo) -> None:
    """The area class (地区类别) sets the fault-repair limits (docs/service.md)."""
    counties = {d.name for d in generator.cat.DISTRICTS if d.county}
    classes = collections.Counter((c["district"] in counties, c["area_class"]) for c in small_demo.customers)
    assert set(classes) == {(False, "城区"), (True, "农村"), (True, "特殊边远")}
    assert classes[(True, "农村")] > classes[(True, "特殊边远")]


def test_tou_parts_sum_to_the_kwh_exactly(small_demo: Demo) -> None:
    billing = small_demo.billing
    assert billing.schema.equals(SCHEMAS["billing"])
    tou = billing.filter(pc.is_valid(billing.column("kwh_peak")))
    assert tou.num_rows > 0
    parts = (
        pc.add(pc.add(tou.column("kwh_peak"), tou.column("kwh_flat")), tou.column("kwh_valley")).to_pylist(),
        tou.column("kwh_critical").to_pylist(),
    )
    for total, base, critical in zip(tou.column("kwh").to_pylist(), *parts, strict=True):
        assert base + (critical or 0) == total
    # Critical peak appears for large industrial customers in July, August, December and January only.
    critical = tou.filter(pc.greater(pc.fill_null(tou.column("kwh_critical"), 0), 0))
    assert critical.num_rows > 0
    assert {p[5:] for p in critical.column("period").to_pylist()} <= {"01", "07", "08", "12"}
    # Every large industrial customer has a TOU split.
    large = {c["customer_id"] for c in small_demo.customers if c["tariff"] == "large_industrial"}
    with_tou = set(tou.column("customer_id").to_pylist())
    assert large <= with_tou


def test_bills_are_money_due_on_the_15th_of_the_next_month(small_demo: Demo) -> None:
    rows = small_demo.billing.select(["period", "amount_yuan", "due_date", "kwh"]).to_pylist()
    for row in rows[:5000]:
        year, month = map(int, row["period"].split("-"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        assert row["due_date"] == dt.date(year, month, 15)
        assert isinstance(row["amount_yuan"], Decimal)
        assert row["amount_yuan"] >= 0
        assert row["amount_yuan"] == row["amount_yuan"].quantize(Decimal("0.01"))
    # Average price per kWh of customers with consumption: between 0.45 and 1.2 yuan.
    billed = [r for r in rows if r["kwh"] > 1000]
    total = sum(float(r["amount_yuan"]) for r in billed) / sum(r["kwh"] for r in billed)
    assert 0.55 < total < 0.95


def test_power_factors_are_mostly_between_085_and_097(small_demo: Demo) -> None:
    billing = small_demo.billing.filter(
        pc.and_(pc.is_valid(small_demo.billing.column("kvarh")), pc.greater(small_demo.billing.column("kwh"), 0))
    )
    kwh = billing.column("kwh").to_numpy()
    kvarh = billing.column("kvarh").to_numpy()
    pf = kwh / (kwh**2 + kvarh**2) ** 0.5
    share = ((pf >= 0.85) & (pf <= 0.97)).mean()
    assert share > 0.8
    assert (pf < 0.85).any()


def test_consumption_has_summer_and_winter_peaks(small_demo: Demo) -> None:
    residential = {c["customer_id"] for c in small_demo.customers if c["tariff"] == "residential"}
    by_month: dict[str, float] = collections.defaultdict(float)
    for cid, period, kwh in zip(
        *(small_demo.billing.column(k).to_pylist() for k in ("customer_id", "period", "kwh")), strict=True
    ):
        if cid in residential:
            by_month[period[5:]] += kwh
    assert by_month["08"] > 1.3 * by_month["04"]
    assert by_month["01"] > 1.2 * by_month["04"]


def test_payments_are_late_partial_or_missing_for_some_bills(small_demo: Demo) -> None:
    bills = {
        (r["customer_id"], r["period"]): r
        for r in small_demo.billing.select(["customer_id", "period", "amount_yuan", "due_date"]).to_pylist()
    }
    paid: dict[tuple[str, str], list[tuple[dt.date, Decimal]]] = collections.defaultdict(list)
    for r in small_demo.payments.to_pylist():
        assert r["paid_on"] < TODAY
        assert r["amount_yuan"] > 0
        paid[(r["customer_id"], r["period"])].append((r["paid_on"], r["amount_yuan"]))
    late = partial = unpaid = on_time = 0
    for key, bill in bills.items():
        payments = sorted(paid.get(key, []))
        total = sum((a for _, a in payments), Decimal(0))
        assert total <= bill["amount_yuan"], key  # nobody pays more than the bill
        if bill["amount_yuan"] == 0:
            continue
        if total < bill["amount_yuan"]:
            unpaid += 1
        elif payments[-1][0] > bill["due_date"]:
            late += 1
        else:
            on_time += 1
        partial += len(payments) > 1
    total_bills = late + unpaid + on_time
    assert on_time / total_bills > 0.85
    assert late > 0
    assert unpaid > 0
    assert partial > 0


def test_loads_are_15_minute_and_add_up_to_the_billed_kwh(small_demo: Demo) -> None:
    loads = small_demo.loads
    assert loads.schema.equals(SCHEMAS["loads"])
    hv = {c["customer_id"] for c in small_demo.hv}
    load_customers = set(loads.column("customer_id").to_pylist())
    assert load_customers <= hv
    assert len(load_customers) > 0.8 * len(hv)
    ts = loads.column("ts").to_pylist()
    assert {(t.minute, t.second) for t in ts[:5000]} <= {(0, 0), (15, 0), (30, 0), (45, 0)}
    assert min(ts) == dt.datetime(2026, 9, 1)
    assert max(ts) == dt.datetime(2026, 10, 31, 23, 45)
    # Σ kW × 0.25 h per month equals the month's billed kWh, and the maximum demand is the highest quarter-hour.
    month = pc.strftime(loads.column("ts"), "%Y-%m")
    energy = (
        loads.append_column("period", month)
        .group_by(["customer_id", "period"])
        .aggregate([("kw", "sum"), ("kw", "max")])
        .to_pylist()
    )
    bills = {
        (r["customer_id"], r["period"]): r
        for r in small_demo.billing.select(["customer_id", "period", "kwh", "max_demand_kw"]).to_pylist()
    }
    for row in energy:
        bill = bills[(row["customer_id"], row["period"])]
        assert row["kw_sum"] * 0.25 == pytest.approx(bill["kwh"], rel=0.001, abs=1)
        assert row["kw_max"] == pytest.approx(bill["max_demand_kw"], abs=0.06)


def _profile(demo: Demo, segment_word: str) -> tuple[dict[int, float], dict[bool, float]]:
    """Mean kW by hour of day and by weekend/weekday for customers whose name contains a word."""
    ids = {c["customer_id"] for c in demo.hv if segment_word in c["name"] and not c["parent_id"]}
    loads = demo.loads.filter(pc.is_in(demo.loads.column("customer_id"), value_set=pc.cast(list(ids), "string")))
    by_hour: dict[int, list[float]] = collections.defaultdict(list)
    by_weekend: dict[bool, list[float]] = collections.defaultdict(list)
    for ts, kw in zip(loads.column("ts").to_pylist(), loads.column("kw").to_pylist(), strict=True):
        by_hour[ts.hour].append(kw)
        by_weekend[ts.weekday() >= 5].append(kw)
    return (
        {h: sum(v) / len(v) for h, v in by_hour.items()},
        {w: sum(v) / len(v) for w, v in by_weekend.items()},
    )


def test_load_shapes_follow_the_industry(small_demo: Demo) -> None:
    centre_hours, _ = _profile(small_demo, "数据")
    assert min(centre_hours.values()) / max(centre_hours.values()) > 0.85  # a data centre runs flat
    mall_hours, _ = _profile(small_demo, "广场")
    assert mall_hours[15] > 2.5 * mall_hours[3]  # malls open 10:00–22:00
    factory_hours, factory_days = _profile(small_demo, "有限公司")
    assert factory_hours[10] > factory_hours[2]
    assert factory_days[False] > factory_days[True]  # weekdays above weekends


def test_outages_are_a_year_of_planned_and_unplanned_interruptions(small_demo: Demo) -> None:
    rows = read_csv(small_demo.path("outages"), "utf-8-sig")
    feeders = {f["feeder_id"] for f in read_csv(small_demo.path("feeders"))}
    assert small_demo.path("outages").read_bytes().startswith(b"\xef\xbb\xbf")
    starts = []
    for r in rows:
        start, end = dt.datetime.fromisoformat(r["start"]), dt.datetime.fromisoformat(r["end"])
        assert end > start
        assert r["feeder_id"] in feeders
        assert end.date() <= TODAY
        starts.append(start)
        if r["planned"] == "true":
            assert start.weekday() < 5
            assert 7 <= start.hour <= 9
    assert {r["planned"] for r in rows} == {"true", "false"}
    assert (TODAY - min(starts).date()).days > 365


def test_projects_are_an_excel_list_with_chinese_headers_and_stages(small_demo: Demo) -> None:
    headers, rows = read_xlsx(small_demo.path("projects"))
    assert headers == [
        "项目编号",
        "项目名称",
        "阶段",
        "行业",
        "区县",
        "预计容量",
        "预计年用电量",
        "预计投产日期",
        "政府联系人",
    ]
    assert {r[2] for r in rows} == {"规划中", "已立项"}
    assert len({r[0] for r in rows}) == len(rows)
    for r in rows:
        assert isinstance(r[7], dt.datetime)
        assert r[7].date() > TODAY


def test_staff_are_a_small_team_with_pinyin_logins(small_demo: Demo) -> None:
    staff = read_csv(small_demo.path("staff"))
    roles = collections.Counter(s["role"] for s in staff)
    assert roles["admin"] == 1
    assert 1 <= roles["supervisor"] <= 2
    assert 10 <= roles["manager"] <= 15
    assert roles["planner"] == 1
    assert roles["viewer"] == 1
    usernames = [s["username"] for s in staff]
    assert len(set(usernames)) == len(usernames)
    assert all(u.isascii() and u.isalnum() and u.islower() for u in usernames)
    supervisors = {s["username"] for s in staff if s["role"] == "supervisor"}
    for s in staff:
        if s["role"] == "manager":
            assert s["supervisor"] in supervisors
            assert s["district"]
            assert 2 <= len(s["name"]) <= 3
            assert not s["name"].isascii()


def test_every_high_voltage_customer_has_a_primary_manager_of_its_district(small_demo: Demo) -> None:
    staff = {s["username"]: s for s in read_csv(small_demo.path("staff"))}
    assignments = read_csv(small_demo.path("assignments"))
    by_customer: dict[str, dict[str, str]] = collections.defaultdict(dict)
    for a in assignments:
        assert a["role"] not in by_customer[a["customer_id"]], "at most one primary and one secondary"
        by_customer[a["customer_id"]][a["role"]] = a["username"]
    for c in small_demo.hv:
        team = by_customer[c["customer_id"]]
        assert staff[team["primary"]]["district"] == c["district"]
        if c["important_grade"]:
            assert team["secondary"] != team["primary"]
    assert set(by_customer) == {c["customer_id"] for c in small_demo.hv}


def test_visits_are_last_years_working_days_by_the_accounts_managers(small_demo: Demo) -> None:
    assignments = read_csv(small_demo.path("assignments"))
    managers = collections.defaultdict(set)
    for a in assignments:
        managers[a["customer_id"]].add(a["username"])
    visits = read_csv(small_demo.path("visits"), "utf-8-sig")
    assert len(visits) > len(managers)
    for v in visits:
        day = dt.date.fromisoformat(v["visited_on"])
        assert TODAY - dt.timedelta(days=366) <= day < TODAY
        assert chinese_calendar.is_workday(day)
        assert v["username"] in managers[v["customer_id"]]
        assert v["summary"]


def test_a_large_base_writes_customers_as_parquet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator, "CUSTOMERS_CSV_MAX", 100)
    files = generate(DemoSpec(today=TODAY, customers=300, months=3, load_months=0), tmp_path)
    assert files.paths["customers"].name == "customers.parquet"
    assert "loads" not in files.paths
    table = pq.read_table(files.paths["customers"])
    # the store's columns, and the area class after the district (it lands only in the CRM)
    assert table.schema.remove(table.schema.get_field_index("area_class")).equals(SCHEMAS["customers"])
    assert set(table.column("area_class").to_pylist()) <= {"urban", "rural", "remote"}
    assert set(table.column("tariff").to_pylist()) <= {
        "large_industrial",
        "general_commercial",
        "residential",
        "agricultural",
    }


def test_tou_split_of_the_load_months_is_what_the_loads_show(small_demo: Demo) -> None:
    loads = small_demo.loads
    hour = pc.hour(loads.column("ts")).to_numpy()
    period = [generator.cat.TOU_HOURS[h] for h in range(24)]
    peak = pa.array([period[h] == "peak" for h in hour])
    table = loads.append_column("peak", peak).append_column("period", pc.strftime(loads.column("ts"), "%Y-%m"))
    peak_kwh = (
        table.filter(table.column("peak")).group_by(["customer_id", "period"]).aggregate([("kw", "sum")]).to_pylist()
    )
    bills = {
        (r["customer_id"], r["period"]): r
        for r in small_demo.billing.select(["customer_id", "period", "kwh", "kwh_peak"]).to_pylist()
    }
    checked = 0
    for row in peak_kwh:
        bill = bills[(row["customer_id"], row["period"])]
        if bill["kwh_peak"] is None or bill["kwh"] == 0:
            continue
        assert bill["kwh_peak"] == pytest.approx(row["kw_sum"] * 0.25, rel=0.002, abs=2)
        checked += 1
    assert checked > 50


def test_loads_go_to_at_most_the_limit_important_users_first(tmp_path: Path) -> None:
    files = generate(DemoSpec(today=TODAY, customers=2000, months=3, load_months=1, load_customers=20), tmp_path)
    metered = set(pq.read_table(files.paths["loads"], columns=["customer_id"]).column("customer_id").to_pylist())
    customers = read_customers(files.paths["customers"])
    important = {c["customer_id"] for c in customers if c["important_grade"] and c["connected_on"] < "2026-10-01"}
    assert len(metered) <= 20
    assert metered <= important or important <= metered
