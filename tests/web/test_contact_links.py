"""Phone numbers are tel: links and e-mail addresses mailto: links wherever the UI shows them
(issue 19: a manager on site taps a contact's number to call)."""

from __future__ import annotations

import pytest
from django.test import Client

from factories import ContactFactory, Team
from powerkam.web.templatetags.contact_links import contact_links, mailto_link, tel_link, tel_uri


@pytest.mark.parametrize(
    ("written", "uri"),
    [
        ("138 0013 8000", "tel:13800138000"),
        ("0571-8765 4321", "tel:057187654321"),
        ("+86 (571) 8765-4321", "tel:+8657187654321"),
        ("0571-87654321 转 8001", "tel:057187654321;ext=8001"),
        ("n/a", None),
        ("1234", None),
    ],
)
def test_tel_uri_keeps_the_digits_a_phone_dials(written: str, uri: str | None) -> None:
    assert tel_uri(written) == uri


def test_filters_link_what_they_can_and_escape_the_rest() -> None:
    assert tel_link("138 0013 8000") == (
        '<a href="tel:13800138000" class="contact-link" data-contact="tel">138 0013 8000</a>'
    )
    assert tel_link("<b>n/a</b>") == "&lt;b&gt;n/a&lt;/b&gt;"
    assert tel_link("") == ""
    assert mailto_link("zhou@example.cn") == (
        '<a href="mailto:zhou@example.cn" class="contact-link" data-contact="mailto">zhou@example.cn</a>'
    )
    assert mailto_link("not an address") == "not an address"
    text = contact_links("王总 13800138000 / wang@example.cn <秘书>")
    assert 'href="tel:13800138000"' in text
    assert 'href="mailto:wang@example.cn"' in text
    assert "&lt;秘书&gt;" in text


@pytest.mark.django_db
def test_the_360_page_links_contacts_and_manager_phones(client: Client, team: Team) -> None:
    ContactFactory(account=team.accounts["E100"], name="刘工", phone="0571-8765 4321", email="liu@example.cn")
    profile = team.manager
    profile.phone = "139 1111 2222"
    profile.save()
    client.force_login(team.manager.user)
    html = client.get("/accounts/E100/").content.decode()
    assert '<a href="tel:057187654321" class="contact-link" data-contact="tel">0571-8765 4321</a>' in html
    assert '<a href="mailto:liu@example.cn" class="contact-link" data-contact="mailto">liu@example.cn</a>' in html
    # the manager's phone: in the header beside the primary manager's name and in the managers card
    assert html.count('href="tel:13911112222"') == 2
