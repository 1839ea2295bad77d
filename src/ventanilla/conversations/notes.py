"""Private notes: written in a conversation's thread for the desk's people, never sent to
WhatsApp (a `Note` is not a `Message`: the outbox and the providers never see one). `@username`
mentions a colleague who may see the conversation; they hear of it live (`note:new`, whose
`mentions` names them). Mentioning someone who may not see it is refused (ADR 0026).
"""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from ventanilla.accounts.models import User
from ventanilla.conversations.models import Conversation, Note
from ventanilla.conversations.serializers import note_item
from ventanilla.conversations.visibility import Viewer, audience_of, can_see
from ventanilla.core import clock, events
from ventanilla.core.errors import (
    InvalidInput,
    blank_text,
    control_characters_text,
    max_length_text,
)
from ventanilla.core.text import fold, has_control_characters

NOTE_LIMIT = 4096
# "@sofia", "@ana.perez": an @ that starts a word (an e-mail address's is not a mention)
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_.\-]{2,150})")
MENTIONABLE_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,149}[A-Za-z0-9_]")  # what `MENTION` reads whole


def mention_names(text: str) -> list[str]:
    """The usernames `text` mentions, lower case, in order, once each (a sentence's final dot
    is not part of a name)."""
    names: list[str] = []
    for match in MENTION.finditer(text):
        name = match.group(1).rstrip(".-").lower()
        if name and name not in names:
            names.append(name)
    return names


def _check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput.field("text", blank_text())
    if has_control_characters(text):
        raise InvalidInput.field("text", control_characters_text())
    if len(text) > NOTE_LIMIT:
        raise InvalidInput.field("text", max_length_text(NOTE_LIMIT))
    return text


def _mentioned(text: str, *, audience: dict, by: User) -> list[User]:
    """The colleagues `text` mentions who may see the conversation; InvalidInput on `text`
    naming those who may not. A name nobody has is plain text."""
    names = mention_names(text)
    if not names:
        return []
    people = list(User.objects.filter(username__in=names).prefetch_related("areas"))
    refused = [
        person
        for person in people
        if not person.is_active or not can_see(_viewer(person), audience)
    ]
    if refused:
        who = ", ".join(f"@{person.username}" for person in refused)
        raise InvalidInput.field(
            "text",
            _("%(who)s no puede ver esta conversación: no se le avisaría.") % {"who": who},
        )
    order = {name: index for index, name in enumerate(names)}
    return sorted((p for p in people if p.pk != by.pk), key=lambda p: order[p.username])


def mentionable(*, conversation: Conversation, by: User) -> list[User]:
    """The colleagues a note of `by` in `conversation` may mention: active people who may see it
    now (the rule `_mentioned` holds a note to), whose username `@` spells whole, by name."""
    audience = audience_of(
        Conversation.objects.only("pk", "status", "area_id", "assigned_to_id").get(
            pk=conversation.pk
        )
    )
    people = User.objects.filter(is_active=True).exclude(pk=by.pk).prefetch_related("areas")
    return sorted(
        (
            person
            for person in people
            if MENTIONABLE_NAME.fullmatch(person.username) and can_see(_viewer(person), audience)
        ),
        key=lambda person: fold(person.display_name),
    )


def _viewer(user: User) -> Viewer:
    user._viewer_area_ids = frozenset(area.pk for area in user.areas.all())
    return Viewer.of(user)


@transaction.atomic
def note_create(*, conversation: Conversation, by: User, text: str, transfer: bool = False) -> Note:
    """A note by `by`, who may see `conversation` (the caller asked the visibility rule), or who
    just transferred it (`transfer`). Told to its readers after commit (`note:new`)."""
    text = _check_text(text)
    current = Conversation.objects.only("pk", "status", "area_id", "assigned_to_id").get(
        pk=conversation.pk
    )
    audience = audience_of(current)
    mentioned = _mentioned(text, audience=audience, by=by)
    note = Note.objects.create(
        conversation_id=conversation.pk,
        author=by,
        text=text,
        mentioned_ids=[person.pk for person in mentioned],
        transfer=transfer,
        created_at=clock.now(),
    )
    names = {person.pk: person.display_name for person in mentioned}
    events.publish("note:new", note_item(note, names), audience=audience)
    return note
