"""Bot flows: a Flow owns a tree of Nodes; the engine walks it (see engine.py)."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from ventanilla.accounts.models import Area
from ventanilla.core.models import TimeStamped

DEFAULT_INVALID_OPTION_TEXT = "Opción inválida. Respondé con el número de una opción."
DEFAULT_KEY = "default"


def new_node_key() -> str:
    return uuid.uuid4().hex


class NodeType(models.TextChoices):
    MESSAGE = "message", _("Mensaje")
    MENU = "menu", _("Menú")
    QUESTION = "question", _("Pregunta")
    REDIRECT = "redirect", _("Derivar a un área")
    END = "end", _("Fin")


class ContactField(models.TextChoices):
    NAME = "name", _("Nombre")
    DNI = "dni", _("DNI")


class Flow(TimeStamped):
    name = models.CharField(max_length=80)
    is_default = models.BooleanField(default=False)
    # "default" on the default flow, NULL elsewhere: the unique index allows one default at most
    default_key = models.CharField(max_length=7, null=True, blank=True, unique=True, editable=False)
    is_active = models.BooleanField(default=True)
    triggers = models.JSONField(default=list, blank=True)  # restart the flow at any time
    invalid_option_text = models.CharField(max_length=1000, default=DEFAULT_INVALID_OPTION_TEXT)
    fallback_area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]

    def save(self, *args, **kwargs):
        self.default_key = DEFAULT_KEY if self.is_default else None
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.name


class Node(models.Model):
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    # stable across saves of the flow: conversations and interactive replies refer to it
    key = models.CharField(max_length=32, default=new_node_key, editable=False)
    order = models.PositiveIntegerField(default=0)
    type = models.CharField(max_length=8, choices=NodeType.choices)
    text = models.TextField(blank=True, default="")
    trigger = models.CharField(max_length=500, blank=True, default="")  # alternatives, by commas
    label = models.CharField(max_length=24, blank=True, default="")  # menu option title
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # redirect
    field = models.CharField(max_length=8, blank=True, default="", choices=ContactField.choices)
    close = models.BooleanField(default=False)  # end: close the conversation too
    # question: skipped when the contact's `field` is already on file (a returning customer)
    ask_only_when_unknown = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "key"], name="flows_node_key_unique_in_flow")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.key}"
