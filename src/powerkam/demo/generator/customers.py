"""The customer base of the demo province: who they are, where, how big, how they pay.

Everything is drawn column-wise with numpy (a million customers take a few seconds); only the
high-voltage customers' company names are composed one by one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from powerkam.demo.generator import catalog as cat
from powerkam.demo.generator import shapes

TARIFFS = ("large_industrial", "general_commercial", "residential", "agricultural")
IMPORTANT_GRADES = ("special", "first", "second", "temporary")
BASIC_CHARGE_MODES = ("capacity", "demand")
#: Payment behaviour: probability a bill is paid late, share of bills paid in two parts.
PAYERS = ("punctual", "occasional", "poor", "arrears")

#: Share of high-voltage (≥ 10 kV) customers in the base.
HV_SHARE = 0.075
#: Share of 220 kV customers among the high-voltage ones (at least one in a base of 50+).
SHARE_220KV = 0.002


@dataclass
class Population:
    """The customer base as columns; index i is one customer."""

    ids: pa.StringArray
    hv: np.ndarray  # bool
    segment: np.ndarray  # index into catalog.SEGMENTS
    district: np.ndarray  # index into catalog.DISTRICTS
    voltage: np.ndarray
    capacity: np.ndarray
    tariff: np.ndarray  # index into TARIFFS
    mode: np.ndarray  # -1 none, else index into BASIC_CHARGE_MODES
    important: np.ndarray  # -1 none, else index into IMPORTANT_GRADES
    parent: np.ndarray  # -1 none, else the parent's index
    names: pa.StringArray
    addresses: pa.StringArray
    latitude: np.ndarray
    longitude: np.ndarray
    connected_on: np.ndarray  # datetime64[D]
    base_kw: np.ndarray  # average kW in an average month of the last year
    growth: np.ndarray  # yearly growth of consumption
    power_factor: np.ndarray
    payer: np.ndarray  # index into PAYERS
    idle_from: np.ndarray  # month index from which the customer stopped consuming (months = never)
    feeder_a: np.ndarray  # index of the first supply feeder (-1 none); set by the grid
    feeder_b: np.ndarray  # index of the second supply feeder (-1 none)

    @property
    def size(self) -> int:
        return len(self.hv)

    def shape_index(self) -> np.ndarray:
        lookup = np.array([shapes.SHAPES.index(s.shape) for s in cat.SEGMENTS])
        return lookup[self.segment]

    def season_index(self) -> np.ndarray:
        lookup = np.array([shapes.SEASONS.index(s.season) for s in cat.SEGMENTS])
        return lookup[self.segment]


def _join(*parts: pa.Array | str) -> pa.StringArray:
    result = pc.binary_join_element_wise(*parts, "")
    assert isinstance(result, pa.StringArray)
    return result


def _take(values: tuple[str, ...] | list[str], index: np.ndarray) -> pa.StringArray:
    return pa.array(values, pa.string()).take(pa.array(index))


def _cn_number(n: int) -> str:
    digits = "零一二三四五六七八九十"
    if n <= 10:
        return digits[n]
    if n < 20:
        return "十" + digits[n - 10]
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


def build_population(
    *, customers: int, months: int, today: dt.date, rng: np.random.Generator, names_rng: np.random.Generator
) -> Population:
    n = customers
    n_hv = round(n * HV_SHARE) if n >= 20 else max(1, n // 3)
    n_lv = n - n_hv
    hv = np.zeros(n, dtype=bool)
    hv[rng.choice(n, n_hv, replace=False)] = True

    # --- segment and district -------------------------------------------------------------
    n_hv_seg = len(cat.HV_SEGMENTS)
    hv_weights = np.array([s.weight for s in cat.HV_SEGMENTS])
    lv_weights = np.array([s.weight for s in cat.LV_SEGMENTS])
    segment = np.empty(n, dtype=np.int16)
    segment[hv] = rng.choice(n_hv_seg, n_hv, p=hv_weights / hv_weights.sum())
    segment[~hv] = n_hv_seg + rng.choice(len(cat.LV_SEGMENTS), n_lv, p=lv_weights / lv_weights.sum())

    district = np.empty(n, dtype=np.int8)
    population_weights = np.array([d.population_weight for d in cat.DISTRICTS])
    for s, seg in enumerate(cat.SEGMENTS):
        members = np.flatnonzero(segment == s)
        if not len(members):
            continue
        weights = population_weights if seg.key == "residential" else np.array(cat.district_weights(seg.affinity))
        district[members] = rng.choice(len(cat.DISTRICTS), len(members), p=weights / weights.sum())

    # --- voltage and capacity ---------------------------------------------------------------
    voltage = np.empty(n)
    capacity = np.empty(n)
    for s, seg in enumerate(cat.SEGMENTS):
        members = np.flatnonzero(segment == s)
        m = len(members)
        if not m:
            continue
        if seg.high_voltage:
            levels = np.array(list(seg.voltages))
            probs = np.array(list(seg.voltages.values()))
            voltage[members] = rng.choice(levels, m, p=probs / probs.sum())
        elif seg.key == "residential":
            voltage[members] = np.where(rng.random(m) < 0.85, 0.22, 0.4)
        elif seg.key == "farm":
            voltage[members] = np.where(rng.random(m) < 0.3, 0.22, 0.4)
        else:
            voltage[members] = 0.4
        lo, hi = seg.lv_capacity
        if not seg.high_voltage:
            drawn = np.exp(rng.uniform(np.log(lo), np.log(hi), m))
            capacity[members] = np.maximum(1, np.round(drawn))
    # A few very large customers take 220 kV: the biggest process industries at 110 kV.
    n_220 = max(1, round(n_hv * SHARE_220KV)) if n_hv >= 50 else 0
    heavy_keys = {"steel", "chemicals", "fab"}
    heavy = np.flatnonzero(
        np.isin(segment, [i for i, s in enumerate(cat.SEGMENTS) if s.key in heavy_keys]) & (voltage == 110.0)
    )
    if n_220 and len(heavy):
        voltage[rng.choice(heavy, min(n_220, len(heavy)), replace=False)] = 220.0

    steps_10 = np.array(cat.CAPACITY_STEPS[10.0], dtype=float)
    for s, seg in enumerate(cat.SEGMENTS):
        if not seg.high_voltage:
            continue
        lo_i, mode_i, hi_i = seg.size
        for level, steps in cat.CAPACITY_STEPS.items():
            members = np.flatnonzero((segment == s) & (voltage == level))
            m = len(members)
            if not m:
                continue
            if level == 10.0:
                pos = rng.triangular(lo_i - 0.5, mode_i, hi_i + 0.5, m)
                capacity[members] = steps_10[np.clip(np.round(pos).astype(int), 0, len(steps_10) - 1)]
            else:
                top = len(steps) - 1
                pos = rng.triangular(-0.5, top * 0.3, top + 0.5, m)
                capacity[members] = np.array(steps, dtype=float)[np.clip(np.round(pos).astype(int), 0, top)]

    # --- tariff, basic charge, importance --------------------------------------------------------
    tariff = np.empty(n, dtype=np.int8)
    rule = np.array(
        [{"industry": 0, "commercial": 1, "residential": 2, "agricultural": 3}[s.tariff] for s in cat.SEGMENTS]
    )[segment]
    tariff[:] = rule
    small_industry = (rule == 0) & (capacity < 315)
    tariff[small_industry] = 1
    mode = np.full(n, -1, dtype=np.int8)
    large = tariff == 0
    mode[large] = np.where(rng.random(int(large.sum())) < 0.55, 0, 1)

    important = np.full(n, -1, dtype=np.int8)
    for s, seg in enumerate(cat.SEGMENTS):
        if not seg.important:
            continue
        members = np.flatnonzero(segment == s)
        grades = [IMPORTANT_GRADES.index(g) for g in seg.important]
        grade_probs = list(seg.important.values())
        none_p = max(0.0, 1.0 - sum(grade_probs))
        draw = rng.choice(len(grades) + 1, len(members), p=[*grade_probs, none_p])
        chosen = draw < len(grades)
        important[members[chosen]] = np.array(grades)[draw[chosen]]

    # --- consumption and payment behaviour ----------------------------------------------------
    util_lo = np.array([s.util[0] for s in cat.SEGMENTS])[segment]
    util_hi = np.array([s.util[1] for s in cat.SEGMENTS])[segment]
    residential = rule == 2
    util_lo = np.where(residential, 0.025, util_lo)
    util_hi = np.where(residential, 0.07, util_hi)
    base_kw = capacity * 0.9 * rng.uniform(util_lo, util_hi)
    growth = rng.normal(0.03, 0.05, n).clip(-0.15, 0.25)
    pf_lo = np.array([s.pf[0] for s in cat.SEGMENTS])[segment]
    pf_hi = np.array([s.pf[1] for s in cat.SEGMENTS])[segment]
    power_factor = rng.uniform(pf_lo, pf_hi)
    poor_pf = rng.random(n) < 0.05
    power_factor[poor_pf] = rng.uniform(0.72, 0.86, int(poor_pf.sum()))

    big = hv & ((capacity >= 2000) | (voltage >= 35))
    payer_p = np.where(
        big[:, None],
        np.array([0.83, 0.12, 0.03, 0.02]),
        np.where(hv[:, None], np.array([0.74, 0.18, 0.05, 0.03]), np.array([0.85, 0.10, 0.035, 0.015])),
    )
    cumulative = payer_p.cumsum(axis=1)
    payer = (rng.random(n)[:, None] > cumulative).sum(axis=1).astype(np.int8)

    idle_from = np.full(n, months, dtype=np.int32)
    idle = hv & (rng.random(n) < 0.04)
    idle_from[idle] = months - rng.integers(3, 31, int(idle.sum()))

    # --- when they were connected ---------------------------------------------------------------
    new = rng.random(n) < np.where(hv, 0.08, 0.10)
    days_ago = np.where(
        new,
        rng.integers(30, 3 * 365, n),
        rng.integers(3 * 365, np.where(hv, 30, 35) * 365, n),
    )
    connected_on = np.datetime64(today, "D") - days_ago.astype("timedelta64[D]")

    # --- where they are ------------------------------------------------------------------------
    centre_lat = np.array([d.latitude for d in cat.DISTRICTS])[district]
    centre_lon = np.array([d.longitude for d in cat.DISTRICTS])[district]
    radius = np.array([d.radius_deg for d in cat.DISTRICTS])[district]
    offset = rng.normal(0, 0.45, (n, 2)).clip(-1, 1) * radius[:, None]
    latitude = np.round(centre_lat + offset[:, 0], 6)
    longitude = np.round(centre_lon + offset[:, 1] / np.cos(np.radians(centre_lat)), 6)

    # --- ids -------------------------------------------------------------------------------------
    codes = np.array([str(d.code) for d in cat.DISTRICTS])[district]
    serial = pc.utf8_lpad(pa.array(np.arange(1, n + 1)).cast(pa.string()), 7, "0")
    ids = _join("38", pa.array(codes), serial)

    parent = np.full(n, -1, dtype=np.int64)
    names, addresses = _names_and_addresses(
        rng=names_rng,
        segment=segment,
        district=district,
        hv=hv,
        capacity=capacity,
        parent=parent,
    )

    return Population(
        ids=ids,
        hv=hv,
        segment=segment,
        district=district,
        voltage=voltage,
        capacity=capacity,
        tariff=tariff,
        mode=mode,
        important=important,
        parent=parent,
        names=names,
        addresses=addresses,
        latitude=latitude,
        longitude=longitude,
        connected_on=connected_on,
        base_kw=base_kw,
        growth=growth,
        power_factor=power_factor,
        payer=payer,
        idle_from=idle_from,
        feeder_a=np.full(n, -1, dtype=np.int64),
        feeder_b=np.full(n, -1, dtype=np.int64),
    )


# ----------------------------------------------------------------------------------------------
# Names and addresses


def _brand(rng: np.random.Generator, size: int) -> list[str]:
    chars = cat.BRAND_CHARS
    picks = rng.integers(0, len(chars), (size, 2))
    same = picks[:, 0] == picks[:, 1]
    picks[same, 1] = (picks[same, 1] + 1) % len(chars)
    return [chars[a] + chars[b] for a, b in picks]


_SUBJECTS = ("理工", "师范", "医科", "财经", "科技", "工业", "农业", "交通", "外国语", "艺术")
_CARRIERS = ("移动", "联通", "电信")
_BUREAUS = ("行政服务中心", "公安局", "市民中心", "档案馆", "税务局", "疾病预防控制中心")
_VENUES = ("体育中心", "大剧院", "国际会展中心", "博物馆", "图书馆", "奥体中心")
_PROJECTS = ("地铁站", "综合体", "安置房", "快速路", "学校", "医院")


def _company_name(key: str, district: cat.District, brand: str, r: np.ndarray) -> str:
    """One high-voltage customer's name; ``r`` holds a few random integers to choose with."""
    city, d = cat.CITY, district

    def pick(options: tuple[str, ...] | list[str], k: int = 0) -> str:
        return options[int(r[k]) % len(options)]

    if key == "steel":
        return pick([f"{brand}钢铁有限公司", f"{d.short}{brand}特钢有限公司", f"{brand}金属制品有限公司"])
    if key == "chemicals":
        return pick(
            [f"{brand}化工有限公司", f"{brand}新材料科技有限公司", f"{brand}石化有限公司", f"{brand}氯碱化工有限公司"]
        )
    if key == "cement":
        return pick([f"{brand}水泥有限公司", f"{brand}建材有限公司", f"{d.short}{brand}新型建材厂"])
    if key == "fab":
        return pick([f"{brand}半导体有限公司", f"{brand}集成电路制造有限公司", f"{brand}微电子有限公司"])
    if key in {"manufacturing", "two_shift"}:
        return f"{brand}{pick(cat.MANUFACTURING_PRODUCTS)}有限公司"
    if key == "data_centre":
        return pick([f"{brand}云计算数据中心", f"{brand}大数据产业园", f"中国{pick(_CARRIERS, 1)}{city}数据中心"])
    if key == "hospital":
        return pick(
            [
                f"{city}第{_cn_number(int(r[1]) % 9 + 1)}人民医院",
                f"{city}{d.short}人民医院",
                f"{city}中医院",
                f"{brand}医院",
                f"示范医科大学附属第{_cn_number(int(r[1]) % 4 + 1)}医院",
                f"{city}妇幼保健院",
                f"{city}儿童医院",
            ]
        )
    if key == "mall":
        return pick([f"{brand}广场", f"{brand}购物中心", f"{brand}百货{d.short}店", f"{brand}奥特莱斯"])
    if key == "office":
        return pick([f"{brand}国际大厦", f"{brand}金融中心", f"{brand}科技园", f"{brand}商务中心"])
    if key == "hotel":
        return pick([f"{brand}大酒店", f"{brand}国际酒店", f"{d.short}{brand}宾馆"])
    if key == "university":
        return pick([f"示范{pick(_SUBJECTS, 1)}大学", f"示范{pick(_SUBJECTS, 1)}职业技术学院"])
    if key == "government":
        return pick([f"{city}{d.name}人民政府", f"{city}{pick(_BUREAUS, 1)}", f"{city}公安局{d.short}分局"])
    if key == "culture":
        return pick([f"{city}{pick(_VENUES, 1)}", f"{d.short}全民健身中心"])
    if key == "water":
        return pick([f"{city}第{_cn_number(int(r[1]) % 6 + 1)}水厂", f"{d.short}污水处理厂", f"{brand}水务有限公司"])
    if key == "rail":
        return pick([f"{city}轨道交通{int(r[1]) % 6 + 1}号线{d.short}主变电所", f"示范高铁{d.short}牵引变电所"])
    if key == "logistics":
        return pick([f"{brand}冷链物流有限公司", f"{brand}物流园", f"{brand}仓储有限公司"])
    if key == "mining":
        return pick([f"{brand}矿业有限公司", f"{d.short}{brand}石料厂"])
    if key == "irrigation":
        return pick([f"{d.short}{brand}灌区泵站", f"{brand}农业发展有限公司", f"{d.short}{brand}排涝站"])
    if key == "construction":
        return pick(
            [
                f"中建{_cn_number(int(r[1]) % 8 + 1)}局{city}{pick(_PROJECTS, 2)}项目部",
                f"{brand}建设集团{d.short}项目临时用电",
            ]
        )
    if key == "telecom":
        return pick([f"中国{pick(_CARRIERS, 1)}{city}{d.short}通信枢纽楼", f"{city}广电{d.short}机房"])
    return f"{brand}有限公司"


_GROUP_WORD = {
    "steel": "钢铁",
    "chemicals": "化工",
    "cement": "建材",
    "fab": "半导体",
    "mining": "矿业",
    "logistics": "物流",
    "hotel": "酒店管理",
    "office": "置业",
    "data_centre": "数据科技",
    "mall": "商业",
}


def _group_name(key: str, brand: str, r: np.ndarray) -> str:
    city = cat.CITY
    if key == "hospital":
        return f"{city}第{_cn_number(int(r[0]) % 9 + 1)}人民医院"
    if key == "university":
        return f"示范{_SUBJECTS[int(r[0]) % len(_SUBJECTS)]}大学"
    if key == "water":
        return f"{city}水务集团有限公司"
    if key == "rail":
        return f"{city}轨道交通集团有限公司"
    if key in {"manufacturing", "two_shift"}:
        word = cat.MANUFACTURING_PRODUCTS[int(r[0]) % len(cat.MANUFACTURING_PRODUCTS)]
    else:
        word = _GROUP_WORD.get(key, "实业")
    return f"示范{brand}{word}集团有限公司"


def _form_groups(
    *, rng: np.random.Generator, segment: np.ndarray, hv: np.ndarray, capacity: np.ndarray, parent: np.ndarray
) -> list[tuple[int, list[int]]]:
    """Group companies with several sites: (parent index, site indices); fills ``parent``."""
    groups: list[tuple[int, list[int]]] = []
    for s, seg in enumerate(cat.SEGMENTS):
        if not seg.high_voltage or seg.group_share <= 0:
            continue
        members = np.flatnonzero((segment == s) & hv)
        wanted = round(len(members) * seg.group_share)
        if wanted < 2:
            continue
        pool = rng.permutation(members)[:wanted]
        start = 0
        while start + 2 <= len(pool):
            size = int(rng.integers(2, 6))
            chunk = pool[start : start + size]
            start += size
            if len(chunk) < 2:
                break
            # The headquarters is the largest site.
            head = int(chunk[np.argmax(capacity[chunk])])
            sites = [int(i) for i in chunk if i != head]
            parent[sites] = head
            groups.append((head, sites))
    return groups


def _names_and_addresses(
    *,
    rng: np.random.Generator,
    segment: np.ndarray,
    district: np.ndarray,
    hv: np.ndarray,
    capacity: np.ndarray,
    parent: np.ndarray,
) -> tuple[pa.StringArray, pa.StringArray]:
    n = len(segment)
    n_hv_seg = len(cat.HV_SEGMENTS)
    names = np.empty(n, dtype=object)

    # Households: a person's name.
    surnames = [s[0] for s in cat.SURNAMES]
    surname_p = np.array([s[2] for s in cat.SURNAMES])
    given = [g[0] for g in cat.GIVEN_NAME_CHARS]
    person_names = _join(
        _take(surnames, rng.choice(len(surnames), n, p=surname_p / surname_p.sum())),
        _take(given, rng.integers(0, len(given), n)),
        pc.if_else(pa.array(rng.random(n) < 0.6), _take(given, rng.integers(0, len(given), n)), ""),
    )

    # Small businesses: place + trade name + kind of shop.
    small_kind = np.empty(n, dtype=object)
    small_kind[:] = ""
    for s, seg in enumerate(cat.LV_SEGMENTS, start=n_hv_seg):
        members = np.flatnonzero(segment == s)
        words = cat.SMALL_BUSINESS_WORDS.get(seg.key)
        if words and len(members):
            small_kind[members] = np.array(words, dtype=object)[rng.integers(0, len(words), len(members))]
    brand_chars = cat.BRAND_CHARS
    small_names = _join(
        _take([d.short for d in cat.DISTRICTS], district),
        _take(brand_chars, rng.integers(0, len(brand_chars), n)),
        _take(brand_chars, rng.integers(0, len(brand_chars), n)),
        pa.array(small_kind, pa.string()),
    )
    residential = segment == n_hv_seg + [s.key for s in cat.LV_SEGMENTS].index("residential")

    # High-voltage customers: company names, group companies with several sites.
    hv_index = np.flatnonzero(hv)
    brands = _brand(rng, len(hv_index))
    draws = rng.integers(0, 1_000_000, (len(hv_index), 3))
    for k, i in enumerate(hv_index):
        seg = cat.SEGMENTS[segment[i]]
        names[i] = _company_name(seg.key, cat.DISTRICTS[district[i]], brands[k], draws[k])
    groups = _form_groups(rng=rng, segment=segment, hv=hv, capacity=capacity, parent=parent)
    group_brands = _brand(rng, len(groups))
    for (head, sites), brand in zip(groups, group_brands, strict=True):
        key = cat.SEGMENTS[segment[head]].key
        group = _group_name(key, brand, rng.integers(0, 1_000_000, 1))
        suffixes = cat.GROUP_SITES.get(key, cat.GROUP_SITES["default"])
        names[head] = group
        for k, site in enumerate(sites):
            suffix = suffixes[k % len(suffixes)]
            names[site] = group + (suffix if k < len(suffixes) else f"{suffix}{_cn_number(k // len(suffixes) + 1)}")

    hv_names = pa.array(names, pa.string())
    all_names = pc.if_else(pa.array(hv), hv_names, pc.if_else(pa.array(residential), person_names, small_names))

    # Addresses: province, city (for city districts), district, road and number; flats for households.
    place = _take([d.name if d.county else cat.CITY + d.name for d in cat.DISTRICTS], district)
    road = _take(cat.ROADS, rng.integers(0, len(cat.ROADS), n))
    number = pa.array(rng.integers(1, 999, n)).cast(pa.string())
    flat = _join(
        _take(brand_chars, rng.integers(0, len(brand_chars), n)),
        _take(cat.NEIGHBOURHOODS, rng.integers(0, len(cat.NEIGHBOURHOODS), n)),
        pa.array(rng.integers(1, 30, n)).cast(pa.string()),
        "栋",
        pa.array(rng.integers(1, 6, n)).cast(pa.string()),
        "单元",
        pa.array(rng.integers(1, 33, n) * 100 + rng.integers(1, 5, n)).cast(pa.string()),
        "室",
    )
    addresses = _join(
        cat.PROVINCE, place, road, number, "号", pc.if_else(pa.array(residential), flat, pa.scalar("", pa.string()))
    )
    return _as_string_array(all_names), _as_string_array(addresses)


def _as_string_array(values: pa.Array | pa.ChunkedArray) -> pa.StringArray:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    assert isinstance(values, pa.StringArray)
    return values
