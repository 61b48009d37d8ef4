"""What "My work" and the account list read, prepared each morning (:mod:`powerkam.web.prepare`)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse

from powerkam.accounts import selectors, views
from powerkam.web.prepare import Preparer, register, request_for


def _figures(request: HttpRequest, _today: dt.date) -> None:
    selectors.account_summary(user=request.user)


def _first_page(request: HttpRequest, _today: dt.date) -> None:
    views.prepare_list(request_for(request.user, reverse("accounts:list")))


def register_preparers() -> None:
    register(Preparer("accounts.figures", _figures))
    register(Preparer("accounts.first-page", _first_page, per_language=True))
