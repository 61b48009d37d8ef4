"""The one-time notification letter (一次性告知书): HTML from an editable template, and a PDF.

The PDF is rendered by WeasyPrint with a CJK font installed from Debian (fonts-wqy-microhei or
fonts-noto-cjk); without one, Chinese would print as empty boxes.
"""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils import translation

from powerkam.service.models import NoticeTemplate, Ticket

#: Fonts tried in order for Chinese text in the PDF (Debian packages fonts-wqy-microhei / fonts-noto-cjk).
CJK_FONTS = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif'


def render_notice_html(*, ticket: Ticket, template: NoticeTemplate, on: dt.date) -> str:
    """The letter handed to the customer: in Chinese (its template is), whatever the language of the
    member of staff who prints it — the business's name included."""
    with translation.override("zh-hans"):
        return render_to_string(
            "service/notice_letter.html",
            {"ticket": ticket, "template": template, "on": on, "fonts": CJK_FONTS},
        )


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: loading WeasyPrint takes a moment

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
