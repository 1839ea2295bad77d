from django.test import Client


def test_openapi_describes_every_router(db):
    response = Client().get("/api/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/auth/login",
        "/api/areas",
        "/api/users/{user_id}",
        "/api/contacts",
        "/api/conversations",
        "/api/conversations/{conversation_id}/messages",
        "/api/lines",
        "/api/sandbox/messages",
    ]:
        assert path in paths, path


def test_browsable_docs_page(db):
    response = Client().get("/api/docs")

    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_health_and_readiness(db):
    client = Client()

    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}


def test_django_admin_is_for_superusers_only(make_user):
    from ventanilla.accounts.models import Role
    from ventanilla.accounts.services import ensure_first_admin

    # the first admin is a superuser; admins created later manage the desk from the console
    first_admin, _ = ensure_first_admin(username="root", password="Corr3ct-Horse-Battery")
    console_admin = make_user(Role.ADMIN)
    as_first, as_console_admin = Client(), Client()
    as_first.force_login(first_admin)
    as_console_admin.force_login(console_admin)

    assert as_first.get("/django-admin/").status_code == 200
    assert as_console_admin.get("/django-admin/").status_code == 302


def test_huge_ids_are_client_errors_not_500(api, admin):
    client = api(admin)
    huge = 2**70

    answers = [
        client.get(f"/api/conversations?area={huge}").status_code,
        client.get(f"/api/conversations/{huge}").status_code,
        client.get(f"/api/areas/{huge}").status_code,
    ]

    # a filter by an impossible id finds nothing (PostgreSQL, MariaDB) or is refused (SQLite)
    assert answers[0] in (200, 422)
    assert answers[1] in (404, 422) and answers[2] in (404, 422), answers


def test_openapi_documents_the_error_statuses_each_route_can_answer(db):
    paths = Client().get("/api/openapi.json").json()["paths"]
    error_shape = {"$ref": "#/components/schemas/ErrorOut"}

    for path, operations in paths.items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            documented = operation["responses"]
            parameters = operation.get("parameters", [])
            body = operation.get("requestBody", {})
            expected = set()
            if operation.get("security"):
                expected.add("401")
            if method != "get":
                expected |= {"400", "403", "413"}  # a form that cannot be read, CSRF, too large
            if any(parameter["in"] == "query" for parameter in parameters):
                expected.add("400")  # a query string with too many fields
            if parameters or body:
                expected.add("422")
            if any(parameter["in"] == "path" for parameter in parameters):
                expected.add("404")
            assert expected <= set(documented), (where, expected - set(documented))
            for status, answer in documented.items():
                if status.startswith(("4", "5")):
                    assert answer["content"]["application/json"]["schema"] == error_shape, where


def test_openapi_documents_the_answers_that_are_not_plain_json(db):
    paths = Client().get("/api/openapi.json").json()["paths"]

    summary = paths["/api/analytics/summary"]["get"]["responses"]["200"]["content"]
    export = paths["/api/contacts/export"]["get"]["responses"]["200"]["content"]
    media = paths["/api/messages/{message_id}/media"]["get"]["responses"]["200"]["content"]

    assert summary["application/json"]["schema"] == {"$ref": "#/components/schemas/SummaryOut"}
    assert list(export) == ["text/csv"]
    assert media["*/*"]["schema"] == {"type": "string", "format": "binary"}
