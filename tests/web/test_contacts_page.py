"""The Contacts screen: roles, create, edit, delete, search, import with preview, paging."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.asserts import assertInHTML

from ventanilla.accounts.models import Role
from ventanilla.contacts import importing, services
from ventanilla.contacts.models import Contact

IMPORT_CSV = (
    "name,phone,dni,area\n"
    "Juan Perez,+5493515551111,30123456,\n"
    "Maria Diaz,+5493515552222,,\n"
    "Sin Nadie,,,\n"
)


# --- Roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
def test_staff_open_the_contacts_page(client, make_user, role):
    # given a signed-in admin or supervisor
    client.force_login(make_user(role))
    # when they open the page
    response = client.get("/contacts/")
    # then they see it, with the export link
    assert response.status_code == 200
    assert 'href="/api/contacts/export"' in response.content.decode()


# --- Create, edit, delete --------------------------------------------------------------------


def test_create_with_bad_dni_shows_the_error_and_writes_nothing(admin_client):
    # given the create form
    # when it is sent with a DNI of 3 digits
    response = admin_client.post(
        "/contacts/new/", {"name": "Ana Gómez", "phone": "0351 15 555 1111", "dni": "123"}
    )
    # then the form comes back with the error and the typed values, and nothing is written
    body = response.content.decode()
    assert response.status_code == 422
    assert "field--invalid" in body
    assert 'value="Ana Gómez"' in body
    assert 'value="0351 15 555 1111"' in body
    assert Contact.objects.count() == 0


def test_create_writes_the_contact(admin_client, make_area):
    # given an area
    area = make_area("Ventas")
    # when the form is sent
    response = admin_client.post(
        "/contacts/new/",
        {"name": "Ana Gómez", "phone": "0351 15 555 1111", "dni": "30.123.456", "area_id": area.pk},
    )
    # then the contact exists, canonical, and the list is next
    assert response.status_code == 302
    assert response["Location"] == "/contacts/"
    contact = Contact.objects.get()
    assert (contact.name, contact.phone, contact.dni, contact.area_id) == (
        "Ana Gómez",
        "+5493515551111",
        "30123456",
        area.pk,
    )


def test_edit_changes_the_contact(admin_client):
    # given a contact
    contact = services.contact_create(name="Ana", phone="+5493515551111")
    # when its form is sent with a new name and DNI and no area
    response = admin_client.post(
        f"/contacts/{contact.pk}/",
        {"name": "Ana María", "phone": "+5493515551111", "dni": "30123456", "area_id": ""},
    )
    # then it is saved
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.dni, contact.area_id) == ("Ana María", "30123456", None)


def test_edit_form_shows_the_stored_values(admin_client):
    # given a contact
    contact = services.contact_create(name="Ana", phone="+5493515551111", dni="30123456")
    # when its form is opened
    body = admin_client.get(f"/contacts/{contact.pk}/").content.decode()
    # then the fields hold its values
    assert 'value="Ana"' in body
    assert 'value="+5493515551111"' in body
    assert 'value="30123456"' in body


def test_delete_is_refused_for_a_contact_with_a_conversation(admin_client, make_conversation):
    # given a contact with a conversation
    conversation = make_conversation("bot", phone="+5493515557777")
    contact_id = conversation.contact_id
    # when deleting it is confirmed
    response = admin_client.post(f"/contacts/{contact_id}/delete/")
    # then a clear message says why, and the contact stays
    assert response.status_code == 409
    assert "tiene conversaciones" in response.content.decode()
    assert Contact.objects.filter(pk=contact_id).exists()


def test_delete_asks_then_deletes(admin_client):
    # given a contact without conversations
    contact = services.contact_create(name="Ana", phone="+5493515551111")
    # when the confirmation page is opened, then confirmed
    asked = admin_client.get(f"/contacts/{contact.pk}/delete/")
    response = admin_client.post(f"/contacts/{contact.pk}/delete/")
    # then it asked first and the contact is gone
    assert asked.status_code == 200
    assert "Sí, borrar" in asked.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists() is False
    assert response.status_code == 302
    assert response["Location"] == "/contacts/"


# --- Search and paging -----------------------------------------------------------------------


def test_search_by_name_phone_and_dni(admin_client):
    # given two contacts
    services.contact_create(name="Ana Gómez", phone="+5493515551111", dni="30123456")
    services.contact_create(name="Beto Ruiz", phone="+5493515552222")
    # when searching by name, by a typed phone and by DNI
    by_name = admin_client.get("/contacts/", {"q": "gómez"}).content.decode()
    by_phone = admin_client.get("/contacts/", {"q": "0351 15 555 2222"}).content.decode()
    by_dni = admin_client.get("/contacts/", {"q": "30.123.456"}).content.decode()
    # then each finds only its contact
    assert ("Ana Gómez" in by_name, "Beto Ruiz" in by_name) == (True, False)
    assert ("Ana Gómez" in by_phone, "Beto Ruiz" in by_phone) == (False, True)
    assert ("Ana Gómez" in by_dni, "Beto Ruiz" in by_dni) == (True, False)


def test_htmx_search_answers_only_the_results(admin_client):
    # given a contact
    services.contact_create(name="Ana Gómez", phone="+5493515551111")
    # when htmx asks for the results
    response = admin_client.get(
        "/contacts/", {"q": "ana"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="contact-results"
    )
    # then the answer is the fragment, not the page
    body = response.content.decode()
    assert body.startswith('<div id="contact-results">')
    assert "Ana Gómez" in body
    assert "<html" not in body


def test_unverified_phone_is_marked(admin_client):
    # given a number the phone library cannot validate
    services.contact_create(name="Raro", phone="+549351555111")
    # when the list is opened
    body = admin_client.get("/contacts/").content.decode()
    # then it carries the mark
    assert "sin verificar" in body


def _contacts(count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        services.contact_create(name=f"Cliente {number:03d}", phone=f"+54935155{number:05d}")


@pytest.mark.parametrize("count", [5, 30])
def test_list_query_count_does_not_grow(
    admin_client, make_area, django_assert_max_num_queries, count
):
    # given `count` contacts, some with an area
    area = make_area("Soporte")
    _contacts(count)
    Contact.objects.filter(name__endswith="1").update(area=area)
    # when the list is opened
    with django_assert_max_num_queries(3):
        response = admin_client.get("/contacts/")
    # then it took the same 3 queries (session, user, one page of contacts with areas)
    assert response.status_code == 200


def test_list_pages_by_50_keeping_the_search(admin_client):
    # given 51 matching contacts
    _contacts(51)
    # when the first page is opened with a search
    first = admin_client.get("/contacts/", {"q": "cliente"})
    # then it shows 50 and links to the next page with the search kept
    assert len(first.context["contacts"]) == 50
    assert "?q=cliente&amp;cursor=" in first.content.decode()


# --- Import ----------------------------------------------------------------------------------


def test_import_preview_writes_nothing_and_shows_the_counts(admin_client):
    # given a contact the file updates
    services.contact_create(name="Maria", phone="+5493515552222")
    # when the file is previewed
    response = admin_client.post("/contacts/import/run/", {"text": IMPORT_CSV})
    # then the report counts the rows, the rejected row says why, and nothing is written
    body = response.content.decode()
    report = response.context["report"]
    assert response.status_code == 200
    assert (report.created, report.updated, report.unchanged, report.dry_run) == (1, 1, 0, True)
    assert [rejection["row"] for rejection in report.rejected] == [4]
    assertInHTML('<dd id="report-created">1</dd>', body)
    assert "Confirmar importación" in body
    assert 'name="confirm" value="true"' in body
    assert Contact.objects.count() == 1
    assert Contact.objects.get().name == "Maria"


def test_import_preview_of_an_uploaded_file(admin_client):
    # given a JSON file
    upload = SimpleUploadedFile(
        "clientes.json", b'[{"nombre": "Ana", "telefono": "+5493515551111"}]'
    )
    # when it is previewed
    response = admin_client.post("/contacts/import/run/", {"file": upload})
    # then the preview carries its text and format for the confirmation
    assert response.status_code == 200
    assert response.context["report"].created == 1
    assert response.context["fmt"] == "json"
    assert Contact.objects.count() == 0


def test_confirming_writes_the_rows(admin_client):
    # given a previewed file
    # when the preview is confirmed
    response = admin_client.post(
        "/contacts/import/run/", {"text": IMPORT_CSV, "format": "csv", "confirm": "true"}
    )
    # then the valid rows are written and the final report shown
    report = response.context["report"]
    assert response.status_code == 200
    assert (report.created, report.updated, report.dry_run) == (2, 0, False)
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["Juan Perez", "Maria Diaz"]


def test_import_of_nothing_shows_the_error(admin_client):
    # given the import form
    # when it is sent empty
    response = admin_client.post("/contacts/import/run/", {"text": "  "})
    # then it asks for a file
    assert response.status_code == 422
    assert "Elegí un archivo o pegá su contenido." in response.content.decode()


def test_import_of_an_oversize_file_shows_the_error(admin_client, monkeypatch):
    # given a limit smaller than the file
    monkeypatch.setattr(importing, "MAX_BYTES", 10)
    upload = SimpleUploadedFile("big.csv", b"name,phone\nAna,+5493515551111\n")
    # when it is sent
    response = admin_client.post("/contacts/import/run/", {"file": upload})
    # then the error is shown and nothing is written
    assert response.status_code == 422
    assert "dividilo en archivos más chicos" in response.content.decode()
    assert Contact.objects.count() == 0


def test_import_of_invalid_json_shows_the_error(admin_client):
    # given broken JSON
    # when it is previewed
    response = admin_client.post("/contacts/import/run/", {"text": "[{", "format": "json"})
    # then the error comes back in the form
    assert response.status_code == 422
    assert "alert--error" in response.content.decode()
    assert response.context["report"] is None


# --- The contact's conversations --------------------------------------------------------------


@pytest.fixture
def two_conversations(make_user, make_area, make_conversation):
    """One customer's closed conversation in Ventas and open one in Soporte."""
    ventas, soporte = make_area("Ventas"), make_area("Soporte")
    seller = make_user(Role.SALES, areas=[ventas], name="Vera")
    helper = make_user(Role.SUPPORT, areas=[soporte], name="Sofía")
    phone = "+5493515558888"
    closed = make_conversation("closed", area=ventas, assigned_to=seller, phone=phone)
    active = make_conversation("active", area=soporte, assigned_to=helper, phone=phone)
    return closed, active, soporte


def test_the_contact_page_lists_its_conversations_newest_first(admin_client, two_conversations):
    closed, active, _ = two_conversations

    body = admin_client.get(f"/contacts/{active.contact_id}/").content.decode()

    assert body.index(f'id="contact-conversation-{active.pk}"') < body.index(
        f'id="contact-conversation-{closed.pk}"'
    )
    assert f'href="/chats/{active.pk}/"' in body
    assert "Sofía" in body and "Vera" in body


def test_a_supervisor_sees_only_the_conversations_of_their_areas(
    client, make_user, two_conversations
):
    closed, active, soporte = two_conversations
    client.force_login(make_user(Role.SUPERVISOR, areas=[soporte]))

    body = client.get(f"/contacts/{active.contact_id}/").content.decode()

    assert f'id="contact-conversation-{active.pk}"' in body
    assert f'id="contact-conversation-{closed.pk}"' not in body
    assert "Vera" not in body


def test_the_contact_page_reads_the_same_whatever_the_conversations(
    admin_client, make_user, make_conversation, django_assert_max_num_queries
):
    phone, agent = "+5493515559999", make_user(Role.SUPPORT)
    for _ in range(3):
        make_conversation("closed", phone=phone, assigned_to=agent)
    contact_id = make_conversation("bot", phone=phone).contact_id

    with django_assert_max_num_queries(8) as captured:
        assert admin_client.get(f"/contacts/{contact_id}/").status_code == 200
    few = len(captured)
    for _ in range(4):
        make_conversation("closed", phone=phone, assigned_to=agent)
    with django_assert_max_num_queries(few):
        assert admin_client.get(f"/contacts/{contact_id}/").status_code == 200
