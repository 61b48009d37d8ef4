"""The prospects inbox notes of a person."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils import timezone

from powerkam.prospects.models import (
    ProspectNote,
)


def notes_mark_read(*, user: User) -> int:
    return ProspectNote.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
