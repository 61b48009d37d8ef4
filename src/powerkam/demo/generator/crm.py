"""The people and the relationship data: staff, assignments ("1+1"), visits, government projects."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from powerkam.demo.generator import catalog as cat
from powerkam.demo.generator.bills import is_rest_day
from powerkam.demo.generator.customers import PAYERS, Population

ADMIN_USERNAME = "admin"


@dataclass
class Staff:
    usernames: list[str]
    names: list[str]
    roles: list[str]
    districts: list[str]
    supervisors: list[str]
    capacities: list[int]
    phones: list[str]

    def table(self) -> pa.Table:
        return pa.table(
            {
                "username": self.usernames,
                "name": self.names,
                "email": [f"{u}@example.com" for u in self.usernames],
                "phone": self.phones,
                "district": self.districts,
                "role": self.roles,
                "supervisor": self.supervisors,
                "daily_visit_capacity": pa.array(self.capacities, pa.int64()),
            }
        )

    def managers_in(self, district: str) -> list[int]:
        return [
            k
            for k, (role, d) in enumerate(zip(self.roles, self.districts, strict=True))
            if role == "manager" and d == district
        ]


def _person(rng: np.random.Generator, taken: set[str]) -> tuple[str, str]:
    """A Chinese name and its pinyin login name, unique among ``taken``."""
    weights = np.array([s[2] for s in cat.SURNAMES])
    while True:
        surname = cat.SURNAMES[int(rng.choice(len(cat.SURNAMES), p=weights / weights.sum()))]
        given = [
            cat.GIVEN_NAME_CHARS[int(k)] for k in rng.integers(0, len(cat.GIVEN_NAME_CHARS), int(rng.integers(1, 3)))
        ]
        name = surname[0] + "".join(g[0] for g in given)
        username = surname[1] + "".join(g[1] for g in given)
        base, n = username, 1
        while username in taken:
            n += 1
            username = f"{base}{n}"
        if name not in taken:
            taken.add(username)
            taken.add(name)
            return name, username


def build_staff(*, population: Population, rng: np.random.Generator) -> Staff:
    """One administrator, supervisors, account managers per district (by high-voltage load), a planner, a viewer."""
    hv_per_district = np.bincount(population.district[population.hv], minlength=len(cat.DISTRICTS))
    n_managers = max(10, round(int(population.hv.sum()) / 120))
    # Every district with accounts gets a manager; the rest go where the accounts are.
    districts_with = [d for d in range(len(cat.DISTRICTS)) if hv_per_district[d] > 0] or [0]
    per_district = dict.fromkeys(districts_with, 1)
    for _ in range(max(0, n_managers - len(districts_with))):
        load = {d: hv_per_district[d] / per_district[d] for d in districts_with}
        busiest = max(load, key=lambda d: (load[d], -d))
        per_district[busiest] += 1
    n_supervisors = 1 if n_managers <= 8 else 2 if n_managers <= 16 else -(-n_managers // 8)

    taken: set[str] = {ADMIN_USERNAME}
    staff = Staff([], [], [], [], [], [], [])

    def add(name: str, username: str, role: str, district: str, supervisor: str, capacity: int) -> None:
        staff.usernames.append(username)
        staff.names.append(name)
        staff.roles.append(role)
        staff.districts.append(district)
        staff.supervisors.append(supervisor)
        staff.capacities.append(capacity)
        staff.phones.append(f"1{int(rng.choice([3, 5, 8]))}{int(rng.integers(0, 10))}{int(rng.integers(0, 10**8)):08d}")

    add("系统管理员", ADMIN_USERNAME, "admin", "", "", 3)
    supervisors = []
    for _ in range(n_supervisors):
        name, username = _person(rng, taken)
        supervisors.append(username)
        add(name, username, "supervisor", "", "", 3)
    for k, d in enumerate(sorted(per_district)):
        supervisor = supervisors[k * len(supervisors) // len(per_district)]
        for _ in range(per_district[d]):
            name, username = _person(rng, taken)
            add(name, username, "manager", cat.DISTRICTS[d].name, supervisor, int(rng.choice([3, 3, 3, 4, 2])))
    name, username = _person(rng, taken)
    add(name, username, "planner", "", "", 3)
    name, username = _person(rng, taken)
    add(name, username, "viewer", "", "", 3)
    return staff


def build_assignments(*, population: Population, staff: Staff, rng: np.random.Generator) -> pa.Table:
    """Every customer at 10 kV and above gets a primary manager of its district; important users a secondary."""
    p = population
    customer_ids: list[str] = []
    usernames: list[str] = []
    roles: list[str] = []
    managers_all = [k for k, r in enumerate(staff.roles) if r == "manager"]
    ids = p.ids.to_numpy(zero_copy_only=False)
    for d, district in enumerate(cat.DISTRICTS):
        members = np.flatnonzero(p.hv & (p.district == d))
        if not len(members):
            continue
        local = staff.managers_in(district.name) or managers_all
        # Deal the accounts out biggest first so that every manager gets a fair share of large ones.
        members = members[np.argsort(-p.capacity[members], kind="stable")]
        offset = int(rng.integers(0, len(local)))
        for k, i in enumerate(members):
            primary = local[(k + offset) % len(local)]
            customer_ids.append(str(ids[i]))
            usernames.append(staff.usernames[primary])
            roles.append("primary")
            if p.important[i] >= 0 and len(managers_all) > 1:
                team = [m for m in managers_all if staff.supervisors[m] == staff.supervisors[primary]]
                others = (
                    [m for m in local if m != primary]
                    or [m for m in team if m != primary]
                    or [m for m in managers_all if m != primary]
                )
                secondary = others[int(rng.integers(0, len(others)))]
                customer_ids.append(str(ids[i]))
                usernames.append(staff.usernames[secondary])
                roles.append("secondary")
    return pa.table({"customer_id": customer_ids, "username": usernames, "role": roles})


#: Share of the key accounts whose last visit is older than their cadence (overdue today), and of those
#: never visited in the year: together a realistic 5–15 % overdue (docs/demo.md).
VISITS_OVERDUE_SHARE = 0.08
VISITS_NONE_SHARE = 0.02


def build_visits(
    *, population: Population, assignments: pa.Table, today: dt.date, rng: np.random.Generator
) -> pa.Table:
    """A year of visits on working days by the accounts' managers, kept to the visit cadence (rules §2)
    the way a diligent team keeps it: accounts likely to grade C (poor payers, arrears) monthly, the
    others at least quarterly; larger and important accounts a little more often. A few accounts fall
    behind (their last visit is older than the cadence) and a few were not visited at all."""
    p = population
    ids = p.ids.to_numpy(zero_copy_only=False)
    index_of = {str(cid): k for k, cid in enumerate(ids)}
    managers: dict[str, list[str]] = {}
    for cid, username, role in zip(
        assignments.column("customer_id").to_pylist(),
        assignments.column("username").to_pylist(),
        assignments.column("role").to_pylist(),
        strict=True,
    ):
        managers.setdefault(cid, []).insert(0 if role == "primary" else 1, username)
    year_ago = today - dt.timedelta(days=365)
    working_days = [
        year_ago + dt.timedelta(days=k) for k in range(365) if not is_rest_day(year_ago + dt.timedelta(days=k))
    ]

    def working_day_on_or_before(day: dt.date) -> dt.date | None:
        k = bisect.bisect_right(working_days, day) - 1
        return working_days[k] if k >= 0 else None

    poor_payers = {PAYERS.index("poor"), PAYERS.index("arrears")}
    rows: list[tuple[str, dt.date, str, str]] = []
    for cid in sorted(managers):
        i = index_of[cid]
        if rng.random() < VISITS_NONE_SHARE:
            continue  # not visited at all last year
        big = p.capacity[i] >= 2000 or p.important[i] >= 0
        cadence = 30 if int(p.payer[i]) in poor_payers else (75 if big else 88)  # days, within the grade's months
        if rng.random() < VISITS_OVERDUE_SHARE:
            last = today - dt.timedelta(days=cadence + int(rng.integers(5, 60)))  # fell behind
        else:
            last = today - dt.timedelta(days=int(rng.integers(1, max(2, int(cadence * 0.85)))))
        connected = p.connected_on[i].astype(dt.date)
        days: set[dt.date] = set()
        target = last
        while target >= year_ago:
            day = working_day_on_or_before(target)
            if day is None or day < connected:
                break
            days.add(day)
            target = target - dt.timedelta(days=cadence - int(rng.integers(0, max(1, cadence // 5))))
        for day in sorted(days):
            team = managers[cid]
            who = team[0] if len(team) == 1 or rng.random() < 0.8 else team[1]
            summary = cat.VISIT_SUMMARIES[int(rng.integers(0, len(cat.VISIT_SUMMARIES)))]
            rows.append((cid, day, who, summary))
    rows.sort(key=lambda r: (r[1], r[0]))
    return pa.table(
        {
            "customer_id": pa.array([r[0] for r in rows], pa.string()),
            "visited_on": pa.array([r[1] for r in rows], pa.date32()),
            "username": pa.array([r[2] for r in rows], pa.string()),
            "summary": pa.array([r[3] for r in rows], pa.string()),
        }
    )


_PROJECT_TEMPLATES: tuple[tuple[str, str, tuple[int, int], float], ...] = (
    # name template, GB/T 4754 section, capacity range (kVA), utilisation
    ("{d}新能源汽车零部件产业园项目", "C", (8000, 40000), 0.40),
    ("{d}12英寸集成电路制造项目", "C", (40000, 120000), 0.65),
    ("{d}绿色化工新材料一体化项目", "C", (20000, 80000), 0.60),
    ("{city}第{n}人民医院新院区建设工程", "Q", (4000, 12000), 0.30),
    ("{d}智算中心一期工程", "I", (20000, 60000), 0.60),
    ("{city}轨道交通{k}号线一期工程", "G", (30000, 80000), 0.30),
    ("{d}国际会展中心", "R", (6000, 16000), 0.15),
    ("示范{s}大学{d}新校区", "P", (6000, 20000), 0.22),
    ("{d}第{n}水厂扩建工程", "D", (2000, 8000), 0.45),
    ("年产{k}万吨锂电池正极材料项目", "C", (10000, 40000), 0.55),
    ("{d}光伏组件生产基地", "C", (8000, 30000), 0.45),
    ("{d}冷链物流园", "G", (3000, 10000), 0.45),
    ("{d}高端装备制造产业园", "C", (6000, 25000), 0.35),
    ("{d}城市综合体", "F", (5000, 15000), 0.28),
    ("{d}氢能产业园", "C", (10000, 30000), 0.45),
    ("{d}污水处理厂提标扩建工程", "D", (2000, 6000), 0.45),
    ("{d}生物医药产业园", "C", (6000, 20000), 0.40),
    ("{d}数据中心产业园二期", "I", (10000, 40000), 0.60),
)


def build_projects(*, population: Population, today: dt.date, rng: np.random.Generator) -> list[list[object]]:
    """Government key construction projects, as the development and reform commission lists them."""
    n_projects = max(8, round(int(population.hv.sum()) / 60))
    weights = np.array(cat.district_weights("factory"))
    rows: list[list[object]] = []
    subjects = ("理工", "师范", "医科", "财经", "科技")
    for k in range(n_projects):
        template, section, (lo, hi), util = _PROJECT_TEMPLATES[int(rng.integers(0, len(_PROJECT_TEMPLATES)))]
        district = cat.DISTRICTS[int(rng.choice(len(cat.DISTRICTS), p=weights / weights.sum()))]
        name = template.format(
            d=district.short if not district.county else district.name,
            city=cat.CITY,
            n="三四五六七八"[int(rng.integers(0, 6))],
            k=int(rng.integers(3, 10)),
            s=subjects[int(rng.integers(0, len(subjects)))],
        )
        approved = rng.random() < 0.55
        capacity = float(np.round(rng.uniform(lo, hi) / 500) * 500)
        annual_kwh = float(np.round(capacity * 0.9 * util * 8760 * rng.uniform(0.8, 1.2), -4))
        months_ahead = int(rng.integers(6, 24) if approved else rng.integers(18, 48))
        energise = (np.datetime64(today, "M") + np.timedelta64(months_ahead, "M")).astype(dt.date)
        contact_name, _ = _person(rng, set())
        office = "发展和改革局" if district.county else "发展和改革委员会"
        rows.append(
            [
                f"XM{today.year}{k + 1:04d}",
                name,
                "已立项" if approved else "规划中",
                section,
                district.name,
                capacity,
                annual_kwh,
                dt.date(energise.year, energise.month, 1),
                f"{contact_name}（{district.name if district.county else cat.CITY}{office}）",
            ]
        )
    return rows


PROJECT_HEADERS = (
    "项目编号",
    "项目名称",
    "阶段",
    "行业",
    "区县",
    "预计容量",
    "预计年用电量",
    "预计投产日期",
    "政府联系人",
)
