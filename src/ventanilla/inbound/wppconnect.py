"""The WPPConnect Server side of the inbound pipeline, behind its webhook
(`api.webhooks.wppconnect_webhook`).

`POST /webhooks/whatsapp/wppconnect/<token>`: the token in the path selects the line (its
`wpp_webhook_token`, compared in constant time); a wrong one is 403 and nothing is read further.
Then the event is parsed and:

- messages and acks go through `pipeline.receive` (stored once, statuses forward only, the bot
  answers); media that arrived inline (base64, WPPConnect's webhook.autoDownload) is saved to the
  message's file in the same transaction, so it is stored with its message or not at all;
- QR codes and session states go to `providers.sessions` (`session:qr`, `session:status`);
- group chats, broadcasts (`status@broadcast`), channels, our own messages, notifications and
  events we do not use are ignored on purpose: counted per reason in this process
  (`ignored_counts()`) and logged at INFO;
- incoming calls are logged and counted.

Answers: 200 once stored (or ignored on purpose), 400 for a body that is not JSON, 403 for a
wrong token, 413 for a body over MAX_WEBHOOK_BYTES, 503 when storing failed. Note that
WPPConnect Server does not send a webhook again after a failure: it only logs it.
"""

import hmac
import logging
import re
import threading
from collections import Counter

from django.core.files.base import ContentFile
from django.db import transaction

from ventanilla.conversations.models import Message
from ventanilla.conversations.publishing import publish_message
from ventanilla.core.db import retry_transient
from ventanilla.inbound import pipeline
from ventanilla.providers import sessions
from ventanilla.providers.base import InboundMessage, ParsedWebhook
from ventanilla.providers.models import Line, Provider
from ventanilla.providers.wppconnect.parser import WppEvent, parse_event_body

log = logging.getLogger(__name__)

# Media arrives inline as base64 (a third larger than the file): room for a 48 MB file.
MAX_WEBHOOK_BYTES = 64 * 1024 * 1024

_ignored: Counter[str] = Counter()
_ignored_lock = threading.Lock()


def ignored_counts() -> dict[str, int]:
    """What this process ignored on purpose since it started, by reason ("group", "broadcast",
    "newsletter", "from_me", "notification", "incomingcall", "event:<name>", ...)."""
    with _ignored_lock:
        return dict(_ignored)


def _count(reason: str) -> None:
    with _ignored_lock:
        _ignored[reason] += 1


def line_for_token(token: str) -> Line | None:
    """The WPPConnect line whose webhook token this is (constant-time comparison), or None."""
    if not token:
        return None
    given = token.encode()
    lines = Line.objects.filter(provider=Provider.WPPCONNECT).exclude(wpp_webhook_token=None)
    for line in lines.exclude(wpp_webhook_token=""):
        if hmac.compare_digest(line.wpp_webhook_token.encode(), given):
            return line
    return None


def receive(line: Line, event: WppEvent) -> dict:
    """Stores one parsed event of `line`; raises when it could not be stored."""
    counts = {"messages": 0, "duplicates": 0, "statuses": 0, "ignored": 0}
    if event.session and line.wpp_session and event.session != line.wpp_session:
        # the token decides the line; a different session name means a renamed or copied setup
        log.warning(
            "WPPConnect event of session %r on line %s, whose session is %r",
            event.session[:100],
            line.pk,
            line.wpp_session,
        )
    if event.ignored:
        _count(event.ignored)
        counts["ignored"] += 1
        log.info("WPPConnect %s on line %s ignored: %s", event.event, line.pk, event.ignored)
    if event.call is not None:
        _count("incomingcall")
        call = event.call
        log.info(
            "incoming WhatsApp %s call on line %s from %s (not answered: calls are not handled)",
            "video" if call.get("video") else "voice",
            line.pk,
            call.get("from_phone") or call.get("from_user_id") or "?",
        )
    if event.session_event is not None:
        change = event.session_event
        sessions.session_apply(line=line, state=change.state, detail=change.detail, qr=change.qr)
    parsed = event.parsed
    if parsed.messages or parsed.statuses or parsed.errors:
        stored = _store(line, parsed)
        for key in ("messages", "duplicates", "statuses", "ignored"):
            counts[key] += stored.get(key, 0)
    return counts


@retry_transient(integrity_errors=True)
def _store(line: Line, parsed: ParsedWebhook) -> dict:
    """The pipeline and the inline media in one transaction (the pipeline's own retry cannot run
    inside it, so this one repeats the whole of it)."""
    with transaction.atomic():
        counts = pipeline.receive(line_for=lambda key: line, parsed=parsed)
        for inbound in parsed.messages:
            if inbound.media is not None and inbound.media.content:
                _save_inline_media(line, inbound)
    return counts


def _extension(mime: str) -> str:
    subtype = mime.split(";")[0].split("/")[-1].strip().lower()
    return re.sub(r"[^a-z0-9]", "", subtype)[:10] or "bin"


def _save_inline_media(line: Line, inbound: InboundMessage) -> None:
    message = (
        Message.objects.select_for_update()
        .filter(line=line, provider_id=inbound.provider_message_id)
        .first()
    )
    if message is None or message.media_file:  # refused, or a repeated delivery
        return
    media = inbound.media
    mime = message.media_mime_type or media.mime_type or "application/octet-stream"
    message.media_file.save(
        f"wpp-{message.pk}.{_extension(mime)}", ContentFile(media.content), save=False
    )
    message.media_size = len(media.content)
    message.media_mime_type = mime
    message.save(update_fields=["media_file", "media_size", "media_mime_type"])
    publish_message("message:status", message)


def handle_line_post(line: Line, raw: bytes) -> tuple[int, dict]:
    """Parse and store a webhook already authenticated as `line`'s."""
    event = parse_event_body(raw)
    if event.ignored == "invalid_json":
        log.warning("WPPConnect webhook for line %s with a body that is not JSON", line.pk)
        return 400, {"detail": "Body is not JSON."}
    try:
        counts = receive(line, event)
    except Exception:
        log.exception("could not store a WPPConnect webhook (%s) of line %s", event.event, line.pk)
        return 503, {"detail": "Could not store the webhook."}
    return 200, {"status": "ignored" if event.ignored else "stored", **counts}
