"""Writes on outgoing webhooks: subscriptions, the deliveries that changes elsewhere record, a
resend and a ping.

The services of conversations and contacts call `record` / `record_many` inside the transaction
of their change, so a delivery exists exactly when the change does; its job is queued once that
commits. With nothing subscribed to an event, `record` reads nothing: the active subscriptions
are kept in process memory for WEBHOOKS_CACHE_SECONDS (forgotten at once by this process's own
writes).
"""

import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from ventanilla.core import audit, clock
from ventanilla.core.cache import ProcessCache
from ventanilla.core.errors import Conflict, max_length_text, null_text
from ventanilla.core.fields import FieldErrors
from ventanilla.core.jobs import enqueue_named_after_commit
from ventanilla.integrations import delivery as sending
from ventanilla.integrations import targets
from ventanilla.integrations.models import (
    PING,
    URL_MAX_LENGTH,
    Delivery,
    DeliveryStatus,
    Subscription,
    WebhookEvent,
)

DELIVER = "integrations.deliver"  # the job of `tasks` that sends a sequence's deliveries
WEBHOOKS_CACHE_SECONDS = 5
SECRET_MIN_LENGTH = 16
SECRET_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 200

Payload = dict | Callable[[], dict]


# --- recording what happened (called by other packages' services) -----------------------------


def _read_active() -> tuple[tuple[int, frozenset[str]], ...]:
    rows = Subscription.objects.filter(is_active=True).values_list("pk", "events")
    return tuple((pk, frozenset(events)) for pk, events in rows.order_by("pk"))


_active = ProcessCache(_read_active, seconds=WEBHOOKS_CACHE_SECONDS)


def forget_cached_subscriptions() -> None:
    _active.forget()


def conversation_key(conversation_id: int) -> str:
    """Deliveries about one conversation (and its messages) go out in order."""
    return f"conversation:{conversation_id}"


def contact_key(contact_id: int) -> str:
    return f"contact:{contact_id}"


def wanted(event: str) -> bool:
    """Whether any active subscription asked for `event` (no query while the cache is warm)."""
    return any(event in events for _, events in _active.get())


def record(event: str, *, key: str, data: Payload) -> None:
    record_many([(event, key, data)])


def record_many(items: Iterable[tuple[str, str, Payload]]) -> None:
    """Writes a delivery of each (event, sequence key, payload) for each active subscription to
    that event, in this order, in the current transaction; their jobs are queued after commit.
    `data` may be a function: it is called only when someone subscribed."""
    active = _active.get()
    if not active:
        return
    now = clock.now()
    give_up = now + timedelta(hours=float(settings.WEBHOOKS_RETRY_HOURS))
    rows = []
    for event, key, data in items:
        subscribers = [pk for pk, events in active if event in events]
        if not subscribers:
            continue
        payload = data() if callable(data) else data
        rows += [
            Delivery(
                subscription_id=pk,
                event=event,
                sequence_key=key,
                payload=payload,
                next_attempt_at=now,
                give_up_at=give_up,
                created_at=now,
            )
            for pk in subscribers
        ]
    if rows:
        Delivery.objects.bulk_create(rows)
        sequences = dict.fromkeys((row.subscription_id, row.sequence_key) for row in rows)
        for subscription_id, key in sequences:
            enqueue_deliver(subscription_id, key)


def enqueue_deliver(subscription_id: int, key: str) -> None:
    enqueue_named_after_commit(DELIVER, subscription_id, key, what="a webhook delivery")


# --- subscriptions ----------------------------------------------------------------------------


def _check_url(errors: FieldErrors, url) -> str:
    if url is None:
        errors.add("url", null_text())
        return ""
    url = str(url).strip()
    if not url:
        errors.add("url", _("Escribí la dirección que recibe los eventos."))
    elif len(url) > URL_MAX_LENGTH:
        errors.add("url", max_length_text(URL_MAX_LENGTH))
    elif problem := targets.url_problem(url) or targets.address_problem(url):
        errors.add("url", problem)
    return url


def _check_events(errors: FieldErrors, events) -> list[str]:
    if not isinstance(events, list | tuple) or not all(isinstance(e, str) for e in events):
        errors.add("events", _("Mandá una lista de eventos."))
        return []
    unknown = sorted({event for event in events if event not in WebhookEvent.values})
    if unknown:
        errors.add(
            "events",
            _("Eventos desconocidos: %(unknown)s. Usá %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(WebhookEvent.values)},
        )
    elif not events:
        errors.add("events", _("Elegí al menos un evento."))
    return [event for event in WebhookEvent.values if event in events]  # one order, no repeats


def _check_secret(errors: FieldErrors, secret) -> str:
    if secret is None:
        errors.add("secret", null_text())
        return ""
    secret = str(secret).strip()
    if len(secret) < SECRET_MIN_LENGTH:
        errors.add(
            "secret",
            _("Usá un secreto de al menos %(min)d caracteres.") % {"min": SECRET_MIN_LENGTH},
        )
    elif len(secret) > SECRET_MAX_LENGTH:
        errors.add("secret", max_length_text(SECRET_MAX_LENGTH))
    elif not (secret.isascii() and secret.isprintable()) or " " in secret:
        errors.add("secret", _("Usá solo caracteres ASCII visibles, sin espacios."))
    return secret


def _check_description(errors: FieldErrors, description) -> str:
    if description is None:
        errors.add("description", null_text())
        return ""
    description = " ".join(str(description).split())
    if len(description) > DESCRIPTION_MAX_LENGTH:
        errors.add("description", max_length_text(DESCRIPTION_MAX_LENGTH))
    return description


def _check_active(errors: FieldErrors, is_active) -> bool:
    if not isinstance(is_active, bool):
        errors.add("is_active", _("Usá true o false."))
        return False
    return is_active


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def subscription_create(
    *, url: str, events: list[str], secret: str = "", description: str = "", is_active=True
) -> Subscription:
    """A subscription; without a secret one is made (it is shown to the admin once)."""
    errors = FieldErrors()
    subscription = Subscription(
        url=_check_url(errors, url),
        events=_check_events(errors, events),
        secret=_check_secret(errors, secret) if secret else new_secret(),
        description=_check_description(errors, description),
        is_active=_check_active(errors, is_active),
    )
    errors.raise_if_any()
    with transaction.atomic():
        subscription.save()
        webhook_changed(subscription, "created")
    _active.forget()
    return subscription


_CHECKS = {
    "url": _check_url,
    "events": _check_events,
    "secret": _check_secret,
    "description": _check_description,
    "is_active": _check_active,
}


def subscription_update(*, subscription: Subscription, **changes) -> Subscription:
    """Changes only the given fields. Reactivated, its waiting deliveries are sent again."""
    errors = FieldErrors()
    values = {}
    for field, value in changes.items():
        if field not in _CHECKS:
            errors.add(field, _("Este campo no se puede cambiar."))
        else:
            values[field] = _CHECKS[field](errors, value)
    errors.raise_if_any()
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        reactivated = values.get("is_active") and not subscription.is_active
        for field, value in values.items():
            setattr(subscription, field, value)
        subscription.save()
        if reactivated:
            for key in _waiting_sequences(subscription.pk):
                enqueue_deliver(subscription.pk, key)
        webhook_changed(subscription, "updated")
    _active.forget()
    return subscription


def _waiting_sequences(subscription_id: int) -> list[str]:
    rows = Delivery.objects.filter(subscription_id=subscription_id, status=DeliveryStatus.PENDING)
    return list(rows.order_by("sequence_key").values_list("sequence_key", flat=True).distinct())


def subscription_delete(*, subscription: Subscription) -> None:
    """Deletes the subscription and its deliveries' log."""
    with transaction.atomic():
        webhook_changed(subscription, "deleted")
        subscription.delete()
    _active.forget()


def webhook_changed(subscription: Subscription, action: str) -> None:
    """The audit entry of a subscription created, updated or deleted, inside the transaction of
    that change (its secret is never written there)."""
    audit.record_object(f"webhook.{action}", subscription, changes={"url": subscription.url})


# --- resend and ping ---------------------------------------------------------------------------


def delivery_resend(*, delivery: Delivery) -> Delivery:
    """Sends the delivery again (its signature and timestamp anew), retried for another
    WEBHOOKS_RETRY_HOURS; a later delivery of its sequence waits for it again."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        now = clock.now()
        if delivery.claimed_until is not None and delivery.claimed_until > now:
            raise Conflict(_("Se está enviando ahora; esperá a que termine."))
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now
        delivery.give_up_at = now + timedelta(hours=float(settings.WEBHOOKS_RETRY_HOURS))
        delivery.save(update_fields=["status", "next_attempt_at", "give_up_at"])
        enqueue_deliver(delivery.subscription_id, delivery.sequence_key)
    return delivery


def subscription_ping(*, subscription: Subscription) -> Delivery:
    """Sends a `ping` to the subscription now, once, and returns its delivery with the answer
    (it is not retried; its log entry may be resent). Works on an inactive subscription too."""
    now = clock.now()
    delivery = Delivery.objects.create(
        subscription=subscription,
        event=PING,
        sequence_key=f"ping:{subscription.pk}",
        payload={"subscription_id": subscription.pk, "events": subscription.events},
        next_attempt_at=now,
        give_up_at=now,  # one attempt
        created_at=now,
    )
    sending.send_one(delivery.pk)
    delivery.refresh_from_db()
    return delivery
