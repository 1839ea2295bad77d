import psycopg
import pytest
from django.db import OperationalError, connection

from tests.contacts.factories import contact_for_inbound
from tests.databases import needs_concurrent_writers
from tests.threads import run_at_once
from ventanilla.contacts import services
from ventanilla.contacts.models import UNKNOWN_NAME, Contact
from ventanilla.contacts.services import contact_create
from ventanilla.core.errors import InvalidInput

ANA = "+5493515551111"


def _rows():
    return list(
        Contact.objects.order_by("pk").values_list("name", "phone", "phone_verified", "wa_user_id")
    )


def test_a_new_sender_becomes_a_contact_named_from_the_profile(db):
    contact, created = contact_for_inbound(
        phone="5493515551111", wa_user_id="AR.1", profile_name="  Ana  G. "
    )

    assert created is True
    assert _rows() == [("Ana G.", ANA, True, "AR.1")]
    assert contact.pk == Contact.objects.get().pk


@pytest.mark.parametrize("profile_name", ["", "   ", None])
def test_a_sender_without_profile_name_is_desconocido(profile_name, db):
    contact, created = contact_for_inbound(
        phone="5493515551111", wa_user_id="", profile_name=profile_name
    )

    assert (created, contact.name) == (True, UNKNOWN_NAME)
    assert _rows() == [("Desconocido", ANA, True, None)]


def test_control_characters_are_dropped_from_the_profile_name(db):
    contact, _ = contact_for_inbound(
        phone="5493515551111", wa_user_id="", profile_name="A\x00na\x07 G\tómez"
    )

    assert contact.name == "Ana Gómez"


def test_a_long_profile_name_is_cut_to_fit(db):
    contact, _ = contact_for_inbound(phone="5493515551111", wa_user_id="", profile_name="x" * 300)

    assert contact.name == "x" * 150


@pytest.mark.parametrize(
    "phone", ["5493515551111", "+5493515551111", "5493515551111@c.us", "543515551111"]
)
def test_a_known_phone_in_any_form_finds_the_contact(phone, db):
    known = contact_create(name="Ana", phone="0351 15 555 1111", dni="30123456")

    contact, created = contact_for_inbound(phone=phone, wa_user_id="", profile_name="Anita")

    assert (contact.pk, created) == (known.pk, False)
    assert _rows() == [("Ana", ANA, True, None)]


def test_found_by_phone_the_new_user_id_is_stored(db):
    known = contact_create(name="Ana", phone=ANA)

    contact, created = contact_for_inbound(
        phone="5493515551111", wa_user_id="AR.1", profile_name="Ana"
    )

    assert (contact.pk, created) == (known.pk, False)
    assert _rows() == [("Ana", ANA, True, "AR.1")]


def test_found_by_phone_another_user_id_is_not_overwritten(db):
    known = contact_create(name="Ana", phone=ANA, wa_user_id="AR.1")

    contact, created = contact_for_inbound(
        phone="5493515551111", wa_user_id="AR.2", profile_name="Ana"
    )

    assert (contact.pk, created) == (known.pk, False)
    assert _rows() == [("Ana", ANA, True, "AR.1")]


def test_the_user_id_wins_over_the_phone(db):
    by_user_id = contact_create(name="Ana", wa_user_id="AR.1")
    contact_create(name="Bea", phone=ANA)

    contact, created = contact_for_inbound(
        phone="5493515551111", wa_user_id="AR.1", profile_name="Ana"
    )

    assert (contact.pk, created) == (by_user_id.pk, False)
    # the phone stays with the contact that holds it; merging them is a person's decision
    assert _rows() == [("Ana", None, False, "AR.1"), ("Bea", ANA, True, None)]


def test_a_phone_learnt_later_is_stored_on_the_user_id_contact(db):
    first, created_first = contact_for_inbound(phone="", wa_user_id="AR.1", profile_name="Ana")

    later, created_later = contact_for_inbound(
        phone="5493515551111", wa_user_id="AR.1", profile_name="Ana"
    )

    assert (created_first, created_later, later.pk) == (True, False, first.pk)
    assert _rows() == [("Ana", ANA, True, "AR.1")]


def test_a_changed_phone_follows_the_user_id(db):
    contact_for_inbound(phone="5493515551111", wa_user_id="AR.1", profile_name="Ana")

    _, created = contact_for_inbound(phone="5493515552222", wa_user_id="AR.1", profile_name="Ana")

    assert created is False
    assert _rows() == [("Ana", "+5493515552222", True, "AR.1")]


def test_a_desconocido_learns_the_profile_name_but_a_name_is_kept(db):
    contact_for_inbound(phone="5493515551111", wa_user_id="", profile_name="")
    contact_for_inbound(phone="5493515551111", wa_user_id="", profile_name="Ana")
    contact_for_inbound(phone="5493515551111", wa_user_id="", profile_name="Otro nombre")

    assert _rows() == [("Ana", ANA, True, None)]


def test_an_unvalidated_number_and_its_whatsapp_id_reach_the_same_contact(db):
    typed = contact_create(name="Ana", phone="+549351555111")

    contact, created = contact_for_inbound(
        phone="549351555111@c.us", wa_user_id="", profile_name="Ana"
    )

    assert (contact.pk, created) == (typed.pk, False)
    assert _rows() == [("Ana", "+549351555111", False, None)]


@pytest.mark.parametrize(
    "phone,wa_user_id,field",
    [
        ("", "", "wa_user_id"),
        ("  ", None, "wa_user_id"),
        ("nope", "", "phone"),
        ("5493515551111", "AR\x001", "wa_user_id"),
        ("5493515551111", "x" * 129, "wa_user_id"),
    ],
)
def test_a_sender_without_phone_or_user_id_or_with_a_bad_id_is_refused(
    phone, wa_user_id, field, db
):
    with pytest.raises(InvalidInput) as refused:
        contact_for_inbound(phone=phone, wa_user_id=wa_user_id, profile_name="Ana")

    assert list(refused.value.errors) == [field]
    assert Contact.objects.count() == 0


needs_a_shared_database = needs_concurrent_writers(
    "threads on SQLite's in-memory test database share one cache and fail with 'database "
    "table is locked' instead of waiting; this runs on PostgreSQL, MariaDB and file SQLite"
)


def _race(calls: list[dict]) -> tuple[list, list]:
    """Runs contact_for_inbound once per call, all released at the same moment."""
    results, errors = run_at_once(len(calls), lambda index: contact_for_inbound(**calls[index]))
    return [r for r in results if r is not None], errors


@pytest.mark.django_db(transaction=True)
@needs_a_shared_database
def test_ten_webhooks_for_one_new_number_at_once_give_one_contact():
    # given ten webhooks of the same new sender, in the forms providers use
    forms = ["5493515551111", "5493515551111@c.us", "543515551111", "+54 9 351 555 1111"]
    calls = [
        {"phone": forms[n % len(forms)], "wa_user_id": "", "profile_name": "Ana"} for n in range(10)
    ]

    # when they all look the sender up at the same moment
    results, errors = _race(calls)

    # then there is one contact, every call got it, and exactly one call created it
    assert errors == []
    assert _rows() == [("Ana", ANA, True, None)]
    assert {contact.pk for contact, _ in results} == {Contact.objects.get().pk}
    assert sorted(created for _, created in results) == [False] * 9 + [True]


@pytest.mark.django_db(transaction=True)
@needs_a_shared_database
def test_ten_webhooks_with_the_user_id_some_with_the_phone_give_one_contact():
    # given a new sender whose webhooks all carry the user id, half of them the phone too
    calls = [
        {
            "phone": ["5493515551111", "", "5493515551111@c.us", ""][n % 4],
            "wa_user_id": "AR.1",
            "profile_name": "Ana",
        }
        for n in range(10)
    ]

    # when they all look the sender up at the same moment
    results, errors = _race(calls)

    # then there is one contact, with the phone learnt whichever call came first
    assert errors == []
    assert _rows() == [("Ana", ANA, True, "AR.1")]
    assert {contact.pk for contact, _ in results} == {Contact.objects.get().pk}
    assert sorted(created for _, created in results) == [False] * 9 + [True]


@pytest.mark.parametrize("nested", [False, True])
def test_a_postgresql_deadlock_is_retried_inside_our_savepoint(nested):
    error = OperationalError("deadlock detected")
    error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")

    assert services._may_retry_deadlock(error, nested=nested) is True


@pytest.mark.parametrize("nested", [False, True])
def test_an_innodb_deadlock_is_retried_only_when_no_caller_transaction_is_lost(nested, db):
    error = OperationalError(1213, "Deadlock found when trying to get lock")

    retried = services._may_retry_deadlock(error, nested=nested)

    # InnoDB rolled back the caller's whole transaction too: only the caller may run it again
    assert retried is not (nested and connection.vendor == "mysql")


def test_other_operational_errors_are_not_retried(db):
    assert services._may_retry_deadlock(OperationalError("disk full"), nested=False) is False
