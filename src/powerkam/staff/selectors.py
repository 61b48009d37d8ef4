"""Reads of staff: who works which role."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet

from powerkam.staff.models import Role, StaffProfile


def staff_active() -> QuerySet[StaffProfile]:
    return StaffProfile.objects.filter(archived=False, user__is_active=True).select_related("user")


def account_managers_active() -> QuerySet[StaffProfile]:
    """Staff who can be assigned as account managers."""
    return staff_active().filter(role=Role.MANAGER).order_by("name")


def person_name(user: User | None) -> str:
    """How a person is named on pages and in reports: the staff profile's name, else the user's full
    name, else the user name; "" for nobody."""
    if user is None:
        return ""
    profile = getattr(user, "staff", None)
    if profile is not None and profile.name:
        return str(profile.name)
    return str(user.get_full_name() or user.get_username())


def language_of(user: User | None) -> str:
    """The language ``user`` reads their mail and messages in: the one they last chose with the language
    switch, else the installation's (``LANGUAGE_CODE``)."""
    from django.conf import settings

    profile = getattr(user, "staff", None) if user is not None else None
    chosen = str(profile.language) if profile is not None and profile.language else ""
    return chosen if chosen in dict(settings.LANGUAGES) else str(settings.LANGUAGE_CODE)


def recipients_by_language(people: list[User]) -> dict[str, list[str]]:
    """The e-mail addresses of ``people`` grouped by the language each reads (a report mailed to the
    supervisors goes once per language)."""
    groups: dict[str, list[str]] = {}
    for person in people:
        if person.email:
            groups.setdefault(language_of(person), []).append(person.email)
    return groups


def language_remember(user: User, code: str) -> None:
    """Keep the language a person switched to (their mail follows it); nothing for an unknown code or a
    user without a staff profile."""
    from django.conf import settings

    profile = getattr(user, "staff", None)
    if profile is None or code not in dict(settings.LANGUAGES) or profile.language == code:
        return
    profile.language = code
    profile.save(update_fields=["language"])


def person_pick_label(user: User) -> str:
    """How a pick list names a person: user name (their id), name and district — two managers may
    share a name, and the district says whose accounts they are."""
    profile = getattr(user, "staff", None)
    district = str(profile.district) if profile is not None and profile.district else ""
    return " · ".join(part for part in (user.get_username(), person_name(user), district) if part)


def supervisors_to_mail() -> list[User]:
    """Who gets the reports mailed to the supervisors: active supervisors with an email address."""
    profiles = StaffProfile.objects.filter(role=Role.SUPERVISOR, archived=False, user__is_active=True).exclude(
        user__email=""
    )
    return [p.user for p in profiles.select_related("user").order_by("user__username")]
