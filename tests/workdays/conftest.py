from __future__ import annotations

import datetime as dt

import pytest

#: A 2027 notice as an administrator would enter it (a test calendar, not the State Council's text).
#: It gives every statutory rest day of docs/rules.md §3 off (除夕 2027-02-05 … 初三 02-08, 清明 04-05,
#: 端午 06-09, 中秋 09-15 …), as a real notice does; an import that misses one is refused.
YEAR_2027_CSV = """date,is_workday,name
2027-01-01,0,New Year's Day
2027-02-05,0,Spring Festival
2027-02-06,0,Spring Festival
2027-02-07,0,Spring Festival
2027-02-08,0,Spring Festival
2027-02-09,0,Spring Festival
2027-02-10,0,Spring Festival
2027-02-11,0,Spring Festival
2027-02-12,0,Spring Festival
2027-02-13,0,Spring Festival
2027-02-20,1,Spring Festival
2027-04-05,0,Tomb-sweeping Day
2027-04-25,1,Labour Day
2027-05-01,0,Labour Day
2027-05-02,0,Labour Day
2027-05-03,0,Labour Day
2027-05-04,0,Labour Day
2027-05-05,0,Labour Day
2027-06-09,0,Dragon Boat Festival
2027-09-15,0,Mid-autumn Festival
2027-10-01,0,National Day
2027-10-02,0,National Day
2027-10-03,0,National Day
2027-10-04,0,National Day
2027-10-05,0,National Day
2027-10-06,0,National Day
2027-10-07,0,National Day
2027-10-09,1,National Day
"""


@pytest.fixture
def year_2027_csv() -> str:
    return YEAR_2027_CSV


@pytest.fixture
def year_2027_file(tmp_path, year_2027_csv):  # type: ignore[no-untyped-def]
    path = tmp_path / "holidays-2027.csv"
    path.write_text(year_2027_csv, encoding="utf-8")
    return path


D = dt.date


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Assertions read the English messages; the zh-Hans catalog is checked separately."""
    from django.utils import translation

    with translation.override("en"):
        yield
