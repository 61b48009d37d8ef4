"""What every part of the prospects API shares: who may see prospects, a project by its id, a user by
username."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from powerkam.core.errors import ApplicationError
from powerkam.prospects import selectors
from powerkam.prospects.models import Project


def visible(request: HttpRequest) -> None:
    if not selectors.user_sees_prospects(request.user):
        raise HttpError(403, _("Prospects are for PowerKAM staff."))


def project_of(request: HttpRequest, project_id: str) -> Project:
    visible(request)
    try:
        return selectors.project_get(user=request.user, project_id=project_id)
    except Project.DoesNotExist:
        raise HttpError(404, _("No such project.")) from None


def username(user: User | None) -> str | None:
    return user.get_username() if user is not None else None


def staff(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ApplicationError(_("There is no user %(name)r.") % {"name": username})
    return user
