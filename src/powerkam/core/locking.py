"""No lost update: one optimistic-locking mechanism for every object a person edits.

Each editable model inherits :class:`Versioned`: a ``version`` that every save raises by one. A
person edits the version they saw (a hidden form field, the API's ``version`` field or ``If-Match``
header); the service opens a transaction and calls :func:`lock`, which reads the row with
``SELECT … FOR UPDATE`` (PostgreSQL: the second writer waits for the first to commit, then sees the
new version; SQLite runs every transaction ``BEGIN IMMEDIATE``, so writers are serialised the same
way) and refuses with :class:`~powerkam.core.errors.ConflictError` when the row moved on. The error
names who changed which fields meanwhile (from django-simple-history) and carries the current row,
so a form can say so and the API can answer 409 with the current state.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from powerkam.core.errors import ConflictError

M = TypeVar("M", bound="Versioned")

#: Fields whose change is bookkeeping, never worth naming to a person.
_QUIET = {"version", "updated_at", "created_at", "modified_at"}


class Versioned(models.Model):
    """A ``version`` raised by one on every save of an existing row (the history keeps each one)."""

    version = models.PositiveIntegerField(
        gettext_lazy("version"),
        default=1,
        help_text=gettext_lazy("Raised on every change; an edit based on an older version is refused."),
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            self.version = (self.version or 0) + 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)


def lock(obj: M, version: int | None) -> M:
    """The current row of ``obj``, locked until the transaction ends; refused if it moved on since ``version``.

    ``version=None`` (an internal caller, an import, the CLI acting on the current row) locks without
    comparing. Must run inside ``transaction.atomic``.
    """
    model = type(obj)
    current: M = model._default_manager.select_for_update().get(pk=obj.pk)
    check(current, version)
    return current


def check(current: Versioned, version: int | None) -> None:
    """Refuse an edit of ``current`` (already locked by the caller) based on an older ``version``."""
    if version is not None and current.version != version:
        raise conflict(current, version)


def refresh(obj: models.Model, current: models.Model) -> None:
    """Copy the saved state of ``current`` onto the caller's instance ``obj``."""
    if obj is not current:
        obj.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The row's own columns as JSON values (foreign keys as their ids): the "current state" of a 409."""
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    result: dict[str, Any] = json.loads(json.dumps(values, cls=DjangoJSONEncoder))
    return result


def person(user: Any) -> str:
    """The staff profile's name, else the full name, else the user name (as staff.selectors.person_name)."""
    if user is None:
        return str(_("an import or the system"))
    profile = getattr(user, "staff", None)
    if profile is not None and profile.name:
        return str(profile.name)
    return str(user.get_full_name() or user.get_username())


def _label(model: Any, name: str) -> str:
    """The field's name as people read it (its verbose name, translated)."""
    return str(getattr(model._meta.get_field(name), "verbose_name", name))


def changes_since(current: models.Model, version: int) -> tuple[list[str], list[str], Any]:
    """Who changed the row after ``version`` (names), which fields (labels, in order) and when (last)."""
    history = getattr(current, "history", None)
    if history is None:
        return [], [], None
    records = list(history.filter(version__gte=version).select_related("history_user__staff").order_by("history_id"))
    who: list[str] = []
    fields: list[str] = []
    when = None
    previous = None
    for record in records:
        if record.version == version:
            previous = record
            continue
        name = person(record.history_user)
        if name not in who:
            who.append(name)
        if previous is not None:
            for change in record.diff_against(previous).changes:
                if change.field in _QUIET:
                    continue
                label = _label(current, change.field)
                if label not in fields:
                    fields.append(label)
        when = record.history_date
        previous = record
    return who, fields, when


def conflict(
    current: Versioned, version: int, *, who: list[str] | None = None, fields: list[str] | None = None
) -> ConflictError:
    """The refusal of an edit based on ``version``: who changed what meanwhile, and the current row.

    ``who`` and ``fields`` replace what the history says (a change that made a new row, such as a
    reassignment, is not a change of one row's fields).
    """
    found_who, found_fields, when = changes_since(current, version)
    who = found_who if who is None else who
    fields = found_fields if fields is None else fields
    what = str(current._meta.verbose_name)
    params = {
        "object": what,
        "who": _(", ").join(who) or _("someone else"),
        "fields": _(", ").join(fields) or _("no field you can see"),
        "when": date_format(timezone.localtime(when), "DATETIME_FORMAT") if when else "—",
    }
    message = (
        _(
            "%(who)s changed this %(object)s while you were editing it (%(when)s): %(fields)s. "
            "Your change was not saved."
        )
        % params
    )
    return ConflictError(
        message,
        current_version=current.version,
        your_version=version,
        changed_by=who,
        changed_fields=fields,
        current=current,
    )


def check_newest(model: type[models.Model], based_on: int | None) -> None:
    """For append-only documents (rules versions): refuse a new version not based on the newest one.

    A rules document is never edited; each save adds a version. The person names the version (its
    id) they started from; the newest row is locked, so two people saving from the same version
    cannot both add theirs. Must run inside ``transaction.atomic``.
    """
    newest = model._default_manager.select_for_update().order_by("-pk").first()
    if based_on is None or newest is None or newest.pk == based_on:
        return
    newer = list(model._default_manager.filter(pk__gt=based_on).select_related("created_by__staff").order_by("pk"))
    base = model._default_manager.filter(pk=based_on).first()
    who: list[str] = []
    for row in newer:
        name = person(getattr(row, "created_by", None))
        if name not in who:
            who.append(name)
    fields = [
        _label(model, f)
        for f in ("rules_toml", "note")
        if base is None or getattr(base, f, None) != getattr(newest, f, None)
    ]
    when = getattr(newest, "created_at", None)
    params = {
        "object": str(model._meta.verbose_name),
        "who": _(", ").join(who) or _("someone else"),
        "fields": _(", ").join(fields) or _("no field you can see"),
        "when": date_format(timezone.localtime(when), "DATETIME_FORMAT") if when else "—",
    }
    raise ConflictError(
        _(
            "%(who)s changed this %(object)s while you were editing it (%(when)s): %(fields)s. "
            "Your change was not saved."
        )
        % params,
        current_version=newest.pk,
        your_version=based_on,
        changed_by=who,
        changed_fields=fields,
        current=newest,
    )


# -- forms -----------------------------------------------------------------------------------------


def version_field() -> forms.IntegerField:
    """The hidden field a form sends the version back in."""
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def form_conflict(form: forms.BaseForm, exc: ConflictError, field: str = "version") -> None:
    """Re-show ``form`` after a conflict: the message names who changed what; the person's values stay.

    The hidden version moves to the current one, so saving again is a deliberate choice to replace
    the other person's change (the message says so); reloading shows theirs.
    """
    form.add_error(
        None,
        f"{exc.message} "
        + _("The form still holds your values: check their change, then save again to replace it, or reload."),
    )
    data: Any = form.data
    data = data.copy()
    data[form.add_prefix(field)] = str(exc.current_version)
    form.data = data


def bumped(objs: list[Any], fields: list[str]) -> list[str]:
    """For a bulk update of versioned rows (imports): raise each one's version; the fields to write."""
    if objs and isinstance(objs[0], Versioned):
        for obj in objs:
            obj.version += 1
        return [*fields, "version"]
    return fields
