"""The accounts at risk of "My work", prepared each morning after the health check
(:mod:`powerkam.web.prepare`)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse

from powerkam.insights import views
from powerkam.web.prepare import Preparer, register, request_for


def _my_risk(request: HttpRequest, today: dt.date) -> None:
    views.prepare_my_risk(request_for(request.user, reverse("insights:my-risk")), today)


def register_preparers() -> None:
    register(Preparer("insights.my-risk", _my_risk, per_language=True))
