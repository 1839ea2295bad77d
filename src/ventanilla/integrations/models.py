"""Outgoing webhooks: who is told (`Subscription`) and what was, or will be, told (`Delivery`).

A delivery row is written in the transaction of the change it tells about, and sent by a job
after that commits (docs/integrations.md#outgoing-webhooks, ADR 0028)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ventanilla.core.models import TimeStamped

URL_MAX_LENGTH = 2000
ANSWER_EXCERPT_LENGTH = 500


class WebhookEvent(models.TextChoices):
    CONVERSATION_CREATED = "conversation.created", _("Conversación creada")
    CONVERSATION_ASSIGNED = "conversation.assigned", _("Conversación asignada")
    CONVERSATION_TRANSFERRED = "conversation.transferred", _("Conversación transferida")
    CONVERSATION_CLOSED = "conversation.closed", _("Conversación cerrada")
    MESSAGE_RECEIVED = "message.received", _("Mensaje recibido")
    MESSAGE_SENT = "message.sent", _("Mensaje enviado")
    MESSAGE_FAILED = "message.failed", _("Mensaje fallido")
    CONTACT_CREATED = "contact.created", _("Contacto creado")
    CONTACT_UPDATED = "contact.updated", _("Contacto actualizado")


PING = "ping"  # the test a person sends from the console or the API; never subscribed to


class Subscription(TimeStamped):
    """A URL told about `events` (a list of WebhookEvent values), each delivery signed with
    `secret` (HMAC-SHA256)."""

    url = models.URLField(max_length=URL_MAX_LENGTH)
    description = models.CharField(max_length=200, blank=True, default="")
    secret = models.CharField(max_length=200)
    events = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.pk} {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pendiente")
    DELIVERED = "delivered", _("Entregado")
    FAILED = "failed", _("Fallido")


class Delivery(models.Model):
    """One event for one subscription. Deliveries of one `sequence_key` (a conversation, a
    contact) go out in id order: a later one waits while an earlier one is pending."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    sequence_key = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_answer = models.CharField(max_length=ANSWER_EXCERPT_LENGTH, blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    give_up_at = models.DateTimeField()
    created_at = models.DateTimeField()
    attempted_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # the head of a sequence: its oldest pending delivery
            models.Index(
                fields=["subscription", "sequence_key", "status", "id"], name="delivery_sequence"
            ),
            # the sweep: pending deliveries whose job may be lost
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.event} → {self.subscription_id} ({self.status})"
