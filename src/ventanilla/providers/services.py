"""Writes on lines."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ventanilla.core import audit
from ventanilla.core.errors import InvalidInput
from ventanilla.providers.models import Line, LineState, Provider


def _settings_credentials(provider: str) -> dict:
    if provider == Provider.CLOUD:
        return {
            "cloud_phone_number_id": settings.WHATSAPP_CLOUD_PHONE_NUMBER_ID or None,
            "cloud_access_token": settings.WHATSAPP_CLOUD_ACCESS_TOKEN,
            "cloud_app_secret": settings.WHATSAPP_CLOUD_APP_SECRET,
            "cloud_verify_token": settings.WHATSAPP_CLOUD_VERIFY_TOKEN,
        }
    if provider == Provider.WPPCONNECT:
        return {
            "wpp_url": settings.WPPCONNECT_URL,
            "wpp_secret_key": settings.WPPCONNECT_SECRET_KEY,
            "wpp_session": settings.WPPCONNECT_SESSION,
            "wpp_webhook_token": settings.WPPCONNECT_WEBHOOK_TOKEN or None,
        }
    return {}


def _default_provider() -> str:
    provider = settings.WHATSAPP_PROVIDER
    return provider if provider in Provider.values else Provider.SANDBOX


def sandbox_offered() -> bool:
    """Whether the installation asks for the sandbox line: as its own line, or beside a real one
    (SANDBOX_ENABLED). ADR 0018."""
    return _default_provider() == Provider.SANDBOX or settings.SANDBOX_ENABLED


def line_default() -> Line:
    """The default line, created from settings the first time it is needed."""
    line = Line.objects.filter(is_default=True).order_by("pk").first()
    if line is not None:
        return line
    provider = _default_provider()
    try:
        with transaction.atomic():
            return Line.objects.create(
                provider=provider,
                is_default=True,
                display_name="WhatsApp",
                # the simulated phone needs no connecting: it is up from the start
                state=LineState.CONNECTED
                if provider == Provider.SANDBOX
                else LineState.DISCONNECTED,
                **_settings_credentials(provider),
            )
    except IntegrityError:
        return Line.objects.filter(is_default=True).order_by("pk").first()


def line_sandbox() -> Line | None:
    """The sandbox line, created the first time it is needed; None when the installation does not
    ask for one (`sandbox_offered`)."""
    if not sandbox_offered():
        return None
    default = line_default()
    if default.provider == Provider.SANDBOX:
        return default
    line = Line.objects.filter(provider=Provider.SANDBOX).order_by("pk").first()
    return line or Line.objects.create(
        provider=Provider.SANDBOX, display_name="Sandbox", state=LineState.CONNECTED
    )


def line_sync_default_from_settings() -> Line:
    """At start: credentials given in the environment win over stored ones for the default line."""
    line = line_default()
    given = {k: v for k, v in _settings_credentials(line.provider).items() if v}
    if given:
        Line.objects.filter(pk=line.pk).update(**given)
        line.refresh_from_db()
    return line


EDITABLE_FIELDS = (
    "display_name",
    "phone",
    "paused",
    "cloud_phone_number_id",
    "cloud_access_token",
    "cloud_app_secret",
    "cloud_verify_token",
    "wpp_url",
    "wpp_secret_key",
    "wpp_session",
    "wpp_webhook_token",
)


def _clean(changes: dict) -> dict:
    cleaned = {}
    for field, value in changes.items():
        if field not in EDITABLE_FIELDS:
            raise InvalidInput.field(field, _("Este campo no se puede cambiar."))
        if isinstance(value, str):
            value = value.strip()
        if field in ("cloud_phone_number_id", "wpp_webhook_token") and not value:
            value = None  # unique when present
        cleaned[field] = value
    return cleaned


def line_create(*, provider: str, **fields) -> Line:
    if provider not in Provider.values:
        raise InvalidInput.field(
            "provider", _("Usá uno de %(values)s.") % {"values": ", ".join(Provider.values)}
        )
    cleaned = _clean(fields)
    with transaction.atomic():
        line = _save(Line(provider=provider, **cleaned))
        values = {"provider": provider, **cleaned}
        audit.record_object("line.created", line, changes=_line_diff({}, values))
    return line


def _line_diff(before: dict, after: dict) -> dict:
    """What changed on a line, its credentials (tokens, secrets) never written out."""
    secret = tuple(field for field in after if "token" in field or "secret" in field)
    return audit.diff(before, after, secret=secret)


def line_update(*, line: Line, **changes) -> Line:
    cleaned = _clean(changes)
    before = {field: getattr(line, field) for field in cleaned}
    for field, value in cleaned.items():
        setattr(line, field, value)
    with transaction.atomic():
        _save(line)
        changed = _line_diff(before, cleaned)
        if changed:
            audit.record_object("line.updated", line, changes=changed)
    return line


def _save(line: Line) -> Line:
    try:
        with transaction.atomic():
            line.save()
    except IntegrityError as error:
        field = "cloud_phone_number_id" if line.cloud_phone_number_id else "wpp_webhook_token"
        raise InvalidInput.field(field, _("Otra línea ya usa este valor.")) from error
    return line
