"""The JSON API under /api: one NinjaAPI, one router per domain, one error shape."""

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.log import log_response
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ventanilla.api.routers import (
    analytics,
    areas,
    audit,
    auth,
    bot,
    closed_days,
    contacts,
    conversations,
    desk_settings,
    flows,
    integrations,
    labels,
    lines,
    messages,
    quick_replies,
    sandbox,
    sessions,
    tokens,
    users,
    working_hours,
)
from ventanilla.api.security import requires, session_auth
from ventanilla.core.errors import DomainError, TooManyRequests
from ventanilla.core.permissions import PUBLIC

api = NinjaAPI(
    title="Ventanilla API",
    version="1",
    auth=session_auth,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=requires(PUBLIC),  # the API's shape is no secret; its answers are
)


# django-ninja's 400 for a body its parser refuses (ninja.params.models.BodyModel), in English only
NINJA_UNPARSABLE_BODY = "Cannot parse request body"


def error_body(detail: str, errors: dict[str, list[str]] | None = None) -> dict:
    return {"detail": detail, "errors": errors or {}}


def _field_name(location: list) -> str:
    # ninja reports ("body", "payload", "field", ...), a form's ("form", "field") and a file's
    # ("file", "name"); the client only knows the field path.
    if location[:1] in (["file"], ["form"]):
        location = location[1:]
    parts = [str(part) for part in location if part not in {"body", "query", "path", "payload"}]
    return ".".join(parts) or "body"


def _schema_message(error: dict) -> str:
    """Pydantic's message for a schema error, in the request's language for the usual kinds."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:  # our own validators: already translated
        return str(ctx["error"])
    if kind in ("string_too_long", "too_long") and "max_length" in ctx:
        limit = int(ctx["max_length"])
        return ngettext(
            "Usá como máximo %(limit)d carácter.", "Usá como máximo %(limit)d caracteres.", limit
        ) % {"limit": limit}
    if kind in ("string_too_short", "too_short") and "min_length" in ctx:
        limit = int(ctx["min_length"])
        return ngettext(
            "Usá al menos %(limit)d carácter.", "Usá al menos %(limit)d caracteres.", limit
        ) % {"limit": limit}
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        texts = {
            "greater_than_equal": _("Tiene que ser mayor o igual que %(limit)s."),
            "greater_than": _("Tiene que ser mayor que %(limit)s."),
            "less_than_equal": _("Tiene que ser menor o igual que %(limit)s."),
            "less_than": _("Tiene que ser menor que %(limit)s."),
        }
        limit = next(iter(ctx.values()), "")
        return texts[kind] % {"limit": limit}
    if kind in ("literal_error", "enum") and "expected" in ctx:
        return _("Usá uno de %(values)s.") % {"values": ctx["expected"]}
    simple = {
        "missing": _("Este campo es obligatorio."),
        "string_type": _("Tiene que ser texto."),
        "int_type": _("Tiene que ser un número entero."),
        "int_parsing": _("Tiene que ser un número entero."),
        "int_from_float": _("Tiene que ser un número entero."),
        "float_type": _("Tiene que ser un número."),
        "float_parsing": _("Tiene que ser un número."),
        "bool_type": _("Tiene que ser verdadero o falso."),
        "bool_parsing": _("Tiene que ser verdadero o falso."),
        "list_type": _("Tiene que ser una lista."),
        "dict_type": _("Tiene que ser un objeto."),
        "model_type": _("Tiene que ser un objeto."),
        "model_attributes_type": _("Tiene que ser un objeto."),
        "extra_forbidden": _("Este campo no se acepta."),
        "json_invalid": _("El cuerpo no es JSON válido."),
        "time_parsing": _("Tiene que ser una hora (HH:MM)."),
        "time_type": _("Tiene que ser una hora (HH:MM)."),
        "date_parsing": _("Tiene que ser una fecha (AAAA-MM-DD)."),
        "date_from_datetime_parsing": _("Tiene que ser una fecha (AAAA-MM-DD)."),
        "datetime_parsing": _("Tiene que ser una fecha y hora ISO 8601."),
        "datetime_from_date_parsing": _("Tiene que ser una fecha y hora ISO 8601."),
    }
    return simple.get(kind) or error.get("msg", "")


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field_name(list(error.get("loc", []))), []).append(
            _schema_message(error)
        )
    if any(error.get("type") == "json_invalid" for error in exc.errors):
        return api.create_response(
            request, error_body(_("El cuerpo no es JSON válido."), errors), status=400
        )
    first_field, messages = next(iter(errors.items()), ("body", [_("Datos no válidos.")]))
    return api.create_response(
        request, error_body(f"{first_field}: {messages[0]}", errors), status=422
    )


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    response = api.create_response(request, error_body(exc.detail, exc.errors), status=exc.status)
    if isinstance(exc, TooManyRequests):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return api.create_response(request, error_body(_("Tenés que iniciar sesión.")), status=401)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    detail = str(exc)
    if exc.status_code == 400 and detail.startswith(NINJA_UNPARSABLE_BODY):
        detail = _("No se puede leer el cuerpo del pedido.")
    return api.create_response(request, error_body(detail), status=exc.status_code)


@api.exception_handler(OverflowError)
def on_overflow(request, exc):
    # an id beyond what the database stores (SQLite raises instead of finding nothing)
    return api.create_response(
        request,
        error_body(_("Un número está fuera de rango."), {"id": [_("Fuera de rango.")]}),
        status=422,
    )


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(MultiPartParserError)
@api.exception_handler(BadRequest)
def on_unreadable_request(request, exc):
    """A query or form Django will not read (too many fields or files, a multipart body without
    its boundary): Django's own answer would be an HTML page."""
    if isinstance(exc, RequestDataTooBig):
        detail, status = _("El cuerpo del pedido es demasiado grande."), 413
    else:
        detail, status = (
            _("No se puede leer el pedido: demasiados campos o un formulario roto."),
            400,
        )
    response = api.create_response(request, error_body(detail), status=status)
    log_response(
        "Bad request (%s): %s",
        type(exc).__name__,
        request.path,
        response=response,
        request=request,
        exception=exc,
    )
    return response


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, error_body(_("No existe.")), status=404)


api.add_router("/auth", auth.router)
api.add_router("/areas", areas.router)
api.add_router("/users", users.router)
api.add_router("/users", tokens.users_router)
api.add_router("/tokens", tokens.router)
api.add_router("/users", sessions.users_router)
api.add_router("/sessions", sessions.router)
api.add_router("/contacts", contacts.router)
api.add_router("/conversations", conversations.router)
api.add_router("/flows", flows.router)
api.add_router("/messages", messages.router)
api.add_router("/sandbox", sandbox.router)
api.add_router("/lines", lines.router)
api.add_router("/bot", bot.router)
api.add_router("/working-hours", working_hours.router)
api.add_router("/closed-days", closed_days.router)
api.add_router("/analytics", analytics.router)
api.add_router("/settings", desk_settings.router)
api.add_router("/labels", labels.router)
api.add_router("/quick-replies", quick_replies.router)
api.add_router("/audit", audit.router)
api.add_router("/webhooks", integrations.router)
