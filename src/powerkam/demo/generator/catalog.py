"""The demo province's fixed vocabulary: districts, customer segments, names and prices.

Everything here is data, chosen to look like a real supply area of an eastern Chinese province
(示范省): a city core, a new business district, a high-tech zone, an economic-development zone,
a port with a chemical park, a heavy-industry district, a university town and two rural counties.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PROVINCE = "示范省"
CITY = "示范市"


@dataclass(frozen=True)
class District:
    name: str
    code: int  # one digit, part of the customer id
    kind: str  # urban, cbd, hitech, devzone, port, heavy, campus, rural
    latitude: float
    longitude: float
    radius_deg: float
    population_weight: float  # share of low-voltage customers
    county: bool = False

    @property
    def short(self) -> str:
        return self.name[:-1]


DISTRICTS: tuple[District, ...] = (
    District("鼓楼区", 1, "urban", 31.302, 120.585, 0.045, 0.22),
    District("滨江区", 2, "cbd", 31.262, 120.718, 0.050, 0.15),
    District("高新区", 3, "hitech", 31.331, 120.462, 0.055, 0.10),
    District("经开区", 4, "devzone", 31.361, 120.802, 0.060, 0.09),
    District("临港区", 5, "port", 31.618, 121.046, 0.070, 0.06),
    District("青山区", 6, "heavy", 31.521, 120.348, 0.060, 0.08),
    District("东湖区", 7, "campus", 31.218, 120.884, 0.050, 0.12),
    District("龙泉县", 8, "rural", 31.046, 120.242, 0.110, 0.10, county=True),
    District("平川县", 9, "rural", 31.752, 120.598, 0.120, 0.08, county=True),
)

#: Weights of each district kind for the high-voltage segments' "where they settle" keys.
_AFFINITY: dict[str, dict[str, float]] = {
    "heavy": {"heavy": 5, "port": 3, "devzone": 1.5, "rural": 1.5},
    "chemical": {"port": 6, "heavy": 2, "devzone": 1, "rural": 0.5},
    "hitech": {"hitech": 5, "devzone": 3, "cbd": 0.7},
    "factory": {"devzone": 4, "hitech": 2, "heavy": 2, "port": 1.5, "rural": 1.5, "urban": 0.3, "campus": 0.3},
    "city": {"urban": 4, "cbd": 4, "campus": 1.5, "hitech": 1, "devzone": 1, "heavy": 0.7, "port": 0.5, "rural": 0.6},
    "campus": {"campus": 5, "hitech": 2, "urban": 1.5, "cbd": 0.5},
    "everywhere": {
        "urban": 1.5,
        "cbd": 1,
        "hitech": 1,
        "devzone": 1,
        "port": 1,
        "heavy": 1,
        "campus": 1,
        "rural": 1.5,
    },
    "rural": {"rural": 6, "heavy": 0.5, "port": 0.5},
}


def district_weights(affinity: str) -> list[float]:
    weights = _AFFINITY[affinity]
    return [weights.get(d.kind, 0.05) for d in DISTRICTS]


#: Standard transformer sizes (kVA) a contract capacity is made of, per supply voltage.
CAPACITY_STEPS: dict[float, tuple[int, ...]] = {
    10.0: (315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000),
    35.0: (5000, 6300, 8000, 10000, 12500, 16000, 20000, 25000, 31500, 40000),
    110.0: (20000, 25000, 31500, 40000, 50000, 63000, 80000, 100000),
    220.0: (120000, 150000, 180000, 240000),
}


@dataclass(frozen=True)
class Segment:
    """A kind of customer: industry section, size, load shape, tariff and importance."""

    key: str
    label: str  # Chinese label used in docs and names
    section: str  # GB/T 4754-2017 section letter ("" for households)
    weight: float  # share within its voltage class (high or low voltage)
    high_voltage: bool
    shape: str  # daily load shape (see shapes.py)
    season: str  # monthly seasonality
    util: tuple[float, float]  # average kW / (capacity kVA × 0.9)
    voltages: dict[float, float] = field(default_factory=lambda: {10.0: 1.0})
    # Position within the 10 kV capacity steps (0 = 315 kVA … 14 = 8,000 kVA): low, mode, high.
    size: tuple[int, int, int] = (0, 4, 10)
    lv_capacity: tuple[float, float] = (4.0, 12.0)  # low-voltage contract capacity range (kVA)
    tariff: str = "industry"  # industry | commercial | residential | agricultural
    important: dict[str, float] = field(default_factory=dict)
    affinity: str = "everywhere"
    group_share: float = 0.0  # share of the segment's customers that belong to a group company
    pf: tuple[float, float] = (0.86, 0.96)


HV_SEGMENTS: tuple[Segment, ...] = (
    Segment(
        "steel",
        "钢铁",
        "C",
        0.030,
        True,
        "three_shift",
        "industry_flat",
        (0.55, 0.75),
        {10.0: 0.25, 35.0: 0.35, 110.0: 0.40},
        (8, 12, 14),
        important={"second": 0.3},
        affinity="heavy",
        group_share=0.6,
        pf=(0.88, 0.95),
    ),
    Segment(
        "chemicals",
        "化工",
        "C",
        0.055,
        True,
        "three_shift",
        "industry_flat",
        (0.50, 0.70),
        {10.0: 0.60, 35.0: 0.28, 110.0: 0.12},
        (4, 9, 14),
        important={"special": 0.03, "first": 0.45, "second": 0.45},
        affinity="chemical",
        group_share=0.45,
        pf=(0.87, 0.96),
    ),
    Segment(
        "cement",
        "水泥建材",
        "C",
        0.025,
        True,
        "three_shift",
        "cement",
        (0.50, 0.70),
        {10.0: 0.50, 35.0: 0.50},
        (8, 11, 14),
        affinity="rural",
        group_share=0.3,
        pf=(0.84, 0.93),
    ),
    Segment(
        "fab",
        "半导体",
        "C",
        0.012,
        True,
        "fab",
        "industry_flat",
        (0.55, 0.72),
        {10.0: 0.15, 35.0: 0.30, 110.0: 0.55},
        (10, 13, 14),
        important={"special": 0.2, "first": 0.8},
        affinity="hitech",
        group_share=0.4,
        pf=(0.93, 0.98),
    ),
    Segment(
        "manufacturing",
        "制造业",
        "C",
        0.390,
        True,
        "day_shift",
        "manufacturing",
        (0.12, 0.36),
        {10.0: 0.96, 35.0: 0.04},
        (0, 1, 9),
        important={"second": 0.02},
        affinity="factory",
        group_share=0.08,
        pf=(0.85, 0.95),
    ),
    Segment(
        "two_shift",
        "制造业（两班）",
        "C",
        0.080,
        True,
        "two_shift",
        "manufacturing",
        (0.30, 0.50),
        {10.0: 0.95, 35.0: 0.05},
        (1, 4, 11),
        affinity="factory",
        group_share=0.08,
        pf=(0.86, 0.95),
    ),
    Segment(
        "data_centre",
        "数据中心",
        "I",
        0.020,
        True,
        "data_centre",
        "data_centre",
        (0.45, 0.65),
        {10.0: 0.50, 35.0: 0.20, 110.0: 0.30},
        (8, 12, 14),
        important={"special": 0.05, "first": 0.55, "second": 0.40},
        affinity="hitech",
        group_share=0.4,
        pf=(0.93, 0.98),
    ),
    Segment(
        "hospital",
        "医院",
        "Q",
        0.040,
        True,
        "hospital",
        "hvac",
        (0.25, 0.40),
        {10.0: 1.0},
        (3, 7, 12),
        tariff="commercial",
        important={"special": 0.02, "first": 0.35, "second": 0.63},
        affinity="city",
        group_share=0.25,
        pf=(0.90, 0.97),
    ),
    Segment(
        "mall",
        "商场",
        "F",
        0.055,
        True,
        "mall",
        "hvac",
        (0.20, 0.35),
        {10.0: 1.0},
        (4, 8, 13),
        tariff="commercial",
        affinity="city",
        group_share=0.25,
        pf=(0.90, 0.97),
    ),
    Segment(
        "office",
        "写字楼",
        "L",
        0.050,
        True,
        "office",
        "hvac",
        (0.15, 0.30),
        {10.0: 1.0},
        (0, 3, 9),
        tariff="commercial",
        affinity="city",
        group_share=0.1,
        pf=(0.90, 0.97),
    ),
    Segment(
        "hotel",
        "酒店",
        "H",
        0.030,
        True,
        "hotel",
        "hvac",
        (0.20, 0.35),
        {10.0: 1.0},
        (0, 2, 7),
        tariff="commercial",
        affinity="city",
        group_share=0.15,
        pf=(0.90, 0.97),
    ),
    Segment(
        "university",
        "高校",
        "P",
        0.025,
        True,
        "campus",
        "campus",
        (0.15, 0.30),
        {10.0: 0.9, 35.0: 0.1},
        (5, 9, 13),
        tariff="commercial",
        important={"second": 0.1},
        affinity="campus",
        group_share=0.3,
        pf=(0.90, 0.97),
    ),
    Segment(
        "government",
        "机关及公共服务",
        "S",
        0.030,
        True,
        "office",
        "hvac",
        (0.15, 0.30),
        {10.0: 1.0},
        (0, 1, 7),
        tariff="commercial",
        important={"second": 0.15},
        affinity="city",
        pf=(0.90, 0.97),
    ),
    Segment(
        "culture",
        "文体场馆",
        "R",
        0.012,
        True,
        "venue",
        "hvac",
        (0.10, 0.22),
        {10.0: 1.0},
        (3, 6, 10),
        tariff="commercial",
        important={"temporary": 0.1},
        affinity="city",
        pf=(0.90, 0.97),
    ),
    Segment(
        "water",
        "供排水",
        "D",
        0.022,
        True,
        "water",
        "water",
        (0.35, 0.55),
        {10.0: 0.85, 35.0: 0.15},
        (3, 7, 12),
        important={"first": 0.2, "second": 0.7},
        affinity="everywhere",
        group_share=0.3,
        pf=(0.86, 0.95),
    ),
    Segment(
        "rail",
        "轨道交通",
        "G",
        0.010,
        True,
        "traction",
        "flat",
        (0.25, 0.40),
        {10.0: 0.4, 35.0: 0.2, 110.0: 0.4},
        (6, 9, 13),
        tariff="commercial",
        important={"first": 0.9, "second": 0.1},
        affinity="city",
        group_share=0.5,
        pf=(0.90, 0.97),
    ),
    Segment(
        "logistics",
        "仓储物流",
        "G",
        0.025,
        True,
        "cold_store",
        "hvac",
        (0.30, 0.50),
        {10.0: 1.0},
        (1, 3, 9),
        tariff="commercial",
        affinity="factory",
        group_share=0.1,
        pf=(0.86, 0.95),
    ),
    Segment(
        "mining",
        "采矿",
        "B",
        0.018,
        True,
        "three_shift",
        "industry_flat",
        (0.40, 0.60),
        {10.0: 0.6, 35.0: 0.4},
        (5, 9, 13),
        important={"second": 0.3},
        affinity="rural",
        group_share=0.2,
        pf=(0.83, 0.93),
    ),
    Segment(
        "irrigation",
        "农业排灌",
        "A",
        0.030,
        True,
        "irrigation",
        "irrigation",
        (0.06, 0.14),
        {10.0: 1.0},
        (0, 2, 6),
        tariff="agricultural",
        affinity="rural",
        pf=(0.80, 0.90),
    ),
    Segment(
        "construction",
        "建筑施工",
        "E",
        0.020,
        True,
        "day_shift",
        "flat",
        (0.15, 0.35),
        {10.0: 1.0},
        (0, 3, 8),
        tariff="commercial",
        important={"temporary": 0.1},
        affinity="everywhere",
        pf=(0.82, 0.92),
    ),
    Segment(
        "telecom",
        "通信枢纽",
        "I",
        0.012,
        True,
        "data_centre",
        "data_centre",
        (0.35, 0.55),
        {10.0: 1.0},
        (2, 5, 9),
        tariff="commercial",
        important={"first": 0.3, "second": 0.6},
        affinity="city",
        pf=(0.92, 0.98),
    ),
)

LV_SEGMENTS: tuple[Segment, ...] = (
    Segment("residential", "居民", "", 0.820, False, "residential", "residential", (0.08, 0.18), tariff="residential"),
    Segment(
        "shop",
        "商铺",
        "F",
        0.060,
        False,
        "shop",
        "hvac",
        (0.12, 0.28),
        lv_capacity=(10, 100),
        tariff="commercial",
        affinity="city",
    ),
    Segment(
        "restaurant",
        "餐饮",
        "H",
        0.030,
        False,
        "restaurant",
        "hvac",
        (0.15, 0.30),
        lv_capacity=(15, 160),
        tariff="commercial",
        affinity="city",
    ),
    Segment(
        "services",
        "服务业",
        "O",
        0.025,
        False,
        "office",
        "hvac",
        (0.10, 0.25),
        lv_capacity=(10, 200),
        tariff="commercial",
        affinity="city",
    ),
    Segment(
        "small_factory",
        "小型工业",
        "C",
        0.030,
        False,
        "day_shift",
        "manufacturing",
        (0.15, 0.35),
        lv_capacity=(50, 315),
        tariff="commercial",
        affinity="factory",
    ),
    Segment(
        "farm",
        "农业生产",
        "A",
        0.020,
        False,
        "irrigation",
        "irrigation",
        (0.05, 0.15),
        lv_capacity=(10, 100),
        tariff="agricultural",
        affinity="rural",
    ),
    Segment(
        "school",
        "中小学",
        "P",
        0.006,
        False,
        "campus",
        "campus",
        (0.10, 0.20),
        lv_capacity=(100, 315),
        tariff="commercial",
        affinity="everywhere",
    ),
    Segment(
        "clinic",
        "卫生院",
        "Q",
        0.004,
        False,
        "hospital",
        "hvac",
        (0.15, 0.30),
        lv_capacity=(50, 250),
        tariff="commercial",
        affinity="everywhere",
    ),
    Segment(
        "base_station",
        "通信基站",
        "I",
        0.005,
        False,
        "data_centre",
        "flat",
        (0.30, 0.50),
        lv_capacity=(10, 30),
        tariff="commercial",
        affinity="everywhere",
    ),
)

SEGMENTS: tuple[Segment, ...] = HV_SEGMENTS + LV_SEGMENTS

#: Energy prices (元/kWh, flat period, incl. transmission and government funds) per tariff and voltage.
ENERGY_PRICE: dict[str, dict[float, float]] = {
    "large_industrial": {10.0: 0.6215, 35.0: 0.6015, 110.0: 0.5815, 220.0: 0.5665},
    "general_commercial": {0.4: 0.7012, 10.0: 0.6812, 35.0: 0.6612, 110.0: 0.6412},
    "agricultural": {0.22: 0.5090, 0.4: 0.5090, 10.0: 0.4990},
    "residential": {0.22: 0.5483, 0.4: 0.5483},
}
#: Time-of-use price ratios to the flat price (peak : flat : valley, critical = peak × 1.2).
TOU_RATIO = {"peak": 1.6, "flat": 1.0, "valley": 0.4, "critical": 1.92}
#: Two-part tariff basic charges.
BASIC_CHARGE_CAPACITY_YUAN_PER_KVA = 28.0
BASIC_CHARGE_DEMAND_YUAN_PER_KW = 38.4
#: Residential tiers (kWh per month and added price).
RESIDENTIAL_TIERS = ((230.0, 0.0), (400.0, 0.05), (float("inf"), 0.30))

#: 峰谷分时 periods of 示范省 (hour of day → period), modelled on a common provincial schedule:
#: peak 10–13 & 17–22, flat 7–10, 13–17 & 22–23, valley 23–7; critical peak 11–13 & 19–21 in
#: July, August, December and January (carved out of the peak).
TOU_HOURS = tuple(
    "valley" if h < 7 or h >= 23 else "peak" if 10 <= h < 13 or 17 <= h < 22 else "flat" for h in range(24)
)
CRITICAL_HOURS = (11, 12, 19, 20)
CRITICAL_MONTHS = (1, 7, 8, 12)

# ----------------------------------------------------------------------------------------------
# Names

SURNAMES = (
    ("王", "wang", 7.1),
    ("李", "li", 7.0),
    ("张", "zhang", 6.7),
    ("刘", "liu", 5.4),
    ("陈", "chen", 4.5),
    ("杨", "yang", 3.1),
    ("黄", "huang", 2.2),
    ("赵", "zhao", 2.0),
    ("吴", "wu", 1.9),
    ("周", "zhou", 1.9),
    ("徐", "xu", 1.6),
    ("孙", "sun", 1.5),
    ("马", "ma", 1.4),
    ("朱", "zhu", 1.3),
    ("胡", "hu", 1.3),
    ("郭", "guo", 1.1),
    ("何", "he", 1.1),
    ("林", "lin", 1.0),
    ("罗", "luo", 0.9),
    ("高", "gao", 0.9),
    ("郑", "zheng", 0.8),
    ("梁", "liang", 0.8),
    ("谢", "xie", 0.7),
    ("宋", "song", 0.6),
    ("唐", "tang", 0.6),
    ("许", "xu", 0.6),
    ("韩", "han", 0.5),
    ("冯", "feng", 0.5),
    ("邓", "deng", 0.5),
    ("曹", "cao", 0.5),
    ("彭", "peng", 0.5),
    ("曾", "zeng", 0.4),
    ("沈", "shen", 0.4),
    ("蒋", "jiang", 0.4),
    ("钱", "qian", 0.3),
    ("陆", "lu", 0.3),
)

GIVEN_NAME_CHARS = (
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀", "xiu"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("桂", "gui"),
    ("华", "hua"),
    ("建", "jian"),
    ("国", "guo"),
    ("文", "wen"),
    ("辉", "hui"),
    ("鹏", "peng"),
    ("宇", "yu"),
    ("婷", "ting"),
    ("晨", "chen"),
    ("浩", "hao"),
    ("欣", "xin"),
    ("凯", "kai"),
    ("琳", "lin"),
    ("志", "zhi"),
    ("红", "hong"),
    ("斌", "bin"),
    ("海", "hai"),
    ("佳", "jia"),
    ("宁", "ning"),
    ("雪", "xue"),
    ("阳", "yang"),
    ("峰", "feng"),
    ("波", "bo"),
)

#: Characters that make up a company's trade name (字号).
BRAND_CHARS = tuple(
    "华宏永鑫恒金瑞天兴东长新伟聚海鼎盛利达安泰丰源通信康美嘉和宝中远博力晟腾凯正旭明星辉荣润昌隆佳汇联创科德福祥万广"
)

ROADS = (
    "人民路",
    "建设路",
    "解放路",
    "中山路",
    "工业大道",
    "科技路",
    "滨江大道",
    "长江路",
    "黄河路",
    "创业路",
    "发展大道",
    "港城路",
    "学府路",
    "湖滨路",
    "青年路",
    "和平路",
    "新华路",
    "东风路",
    "迎宾大道",
    "环城北路",
    "环城南路",
    "文昌路",
    "金桥路",
    "兴业路",
)

NEIGHBOURHOODS = ("花园", "小区", "新村", "家园", "苑", "公寓", "名邸", "华府")

#: Shop, restaurant and service names for small low-voltage business customers.
SMALL_BUSINESS_WORDS: dict[str, tuple[str, ...]] = {
    "shop": ("便利店", "超市", "五金店", "药房", "服装店", "水果店", "烟酒店", "建材店", "家电商行"),
    "restaurant": ("面馆", "饭店", "火锅店", "小吃店", "烧烤店", "茶餐厅", "农家乐"),
    "services": ("理发店", "洗衣店", "汽修厂", "快递网点", "培训中心", "物业服务中心", "宾馆"),
    "small_factory": ("五金加工厂", "服装厂", "印刷厂", "包装厂", "塑料制品厂", "木材加工厂", "食品厂"),
    "farm": ("养殖场", "种植专业合作社", "家庭农场", "水产养殖场", "蔬菜大棚"),
    "school": ("中学", "小学", "实验学校", "幼儿园"),
    "clinic": ("卫生院", "社区卫生服务中心", "诊所"),
    "base_station": ("移动通信基站", "联通通信基站", "电信通信基站", "铁塔基站"),
}

MANUFACTURING_PRODUCTS = (
    "机械制造",
    "汽车零部件",
    "电子科技",
    "纺织",
    "食品",
    "塑胶制品",
    "家具",
    "制药",
    "包装材料",
    "精密铸造",
    "电线电缆",
    "光伏科技",
    "锂电科技",
    "印染",
    "造纸",
    "玻璃制品",
    "新材料",
    "智能装备",
)

#: Sites of a group company, per segment (appended to the group's name).
GROUP_SITES: dict[str, tuple[str, ...]] = {
    "steel": ("第一炼钢厂", "第二炼钢厂", "轧钢厂", "焦化厂", "烧结厂", "动力厂", "炼铁厂"),
    "chemicals": ("氯碱分公司", "合成氨厂", "热电分厂", "新材料分公司", "精细化工分厂", "有机硅分厂"),
    "cement": ("第一熟料厂", "第二熟料厂", "粉磨站", "矿山分公司"),
    "fab": ("一厂", "二厂", "封装测试厂", "研发中心"),
    "data_centre": ("一期", "二期", "三期", "灾备中心"),
    "hospital": ("东院区", "南院区", "高新院区", "北院区"),
    "mall": ("城东店", "城西店", "滨江店", "高新店"),
    "university": ("东湖校区", "高新校区", "临港校区", "医学院校区"),
    "water": ("第二水厂", "第三水厂", "污水处理厂", "加压泵站"),
    "rail": ("1号线主变电所", "2号线主变电所", "3号线主变电所", "车辆段"),
    "mining": ("一号矿区", "二号矿区", "选矿厂"),
    "default": ("第一分厂", "第二分厂", "第三分厂", "分公司"),
}

OUTAGE_CAUSES_PLANNED = ("计划检修", "线路改造", "配合市政工程", "设备预防性试验", "新用户接入", "开关柜更换")
OUTAGE_CAUSES_UNPLANNED = (
    "雷击",
    "大风",
    "外力破坏",
    "设备故障",
    "树障",
    "鸟害",
    "用户故障越级跳闸",
    "施工挖断电缆",
    "电缆头击穿",
)

VISIT_SUMMARIES = (
    "例行走访，了解用电需求",
    "了解扩产计划，客户预计明年新增容量",
    "协助办理基本电费计收方式变更",
    "安全用电检查，发现隐患已书面告知",
    "电费催缴，客户承诺月底前结清",
    "宣传峰谷分时电价，建议调整生产班次",
    "双电源切换演练，运行正常",
    "迎峰度夏保供电沟通，确认有序用电方案",
    "回访停电检修安排，客户表示理解",
    "讲解功率因数调整电费，建议增加无功补偿",
    "了解新能源（分布式光伏）接入意向",
    "送达一次性告知书，解释增容流程",
)
