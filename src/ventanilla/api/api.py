"""The JSON API under /api: one NinjaAPI, one router per domain, one error shape."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ventanilla.api.routers import (
    analytics,
    areas,
    auth,
    bot,
    contacts,
    conversations,
    desk_settings,
    flows,
    lines,
    messages,
    sandbox,
    users,
    working_hours,
)
from ventanilla.api.security import session_auth
from ventanilla.core.errors import DomainError, TooManyRequests

api = NinjaAPI(
    title="Ventanilla API",
    version="1",
    auth=session_auth,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_body(detail: str, errors: dict[str, list[str]] | None = None) -> dict:
    return {"detail": detail, "errors": errors or {}}


def _field_name(location: list) -> str:
    # ninja reports ("body", "payload", "field", ...); the client only knows the field path.
    parts = [str(part) for part in location if part not in {"body", "query", "path", "payload"}]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field_name(list(error.get("loc", []))), []).append(error.get("msg", ""))
    if any(error.get("type") == "json_invalid" for error in exc.errors):
        return api.create_response(
            request, error_body("The body is not valid JSON.", errors), status=400
        )
    first_field, messages = next(iter(errors.items()), ("body", ["Invalid input."]))
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
    return api.create_response(request, error_body("Authentication required."), status=401)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return api.create_response(request, error_body(str(exc)), status=exc.status_code)


@api.exception_handler(OverflowError)
def on_overflow(request, exc):
    # an id beyond what the database stores (SQLite raises instead of finding nothing)
    return api.create_response(
        request, error_body("A number is out of range.", {"id": ["Out of range."]}), status=422
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, error_body("Not found."), status=404)


api.add_router("/auth", auth.router)
api.add_router("/areas", areas.router)
api.add_router("/users", users.router)
api.add_router("/contacts", contacts.router)
api.add_router("/conversations", conversations.router)
api.add_router("/flows", flows.router)
api.add_router("/messages", messages.router)
api.add_router("/sandbox", sandbox.router)
api.add_router("/lines", lines.router)
api.add_router("/bot", bot.router)
api.add_router("/working-hours", working_hours.router)
api.add_router("/analytics", analytics.router)
api.add_router("/settings", desk_settings.router)
