"""List endpoints cost the same number of queries for 3 rows as for 30."""

from ventanilla.accounts.models import Role


def _count(client, url, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(50) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_conversation_list_queries_do_not_grow(
    api, make_user, make_area, make_conversation, django_assert_max_num_queries
):
    soporte = make_area("Soporte")
    agent = make_user(Role.SUPPORT, areas=[soporte])
    for _ in range(3):
        make_conversation("active", area=soporte, assigned_to=agent)
    client = api(agent)
    few = _count(client, "/api/conversations?limit=100", django_assert_max_num_queries)

    for _ in range(27):
        make_conversation("active", area=soporte, assigned_to=agent)
    many = _count(client, "/api/conversations?limit=100", django_assert_max_num_queries)

    assert len(client.get("/api/conversations?limit=100").json()["items"]) == 30
    assert many == few


def test_message_list_queries_do_not_grow(
    api, admin, make_conversation, django_assert_max_num_queries
):
    from ventanilla.conversations.outbound import message_queue_outbound

    conversation = make_conversation("active", assigned_to=admin)
    client = api(admin)
    url = f"/api/conversations/{conversation.pk}/messages?limit=100"
    few = _count(client, url, django_assert_max_num_queries)
    for n in range(30):
        message_queue_outbound(
            conversation=conversation, sender_type="agent", sender_user=admin, text=f"m{n}"
        )

    many = _count(client, url, django_assert_max_num_queries)

    assert len(client.get(url).json()["items"]) == 31
    assert many == few
