"""The browser's date picker only reads ISO dates: every date field is written YYYY-MM-DD whatever
the UI language (zh-Hans would render 2026/11/27 and the picker would show nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from powerkam.insights.forms import CampaignForm, SurveyForm
from powerkam.service.forms import TicketCreateForm
from powerkam.web.widgets import DateInput
from powerkam.workdays.forms import OverrideForm


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_date_input_is_iso_in_every_language(language: str) -> None:
    with translation.override(language):
        html = DateInput().render("d", dt.date(2026, 11, 27))
    assert 'type="date"' in html
    assert 'value="2026-11-27"' in html


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (SurveyForm, "surveyed_on"),
        (CampaignForm, "starts_on"),
        (OverrideForm, "date"),
        (TicketCreateForm, "accepted_on"),
    ],
)
def test_the_forms_date_fields_use_it(form: type, field: str) -> None:
    assert isinstance(form.base_fields[field].widget, DateInput)
