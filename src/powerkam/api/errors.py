"""One JSON shape for every error the API answers, and the statuses every operation documents.

Every 4xx and 5xx answer of /api/v1 is an :class:`ErrorOut`::

    {"code": "validation_error",
     "message": "Some fields are not valid: expected_capacity_kva.",   # in the request's language
     "detail": "Some fields are not valid: expected_capacity_kva.",    # the same text (clients before v1.1)
     "fields": [{"field": "expected_capacity_kva", "message": "Must be at least 0."}]}

``code`` is stable and meant for programs; ``message`` and each field's ``message`` are for people,
in the language of the request (``Accept-Language``: zh-Hans by default, en). An answer may carry
more keys (a refused reservation its figures, a conflict the current version). docs/api.md lists the
codes and what each status means.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from powerkam.api.auth import LockedOut
from powerkam.core.errors import ApplicationError

logger = logging.getLogger("powerkam.api")


class ErrorFieldOut(Schema):
    field: str = Field(description="The field, query or path parameter (dotted for nested fields: needs.0.text)")
    message: str = Field(description="What is wrong with it, in the request's language")


class ErrorOut(Schema):
    """Every error answer (4xx, 5xx); it may carry more keys (e.g. a refused reservation's figures)."""

    code: str = Field(
        description="bad_request, unauthorized, forbidden, not_found, conflict, validation_error, "
        "locked_out or server_error"
    )
    message: str = Field(description="What went wrong, in the request's language (Accept-Language)")
    detail: str = Field(description="The same text as message (kept for clients written before this shape)")
    fields: list[ErrorFieldOut] = Field(default_factory=list, description="One entry per field in error")


class RefusalOut(Schema):
    row: str = Field(description="The refused row as people find it (ticket number and title, customer id and name)")
    key: str = Field(description="The row's key as the request named it")
    conflict: bool = Field(description="Refused because the row changed since the version sent")
    message: str = Field(description="Why, in the request's language")


class BulkRefusedOut(ErrorOut):
    """A bulk action with refused rows: nothing was changed (all or nothing); each refused row named."""

    refused: list[RefusalOut] = Field(
        default_factory=list, description="Every refused row (empty when the request itself is refused)"
    )


CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "validation_error",
    428: "version_required",
    429: "locked_out",
    500: "server_error",
}

#: Documented on every operation; 404 on those with a path parameter or that change data, 409 on the latter.
ALWAYS = (400, 401, 403, 422, 429, 500)
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def error_body(
    status: int, message: str, fields: Iterable[tuple[str, str]] = (), extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The error shape; ``extra`` keys (an ApplicationError's figures) are added, never over the shape's own."""
    body: dict[str, Any] = {key: value for key, value in (extra or {}).items() if key not in ErrorOut.model_fields}
    body.update(
        code=CODES.get(status, "error"),
        message=message,
        detail=message,
        fields=[{"field": field, "message": text} for field, text in fields],
    )
    return body


# -- validation messages in the request's language ----------------------------------------------------------


def _pydantic_message(error: dict[str, Any]) -> str:
    """One pydantic error as a sentence in the request's language (pydantic's own text is English only)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1:
        return _("Must not be empty.")
    if kind in ("string_too_short", "too_short"):
        return _("At least %(n)s characters (or items).") % {"n": ctx.get("min_length")}
    if kind in ("string_too_long", "too_long"):
        return _("At most %(n)s characters (or items).") % {"n": ctx.get("max_length")}
    if kind in ("greater_than_equal", "greater_than"):
        limit = ctx.get("ge", ctx.get("gt"))
        return (_("Must be at least %(n)s.") if kind == "greater_than_equal" else _("Must be more than %(n)s.")) % {
            "n": limit
        }
    if kind in ("less_than_equal", "less_than"):
        limit = ctx.get("le", ctx.get("lt"))
        return (_("Must be at most %(n)s.") if kind == "less_than_equal" else _("Must be less than %(n)s.")) % {
            "n": limit
        }
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Must be a whole number.")
    if kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type", "finite_number"):
        return _("Must be a finite number.")
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return _("Too many digits: at most %(n)s.") % {"n": ctx.get("max_digits", ctx.get("whole_digits"))}
    if kind == "decimal_max_places":
        return _("Too many decimal places: at most %(n)s.") % {"n": ctx.get("decimal_places")}
    if kind.startswith("date_") or kind == "date_type":
        return _("Must be a date, YYYY-MM-DD.")
    if kind.startswith("datetime_"):
        return _("Must be a date and time, YYYY-MM-DDTHH:MM[:SS][+08:00].")
    if kind.startswith("bool"):
        return _("Must be true or false.")
    if kind in ("enum", "literal_error"):
        return _("Must be one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind in ("string_type", "string_unicode", "string_sub_type"):
        return _("Must be text.")
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return _("Must be a list.")
    if kind in ("dict_type", "model_type", "model_attributes_type", "dataclass_type"):
        return _("Must be an object.")
    if kind == "json_invalid":
        return _("The body is not valid JSON.")
    if kind == "string_pattern_mismatch":
        return _("Does not have the expected form (%(pattern)s).") % {"pattern": ctx.get("pattern", "")}
    if kind in ("value_error", "assertion_error") and ctx.get("error"):
        return str(ctx["error"])  # our own validators raise messages already in the request's language
    return _("This value is not valid.")


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """The name a client knows: query/path parameters by name, body fields without the view's argument name."""
    parts = list(loc)
    source = parts.pop(0) if parts else ""
    if source == "body":
        if len(parts) <= 1:
            return "body"
        parts = parts[1:]  # ("body", "payload", "title") → "title"
    elif source in ("query", "path", "header", "cookie", "form") and len(parts) > 1 and isinstance(parts[-1], str):
        return parts[-1]  # a field of a Query[Schema] argument: the query parameter's own name
    return ".".join(str(p) for p in parts) or "body"


def validation_fields(errors: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(_field_name(e.get("loc", ())), _pydantic_message(e)) for e in errors]


def django_fields(exc: DjangoValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [
            (field if field != "__all__" else "body", str(message))
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [("body", str(message)) for message in exc.messages]


def _invalid_message(fields: list[tuple[str, str]]) -> str:
    names = ", ".join(dict.fromkeys(name for name, _msg in fields))
    return _("Some fields are not valid: %(fields)s.") % {"fields": names}


# -- handlers ---------------------------------------------------------------------------------------------


def install(api: NinjaAPI) -> None:
    """Answer every error of ``api`` with :class:`ErrorOut`, and document the error statuses of its operations."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(NinjaValidationError)
    def invalid_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = validation_fields(exc.errors)
        return respond(request, 422, error_body(422, _invalid_message(fields), fields))

    @api.exception_handler(DjangoValidationError)
    def invalid_model(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        fields = django_fields(exc)
        return respond(request, 422, error_body(422, _invalid_message(fields), fields))

    @api.exception_handler(DataError)
    def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        logger.warning("A value the schema let through did not fit the database: %s %s", request.method, request.path)
        message = _("A value does not fit the database (too long, too large or too precise).")
        return respond(request, 422, error_body(422, message))

    @api.exception_handler(IntegrityError)
    def integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        message = _("This conflicts with data that exists already (someone may have saved the same thing).")
        return respond(request, 409, error_body(409, message))

    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        status = 409 if "current_version" in exc.extra else 400
        field = exc.extra.get("field")
        fields = [(str(field), exc.message)] if field else []
        return respond(request, status, error_body(status, exc.message, fields, exc.extra))

    @api.exception_handler(AuthenticationError)
    def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, error_body(401, _("Log in or send an API token (Authorization: Bearer …).")))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, exc.status_code, error_body(exc.status_code, str(exc)))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        text = str(exc)
        if not text or text.endswith("matches the given query."):  # Django's get_object_or_404, in English
            text = _("No such object (or you may not see it).")
        return respond(request, 404, error_body(404, text))

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, error_body(403, str(exc) or _("You may not do this.")))

    @api.exception_handler(LockedOut)
    def locked_out(request: HttpRequest, exc: LockedOut) -> HttpResponse:
        from powerkam.audit.lockout import locked_message

        response = respond(request, 429, error_body(429, locked_message()))
        response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
        return response

    @api.exception_handler(Exception)
    def unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        """Anything unexpected: logged with its traceback, answered with JSON that shows none."""
        logger.error("Unexpected error in the API: %s %s", request.method, request.path, exc_info=exc)
        message = _("Something went wrong on the server. It has been logged; try again.")
        return respond(request, 500, error_body(500, message))

    for _prefix, router in list(api._routers):
        document_error_statuses(router)


def error_statuses(method: str, path: str) -> tuple[int, ...]:
    statuses = list(ALWAYS)
    unsafe = method.upper() in UNSAFE_METHODS
    if "{" in path or unsafe:  # an object named in the path, or in the body (a customer id …), may not exist
        statuses.append(404)
    if unsafe:
        statuses.append(409)
    return tuple(sorted(statuses))


def document_error_statuses(router: Router) -> None:
    """Add :class:`ErrorOut` for every error status an operation can answer (an explicit model stays)."""
    for path, path_view in router.path_operations.items():
        for operation in path_view.operations:
            models = operation.response_models
            for method in operation.methods:
                for status in error_statuses(method, path):
                    if status not in models:
                        models[status] = operation._create_response_model(ErrorOut)
    for _prefix, child, *_rest in getattr(router, "_routers", []):
        document_error_statuses(child)


# -- errors raised before the API's own handlers see the request ---------------------------------------------
# A request refused by Django itself (a Host header not allowed, a CSRF failure, a path that matches no
# route, an error in a middleware) is answered by the project's error views. Under /api/ they answer
# the same JSON shape as the API's own handlers (docs/api.md), elsewhere Django's pages.


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json_error(status: int, message: str) -> HttpResponse:
    from django.http import JsonResponse

    return JsonResponse(error_body(status, message), status=status, json_dumps_params={"ensure_ascii": False})


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    from django.views import defaults

    if _is_api(request):
        return _json_error(400, _("The request is not valid (its Host header or its form)."))
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    from django.views import defaults

    if _is_api(request):
        return _json_error(403, str(exception) or _("You may not do this."))
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    from django.views import defaults

    if _is_api(request):
        return _json_error(404, _("No such object (or you may not see it)."))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    from django.views import defaults

    if _is_api(request):
        return _json_error(500, _("Something went wrong on the server. It has been logged; try again."))
    return defaults.server_error(request)
