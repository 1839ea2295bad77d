"""Labels: admins define them; whoever may see a conversation labels it; the list filters by
label within what the viewer may see; rows show them; analytics counts them; the list's cost
does not grow with them."""

import pytest
from django.test import Client

from ventanilla.accounts.models import Role
from ventanilla.analytics.selectors import label_counts
from ventanilla.conversations.models import Label


@pytest.fixture
def people(make_user, soporte, ventas):
    return {
        "lead": make_user(Role.SUPERVISOR, areas=[soporte]),
        "agent": make_user(Role.SUPPORT, areas=[soporte]),
        "sales": make_user(Role.SALES, areas=[ventas]),
    }


def _label(api, admin, name, color="red"):
    answer = api(admin).post("/api/labels", {"name": name, "color": color})
    assert answer.status_code == 201, answer.content
    return answer.json()


def _set(api, user, chat, *labels):
    return api(user).put(
        f"/api/conversations/{chat.pk}/labels", {"label_ids": [label["id"] for label in labels]}
    )


def test_only_admins_define_labels(api, admin, people):
    assert api(people["lead"]).post("/api/labels", {"name": "VIP"}).status_code == 403
    vip = _label(api, admin, "VIP", "purple")

    assert api(people["agent"]).get("/api/labels").json()["items"] == [vip]
    assert api(people["agent"]).delete(f"/api/labels/{vip['id']}").status_code == 403
    clash = api(admin).post("/api/labels", {"name": "vip", "color": "nope"})
    assert clash.status_code == 422
    assert set(clash.json()["errors"]) == {"name", "color"}


def test_whoever_sees_a_conversation_labels_it(api, admin, people, make_conversation, soporte):
    vip = _label(api, admin, "VIP")
    chat = make_conversation("active", area=soporte, assigned_to=people["agent"])

    mine = _set(api, people["agent"], chat, vip)
    theirs = _set(api, people["sales"], chat, vip)
    unknown = api(people["agent"]).put(
        f"/api/conversations/{chat.pk}/labels", {"label_ids": [999999]}
    )

    assert mine.status_code == 200
    assert mine.json()["labels"] == [vip]
    assert theirs.status_code == 404
    assert unknown.status_code == 422
    assert _set(api, people["agent"], chat).json()["labels"] == []


def test_the_list_filters_by_label_within_what_the_viewer_sees(
    api, admin, people, make_conversation, soporte, ventas
):
    vip = _label(api, admin, "VIP")
    _label(api, admin, "Reclamo")
    ours = make_conversation("active", area=soporte, assigned_to=people["agent"])
    plain = make_conversation("active", area=soporte, assigned_to=people["agent"])
    theirs = make_conversation("active", area=ventas, assigned_to=people["sales"])
    _set(api, people["agent"], ours, vip)
    _set(api, people["sales"], theirs, vip)

    def listed(who):
        items = api(people[who]).get(f"/api/conversations?label={vip['id']}").json()["items"]
        return [item["id"] for item in items]

    assert listed("agent") == [ours.pk]
    assert listed("sales") == [theirs.pk]
    assert sorted(listed("lead")) == [ours.pk]
    everything = api(admin).get(f"/api/conversations?label={vip['id']}").json()["items"]
    assert sorted(item["id"] for item in everything) == sorted([ours.pk, theirs.pk])
    assert plain.pk not in [item["id"] for item in everything]


def test_rows_show_labels_and_the_console_filters(api, admin, people, make_conversation, soporte):
    vip = _label(api, admin, "VIP", "purple")
    ours = make_conversation("active", area=soporte, assigned_to=people["agent"], name="Marta")
    plain = make_conversation("active", area=soporte, assigned_to=people["agent"], name="Julio")
    _set(api, people["agent"], ours, vip)
    browser = Client()
    browser.force_login(people["agent"])

    everything = browser.get("/?tab=mine").content.decode()
    filtered = browser.get(f"/chats/list/?tab=mine&part=items&label={vip['id']}").content.decode()

    assert '<span class="tag tag--label tag--label-purple">VIP</span>' in everything
    assert f'id="conv-{plain.pk}"' in everything
    assert f'id="conv-{ours.pk}"' in filtered
    assert f'id="conv-{plain.pk}"' not in filtered


def test_the_console_labels_from_the_header(admin_client, admin, make_conversation):
    vip = Label.objects.create(
        name="VIP", name_key="vip", color="red", created_at=admin.date_joined
    )
    chat = make_conversation("active", assigned_to=admin)

    answer = admin_client.post(f"/chats/{chat.pk}/labels/", {"label_ids": [vip.pk]})

    assert answer.status_code == 302
    assert list(chat.labels.values_list("name", flat=True)) == ["VIP"]


def test_analytics_counts_conversations_per_label(api, admin, people, make_conversation, soporte):
    vip = _label(api, admin, "VIP")
    _label(api, admin, "Nadie")
    for _ in range(2):
        _set(
            api, admin, make_conversation("active", area=soporte, assigned_to=people["agent"]), vip
        )
    closed = make_conversation("closed", area=soporte, assigned_to=people["agent"])
    _set(api, admin, closed, vip)

    counts = {row["name"]: row for row in label_counts(user=people["lead"])["labels"]}
    answer = api(people["lead"]).get("/api/analytics/labels?days=7")

    assert (counts["VIP"]["open"], counts["VIP"]["opened"]) == (2, 3)
    assert (counts["Nadie"]["open"], counts["Nadie"]["opened"]) == (0, 0)
    assert answer.status_code == 200
    assert answer.json()["labels"][1]["opened"] == 3
    assert api(people["agent"]).get("/api/analytics/labels").status_code == 403
    assert label_counts(user=people["sales"])["labels"][1]["opened"] == 0  # not theirs to see


def _count(client, url, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(40) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_lists_with_labels_cost_the_same_for_3_rows_as_for_30(
    api, admin, people, make_conversation, soporte, django_assert_max_num_queries
):
    labels = [_label(api, admin, name) for name in ("VIP", "Reclamo", "Baja")]
    agent = people["agent"]
    browser = Client()
    browser.force_login(agent)

    def add(count):
        for _ in range(count):
            chat = make_conversation("active", area=soporte, assigned_to=agent)
            _set(api, agent, chat, *labels)

    add(3)
    few = [
        _count(browser, "/", django_assert_max_num_queries),
        _count(api(agent), "/api/conversations?limit=100", django_assert_max_num_queries),
    ]
    add(27)
    many = [
        _count(browser, "/", django_assert_max_num_queries),
        _count(api(agent), "/api/conversations?limit=100", django_assert_max_num_queries),
    ]

    assert many == few
    assert len(api(agent).get("/api/conversations?limit=100").json()["items"][0]["labels"]) == 3
