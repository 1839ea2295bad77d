"""No endpoint answers 500, whatever JSON it is sent."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "name",
        "description",
        "is_active",
        "username",
        "password",
        "role",
        "email",
        "area_ids",
        "default_area_id",
        "max_open_conversations",
        "identifier",
        "availability",
        "text",
        "reason",
        "message",
        "area_id",
        "user_id",
        "from",
        "phone",
        "dni",
        "provider",
        "paused",
        "display_name",
        "cloud_phone_number_id",
    ]
)
bodies = st.dictionaries(field_names, json_values, max_size=6) | json_values

ENDPOINTS = [
    ("POST", "/api/areas"),
    ("PATCH", "/api/areas/{area}"),
    ("PUT", "/api/areas/{area}"),
    ("POST", "/api/users"),
    ("PATCH", "/api/users/{user}"),
    ("PUT", "/api/users/{user}"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/availability"),
    ("POST", "/api/lines"),
    ("PATCH", "/api/lines/{line}"),
    ("POST", "/api/contacts"),
    ("POST", "/api/sandbox/messages"),
    ("POST", "/api/conversations/{conversation}/messages"),
    ("POST", "/api/conversations/{conversation}/close"),
    ("POST", "/api/conversations/{conversation}/transfer"),
    ("POST", "/api/messages/{message}/reaction"),
]


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_random_json_never_gets_a_server_error(
    method, path, api, admin, make_area, make_user, sandbox_line, make_conversation
):
    area = make_area("Soporte")
    user = make_user(areas=[area])
    conversation = make_conversation("active", area=area, assigned_to=admin)
    client = api(admin)
    url = path.format(
        area=area.pk,
        user=user.pk,
        line=sandbox_line.pk,
        conversation=conversation.pk,
        message=conversation.messages.first().pk,
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=bodies)
    def check(body):
        response = client.request(method, url, body)
        assert response.status_code < 500, (body, response.content)

    check()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/areas", {"name": "Sop\x00orte"}, "name"),
        ("/api/contacts", {"name": "Ana", "phone": "+5493515550101", "dni": "1\x002"}, "dni"),
        ("/api/settings/auto-close", {"message": "\x00"}, "message"),
        ("/api/areas", {"name": "Soporte", "description": ["a", {"b": "\x00"}]}, "description.1.b"),
    ],
)
def test_nul_anywhere_in_a_body_is_a_422_on_its_field(api, admin, path, body, field):
    client = api(admin)
    method = client.patch if path.endswith("auto-close") else client.post

    response = method(path, body)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize("assigned", ["²", "١٢", "x"])
def test_an_assigned_filter_that_is_no_id_is_a_422_on_it(api, admin, assigned):
    response = api(admin).get(f"/api/conversations?assigned={assigned}")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["assigned"]


TOO_MANY_FIELDS = "&".join(f"f{n}=x" for n in range(1001))  # DATA_UPLOAD_MAX_NUMBER_FIELDS: 1000


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type"),
    [
        ("GET", f"/api/conversations?{TOO_MANY_FIELDS}", "", None),
        ("POST", "/api/areas", TOO_MANY_FIELDS, "application/x-www-form-urlencoded"),
        ("POST", "/api/contacts/import", "--x\r\n", "multipart/form-data"),  # no boundary
    ],
)
def test_a_request_django_will_not_read_is_a_400_in_the_api_shape(
    api, admin, method, path, body, content_type
):
    client = api(admin)
    extra = {"content_type": content_type} if content_type else {}

    response = client.http.generic(method, path, body, HTTP_X_CSRFTOKEN=client.csrf_token, **extra)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "detail": "No se puede leer el pedido: demasiados campos o un formulario roto.",
        "errors": {},
    }
