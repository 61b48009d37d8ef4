"""Weak passwords are refused: too short, common, all digits (Django's validators, min_length=10)."""

from __future__ import annotations

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("12345678", "password_too_short"),
        ("password", "password_too_common"),
        ("aaaaaaaa", "password_too_short"),
        ("1234567890", "password_entirely_numeric"),
        ("password123", "password_too_common"),
        ("Short-9", "password_too_short"),
    ],
)
def test_weak_passwords_are_refused(password: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(password, UserFactory())
    assert code in {error.code for error in refused.value.error_list}


def test_a_long_uncommon_password_passes() -> None:
    validate_password("Feeder-7 kiln, no 2026!", UserFactory())


def test_the_admin_password_form_refuses_a_weak_one_in_chinese() -> None:
    user = UserFactory()
    with translation.override("zh-hans"):
        form = SetPasswordForm(user, {"new_password1": "12345678", "new_password2": "12345678"})
        assert not form.is_valid()
        errors = " ".join(form.errors["new_password2"])
    assert "密码" in errors
    assert "10" in errors
