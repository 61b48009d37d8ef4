"""The grid and outages catalogs are complete in Simplified Chinese, and the pages speak it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from powerkam.accounts.models import Account

SRC = Path(__file__).resolve().parents[2] / "src" / "powerkam"


@pytest.mark.parametrize("app", ["grid", "outages"])
def test_every_message_has_a_chinese_translation(app: str) -> None:
    text = (SRC / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]
    empty = [e for e in entries if re.search(r'^msgstr(\[0\])? ""$(?!\n")', e, re.M) and not e.startswith("#~")]
    assert empty == []
    assert "#, fuzzy" not in text


def test_pages_in_chinese(planner: User, small_grid: dict[str, Account]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(planner)
    page = client.get("/grid/").content.decode()
    assert "供电拓扑" in page
    assert "双电源" in page
