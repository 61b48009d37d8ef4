"""The one-time notification letter: editable template → HTML and a PDF with Chinese text."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from powerkam.accounts.models import Account
from powerkam.core.errors import ApplicationError
from powerkam.service import services
from powerkam.service.letters import render_pdf
from powerkam.service.models import EventKind, NoticeTemplate, TicketKind

D = dt.date
pytestmark = pytest.mark.django_db


def test_the_letter_is_delivered_and_recorded(desk: User, account: Account) -> None:
    ticket = services.ticket_create(
        kind=TicketKind.SCHEME_REPLY, title="新装", by=desk, accepted_on=D(2026, 9, 28), account=account
    )
    delivery = services.notice_deliver(ticket=ticket, by=desk, delivered_on=D(2026, 9, 28), recipient="王工")
    assert "高压新装（增容）供电方案答复一次性告知书" in delivery.html
    assert "营业执照或组织机构代码证复印件" in delivery.html
    assert "2026-10-23" in delivery.html  # 15 working days after 2026-09-28
    assert "示范钢铁有限公司" in delivery.html
    assert ticket.events.filter(kind=EventKind.NOTICE_DELIVERED).exists()


def test_an_edited_template_is_used_and_the_delivered_text_is_kept(desk: User) -> None:
    ticket = services.ticket_create(kind=TicketKind.COMPLAINT, title="投诉", by=desk, accepted_on=D(2026, 9, 28))
    template = NoticeTemplate.objects.get(kind=TicketKind.COMPLAINT)
    template.documents = "投诉书原件\n现场照片"
    template.save()
    first = services.notice_deliver(ticket=ticket, by=desk, delivered_on=D(2026, 9, 29))
    template.documents = "其他资料"
    template.save()
    first.refresh_from_db()
    assert "现场照片" in first.html


def test_no_template_is_a_clear_message(desk: User) -> None:
    NoticeTemplate.objects.filter(kind=TicketKind.FAULT_REPAIR).delete()
    ticket = services.ticket_create(kind=TicketKind.FAULT_REPAIR, title="抢修", by=desk, accepted_on=D(2026, 9, 28))
    with pytest.raises(ApplicationError, match="no one-time notification template"):
        services.notice_deliver(ticket=ticket, by=desk)


def test_delivery_before_acceptance_is_refused(desk: User) -> None:
    ticket = services.ticket_create(kind=TicketKind.COMPLAINT, title="投诉", by=desk, accepted_on=D(2026, 9, 28))
    with pytest.raises(ApplicationError, match="before the request was accepted"):
        services.notice_deliver(ticket=ticket, by=desk, delivered_on=D(2026, 9, 1))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_the_pdf_carries_the_chinese_checklist(desk: User, account: Account, tmp_path: Path) -> None:
    ticket = services.ticket_create(
        kind=TicketKind.DESIGN_REVIEW, title="设计审核", by=desk, accepted_on=D(2026, 9, 28), account=account
    )
    delivery = services.notice_deliver(ticket=ticket, by=desk, delivered_on=D(2026, 9, 28))
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(render_pdf(delivery.html))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "受电工程设计审核一次性告知书" in text
    assert "需提供的资料" in text
    assert "受电工程设计图纸及说明书" in text
    assert "2026-10-16" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts or "NotoSansCJK" in fonts or "NotoSerifCJK" in fonts  # a real CJK font is embedded
