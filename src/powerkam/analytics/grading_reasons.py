"""The reasons behind a grading result, in words a manager understands (Simplified Chinese and English).

The engine marks each row with reason *codes* (``reason_codes``); :func:`explain` turns a row
and the rules that produced it into a list of ``{"code": …, "params": {…}}`` (JSON-able, what
the CRM stores), and :func:`render` puts them into words. The analytics package cannot use
Django's gettext, so the two languages live in :data:`MESSAGES` beside the codes: a new code
needs both texts (a test checks it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypedDict

from powerkam.analytics.rules import DEFAULT_RULES, GradingRules

LANGUAGES = ("zh", "en")


class Reason(TypedDict):
    code: str
    params: dict[str, Any]


#: code → language → template (``str.format`` with the params of :func:`explain`).
MESSAGES: dict[str, dict[str, str]] = {
    "key_by_kwh": {
        "en": "Key account: {annual_kwh} kWh used in the last {months} months, at least {min_annual_kwh} kWh.",
        "zh": "大客户：近{months}个月用电量 {annual_kwh} kWh，达到 {min_annual_kwh} kWh 的标准。",
    },
    "key_by_capacity": {
        "en": "Key account: contract capacity {capacity_kva} kVA, at least {min_capacity_kva} kVA.",
        "zh": "大客户：合同容量 {capacity_kva} kVA，达到 {min_capacity_kva} kVA 的标准。",
    },
    "key_by_important": {
        "en": "Key account: {important_grade_en}.",
        "zh": "大客户：{important_grade_zh}。",
    },
    "not_key_voltage": {
        "en": "Not a key account: supplied at {voltage_kv} kV, below {min_voltage_kv} kV.",
        "zh": "非大客户：供电电压 {voltage_kv} kV，低于 {min_voltage_kv} kV。",
    },
    "not_key_inactive": {
        "en": "Not a key account: used electricity in only {active_months} of the last {months} months "
        "(at least {min_active_months} needed).",
        "zh": "非大客户：近{months}个月中仅 {active_months} 个月有用电（至少需要 {min_active_months} 个月）。",
    },
    "not_key_small": {
        "en": "Not a key account: {annual_kwh} kWh a year (below {min_annual_kwh} kWh), contract capacity "
        "{capacity_kva} kVA (below {min_capacity_kva} kVA) and not an important user.",
        "zh": "非大客户：年用电量 {annual_kwh} kWh（低于 {min_annual_kwh} kWh），合同容量 {capacity_kva} kVA"
        "（低于 {min_capacity_kva} kVA），且不是重要电力用户。",
    },
    "credit_late": {
        "en": "Credit −{deduction}: {late_payments} bill(s) paid late in the last {months} months (−{per_bill} each).",
        "zh": "信用扣 {deduction} 分：近{months}个月有 {late_payments} 笔电费逾期缴清（每笔扣 {per_bill} 分）。",
    },
    "credit_overdue": {
        "en": "Credit −{deduction}: ¥{overdue_yuan} of bills past their due date still unpaid.",
        "zh": "信用扣 {deduction} 分：已过缴费截止日仍欠费 {overdue_yuan} 元。",
    },
    "credit_long_late": {
        "en": "Credit −{deduction}: a bill paid {max_days_late} days late (more than {long_late_days} days).",
        "zh": "信用扣 {deduction} 分：有电费逾期 {max_days_late} 天（超过 {long_late_days} 天）。",
    },
    "credit_clean": {
        "en": "Credit {credit_score}: every bill paid on time, no arrears.",
        "zh": "信用 {credit_score} 分：电费均按期缴清，无欠费。",
    },
    "grade_a": {
        "en": "Grade A (premium): revenue ranks at {value_pct}% of key accounts (at least {min_value_pct}%) "
        "and credit {credit_score} (at least {a_min_credit}).",
        "zh": "A 级（优质）：电费收入位于大客户的 {value_pct}% 分位（不低于 {min_value_pct}%），"
        "信用 {credit_score} 分（不低于 {a_min_credit} 分）。",
    },
    "grade_b_rank": {
        "en": "Grade B (medium): revenue ranks at {value_pct}% of key accounts, below the {min_value_pct}% "
        "needed for grade A.",
        "zh": "B 级（中等）：电费收入位于大客户的 {value_pct}% 分位，未达到 A 级所需的 {min_value_pct}%。",
    },
    "grade_b_credit": {
        "en": "Grade B (medium): credit {credit_score} is below the {a_min_credit} needed for grade A.",
        "zh": "B 级（中等）：信用 {credit_score} 分，低于 A 级所需的 {a_min_credit} 分。",
    },
    "grade_c": {
        "en": "Grade C (low credit): credit {credit_score} is below {c_below_credit}.",
        "zh": "C 级（信誉评价较低）：信用 {credit_score} 分，低于 {c_below_credit} 分。",
    },
    # Recorded by the CRM side: a government key project energised less than a year ago stays a
    # key account while it builds the billing history the rules need (paper §3(三)).
    "key_new_project": {
        "en": "Key account: energised on {energised_on} from government key project {project}; "
        "kept as a key account until {until} while its billing history builds up.",
        "zh": "大客户：由政府重点项目 {project} 于 {energised_on} 送电转入，在 {until} 前保留大客户身份，待积累用电记录后按规则评定。",
    },
    # Recorded by the CRM side, not by the engine: a key account missing from the customer base.
    "not_in_customer_base": {
        "en": "No longer a key account: the customer is not in the customer base any more.",
        "zh": "不再是大客户：客户档案中已无此客户。",
    },
}

IMPORTANT_GRADE_NAMES = {
    "special": {"en": "special-grade important user", "zh": "特级重要电力用户"},
    "first": {"en": "first-grade important user", "zh": "一级重要电力用户"},
    "second": {"en": "second-grade important user", "zh": "二级重要电力用户"},
    "temporary": {"en": "temporary important user", "zh": "临时性重要电力用户"},
}


def _number(value: Any) -> str:
    """1234567.5 → '1,234,567.5'; whole numbers without decimals; money with its fen."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _pct(rank: Any) -> str:
    return "—" if rank is None else f"{float(rank) * 100:.1f}".rstrip("0").rstrip(".")


def explain(row: Mapping[str, Any], rules: GradingRules = DEFAULT_RULES) -> list[Reason]:
    """The reasons of one result row (a mapping with the engine's columns)."""
    raw = row.get("reason_codes") or ""
    codes = [c for c in raw.split(";") if c]
    key, credit, grade = rules.key_account, rules.credit, rules.grade
    months = rules.window.months
    late = int(row.get("late_payments") or 0)
    important = row.get("important_grade") or ""
    params: dict[str, dict[str, Any]] = {
        "key_by_kwh": {
            "annual_kwh": _number(row.get("annual_kwh")),
            "min_annual_kwh": _number(key.min_annual_kwh),
            "months": months,
        },
        "key_by_capacity": {
            "capacity_kva": _number(row.get("contract_capacity_kva")),
            "min_capacity_kva": _number(key.min_contract_capacity_kva),
        },
        "key_by_important": {
            "important_grade": important,
            "important_grade_en": IMPORTANT_GRADE_NAMES.get(important, {}).get("en", important),
            "important_grade_zh": IMPORTANT_GRADE_NAMES.get(important, {}).get("zh", important),
        },
        "not_key_voltage": {
            "voltage_kv": _voltage(row.get("voltage_kv")),
            "min_voltage_kv": _voltage(key.min_voltage_kv),
        },
        "not_key_inactive": {
            "active_months": int(row.get("active_months") or 0),
            "months": months,
            "min_active_months": key.min_active_months,
        },
        "not_key_small": {
            "annual_kwh": _number(row.get("annual_kwh")),
            "min_annual_kwh": _number(key.min_annual_kwh),
            "capacity_kva": _number(row.get("contract_capacity_kva")),
            "min_capacity_kva": _number(key.min_contract_capacity_kva),
        },
        "credit_late": {
            "late_payments": late,
            "per_bill": credit.late_payment_deduction,
            "deduction": late * credit.late_payment_deduction,
            "months": months,
        },
        "credit_overdue": {
            "overdue_yuan": _number(_money(row.get("overdue_yuan"))),
            "deduction": credit.overdue_deduction,
        },
        "credit_long_late": {
            "max_days_late": int(row.get("max_days_late") or 0),
            "long_late_days": credit.long_late_days,
            "deduction": credit.long_late_deduction,
        },
        "credit_clean": {"credit_score": row.get("credit_score")},
        "grade_a": {
            "value_pct": _pct(row.get("value_rank")),
            "min_value_pct": _pct(grade.a_min_value_rank),
            "credit_score": row.get("credit_score"),
            "a_min_credit": grade.a_min_credit,
        },
        "grade_b_rank": {
            "value_pct": _pct(row.get("value_rank")),
            "min_value_pct": _pct(grade.a_min_value_rank),
        },
        "grade_b_credit": {"credit_score": row.get("credit_score"), "a_min_credit": grade.a_min_credit},
        "grade_c": {"credit_score": row.get("credit_score"), "c_below_credit": grade.c_below_credit},
    }
    return [{"code": code, "params": params.get(code, {})} for code in codes]


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _voltage(value: Any) -> str:
    if value is None:
        return "—"
    return f"{float(value):g}"


def normalise_language(lang: str | None) -> str:
    """Django language codes (``zh-hans``, ``en-us`` …) → ``zh`` / ``en``."""
    return "en" if (lang or "").lower().startswith("en") else "zh"


def render_one(reason: Mapping[str, Any], lang: str = "zh") -> str:
    lang = normalise_language(lang)
    template = MESSAGES.get(reason["code"], {}).get(lang)
    if template is None:
        return str(reason["code"])
    try:
        return template.format(**reason.get("params", {}))
    except (KeyError, IndexError, ValueError):
        return str(reason["code"])


def render(reasons: Iterable[Mapping[str, Any]], lang: str = "zh") -> str:
    """All reasons in one line (each sentence ends with its own full stop)."""
    texts = [render_one(r, lang) for r in reasons]
    return ("" if normalise_language(lang) == "zh" else " ").join(texts)
