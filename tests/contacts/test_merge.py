"""Merging two contacts, the refusals, and the pairs suggested as duplicates."""

import pytest

from tests.contacts.factories import make_conversation as make_bare_conversation
from tests.contacts.factories import make_line
from tests.databases import needs_concurrent_writers
from tests.threads import run_at_once
from ventanilla.accounts.models import Role
from ventanilla.contacts.models import Contact
from ventanilla.contacts.services import contact_create
from ventanilla.conversations.contact_merge import contact_merge, duplicate_suggestions
from ventanilla.conversations.models import Conversation, ConversationEvent, Message, Status
from ventanilla.core.errors import Conflict, InvalidInput, NotFound
from ventanilla.core.models import LiveEvent
from ventanilla.inbound import sandbox

ANA = "+5493515551111"
BETO = "+5493515552222"


def _snapshot():
    contacts = list(
        Contact.objects.order_by("pk").values_list(
            "pk", "name", "phone", "phone_verified", "wa_user_id", "dni", "area_id"
        )
    )
    conversations = list(
        Conversation.objects.order_by("pk").values_list("pk", "contact_id", "open_key")
    )
    return contacts, conversations, ConversationEvent.objects.count()


def _fields(contact):
    contact.refresh_from_db()
    return (
        contact.name,
        contact.phone,
        contact.phone_verified,
        contact.wa_user_id,
        contact.dni,
        contact.area_id,
    )


def test_conversations_messages_and_events_follow_the_kept_contact(
    make_conversation, make_user, admin
):
    # given Ana with a closed conversation, and her second contact with an open one
    agent = make_user(Role.OPERATOR)
    closed = make_conversation("closed", assigned_to=agent, phone=ANA, name="Ana")
    open_ = make_conversation("bot", phone=BETO, name="Ana G", text="soy Ana")
    keep, other = closed.contact, open_.contact
    Contact.objects.filter(pk=other.pk).update(dni="30123456", wa_user_id="AR.2")
    messages = list(Message.objects.filter(conversation=open_).values_list("pk", flat=True))
    events = list(ConversationEvent.objects.filter(conversation=open_).values_list("kind"))

    # when an admin merges the second into Ana
    merged = contact_merge(keep=keep, other=other, by=admin)

    # then the other contact is gone and its conversation, messages and events are Ana's
    assert merged.pk == keep.pk
    assert not Contact.objects.filter(pk=other.pk).exists()
    open_.refresh_from_db()
    assert (open_.contact_id, open_.open_key) == (keep.pk, f"{open_.line_id}:{keep.pk}")
    assert list(Message.objects.filter(conversation=open_).values_list("pk", flat=True)) == (
        messages
    )
    assert list(ConversationEvent.objects.filter(conversation=open_).values_list("kind")) == [
        *events,
        ("contact_merged",),
    ]
    event = ConversationEvent.objects.filter(conversation=open_).latest("pk")
    assert (event.actor_id, event.data) == (
        admin.pk,
        {
            "contact_id": keep.pk,
            "merged_from": other.pk,
            "merged_from_name": "Ana G",
            "merged_from_phone": BETO,
            "merged_from_wa_user_id": "AR.2",
            "merged_from_dni": "30123456",
        },
    )
    # Ana keeps her name and phone, and gains the DNI and user id she lacked
    assert _fields(keep) == ("Ana", ANA, True, "AR.2", "30123456", None)
    # her next message lands in the open conversation that moved to her
    message = sandbox.customer_writes(phone=ANA, name="Ana", text="sigo", message_id="after")
    assert message.conversation_id == open_.pk
    # consoles were told the open conversation now shows Ana
    update = LiveEvent.objects.filter(name="conversation:update").latest("pk")
    assert (update.data["id"], update.data["contact"]["id"]) == (open_.pk, keep.pk)


def test_a_desconocido_takes_name_phone_dni_and_area_from_the_other(make_area, admin):
    area = make_area("Ventas")
    keep = contact_create(name="Desconocido", wa_user_id="AR.1")
    other = contact_create(name="Ana", phone="+549351555111", dni="30123456", area_id=area.pk)

    contact_merge(keep=keep, other=other, by=admin)

    assert _fields(keep) == ("Ana", "+549351555111", False, "AR.1", "30123456", area.pk)
    assert list(Contact.objects.values_list("pk", flat=True)) == [keep.pk]


def test_what_the_kept_contact_has_wins(make_area, admin):
    ventas, soporte = make_area("Ventas"), make_area("Soporte")
    keep = contact_create(
        name="Ana", phone=ANA, dni="30123456", area_id=ventas.pk, wa_user_id="AR.1"
    )
    other = contact_create(
        name="Ana María", phone=BETO, dni="20123456", area_id=soporte.pk, wa_user_id="AR.2"
    )

    contact_merge(keep=keep, other=other, by=None)

    assert _fields(keep) == ("Ana", ANA, True, "AR.1", "30123456", ventas.pk)


def test_a_user_id_only_contact_gives_its_user_id(admin):
    keep = contact_create(name="Ana", phone=ANA)
    other = contact_create(name="Desconocido", wa_user_id="AR.2")

    contact_merge(keep=keep, other=other, by=admin)

    assert _fields(keep) == ("Ana", ANA, True, "AR.2", "", None)


def test_open_conversations_on_different_lines_both_move(admin):
    keep = contact_create(name="Ana", phone=ANA)
    other = contact_create(name="Beto", phone=BETO)
    first, second = make_line(), make_line()
    mine = make_bare_conversation(keep, line=first, status=Status.QUEUED)
    theirs = make_bare_conversation(other, line=second, status=Status.QUEUED)
    Conversation.objects.filter(pk=mine.pk).update(open_key=f"{first.pk}:{keep.pk}")
    Conversation.objects.filter(pk=theirs.pk).update(open_key=f"{second.pk}:{other.pk}")

    contact_merge(keep=keep, other=other, by=admin)

    assert list(
        Conversation.objects.order_by("pk").values_list("pk", "contact_id", "open_key")
    ) == [
        (mine.pk, keep.pk, f"{first.pk}:{keep.pk}"),
        (theirs.pk, keep.pk, f"{second.pk}:{keep.pk}"),
    ]


def test_two_open_conversations_on_one_line_are_refused(admin):
    # given both contacts with an open conversation on the same line
    keep = contact_create(name="Ana", phone=ANA)
    other = contact_create(name="Beto", phone=BETO)
    line = make_line()
    mine = make_bare_conversation(keep, line=line, status=Status.ACTIVE)
    theirs = make_bare_conversation(other, line=line, status=Status.BOT)
    Conversation.objects.filter(pk=mine.pk).update(open_key=f"{line.pk}:{keep.pk}")
    Conversation.objects.filter(pk=theirs.pk).update(open_key=f"{line.pk}:{other.pk}")
    before = _snapshot()

    # when merged
    with pytest.raises(Conflict) as refused:
        contact_merge(keep=keep, other=other, by=admin)

    # then 409 naming the conversations, and nothing changed
    assert refused.value.detail == (
        f"Los dos contactos tienen una conversación abierta en la línea {line.pk} "
        f"(conversaciones {mine.pk} y {theirs.pk}); cerrá una de ellas antes."
    )
    assert _snapshot() == before


def test_a_contact_is_not_merged_with_itself(admin):
    keep = contact_create(name="Ana", phone=ANA)
    before = _snapshot()

    with pytest.raises(InvalidInput) as refused:
        contact_merge(keep=keep, other=keep, by=admin)

    assert refused.value.errors == {"other_id": ["Un contacto no se puede unir consigo mismo."]}
    assert _snapshot() == before


def test_a_contact_deleted_meanwhile_is_not_found(admin):
    keep = contact_create(name="Ana", phone=ANA)
    other = contact_create(name="Beto", phone=BETO)
    Contact.objects.filter(pk=other.pk).delete()

    with pytest.raises(NotFound):
        contact_merge(keep=keep, other=other, by=admin)

    assert _fields(keep) == ("Ana", ANA, True, None, "", None)


# --- duplicate suggestions -------------------------------------------------------------------


def test_contacts_sharing_a_dni_are_suggested_in_pairs(db):
    ana = contact_create(name="Ana", phone=ANA, dni="30123456")
    ana2 = contact_create(name="Ana G", phone=BETO, dni="30.123.456")
    ana3 = contact_create(name="A. Gómez", wa_user_id="AR.3", dni="30123456")
    contact_create(name="Otro", phone="3515553333", dni="20123456")
    contact_create(name="Sin DNI", phone="3515554444")
    contact_create(name="Sin DNI 2", phone="3515555555")

    pairs = duplicate_suggestions()

    assert [(p.first.pk, p.second.pk, p.reasons) for p in pairs] == [
        (ana.pk, ana2.pk, ("dni",)),
        (ana.pk, ana3.pk, ("dni",)),
        (ana2.pk, ana3.pk, ("dni",)),
    ]


def test_phones_differing_by_the_9_the_trunk_0_or_the_15_are_suggested(db):
    # given unverified numbers typed with or without the mobile 9, a trunk 0 or a mobile 15
    with_9 = contact_create(name="A", phone="+549351555111")
    without_9 = contact_create(name="B", phone="+54351555111")
    trunk_0 = contact_create(name="C", phone="+540351555111")
    canonical = contact_create(name="D", phone=ANA)
    with_15 = contact_create(name="E", phone="+54 9 351 15 555 1111")
    contact_create(name="F", phone=BETO)
    contact_create(name="G", phone="+44 20 7946 0958")
    assert (without_9.phone, trunk_0.phone, with_15.phone) == (
        "+54351555111",
        "+540351555111",
        "+549351155551111",
    )

    pairs = duplicate_suggestions()

    assert [(p.first.pk, p.second.pk, p.reasons) for p in pairs] == [
        (with_9.pk, without_9.pk, ("phone",)),
        (with_9.pk, trunk_0.pk, ("phone",)),
        (without_9.pk, trunk_0.pk, ("phone",)),
        (canonical.pk, with_15.pk, ("phone",)),
    ]


def test_a_pair_with_both_reasons_is_listed_once(db):
    first = contact_create(name="A", phone="+549351555111", dni="30123456")
    second = contact_create(name="B", phone="+54351555111", dni="30123456")

    pairs = duplicate_suggestions()

    assert [(p.first.pk, p.second.pk, p.reasons) for p in pairs] == [
        (first.pk, second.pk, ("dni", "phone"))
    ]


def test_suggestions_are_bounded(db):
    for index in range(5):
        contact_create(name=f"C{index}", phone=f"351555000{index}", dni="30123456")

    assert len(duplicate_suggestions(limit=3)) == 3
    assert len(duplicate_suggestions()) == 10
    with pytest.raises(InvalidInput):
        duplicate_suggestions(limit=101)


@pytest.mark.django_db(transaction=True)
@needs_concurrent_writers()
def test_two_merges_of_one_pair_at_once_merge_once(make_user):
    # given two contacts, merged into each other by two people at the same moment
    admin = make_user(Role.ADMIN)
    ana = contact_create(name="Ana", phone=ANA)
    beto = contact_create(name="Beto", phone=BETO)
    make_bare_conversation(beto, status=Status.CLOSED)
    pairs = [(ana, beto), (beto, ana)]

    results, errors = run_at_once(
        2, lambda index: contact_merge(keep=pairs[index][0], other=pairs[index][1], by=admin)
    )

    # then one merge happened and the other found its contact gone
    assert [type(error) for error in errors] == [NotFound]
    survivor = next(result for result in results if result is not None)
    assert list(Contact.objects.values_list("pk", flat=True)) == [survivor.pk]
    assert set(Conversation.objects.values_list("contact_id", flat=True)) == {survivor.pk}
