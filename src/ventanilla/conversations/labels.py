"""Labels: admins define them (name and a colour of the palette); anyone who may see a
conversation puts them on it or takes them off (ADR 0026)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ventanilla.accounts.models import User
from ventanilla.conversations.models import Conversation, Label, LabelColor
from ventanilla.conversations.permissions import MANAGE_LABELS
from ventanilla.conversations.publishing import publish_conversation
from ventanilla.core import clock
from ventanilla.core.errors import (
    InvalidInput,
)
from ventanilla.core.fields import MAX_ID, UNSET, FieldErrors, checked_text
from ventanilla.core.text import fold

NAME_LIMIT = 40
MAX_LABELS_PER_CONVERSATION = 20


def _taken_text(name: str) -> str:
    return _("Ya existe una etiqueta llamada «%(name)s».") % {"name": name}


def _check_name(errors: FieldErrors, name: str, *, exclude_id: int | None) -> str:
    name = checked_text(errors, name, NAME_LIMIT)
    taken = Label.objects.filter(name_key=fold(name)).exclude(pk=exclude_id)
    if "name" not in errors.errors and taken.exists():
        errors.add("name", _taken_text(name))
    return name


def _check_color(errors: FieldErrors, color: str) -> str:
    if color not in LabelColor.values:
        errors.add("color", _("Usá uno de %(values)s.") % {"values": ", ".join(LabelColor.values)})
    return color


def _save(label: Label) -> Label:
    label.name_key = fold(label.name)
    try:
        with transaction.atomic():
            label.save()
    except IntegrityError as error:  # a concurrent request took the name first
        raise InvalidInput.field("name", _taken_text(label.name)) from error
    return label


def label_create(*, by: User, name: str, color: str = LabelColor.GRAY) -> Label:
    MANAGE_LABELS.check(by)
    errors = FieldErrors()
    name = _check_name(errors, name, exclude_id=None)
    color = _check_color(errors, color)
    errors.raise_if_any()
    return _save(Label(name=name, color=color, created_at=clock.now()))


def label_update(*, by: User, label: Label, name=UNSET, color=UNSET) -> Label:
    MANAGE_LABELS.check(by)
    errors = FieldErrors()
    if name is not UNSET:
        label.name = _check_name(errors, name, exclude_id=label.pk)
    if color is not UNSET:
        label.color = _check_color(errors, color)
    errors.raise_if_any()
    return _save(label)


def label_delete(*, by: User, label: Label) -> None:
    """Takes it off every conversation too."""
    MANAGE_LABELS.check(by)
    label.delete()


def conversation_set_labels(
    *, conversation: Conversation, by: User, label_ids: list[int]
) -> Conversation:
    """The conversation's labels become `label_ids` (`by` may see it: the caller asked the
    visibility rule). Its viewers' lists show the change live (`conversation:update`)."""
    wanted = list(dict.fromkeys(label_ids))
    if len(wanted) > MAX_LABELS_PER_CONVERSATION:
        raise InvalidInput.field(
            "label_ids",
            _("Una conversación lleva hasta %(limit)d etiquetas.")
            % {"limit": MAX_LABELS_PER_CONVERSATION},
        )
    storable = [pk for pk in wanted if 0 < pk <= MAX_ID]
    found = set(Label.objects.filter(pk__in=storable).values_list("pk", flat=True))
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        raise InvalidInput.field(
            "label_ids",
            _("No existe la etiqueta con id %(ids)s.") % {"ids": ", ".join(missing)},
        )
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        locked.labels.set(wanted)
        publish_conversation("conversation:update", locked)
    return locked
