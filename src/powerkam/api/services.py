"""Issue, rotate and check API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.api.models import ApiToken
from powerkam.core.errors import ApplicationError

TOKEN_PREFIX_LENGTH = 8
#: Writing last_used_at on every request would turn reads into writes; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    username: str
    token: str
    prefix: str
    rotated: bool


@transaction.atomic
def api_token_issue(*, username: str) -> IssuedToken:
    """Issue a new token for ``username``; an existing token stops working (rotation)."""
    try:
        user = User.objects.get(username=username)
    except User.DoesNotExist:
        raise ApplicationError(_("No user named %(username)s.") % {"username": username}) from None
    if not user.is_active:
        raise ApplicationError(_("User %(username)s is inactive.") % {"username": username})
    token = secrets.token_urlsafe(32)
    values = {
        "digest": _digest(token),
        "prefix": token[:TOKEN_PREFIX_LENGTH],
        "created_at": timezone.now(),
        "last_used_at": None,
    }
    _record, created = ApiToken.objects.update_or_create(user=user, defaults=values)
    return IssuedToken(username=username, token=token, prefix=str(values["prefix"]), rotated=not created)


def api_token_user(*, token: str) -> User | None:
    """The active user a token belongs to, or None."""
    if not token:
        return None
    record = ApiToken.objects.select_related("user", "user__staff").filter(digest=_digest(token)).first()
    if record is None or not record.user.is_active:
        return None
    now = timezone.now()
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record.user
