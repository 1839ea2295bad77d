"""Becoming available takes the oldest waiting conversation of one's areas at once."""

from datetime import timedelta

import pytest

from ventanilla.accounts.models import Role, User
from ventanilla.conversations.models import Conversation
from ventanilla.core import clock

pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_coming_back_gets_the_waiting_conversation(
    api, make_area, make_user, make_conversation
):
    soporte = make_area("Soporte")
    agent = make_user(Role.SUPPORT, areas=[soporte])
    User.objects.filter(pk=agent.pk).update(
        availability="away", console_seen_until=clock.now() + timedelta(minutes=5)
    )
    waiting = make_conversation("queued", area=soporte)

    response = api(agent).post("/api/auth/availability", {"availability": "available"})

    assert response.status_code == 200
    waiting = Conversation.objects.get(pk=waiting.pk)
    assert (waiting.status, waiting.assigned_to_id) == ("active", agent.pk)
