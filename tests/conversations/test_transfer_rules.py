"""Transfers to a person: one rule (conversations.permissions) behind both doors, the JSON API and
the console's pane, and one service (routing.services.transfer) that chooses area or person."""

import pytest
from django.test import Client

from ventanilla.accounts.models import Role
from ventanilla.conversations.models import Conversation, ConversationEvent

HTMX_PANE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "chat-pane"}


@pytest.fixture
def desk(make_area, make_user, make_conversation):
    """A supervisor of Soporte and Ventas; a conversation waiting in Soporte; people around."""
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    people = {
        "supervisor": make_user(Role.SUPERVISOR, name="Sara", areas=[soporte, ventas]),
        "helper": make_user(Role.SUPPORT, name="Sofía", areas=[soporte]),
        "seller": make_user(Role.SALES, name="Valentín", areas=[ventas]),
        "boss": make_user(Role.ADMIN, name="La Jefa", areas=[soporte]),
    }
    conversation = make_conversation("queued", area=soporte)
    return conversation, soporte, people


def _console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _unchanged(conversation: Conversation) -> None:
    """Nothing was written: where it was, as it was, and no event after its queueing."""
    fresh = Conversation.objects.get(pk=conversation.pk)
    assert (fresh.status, fresh.area_id, fresh.assigned_to_id) == (
        "queued",
        conversation.area_id,
        None,
    )
    kinds = list(
        ConversationEvent.objects.filter(conversation=conversation)
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["created", "contact_created", "queued"]


def test_finding_6_api_refuses_a_person_outside_the_conversations_area(api, desk):
    # given a conversation of Soporte and a seller who belongs to Ventas only
    conversation, _soporte, people = desk
    # when the supervisor (of both areas) hands it to the seller through the API
    response = api(people["supervisor"]).post(
        f"/api/conversations/{conversation.pk}/transfer", {"user_id": people["seller"].pk}
    )
    # then it is refused on user_id and nothing is written
    assert response.status_code == 422
    assert response.json()["errors"] == {"user_id": ["Valentín no es del área «Soporte»."]}
    _unchanged(conversation)


def test_finding_6_api_refuses_an_admin_as_the_person(api, desk):
    # given a conversation of Soporte and an admin who is a member of Soporte
    conversation, _soporte, people = desk
    # when the supervisor hands it to the admin
    response = api(people["supervisor"]).post(
        f"/api/conversations/{conversation.pk}/transfer", {"user_id": people["boss"].pk}
    )
    # then it is refused on user_id and nothing is written
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "user_id": ["Un administrador no atiende conversaciones: elegí un agente o un supervisor."]
    }
    _unchanged(conversation)


def test_finding_6_api_refuses_an_unknown_person_on_the_field(api, desk):
    conversation, _soporte, people = desk

    response = api(people["supervisor"]).post(
        f"/api/conversations/{conversation.pk}/transfer", {"user_id": 999_999}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"user_id": ["No existe el usuario con id 999999."]}
    _unchanged(conversation)


def test_finding_6_console_refuses_the_same_people(desk):
    # given the same conversation, seller, admin and supervisor
    conversation, _soporte, people = desk
    console = _console(people["supervisor"])
    # when the supervisor posts the transfer to the seller, then to the admin, from the chat pane
    to_seller = console.post(
        f"/chats/{conversation.pk}/transfer/", {"user_id": people["seller"].pk}, **HTMX_PANE
    )
    to_admin = console.post(
        f"/chats/{conversation.pk}/transfer/", {"user_id": people["boss"].pk}, **HTMX_PANE
    )
    # then the console refuses both as the API does, and nothing is written
    assert (to_seller.status_code, to_admin.status_code) == (422, 422)
    _unchanged(conversation)


def test_finding_6_console_offers_only_the_people_of_the_conversations_area(desk):
    # given the supervisor opens the conversation of Soporte
    conversation, _soporte, people = desk
    html = _console(people["supervisor"]).get(f"/chats/{conversation.pk}/", **HTMX_PANE)
    # then the people offered are those of Soporte who take conversations, not the seller or the
    # admin
    offered = html.content.decode()
    assert f'<option value="{people["helper"].pk}">' in offered
    assert f'<option value="{people["supervisor"].pk}">' in offered
    assert f'<option value="{people["seller"].pk}">' not in offered
    assert f'<option value="{people["boss"].pk}">' not in offered


def test_both_doors_hand_the_conversation_to_a_member_of_its_area(api, desk):
    # given the conversation of Soporte
    conversation, _soporte, people = desk
    # when the supervisor hands it to the helper of Soporte through the API
    response = api(people["supervisor"]).post(
        f"/api/conversations/{conversation.pk}/transfer", {"user_id": people["helper"].pk}
    )
    # then the helper has it
    assert response.status_code == 200
    assert response.json()["assigned_to"]["id"] == people["helper"].pk
    # and through the console, back to the supervisor (a supervisor of Soporte takes chats)
    pane = _console(people["supervisor"]).post(
        f"/chats/{conversation.pk}/transfer/", {"user_id": people["supervisor"].pk}, **HTMX_PANE
    )
    assert pane.status_code == 200
    fresh = Conversation.objects.get(pk=conversation.pk)
    assert (fresh.status, fresh.assigned_to_id) == ("active", people["supervisor"].pk)
    transferred = ConversationEvent.objects.filter(conversation=conversation, kind="transferred")
    assert list(transferred.order_by("pk").values_list("data", flat=True)) == [
        {"area_id": None, "user_id": people["helper"].pk},
        {"area_id": None, "user_id": people["supervisor"].pk},
    ]


def test_finding_6_a_conversation_without_an_area_goes_to_someone_sharing_the_supervisors_areas(
    api, make_area, make_user, make_conversation
):
    # given a conversation the bot still has (no area) and a supervisor of Soporte only
    soporte, ventas = make_area("Soporte"), make_area("Ventas")
    supervisor = make_user(Role.SUPERVISOR, areas=[soporte])
    helper = make_user(Role.SUPPORT, areas=[soporte])
    seller = make_user(Role.SALES, name="Valentín", areas=[ventas])
    conversation = make_conversation("bot")
    client = api(supervisor)
    # when they hand it to a seller of Ventas, then to the helper of Soporte
    refused = client.post(f"/api/conversations/{conversation.pk}/transfer", {"user_id": seller.pk})
    taken = client.post(f"/api/conversations/{conversation.pk}/transfer", {"user_id": helper.pk})
    # then the seller is refused and the helper takes it
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"user_id": ["Valentín no comparte ninguna de tus áreas."]}
    assert taken.status_code == 200
    assert taken.json()["assigned_to"]["id"] == helper.pk
