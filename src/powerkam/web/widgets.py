"""Form widgets shared by the apps' forms."""

from __future__ import annotations

from typing import Any

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker. It only understands ISO dates: with the UI's own format (zh-Hans
    renders 2026/11/27) the field would show empty, so the value is always written YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format=format or "%Y-%m-%d")
