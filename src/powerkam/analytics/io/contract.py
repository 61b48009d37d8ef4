"""The data contract, as data: every kind, its columns, their Chinese aliases, types and rules.

This is the single source the validator, the user documentation test and the demo builder
read; docs/data-formats.md describes the same contract for people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "decimal", "money", "integer", "date", "period", "timestamp", "bool", "enum"]
Bound = Literal["positive", "non_negative"] | None
Choices = dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    aliases: tuple[str, ...] = ()
    bound: Bound = None
    #: enum values: canonical English value → accepted spellings (Chinese etc.)
    choices: Choices = field(default_factory=dict)
    max_length: int | None = None
    #: plausible values (inclusive): a value outside is an error, not data; see docs/data-formats.md
    range: tuple[float, float] | None = None
    #: the unit the range is in, for the message
    unit: str = ""
    #: the only values accepted (nominal voltages), compared after rounding to 3 decimals
    allowed: tuple[float, ...] = ()


@dataclass(frozen=True)
class KindSpec:
    kind: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    #: where it lands: the Parquet analytics store, the CRM database, or both
    target: Literal["store", "crm", "both"]
    #: rows sharing a key inside one file are an error (False: they are kept, numbered by seq)
    unique_key: bool = True

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


TARIFFS: Choices = {
    "large_industrial": ("大工业", "大工业用电"),
    "general_commercial": ("一般工商业", "一般工商业用电", "工商业"),
    "residential": ("居民", "居民生活", "居民生活用电"),
    "agricultural": ("农业", "农业生产", "农业生产用电"),
}
BASIC_CHARGE_MODES: Choices = {"capacity": ("按容量",), "demand": ("按需量",)}
IMPORTANT_GRADES: Choices = {
    "special": ("特级",),
    "first": ("一级",),
    "second": ("二级",),
    "temporary": ("临时性", "临时"),
}
#: Where the customer takes supply, for the fault-repair limits of the 供电服务"十项承诺" (docs/service.md).
AREA_CLASSES: Choices = {
    "urban": ("城区", "城市", "市区"),
    "rural": ("农村", "乡村"),
    "remote": ("特殊边远", "特殊边远地区", "边远地区"),
}
PROJECT_STAGES: Choices = {"planned": ("规划中", "规划"), "approved": ("已立项", "立项")}
ROLES: Choices = {
    "manager": ("客户经理",),
    "supervisor": ("主管",),
    "planner": ("停电计划", "计划员"),
    "viewer": ("只读",),
    "admin": ("管理员",),
}
ASSIGNMENT_ROLES: Choices = {"primary": ("主经理",), "secondary": ("副经理",)}
INDUSTRY_SECTIONS: Choices = {chr(c): () for c in range(ord("A"), ord("T") + 1)}
#: 95598 work orders (国家电网 95598 客户服务): how the request came in, what it is, where it stands.
WORKORDER_CHANNELS: Choices = {
    "phone": ("电话", "95598电话", "热线"),
    "online": ("网上国网", "网站", "在线"),
    "app": ("掌上电力", "手机应用", "APP"),
    "wechat": ("微信",),
    "counter": ("营业厅",),
    "other": ("其他",),
}
WORKORDER_TYPES: Choices = {
    "inquiry": ("咨询",),
    "complaint": ("投诉",),
    "report": ("举报",),
    "opinion": ("意见", "意见建议"),
    "fault": ("故障报修", "报修"),
    "praise": ("表扬",),
}
WORKORDER_STATUSES: Choices = {"open": ("处理中", "未办结"), "closed": ("已办结", "办结")}
SATISFACTION: Choices = {"satisfied": ("满意",), "neutral": ("基本满意", "一般"), "dissatisfied": ("不满意",)}

#: Nominal voltages (kV) of GB/T 156 a customer or feeder can be supplied at.
NOMINAL_VOLTAGES_KV: tuple[float, ...] = (0.22, 0.38, 0.4, 3, 6, 10, 20, 35, 66, 110, 220, 330, 500, 750, 1000)
#: Dates and timestamps before this day are not data (the People's Republic's founding, before any
#: account the utility keeps) …
DATE_MIN = "1949-10-01"
#: … and neither are dates more than this many years after today (planned energisation dates are
#: a few years ahead at most).
DATE_MAX_YEARS_AHEAD = 10

#: Plausible ranges, as data (the validator reads them, docs/data-formats.md lists them).
CAPACITY_KVA = (0.0, 10_000_000.0)  # 10 GVA: above the largest single supply point
POWER_KW = (0.0, 10_000_000.0)
ENERGY_KWH_MONTH = (0.0, 10_000_000_000.0)  # 10 TWh a month
ENERGY_KWH_YEAR = (0.0, 100_000_000_000.0)
MONEY_YUAN = (0.0, 10_000_000_000.0)  # 10 billion yuan on one bill
LOAD_KW = (-10_000_000.0, 10_000_000.0)  # negative: a customer exporting generation
LATITUDE = (-90.0, 90.0)
LONGITUDE = (-180.0, 180.0)
VISITS_A_DAY = (1.0, 50.0)

CUSTOMER_ID = Column("customer_id", "text", required=True, aliases=("户号", "客户编号"), max_length=40)

CONTRACT: dict[str, KindSpec] = {
    "customers": KindSpec(
        "customers",
        (
            CUSTOMER_ID,
            Column("name", "text", required=True, aliases=("户名", "客户名称"), max_length=200),
            Column("parent_id", "text", aliases=("集团户号",), max_length=40),
            Column("industry", "enum", aliases=("行业",), choices=INDUSTRY_SECTIONS),
            Column(
                "voltage_kv",
                "decimal",
                required=True,
                aliases=("电压等级",),
                bound="positive",
                allowed=NOMINAL_VOLTAGES_KV,
                unit="kV",
            ),
            Column(
                "contract_capacity_kva",
                "decimal",
                required=True,
                aliases=("合同容量",),
                bound="non_negative",
                range=CAPACITY_KVA,
                unit="kVA",
            ),
            Column("tariff", "enum", required=True, aliases=("电价类别",), choices=TARIFFS),
            Column("basic_charge_mode", "enum", aliases=("基本电费计收方式",), choices=BASIC_CHARGE_MODES),
            Column("feeders", "text", aliases=("供电线路",), max_length=200),
            Column("important_grade", "enum", aliases=("重要用户等级",), choices=IMPORTANT_GRADES),
            Column("district", "text", aliases=("区县",), max_length=100),
            # Not in the store's schema (analytics/store.py): it lands only on the CRM account.
            Column("area_class", "enum", aliases=("地区类别", "供电区域类别"), choices=AREA_CLASSES),
            Column("address", "text", aliases=("地址",), max_length=300),
            Column("latitude", "decimal", aliases=("纬度",), range=LATITUDE, unit="°"),
            Column("longitude", "decimal", aliases=("经度",), range=LONGITUDE, unit="°"),
            Column("connected_on", "date", aliases=("立户日期",)),
        ),
        key=("customer_id",),
        target="both",
    ),
    "billing": KindSpec(
        "billing",
        (
            CUSTOMER_ID,
            Column("period", "period", required=True, aliases=("电费年月",)),
            Column(
                "kwh",
                "decimal",
                required=True,
                aliases=("有功电量",),
                bound="non_negative",
                range=ENERGY_KWH_MONTH,
                unit="kWh",
            ),
            Column(
                "kwh_peak", "decimal", aliases=("峰电量",), bound="non_negative", range=ENERGY_KWH_MONTH, unit="kWh"
            ),
            Column(
                "kwh_flat", "decimal", aliases=("平电量",), bound="non_negative", range=ENERGY_KWH_MONTH, unit="kWh"
            ),
            Column(
                "kwh_valley", "decimal", aliases=("谷电量",), bound="non_negative", range=ENERGY_KWH_MONTH, unit="kWh"
            ),
            Column(
                "kwh_critical",
                "decimal",
                aliases=("尖峰电量",),
                bound="non_negative",
                range=ENERGY_KWH_MONTH,
                unit="kWh",
            ),
            Column(
                "kvarh", "decimal", aliases=("无功电量",), bound="non_negative", range=ENERGY_KWH_MONTH, unit="kvarh"
            ),
            Column("max_demand_kw", "decimal", aliases=("最大需量",), bound="non_negative", range=POWER_KW, unit="kW"),
            Column(
                "amount_yuan",
                "money",
                required=True,
                aliases=("应收电费",),
                bound="non_negative",
                range=MONEY_YUAN,
                unit="yuan",
            ),
            Column("due_date", "date", required=True, aliases=("缴费截止日",)),
        ),
        key=("customer_id", "period"),
        target="store",
    ),
    "payments": KindSpec(
        "payments",
        (
            CUSTOMER_ID,
            Column("period", "period", required=True, aliases=("电费年月",)),
            Column("paid_on", "date", required=True, aliases=("缴费日期",)),
            Column(
                "amount_yuan",
                "money",
                required=True,
                aliases=("实收金额",),
                bound="positive",
                range=MONEY_YUAN,
                unit="yuan",
            ),
        ),
        key=("customer_id", "period", "paid_on", "amount_yuan"),
        target="store",
        unique_key=False,
    ),
    "loads": KindSpec(
        "loads",
        (
            CUSTOMER_ID,
            Column("ts", "timestamp", required=True, aliases=("时间", "采集时间")),
            Column("kw", "decimal", required=True, aliases=("有功功率", "负荷"), range=LOAD_KW, unit="kW"),
        ),
        key=("customer_id", "ts"),
        target="store",
    ),
    "feeders": KindSpec(
        "feeders",
        (
            Column("feeder_id", "text", required=True, aliases=("线路编号",), max_length=40),
            Column("name", "text", required=True, aliases=("线路名称",), max_length=200),
            Column("substation_id", "text", required=True, aliases=("变电站编号",), max_length=40),
            Column("substation_name", "text", required=True, aliases=("变电站名称",), max_length=200),
            Column(
                "voltage_kv",
                "decimal",
                required=True,
                aliases=("电压等级",),
                bound="positive",
                allowed=NOMINAL_VOLTAGES_KV,
                unit="kV",
            ),
            Column(
                "rated_capacity_kva",
                "decimal",
                aliases=("额定容量",),
                bound="non_negative",
                range=CAPACITY_KVA,
                unit="kVA",
            ),
            Column("peak_load_kw", "decimal", aliases=("最大负荷",), bound="non_negative", range=POWER_KW, unit="kW"),
        ),
        key=("feeder_id",),
        target="crm",
    ),
    "outages": KindSpec(
        "outages",
        (
            Column("outage_id", "text", required=True, aliases=("停电编号",), max_length=40),
            Column("feeder_id", "text", required=True, aliases=("线路编号",), max_length=40),
            Column("start", "timestamp", required=True, aliases=("开始时间",)),
            Column("end", "timestamp", required=True, aliases=("结束时间",)),
            Column("planned", "bool", required=True, aliases=("计划停电",)),
            Column("cause", "text", aliases=("原因", "停电原因")),
        ),
        key=("outage_id",),
        target="store",
    ),
    "projects": KindSpec(
        "projects",
        (
            Column("project_id", "text", required=True, aliases=("项目编号",), max_length=40),
            Column("name", "text", required=True, aliases=("项目名称",), max_length=300),
            Column("stage", "enum", required=True, aliases=("阶段",), choices=PROJECT_STAGES),
            Column("industry", "text", aliases=("行业",), max_length=100),
            Column("district", "text", aliases=("区县",), max_length=100),
            Column(
                "expected_capacity_kva",
                "decimal",
                aliases=("预计容量",),
                bound="non_negative",
                range=CAPACITY_KVA,
                unit="kVA",
            ),
            Column(
                "expected_annual_kwh",
                "decimal",
                aliases=("预计年用电量",),
                bound="non_negative",
                range=ENERGY_KWH_YEAR,
                unit="kWh",
            ),
            Column("expected_energize_on", "date", aliases=("预计投产日期",)),
            Column("government_contact", "text", aliases=("政府联系人",), max_length=200),
        ),
        key=("project_id",),
        target="crm",
    ),
    "staff": KindSpec(
        "staff",
        (
            Column("username", "text", required=True, aliases=("用户名", "登录名"), max_length=150),
            Column("name", "text", required=True, aliases=("姓名",), max_length=100),
            Column("email", "text", aliases=("邮箱", "电子邮件"), max_length=254),
            Column("phone", "text", aliases=("电话", "手机"), max_length=40),
            Column("district", "text", aliases=("区县",), max_length=100),
            Column("role", "enum", required=True, aliases=("角色",), choices=ROLES),
            Column("supervisor", "text", aliases=("上级", "主管"), max_length=150),
            Column(
                "daily_visit_capacity",
                "integer",
                aliases=("日走访能力", "每日走访上限"),
                bound="positive",
                range=VISITS_A_DAY,
            ),
        ),
        key=("username",),
        target="crm",
    ),
    "assignments": KindSpec(
        "assignments",
        (
            CUSTOMER_ID,
            Column("username", "text", required=True, aliases=("用户名", "客户经理"), max_length=150),
            Column("role", "enum", required=True, aliases=("角色",), choices=ASSIGNMENT_ROLES),
        ),
        key=("customer_id", "role"),
        target="crm",
    ),
    "visits": KindSpec(
        "visits",
        (
            CUSTOMER_ID,
            Column("visited_on", "date", required=True, aliases=("走访日期",)),
            Column("username", "text", aliases=("用户名", "走访人"), max_length=150),
            Column("summary", "text", aliases=("摘要", "走访内容")),
        ),
        key=("customer_id", "visited_on", "username"),
        target="crm",
    ),
    "workorders": KindSpec(
        "workorders",
        (
            Column("order_no", "text", required=True, aliases=("工单编号", "工单号"), max_length=40),
            Column("channel", "enum", aliases=("受理渠道", "渠道"), choices=WORKORDER_CHANNELS),
            Column("type", "enum", required=True, aliases=("业务类型", "工单类型"), choices=WORKORDER_TYPES),
            Column("received_at", "timestamp", required=True, aliases=("受理时间",)),
            CUSTOMER_ID,
            Column("content", "text", aliases=("受理内容", "诉求内容")),
            Column("status", "enum", required=True, aliases=("工单状态", "状态"), choices=WORKORDER_STATUSES),
            Column("closed_at", "timestamp", aliases=("办结时间",)),
            Column("satisfaction", "enum", aliases=("满意度", "回访满意度"), choices=SATISFACTION),
        ),
        key=("order_no",),
        target="crm",
    ),
}

# --- renewable-energy key accounts (docs/rules.md §7, docs/renewables.md) ---------------------

TECHNOLOGIES: Choices = {"pv": ("光伏", "分布式光伏"), "wind": ("风电", "风力发电"), "storage": ("储能",)}
CONNECTION_MODES: Choices = {
    "self_use": ("全额自发自用",),
    "surplus": ("自发自用余电上网", "自发自用、余电上网", "自发自用，余电上网"),
    "full_export": ("全额上网",),
}
GREEN_TYPES: Choices = {"power": ("绿电", "绿电交易", "绿色电力"), "certificate": ("绿证", "绿色电力证书")}
PRICE_YUAN_PER_KWH = (0.0, 10.0)
CERTIFICATE_PRICE_YUAN = (0.0, 1_000.0)
CERTIFICATES = (1.0, 100_000_000.0)

CONTRACT.update(
    {
        "generation": KindSpec(
            "generation",
            (
                CUSTOMER_ID,
                Column("period", "period", required=True, aliases=("发电年月", "电费年月")),
                Column("technology", "enum", required=True, aliases=("类型", "电源类型"), choices=TECHNOLOGIES),
                Column(
                    "installed_kw",
                    "decimal",
                    required=True,
                    aliases=("装机容量",),
                    bound="non_negative",
                    range=POWER_KW,
                    unit="kW",
                ),
                Column("mode", "enum", required=True, aliases=("消纳模式", "上网模式"), choices=CONNECTION_MODES),
                Column(
                    "generated_kwh",
                    "decimal",
                    required=True,
                    aliases=("发电量",),
                    bound="non_negative",
                    range=ENERGY_KWH_MONTH,
                    unit="kWh",
                ),
                Column(
                    "self_consumed_kwh",
                    "decimal",
                    required=True,
                    aliases=("自用电量", "自发自用电量"),
                    bound="non_negative",
                    range=ENERGY_KWH_MONTH,
                    unit="kWh",
                ),
                Column(
                    "exported_kwh",
                    "decimal",
                    required=True,
                    aliases=("上网电量",),
                    bound="non_negative",
                    range=ENERGY_KWH_MONTH,
                    unit="kWh",
                ),
            ),
            key=("customer_id", "period", "technology"),
            target="store",
        ),
        "green": KindSpec(
            "green",
            (
                Column("record_id", "text", required=True, aliases=("交易编号", "凭证编号"), max_length=60),
                CUSTOMER_ID,
                Column("type", "enum", required=True, aliases=("交易类型",), choices=GREEN_TYPES),
                Column("traded_on", "date", required=True, aliases=("交易日期",)),
                Column("kwh", "decimal", aliases=("绿电电量",), bound="positive", range=ENERGY_KWH_YEAR, unit="kWh"),
                Column(
                    "energy_price_yuan_per_kwh",
                    "decimal",
                    aliases=("电能量价格",),
                    bound="non_negative",
                    range=PRICE_YUAN_PER_KWH,
                    unit="yuan/kWh",
                ),
                Column(
                    "premium_yuan_per_kwh",
                    "decimal",
                    aliases=("环境溢价", "绿色环境价值"),
                    bound="non_negative",
                    range=PRICE_YUAN_PER_KWH,
                    unit="yuan/kWh",
                ),
                Column("certificates", "integer", aliases=("绿证数量",), bound="positive", range=CERTIFICATES),
                Column(
                    "certificate_price_yuan",
                    "decimal",
                    aliases=("绿证单价",),
                    bound="non_negative",
                    range=CERTIFICATE_PRICE_YUAN,
                    unit="yuan",
                ),
            ),
            key=("record_id",),
            target="store",
        ),
    }
)

# ---- churn signals (docs/health.md): business applications, supply contracts, market status ----------

APPLICATION_TYPES: Choices = {
    "capacity_reduction": ("减容",),
    "suspension": ("暂停",),
    "temporary_change": ("暂换",),
    "relocation": ("迁址",),
    "closure": ("销户",),
    "capacity_increase": ("增容",),
    "tariff_change": ("改类",),
}
APPLICATION_STATUSES: Choices = {
    "in_progress": ("在途", "受理中", "处理中"),
    "completed": ("已归档", "已完成", "完成"),
    "withdrawn": ("已撤销", "撤销"),
}
RENEWAL_STATUSES: Choices = {
    "pending": ("待续签",),
    "negotiating": ("续签中", "协商中"),
    "renewed": ("已续签",),
    "declined": ("不续签", "拒绝续签"),
}
MARKET_STATUSES: Choices = {
    "grid_agency": ("电网代理购电", "代理购电"),
    "direct": ("直接交易", "直接参与市场"),
    "retailer": ("售电公司代理", "售电公司"),
}

CONTRACT.update(
    {
        "applications": KindSpec(
            "applications",
            (
                Column("application_id", "text", required=True, aliases=("申请编号", "工单编号"), max_length=40),
                CUSTOMER_ID,
                Column("type", "enum", required=True, aliases=("业务类型", "业扩类型"), choices=APPLICATION_TYPES),
                Column("applied_on", "date", required=True, aliases=("申请日期", "受理日期")),
                Column("effective_on", "date", aliases=("生效日期", "变更日期")),
                Column(
                    "capacity_kva",
                    "decimal",
                    aliases=("变更容量", "申请容量"),
                    bound="non_negative",
                    range=CAPACITY_KVA,
                    unit="kVA",
                ),
                Column("status", "enum", aliases=("状态", "流程状态"), choices=APPLICATION_STATUSES),
            ),
            key=("application_id",),
            target="store",
        ),
        "contracts": KindSpec(
            "contracts",
            (
                Column("contract_no", "text", required=True, aliases=("合同编号",), max_length=60),
                CUSTOMER_ID,
                Column("start_on", "date", required=True, aliases=("合同生效日期", "起始日期")),
                Column("end_on", "date", required=True, aliases=("合同到期日期", "到期日期")),
                Column(
                    "capacity_kva",
                    "decimal",
                    aliases=("合同约定容量", "约定容量"),
                    bound="non_negative",
                    range=CAPACITY_KVA,
                    unit="kVA",
                ),
                Column("renewal_status", "enum", aliases=("续签状态",), choices=RENEWAL_STATUSES),
            ),
            key=("contract_no",),
            target="store",
        ),
        "market": KindSpec(
            "market",
            (
                CUSTOMER_ID,
                Column("effective_on", "date", required=True, aliases=("生效日期",)),
                Column("status", "enum", required=True, aliases=("购电方式", "市场化状态"), choices=MARKET_STATUSES),
                Column("retailer", "text", aliases=("售电公司",), max_length=200),
            ),
            key=("customer_id", "effective_on"),
            target="store",
        ),
    }
)

KINDS = tuple(CONTRACT)
