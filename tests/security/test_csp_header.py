"""Every page carries the Content-Security-Policy: scripts from our own origin only, no inline script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

import powerkam
from factories import StaffFactory
from powerkam.staff.models import Role

TEMPLATES = Path(powerkam.__file__).parent


@pytest.mark.django_db
def test_pages_send_a_policy_without_inline_script() -> None:
    client = Client()
    client.force_login(StaffFactory(role=Role.SUPERVISOR).user)
    for url in ["/login/", "/", "/accounts/", "/api/v1/docs"]:
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["default-src"] == "'self'", url
        assert directives["script-src"] == "'self'", url
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert "unsafe" not in directives["script-src"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


def test_no_template_holds_an_inline_script_or_an_event_handler_attribute() -> None:
    """The policy would block them: behaviour lives in static JS files (web/static/web/powerkam.js)."""
    offenders = []
    for template in TEMPLATES.glob("*/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if INLINE_SCRIPT.search(text) or EVENT_HANDLER.search(text) or "hx-on" in text or "javascript:" in text:
            offenders.append(str(template.relative_to(TEMPLATES)))
    assert offenders == []
