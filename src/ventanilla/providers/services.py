"""Writes on lines and their message templates."""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ventanilla.core import audit, clock
from ventanilla.core.errors import BadGateway, InvalidInput
from ventanilla.providers import capabilities
from ventanilla.providers.base import SendError
from ventanilla.providers.models import Line, LineState, MessageTemplate, Provider, TemplateStatus
from ventanilla.providers.values import as_text

log = logging.getLogger(__name__)


def _settings_credentials(provider: str) -> dict:
    if provider == Provider.CLOUD:
        return {
            "cloud_phone_number_id": settings.WHATSAPP_CLOUD_PHONE_NUMBER_ID or None,
            "cloud_access_token": settings.WHATSAPP_CLOUD_ACCESS_TOKEN,
            "cloud_app_secret": settings.WHATSAPP_CLOUD_APP_SECRET,
            "cloud_verify_token": settings.WHATSAPP_CLOUD_VERIFY_TOKEN,
            "cloud_waba_id": settings.WHATSAPP_CLOUD_WABA_ID,
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
    "cloud_waba_id",
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


# --- Message templates -------------------------------------------------------------------------


def _template_fields(raw: dict) -> dict | None:
    """A template of Meta's list as the columns we keep; None when it names nothing."""
    name, language = as_text(raw.get("name")), as_text(raw.get("language"))
    if not name or not language or len(name) > 512 or len(language) > 16:
        return None
    status = as_text(raw.get("status")).upper()
    return {
        "name": name,
        "language": language,
        "category": as_text(raw.get("category"))[:32],
        "status": status if status in TemplateStatus.values else TemplateStatus.UNKNOWN,
        "provider_id": as_text(raw.get("id"))[:64],
        "components": raw.get("components") if isinstance(raw.get("components"), list) else [],
    }


def templates_sync(*, line: Line) -> int:
    """Reads the line's message templates from its WhatsApp Business Account and stores them:
    new ones added, known ones updated, ones Meta no longer lists removed. Returns how many the
    line has now. A line that cannot have templates (not the Cloud API, no WABA id) keeps none.

    Raises `BadGateway` when Meta cannot be read; what was stored before stays."""
    from ventanilla.providers.registry import client_for

    if not capabilities.of(line).message_templates or not line.cloud_waba_id:
        raise InvalidInput.field(
            "cloud_waba_id",
            _("Indicá el id de la cuenta de WhatsApp Business (WABA) de la línea."),
        )
    try:
        with client_for(line) as client:
            listed = client.message_templates(line.cloud_waba_id)
    except SendError as error:
        raise BadGateway(
            _("WhatsApp no entregó las plantillas: %(reason)s") % {"reason": error.reason}
        ) from error
    now = clock.now()
    found = {}
    for raw in listed:
        fields = _template_fields(raw)
        if fields is not None:
            found[(fields["name"], fields["language"])] = fields
    with transaction.atomic():
        kept = {
            (t.name, t.language): t
            for t in MessageTemplate.objects.select_for_update().filter(line=line)
        }
        for key, template in kept.items():
            if key not in found:
                template.delete()
        for key, fields in found.items():
            template = kept.get(key) or MessageTemplate(line=line)
            for field, value in fields.items():
                setattr(template, field, value)
            template.synced_at = now
            template.save()
    return len(found)


def templates_sync_all() -> dict[int, int | str]:
    """Every Cloud API line with a WABA id, synced (at start and every hour): line id -> how many
    templates, or why it failed. One line failing does not stop the others."""
    results: dict[int, int | str] = {}
    for line in Line.objects.filter(provider=Provider.CLOUD).exclude(cloud_waba_id=""):
        try:
            results[line.pk] = templates_sync(line=line)
        except (BadGateway, InvalidInput) as error:
            log.warning("could not sync the templates of line %s: %s", line.pk, error)
            results[line.pk] = str(error)
    return results


def template_status_apply(
    *, lines: list[Line], waba_id: str, provider_id: str, name: str, language: str, status: str
) -> int:
    """A `message_template_status_update` webhook: the template's new review status, on those of
    `lines` (the ones whose app secret signed it) that belong to the account `waba_id`. Returns
    how many stored templates changed; an unknown template is left for the next sync."""
    status = status.upper()
    if status not in TemplateStatus.values:
        status = TemplateStatus.UNKNOWN
    line_ids = [
        line.pk
        for line in lines
        if line.provider == Provider.CLOUD and line.cloud_waba_id in (waba_id, "")
    ]
    templates = MessageTemplate.objects.filter(line_id__in=line_ids)
    if provider_id:
        templates = templates.filter(provider_id=provider_id)
    else:
        templates = templates.filter(name=name, language=language)
    return templates.exclude(status=status).update(status=status)
