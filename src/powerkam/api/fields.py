"""Field types and constraints the API's schemas share: what the OpenAPI document promises is what is enforced.

- dates lie in the data contract's window, 1949-10-01 … today + 10 years (docs/data-formats.md): a ticket
  accepted on 0198-02-09 or a project energised on 5984-11-23 is refused with 422;
- text is at most as long as the model field it is stored in (:func:`length` reads the model);
- figures stay in the data contract's plausible ranges and fit their database column (:func:`digits`);
- datetimes leave the API with their offset (:class:`AwareJSONRenderer`): a naive one is local time.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from pydantic import AfterValidator, Field
from pydantic.fields import FieldInfo

from powerkam.analytics.io.contract import CAPACITY_KVA, DATE_MAX_YEARS_AHEAD, DATE_MIN, ENERGY_KWH_YEAR

FIRST_DAY = dt.date.fromisoformat(DATE_MIN)
WINDOW = f"{DATE_MIN} … today + {DATE_MAX_YEARS_AHEAD} years"
#: The highest voltage of GB/T 156 (kV).
MAX_VOLTAGE_KV = 1000
MAX_CAPACITY_KVA = int(CAPACITY_KVA[1])
MAX_ANNUAL_KWH = int(ENERGY_KWH_YEAR[1])


def last_day(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return today.replace(year=today.year + DATE_MAX_YEARS_AHEAD, day=min(today.day, 28))


def _date_in_window(value: dt.date) -> dt.date:
    last = last_day()
    day = value.date() if isinstance(value, dt.datetime) else value
    if not FIRST_DAY <= day <= last:
        raise ValueError(
            _("Must lie between %(first)s and %(last)s.") % {"first": FIRST_DAY.isoformat(), "last": last.isoformat()}
        )
    return value


def _moment_in_window(value: dt.datetime) -> dt.datetime:
    _date_in_window(value.date())
    return value


#: A date within the data contract's window.
ApiDate = Annotated[dt.date, AfterValidator(_date_in_window), Field(description=f"YYYY-MM-DD, {WINDOW}")]
#: A date and time within the window; without an offset it is local time (Asia/Shanghai).
ApiDateTime = Annotated[
    dt.datetime,
    AfterValidator(_moment_in_window),
    Field(description=f"ISO 8601, {WINDOW}; local time (UTC+8) when it has no offset"),
]


def length(model: type[models.Model], field: str, *, required: bool = False) -> FieldInfo:
    """At most as long as ``model.field`` (a TextField: 10,000 characters); ``required``: not empty."""
    max_length = getattr(model._meta.get_field(field), "max_length", None) or 10_000
    return Field(max_length=max_length, min_length=1 if required else None)


def digits(model: type[models.Model], field: str, *, ge: float = 0, le: float | None = None) -> FieldInfo:
    """A figure that fits ``model.field`` (a DecimalField) and lies in ``ge`` … ``le``."""
    column = model._meta.get_field(field)
    max_digits = getattr(column, "max_digits", None)
    places = getattr(column, "decimal_places", None)
    if le is None and max_digits is not None and places is not None:
        le = float(Decimal(10) ** (max_digits - places)) - 1
    return Field(ge=ge, le=le, max_digits=max_digits, decimal_places=places)


#: Capacity (kVA) as the CRM stores it (12 digits, 2 places) within the contract's plausible range.
CAPACITY = Field(ge=0, le=MAX_CAPACITY_KVA, max_digits=12, decimal_places=2, description="kVA")
#: Yearly consumption (kWh): 16 digits, 2 places, within the contract's plausible range.
ANNUAL_KWH = Field(ge=0, le=MAX_ANNUAL_KWH, max_digits=16, decimal_places=2, description="kWh a year")
#: A supply voltage (kV): 8 digits, 2 places, up to GB/T 156's highest.
VOLTAGE = Field(ge=0, le=MAX_VOLTAGE_KV, max_digits=8, decimal_places=2, description="kV")
#: A month, YYYY-MM, from 1949 to 2099.
MONTH = r"^(1949|19[5-9][0-9]|20[0-9][0-9])-(0[1-9]|1[0-2])$"
#: The largest id a database row can have (PostgreSQL's bigint).
MAX_ID = 2**63 - 1
#: A user name as Django stores it.
USERNAME = Field(min_length=1, max_length=150, description="A user name")


class AwareJSONEncoder(NinjaJSONEncoder):
    """Datetimes always with their offset: a naive one (the analytics store keeps local time) is local time."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime) and timezone.is_naive(o):
            o = timezone.make_aware(o)
        return super().default(o)


class AwareJSONRenderer(JSONRenderer):
    encoder_class: type[json.JSONEncoder] = AwareJSONEncoder
