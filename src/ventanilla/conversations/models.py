from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ventanilla.accounts.models import Area
from ventanilla.contacts.models import Contact
from ventanilla.core.models import TimeStamped
from ventanilla.providers.models import Line


class Status(models.TextChoices):
    BOT = "bot", _("Con el bot")
    QUEUED = "queued", _("En cola")
    ACTIVE = "active", _("Con un agente")
    CLOSED = "closed", _("Cerrada")


OPEN_STATUSES = (Status.BOT, Status.QUEUED, Status.ACTIVE)


class Conversation(models.Model):
    # Every customer message rewrites this row (last message, activity, unread count), and such an
    # update writes into every index: foreign keys that a composite index below already starts
    # with, or that are only read when a user or message is deleted, have none (ADR 0016).
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="conversations")
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="conversations", db_index=False
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.BOT)
    # "line:contact" while open, NULL once closed: one open conversation per pair on every database
    # (MariaDB has no partial unique indexes).
    open_key = models.CharField(max_length=64, null=True, blank=True)
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conversations",
        db_index=False,
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_conversations",
        db_index=False,
    )
    bot_active = models.BooleanField(default=True)
    # where the bot is in its flow (ids, not keys: flows sit above conversations in the layers)
    bot_flow_id = models.PositiveBigIntegerField(null=True, blank=True)
    bot_node_id = models.PositiveBigIntegerField(null=True, blank=True)
    bot_misses = models.PositiveSmallIntegerField(default=0)
    # how and where the flow let it go (flows.engine EXIT_*: redirect, end, fallback, closed)
    bot_exit = models.CharField(max_length=10, blank=True, default="")
    bot_exit_node_id = models.PositiveBigIntegerField(null=True, blank=True)
    unread_count = models.PositiveIntegerField(default=0)
    last_message = models.ForeignKey(
        "Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    last_activity_at = models.DateTimeField()
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    # since when the customer waits for a person's answer: their first message after an agent's
    # last one (the bot's replies answer no one waiting for a person); null once an agent
    # writes (docs/chat.md#who-is-waiting)
    waiting_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    queued_at = models.DateTimeField(null=True, blank=True)
    # why it waits while queued (routing.reasons.Rule: after_hours, nobody_available...)
    queue_reason = models.CharField(max_length=20, blank=True, default="")
    assigned_at = models.DateTimeField(null=True, blank=True)
    # the first agent message at or after assigned_at, null until then: the reports' first
    # response (not first_responded_at, which routing's clock keeps across a reassignment)
    first_reply_since_assigned_at = models.DateTimeField(null=True, blank=True)
    # the response-time targets of the area that holds it, as instants: its working hours are
    # counted when it is handed to the area (routing), so the list only compares with the clock;
    # null: no target (ADR 0032)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    # the first agent message since it was handed to its area; null until then
    first_responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    closed_reason = models.CharField(max_length=200, blank=True, default="")
    labels = models.ManyToManyField("Label", related_name="conversations", blank=True)

    class Meta:
        constraints = [  # a constraint, not unique=True: no second LIKE index on PostgreSQL
            models.UniqueConstraint(fields=["open_key"], name="one_open_conversation"),
        ]
        indexes = [
            models.Index(fields=["status", "-last_activity_at", "-id"]),
            models.Index(fields=["area", "status", "-last_activity_at"]),
            models.Index(fields=["assigned_to", "status", "-last_activity_at"]),
            models.Index(fields=["-last_activity_at", "-id"]),
            models.Index(fields=["contact", "-created_at"]),
            # analytics windows; on PostgreSQL the reports' duration rows are read from the last
            # two alone (ADR 0041)
            models.Index(fields=["created_at"]),
            models.Index(
                fields=["closed_at"],
                include=["status", "area", "assigned_to", "assigned_at", "created_at"],
                name="conversation_closed_idx",
            ),
            models.Index(
                fields=["assigned_at"],
                include=["area", "assigned_to", "queued_at", "first_reply_since_assigned_at"],
                name="conversation_assigned_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Conversation {self.pk} ({self.status})"


class Direction(models.TextChoices):
    IN = "in", _("Entrante")
    OUT = "out", _("Saliente")


class SenderType(models.TextChoices):
    CONTACT = "contact", _("Cliente")
    BOT = "bot", _("Bot")
    AGENT = "agent", _("Agente")
    SYSTEM = "system", _("Sistema")


class MessageType(models.TextChoices):
    TEXT = "text", _("Texto")
    IMAGE = "image", _("Imagen")
    AUDIO = "audio", _("Audio")
    VOICE = "voice", _("Nota de voz")
    VIDEO = "video", _("Video")
    DOCUMENT = "document", _("Documento")
    STICKER = "sticker", _("Sticker")
    LOCATION = "location", _("Ubicación")
    CONTACTS = "contacts", _("Contactos")
    INTERACTIVE = "interactive", _("Respuesta interactiva")
    REACTION = "reaction", _("Reacción")
    TEMPLATE = "template", _("Plantilla")
    SYSTEM = "system", _("Sistema")
    UNSUPPORTED = "unsupported", _("No soportado")


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", _("Recibido")
    QUEUED = "queued", _("En cola")
    SENDING = "sending", _("Enviando")
    SENT = "sent", _("Enviado")
    DELIVERED = "delivered", _("Entregado")
    READ = "read", _("Leído")
    FAILED = "failed", _("Falló")


# whose reaction a bubble shows: the customer's, and the desk's (every agent shares the account)
REACTION_SIDES = ("contact", "desk")

# Statuses only move forward along this order; "failed" may follow anything but "read".
STATUS_RANK = {
    DeliveryStatus.RECEIVED: 0,
    DeliveryStatus.QUEUED: 1,
    DeliveryStatus.SENDING: 2,
    DeliveryStatus.SENT: 3,
    DeliveryStatus.DELIVERED: 4,
    DeliveryStatus.READ: 5,
    DeliveryStatus.FAILED: 6,
}


class Message(models.Model):
    # no single-column indexes: (conversation, -id) starts with the conversation; messages are
    # looked up by line only when a line is deleted
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="+", db_index=False)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    sender_type = models.CharField(max_length=8, choices=SenderType.choices)
    sender_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    type = models.CharField(max_length=12, choices=MessageType.choices, default=MessageType.TEXT)
    text = models.TextField(blank=True, default="")
    # what the provider needs beyond text: interactive menus, template names, reactions, location;
    # and under "reactions" those shown on this bubble (`reactions`)
    payload = models.JSONField(default=dict, blank=True)
    media_file = models.FileField(upload_to="media/%Y/%m/", max_length=300, blank=True)
    media_provider_id = models.CharField(max_length=200, blank=True, default="")
    media_mime_type = models.CharField(max_length=120, blank=True, default="")
    media_filename = models.CharField(max_length=255, blank=True, default="")
    media_size = models.PositiveBigIntegerField(null=True, blank=True)
    provider_id = models.CharField(max_length=200, null=True, blank=True)
    reply_to_provider_id = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    status_history = models.JSONField(default=list, blank=True)
    error_code = models.CharField(max_length=20, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # sending: until when the sender has it; queued: until when the job the sweep enqueued has it
    claimed_until = models.DateTimeField(null=True, blank=True)
    provider_timestamp = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            # provider id first: the duplicate check looks up a batch's ids with `IN`, which only
            # the leading column serves whatever the planner's statistics say
            models.UniqueConstraint(
                fields=["provider_id", "line"], name="message_once_per_provider_id"
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "-id"]),
            models.Index(fields=["status", "next_attempt_at"]),
            # the reports' messages per day: read from the index alone (no table rows), also for
            # someone who sees part of the desk (the conversation, carried on PostgreSQL)
            models.Index(
                fields=["created_at", "direction"],
                include=["conversation"],
                name="message_created_direction_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} {self.direction} {self.type}"

    @property
    def reactions(self) -> dict[str, str]:
        """The reactions shown on this bubble, one per side as WhatsApp keeps them:
        {"contact": "👍", "desk": "❤️"} (REACTION_SIDES). Kept in the payload, not a column of
        its own: a column more makes SQLite split a busy batch's insert in two (ADR 0024). The
        reaction messages themselves are kept too, and left out of the thread."""
        reactions = self.payload.get("reactions") if isinstance(self.payload, dict) else None
        return reactions if isinstance(reactions, dict) else {}

    @reactions.setter
    def reactions(self, reactions: dict[str, str]) -> None:
        payload = {k: v for k, v in (self.payload or {}).items() if k != "reactions"}
        self.payload = {**payload, "reactions": reactions} if reactions else payload


class EventKind(models.TextChoices):
    CREATED = "created", _("Conversación iniciada")
    CONTACT_CREATED = "contact_created", _("Contacto nuevo")
    CONTACT_MERGED = "contact_merged", _("Contactos unidos")
    ASSIGNED = "assigned", _("Asignada")
    QUEUED = "queued", _("En cola")
    TRANSFERRED = "transferred", _("Transferida")
    CLOSED = "closed", _("Cerrada")
    REOPENED = "reopened", _("Reabierta")
    READ = "read", _("Leída")
    SEND_FAILED = "send_failed", _("Envío fallido")
    BOT = "bot", _("Bot")


class ConversationEvent(models.Model):
    """Who did what to a conversation, and when: the audit trail supervisors read."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} on {self.conversation_id}"


class LabelColor(models.TextChoices):
    """A fixed palette (ADR 0026): each colour a CSS class with enough contrast, no inline
    styles for the Content-Security-Policy to refuse."""

    GRAY = "gray", _("Gris")
    RED = "red", _("Rojo")
    ORANGE = "orange", _("Naranja")
    YELLOW = "yellow", _("Amarillo")
    GREEN = "green", _("Verde")
    TEAL = "teal", _("Turquesa")
    BLUE = "blue", _("Azul")
    PURPLE = "purple", _("Violeta")
    PINK = "pink", _("Rosa")


class Label(models.Model):
    """A label admins define; anyone who may see a conversation puts it on or takes it off."""

    name = models.CharField(max_length=40)
    name_key = models.CharField(max_length=40, unique=True, editable=False)  # core.text.fold
    color = models.CharField(max_length=10, choices=LabelColor.choices, default=LabelColor.GRAY)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name_key"]

    def __str__(self) -> str:
        return self.name


class Note(models.Model):
    """A private note in a conversation's thread: for the desk's people, never sent to WhatsApp
    (it is not a Message, so the outbox never sees it). ADR 0026."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="notes", db_index=False
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    mentioned_ids = models.JSONField(default=list, blank=True)  # users told of it, by id
    transfer = models.BooleanField(default=False)  # written with a transfer, for the receiver
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self) -> str:
        return f"Note {self.pk} on {self.conversation_id}"


class EarlyStatus(models.Model):
    """A delivery status that arrived before the send recorded its provider id; applied then."""

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="+")
    provider_id = models.CharField(max_length=200)
    status = models.CharField(max_length=10)
    error_code = models.CharField(max_length=20, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["line", "provider_id"])]

    def __str__(self) -> str:
        return f"{self.status} for {self.provider_id}"


FOLLOW_UP_SINGLETON_ID = 1
REOPEN_WINDOW_MAX_HOURS = 720  # 30 days


class FollowUpSetting(TimeStamped):
    """How long after a close its agent, or anyone who may see the contact, may reopen it or
    write to the customer (docs/chat.md#follow-up), as an admin set it on the Settings screen
    (docs/adr/0013-desk-settings.md). At most one row (id 1); a null `reopen_hours`, or no row,
    follows REOPEN_WINDOW_HOURS. 0: only supervisors and admins reopen. Read it through
    selectors.follow_up_get, write it through services.follow_up_update."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=FOLLOW_UP_SINGLETON_ID)
    reopen_hours = models.PositiveIntegerField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=FOLLOW_UP_SINGLETON_ID), name="follow_up_setting_single_row"
            ),
        ]

    def __str__(self) -> str:
        return f"follow-up: {self.reopen_hours} h"


class ReportDay(models.Model):
    """A completed local day [start, end) of the reports whose counts per area are stored
    (`ReportDayCount`, docs/adr/0041-reports-under-300-ms.md). `stale` when a conversation with
    messages on that day changed area since: the next report counts the day again."""

    start = models.DateTimeField()
    end = models.DateTimeField()
    stale = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["start", "end"], name="one_report_day")]

    def __str__(self) -> str:
        return f"Report day {self.start:%Y-%m-%d %H:%M} ({'stale' if self.stale else 'filled'})"


class ReportDayCount(models.Model):
    """Of one `ReportDay`, by the conversations' area as it is now (null: without area): the
    conversations opened and the messages in and out. Only areas with something counted."""

    day = models.ForeignKey(ReportDay, on_delete=models.CASCADE, related_name="counts")
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    opened = models.PositiveIntegerField(default=0)
    messages_in = models.PositiveIntegerField(default=0)
    messages_out = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Counts of {self.day_id} for area {self.area_id}"
