"""The audit trail: who did what, when, from where (docs/security.md, "Audit trail").

Services call `record` inside the transaction of the change they make, so a change and its entry
commit or roll back together. Who and from where come from the request being served (bound by
`core.middleware.AuditContextMiddleware`): its user, the API token it signed in with, its client
address. A job or a command has no request: the entry names no actor ("system").
"""

from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ventanilla.core.addresses import client_address
from ventanilla.core.models import AuditEntry

REDACTED = "[redacted]"

# every action the services record, and how the audit screen names it
ACTIONS = {
    "signin.succeeded": gettext_lazy("Inicio de sesión"),
    "signin.failed": gettext_lazy("Inicio de sesión fallido"),
    "signout": gettext_lazy("Cierre de sesión"),
    "session.ended": gettext_lazy("Sesión terminada"),
    "signin.second_factor_failed": gettext_lazy("Segundo factor incorrecto"),
    "two_factor.enabled": gettext_lazy("Segundo factor activado"),
    "two_factor.reset": gettext_lazy("Segundo factor quitado"),
    "user.created": gettext_lazy("Usuario creado"),
    "user.updated": gettext_lazy("Usuario cambiado"),
    "area.created": gettext_lazy("Área creada"),
    "area.updated": gettext_lazy("Área cambiada"),
    "area.survey": gettext_lazy("Encuesta del área cambiada"),
    "token.created": gettext_lazy("Token de API creado"),
    "token.revoked": gettext_lazy("Token de API revocado"),
    "flow.created": gettext_lazy("Flujo creado"),
    "flow.updated": gettext_lazy("Flujo cambiado"),
    "flow.deleted": gettext_lazy("Flujo borrado"),
    "working_hour.created": gettext_lazy("Horario creado"),
    "working_hour.updated": gettext_lazy("Horario cambiado"),
    "working_hour.deleted": gettext_lazy("Horario borrado"),
    "closed_day.created": gettext_lazy("Día sin atención agregado"),
    "closed_day.deleted": gettext_lazy("Día sin atención borrado"),
    "settings.auto_close": gettext_lazy("Cierre automático cambiado"),
    "settings.follow_up": gettext_lazy("Seguimiento después del cierre cambiado"),
    "line.created": gettext_lazy("Línea creada"),
    "line.updated": gettext_lazy("Línea cambiada"),
    "line.paused": gettext_lazy("Bot de la línea pausado o reanudado"),
    "line.started": gettext_lazy("Sesión de la línea iniciada"),
    "line.stopped": gettext_lazy("Sesión de la línea detenida"),
    "webhook.created": gettext_lazy("Webhook creado"),
    "webhook.updated": gettext_lazy("Webhook cambiado"),
    "webhook.deleted": gettext_lazy("Webhook borrado"),
}
_request: ContextVar = ContextVar("ventanilla_audit_request", default=None)


def bind(request):
    """Makes `request` the one audit entries of this context are attributed to."""
    return _request.set(request)


def unbind(token) -> None:
    _request.reset(token)


def _actor(actor):
    """(user or None, token id or None, address) of whoever is acting now."""
    request = _request.get()
    address = client_address(request) if request is not None else ""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    token = getattr(actor, "api_token", None)
    return actor, (token.pk if token is not None else None), address


def record(
    action: str,
    *,
    target_type: str,
    target_id: object = "",
    target_label: str = "",
    changes: dict | None = None,
    actor=None,
) -> AuditEntry:
    """Writes one entry; call it inside the transaction of the change (`actor`: who, when the
    request has nobody signed in yet, as at a sign-in)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to core.audit.ACTIONS")
    user, token_id, address = _actor(actor)
    return AuditEntry.objects.create(
        action=action,
        actor_id=user.pk if user is not None else None,
        actor_name=user.get_username() if user is not None else "",
        token_id=token_id,
        ip_address=address,
        target_type=target_type,
        target_id="" if target_id is None else str(target_id),
        target_label=str(target_label)[:200],
        changes=changes or {},
    )


def record_object(action: str, target, *, changes: dict | None = None, actor=None) -> AuditEntry:
    """`record` for a model instance: its model's name, its id and how it shows."""
    return record(
        action,
        target_type=target._meta.model_name,
        target_id=target.pk,
        target_label=str(target),
        changes=changes,
        actor=actor,
    )


def _plain(value):
    """A JSON value for the entry; empty (None, "", []) is None, so it is no change."""
    if value in (None, "") or (isinstance(value, list | tuple | set | frozenset) and not value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(_plain(each) for each in value)
    return str(value)


def diff(before: dict, after: dict, *, secret: tuple[str, ...] = ()) -> dict:
    """{field: [before, after]} of the fields that changed; a secret field's values hidden."""
    changed = {}
    for field in dict.fromkeys([*before, *after]):
        old, new = before.get(field), after.get(field)
        if _plain(old) != _plain(new):
            hidden = field in secret
            changed[field] = [REDACTED, REDACTED] if hidden else [_plain(old), _plain(new)]
    return changed


def entries(
    *,
    action: str = "",
    actor_id: int | None = None,
    target_type: str = "",
    target_id: str = "",
    since=None,
    until=None,
) -> QuerySet[AuditEntry]:
    """The trail, newest first, narrowed by whichever filters are given (`action` may be a
    prefix ending in a dot: "user." is every user action)."""
    rows = AuditEntry.objects.all()
    if action:
        rows = (
            rows.filter(action__startswith=action)
            if action.endswith(".")
            else rows.filter(action=action)
        )
    if actor_id is not None:
        rows = rows.filter(actor_id=actor_id)
    if target_type:
        rows = rows.filter(target_type=target_type)
    if target_id:
        rows = rows.filter(target_id=target_id)
    if since is not None:
        rows = rows.filter(created_at__gte=_aware(since))
    if until is not None:
        rows = rows.filter(created_at__lt=_aware(until))
    return rows.order_by("-created_at", "-id")


def _aware(moment):
    """A moment without a zone is the desk's local time (TIME_ZONE)."""
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def purge() -> int:
    """Deletes the entries older than AUDIT_RETENTION_DAYS; the number deleted."""
    cutoff = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    return AuditEntry.objects.purge_before(cutoff)
