import pytest

from tests.contacts.factories import make_conversation
from ventanilla.contacts import services
from ventanilla.contacts.models import Contact
from ventanilla.contacts.services import contact_create, contact_delete, contact_update
from ventanilla.core.errors import Conflict, InvalidInput

ANA = "+5493515551111"


def _snapshot():
    return list(
        Contact.objects.order_by("pk").values_list(
            "pk", "name", "phone", "phone_verified", "wa_user_id", "dni", "area_id"
        )
    )


def test_create_stores_canonical_values(make_area):
    area = make_area("Ventas")

    contact = contact_create(
        name="  Ana   Gómez ",
        phone="0351 15 555 1111",
        dni="30.123.456",
        area_id=area.pk,
        wa_user_id=" AR.123 ",
    )

    contact.refresh_from_db()
    assert (contact.name, contact.phone, contact.phone_verified) == ("Ana Gómez", ANA, True)
    assert (contact.dni, contact.area_id, contact.wa_user_id) == ("30123456", area.pk, "AR.123")


def test_create_keeps_an_unvalidated_number_unverified(db):
    contact = contact_create(name="Ana", phone="+549351555111")

    assert (contact.phone, contact.phone_verified) == ("+549351555111", False)


def test_create_with_only_a_user_id_is_fine(db):
    contact = contact_create(name="Ana", wa_user_id="AR.1")

    assert (contact.phone, contact.wa_user_id, contact.dni) == (None, "AR.1", "")


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"name": ""}, "name", "Este campo no puede quedar vacío."),
        ({"name": "   "}, "name", "Este campo no puede quedar vacío."),
        ({"name": "x" * 151}, "name", "Usá como máximo 150 caracteres."),
        ({"name": "Ana\x00"}, "name", "Tiene caracteres de control: sacalos y volvé a intentar."),
        ({"phone": "hola"}, "phone", "«hola» no es un teléfono."),
        ({"phone": "12345"}, "phone", "«12345» no es un teléfono."),
        (
            {"phone": None},
            "phone",
            "Un contacto necesita un teléfono o un id de usuario de WhatsApp.",
        ),
        (
            {"phone": "  "},
            "phone",
            "Un contacto necesita un teléfono o un id de usuario de WhatsApp.",
        ),
        ({"dni": "123"}, "dni", "El DNI tiene 7 u 8 dígitos (se aceptan puntos y espacios)."),
        (
            {"dni": "30.123.45x"},
            "dni",
            "El DNI tiene 7 u 8 dígitos (se aceptan puntos y espacios).",
        ),
        ({"area_id": 999}, "area_id", "No existe el área con id 999."),
        (
            {"wa_user_id": "x" * 129},
            "wa_user_id",
            "Usá como máximo 128 caracteres.",
        ),
        (
            {"wa_user_id": "AR 1"},
            "wa_user_id",
            "Un id de usuario de WhatsApp no tiene espacios ni caracteres de control.",
        ),
        (
            {"wa_user_id": "AR\x001"},
            "wa_user_id",
            "Un id de usuario de WhatsApp no tiene espacios ni caracteres de control.",
        ),
    ],
)
def test_create_refuses_each_bad_field_and_writes_nothing(fields, field, message, db):
    given = {"name": "Ana", "phone": ANA, **fields}

    with pytest.raises(InvalidInput) as refused:
        contact_create(**given)

    assert refused.value.errors == {field: [message]}
    assert refused.value.detail == f"{field}: {message}"
    assert Contact.objects.count() == 0


def test_create_names_every_bad_field_at_once(db):
    with pytest.raises(InvalidInput) as refused:
        contact_create(name="", phone="x", dni="1", area_id=999)

    assert set(refused.value.errors) == {"name", "phone", "dni", "area_id"}
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(
    "duplicate",
    [
        "+5493515551111",
        "+54 9 351 555-1111",
        "0351 15 555 1111",
        "5493515551111@c.us",
        "3515551111",
    ],
)
def test_create_refuses_a_phone_another_contact_has_in_any_form(duplicate, db):
    first = contact_create(name="Ana", phone="+54 9 351 555 1111")

    with pytest.raises(InvalidInput) as refused:
        contact_create(name="Otra", phone=duplicate)

    assert refused.value.errors == {
        "phone": [f"El contacto {first.pk} («Ana») ya tiene el teléfono {ANA}."]
    }
    assert Contact.objects.count() == 1


def test_create_refuses_a_taken_user_id(db):
    first = contact_create(name="Ana", wa_user_id="AR.1")

    with pytest.raises(InvalidInput) as refused:
        contact_create(name="Otra", wa_user_id="AR.1")

    assert refused.value.errors == {
        "wa_user_id": [f"El contacto {first.pk} ya tiene este id de usuario de WhatsApp."]
    }
    assert Contact.objects.count() == 1


def test_update_changes_only_the_given_fields(make_area):
    area = make_area("Ventas")
    contact = contact_create(name="Ana", phone=ANA, dni="30123456", area_id=area.pk)

    contact_update(contact=contact, name="Ana María", dni="7.123.456")

    contact.refresh_from_db()
    assert (contact.name, contact.phone, contact.dni, contact.area_id) == (
        "Ana María",
        ANA,
        "7123456",
        area.pk,
    )


def test_update_clears_optional_fields_with_none_or_blank(make_area):
    area = make_area("Ventas")
    contact = contact_create(
        name="Ana", phone=ANA, dni="30123456", area_id=area.pk, wa_user_id="AR.1"
    )

    contact_update(contact=contact, phone=None, dni="", area_id=None)

    contact.refresh_from_db()
    assert (contact.phone, contact.phone_verified, contact.dni, contact.area_id) == (
        None,
        False,
        "",
        None,
    )


def test_update_recomputes_the_verified_flag(db):
    contact = contact_create(name="Ana", phone=ANA)

    contact_update(contact=contact, phone="+549351555111")

    contact.refresh_from_db()
    assert (contact.phone, contact.phone_verified) == ("+549351555111", False)


def test_update_to_its_own_phone_in_another_form_is_fine(db):
    contact = contact_create(name="Ana", phone=ANA)

    contact_update(contact=contact, phone="0351 15 555 1111")

    contact.refresh_from_db()
    assert contact.phone == ANA


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"name": ""}, "name"),
        ({"phone": "0351 15 555 2222x"}, "phone"),
        ({"phone": "+54 9 351 555 2222"}, "phone"),  # the other contact's
        ({"phone": None}, "phone"),  # it would be left unreachable
        ({"wa_user_id": "AR.2"}, "wa_user_id"),  # the other contact's
        ({"dni": "1.234"}, "dni"),
        ({"area_id": 999}, "area_id"),
    ],
)
def test_update_refuses_bad_fields_and_writes_nothing(changes, field, db):
    contact = contact_create(name="Ana", phone=ANA, dni="30123456")
    contact_create(name="Bea", phone="+5493515552222", wa_user_id="AR.2")
    before = _snapshot()

    with pytest.raises(InvalidInput) as refused:
        contact_update(contact=contact, **{"name": "Cambiado", **changes})

    assert list(refused.value.errors) == [field]
    assert _snapshot() == before


def test_update_refuses_every_field_when_one_is_bad(db):
    contact = contact_create(name="Ana", phone=ANA)
    before = _snapshot()

    with pytest.raises(InvalidInput):
        contact_update(contact=contact, name="Nuevo", dni="30123456", phone="nope")

    assert _snapshot() == before


def test_delete_removes_a_contact_without_conversations(db):
    contact = contact_create(name="Ana", phone=ANA)

    contact_delete(contact=contact)

    assert Contact.objects.count() == 0


def test_delete_refuses_a_contact_with_conversations(db):
    contact = contact_create(name="Ana", phone=ANA)
    make_conversation(contact)

    with pytest.raises(Conflict) as refused:
        contact_delete(contact=contact)

    assert refused.value.status == 409
    assert refused.value.detail == (
        f"El contacto {contact.pk} tiene conversaciones: en vez de borrarlo, unilo con otro "
        "contacto."
    )
    assert Contact.objects.count() == 1


def test_a_phone_taken_between_the_check_and_the_save_is_a_field_error(db, monkeypatch):
    # given a contact that holds the phone, and a check that (like a concurrent request) ran
    # before it existed
    holder = contact_create(name="Ana", phone=ANA)
    real_holder = services._phone_holder
    calls = []

    def not_there_yet(phone, **kwargs):
        calls.append(phone)
        return None if len(calls) == 1 else real_holder(phone, **kwargs)

    monkeypatch.setattr(services, "_phone_holder", not_there_yet)

    # when another contact is created with the same phone
    with pytest.raises(InvalidInput) as refused:
        contact_create(name="Otra", phone="0351 15 555 1111")

    # then the unique constraint's refusal is a 422 on the phone naming the holder
    assert refused.value.errors == {
        "phone": [f"El contacto {holder.pk} («Ana») ya tiene el teléfono {ANA}."]
    }
    assert Contact.objects.count() == 1
