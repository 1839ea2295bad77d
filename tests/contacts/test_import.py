"""Contact import over awkward files: exact reports, and nothing written that should not be."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.contacts.factories import contact_for_inbound
from tests.databases import needs_concurrent_writers
from tests.threads import run_at_once
from ventanilla.contacts import importing
from ventanilla.contacts.importing import contacts_import_payload
from ventanilla.contacts.models import Contact
from ventanilla.contacts.services import contact_create
from ventanilla.core.errors import InvalidInput

ANA = "+5493515551111"
BETO = "+5493515552222"
DNI_MESSAGE = "El DNI tiene 7 u 8 dígitos (se aceptan puntos y espacios)."


def _rows():
    return list(
        Contact.objects.order_by("phone").values_list(
            "name", "phone", "phone_verified", "dni", "area__name"
        )
    )


def _report(created=0, updated=0, unchanged=0, rejected=(), dry_run=False):
    return {
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "rejected": list(rejected),
        "dry_run": dry_run,
    }


def _import(payload, fmt="csv", dry_run=False) -> dict:
    return contacts_import_payload(fmt=fmt, payload=payload, dry_run=dry_run).as_dict()


@pytest.fixture
def areas(make_area):
    return {"Soporte": make_area("Soporte"), "Ventas": make_area("Ventas")}


def test_the_original_readme_example_imports(areas):
    # given the example of the original README, which its own importer refused
    payload = (
        "name,phone,dni,area\n"
        "Juan Perez,+549351555111,34567890,Soporte\n"
        "Maria Diaz,+549351555222,,Ventas\n"
    )

    # when it is imported
    report = _import(payload)

    # then both rows are created, their numbers kept unverified, never rejected
    assert report == _report(created=2)
    assert _rows() == [
        ("Juan Perez", "+549351555111", False, "34567890", "Soporte"),
        ("Maria Diaz", "+549351555222", False, "", "Ventas"),
    ]


def test_quoted_names_with_commas_quotes_and_newlines(areas):
    payload = (
        "name,phone,dni,area\n"
        '"Perez, Juan",0351 15 555 1111,"30.123.456",Soporte\n'
        '"Diaz ""la Negra""\nMaria",+54 9 351 555-2222,,"Ventas"\n'
    )

    report = _import(payload)

    assert report == _report(created=2)
    assert _rows() == [
        ("Perez, Juan", ANA, True, "30123456", "Soporte"),
        ('Diaz "la Negra" Maria', BETO, True, "", "Ventas"),
    ]


def test_a_bom_and_windows_line_endings(areas):
    payload = "\ufeffnombre,teléfono\r\nAna,3515551111\r\nBeto,3515552222\r\n".encode()

    report = _import(payload)

    assert report == _report(created=2)
    assert _rows() == [("Ana", ANA, True, "", None), ("Beto", BETO, True, "", None)]


def test_a_bom_in_text_is_dropped_too(db):
    assert _import("\ufeffname,phone\nAna,3515551111\n") == _report(created=1)
    assert _rows() == [("Ana", ANA, True, "", None)]


def test_semicolon_separators_as_excel_writes_them_in_spanish(areas):
    # given Excel's ";" CSV, in Windows-1252, with a name holding a comma
    payload = "Nombre;Teléfono;Documento;Área\r\nPerez, Juan;0351 15 555 1111;30123456;soporte\r\n"

    report = _import(payload.encode("cp1252"))

    assert report == _report(created=1)
    assert _rows() == [("Perez, Juan", ANA, True, "30123456", "Soporte")]


def test_columns_in_any_order_with_aliases_and_an_area_by_id(areas):
    payload = (
        f"AREA,Celular,DOCUMENTO,Nombre,notas\nVENTAS,3515551111,30.123.456,Ana,vip\n"
        f"{areas['Soporte'].pk},3515552222,,Beto,\n"
    )

    report = _import(payload)

    assert report == _report(created=2)
    assert _rows() == [
        ("Ana", ANA, True, "30123456", "Ventas"),
        ("Beto", BETO, True, "", "Soporte"),
    ]


def test_an_area_is_matched_ignoring_case_and_accents(make_area):
    make_area("Atención Técnica")

    report = _import("name,phone,area\nAna,3515551111,  atencion TECNICA \n")

    assert report == _report(created=1)
    assert _rows() == [("Ana", ANA, True, "", "Atención Técnica")]


def test_without_a_header_the_columns_are_name_phone_dni_area(areas):
    report = _import("Ana,3515551111,30123456,Soporte\nBeto,3515552222\n")

    assert report == _report(created=2)
    assert _rows() == [
        ("Ana", ANA, True, "30123456", "Soporte"),
        ("Beto", BETO, True, "", None),
    ]


def test_a_bad_dni_on_row_3_of_5_rejects_that_row_only(areas):
    # given five data rows, the third with a bad DNI (file row 4: the header is row 1)
    payload = (
        "name,phone,dni\n"
        "Uno,3515550001,10000001\n"
        "Dos,3515550002,10000002\n"
        "Tres,3515550003,12.34\n"
        "Cuatro,3515550004,10000004\n"
        "Cinco,3515550005,10000005\n"
    )

    report = _import(payload)

    # then the report names row 4 and why; the other four are written, row 4 is not
    assert report == _report(created=4, rejected=[{"row": 4, "errors": {"dni": [DNI_MESSAGE]}}])
    assert sorted(Contact.objects.values_list("name", flat=True)) == [
        "Cinco",
        "Cuatro",
        "Dos",
        "Uno",
    ]


def test_the_same_phone_twice_in_one_file_rejects_the_later_row(db):
    # given the same number in two of its forms
    payload = "name,phone\nAna,+54 9 351 555-1111\nBeto,3515552222\nAna bis,0351 15 555 1111\n"

    report = _import(payload)

    assert report == _report(
        created=2,
        rejected=[
            {
                "row": 4,
                "errors": {
                    "phone": [f"La fila 2 de este archivo tiene el mismo teléfono ({ANA})."]
                },
            }
        ],
    )
    assert _rows() == [("Ana", ANA, True, "", None), ("Beto", BETO, True, "", None)]


def test_a_whatsapp_id_and_a_typed_phone_are_the_same_contact(db):
    contact_create(name="Ana", phone="+54 9 351 555-1111")

    report = _import("name,phone,dni\n,5493515551111@c.us,30123456\n")

    assert report == _report(updated=1)
    assert _rows() == [("Ana", ANA, True, "30123456", None)]


def test_an_unknown_area_is_rejected_naming_the_areas(areas):
    report = _import("name,phone,area\nAna,3515551111,Cobranzas\nBeto,3515552222,Ventas\n")

    message = "Área desconocida «Cobranzas»; las áreas son Soporte, Ventas."
    assert report == _report(created=1, rejected=[{"row": 2, "errors": {"area": [message]}}])
    assert _rows() == [("Beto", BETO, True, "", "Ventas")]


def test_an_area_of_digits_that_are_not_ascii_is_an_unknown_area(areas):
    report = _import("name,phone,area\nAna,3515551111,²\n")

    message = "Área desconocida «²»; las áreas son Soporte, Ventas."
    assert report == _report(rejected=[{"row": 2, "errors": {"area": [message]}}])


def test_every_problem_of_a_row_is_reported_at_once(db):
    report = _import("name,phone,dni,area\n,hola,1,Marte\n,,,\n")

    assert report == _report(
        rejected=[
            {
                "row": 2,
                "errors": {
                    "phone": ["«hola» no es un teléfono."],
                    "dni": [DNI_MESSAGE],
                    "area": ["Área desconocida «Marte»: todavía no hay áreas."],
                },
            }
        ]
    )
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(
    "line,errors",
    [
        (
            "Ana,,30123456",
            {"phone": ["Falta el teléfono: los contactos se reconocen por su teléfono."]},
        ),
        (
            ",3515551111,",
            {"name": ["Un contacto nuevo necesita nombre (ningún contacto tiene este teléfono)."]},
        ),
        (
            "Ana\x01,3515551111,",
            {"name": ["Tiene caracteres de control: sacalos y volvé a intentar."]},
        ),
        (
            "x" * 151 + ",3515551111,",
            {"name": ["Usá como máximo 150 caracteres."]},
        ),
        ("Ana,+99 123,", {"phone": ["«+99 123» no es un teléfono."]}),
        (
            "Ana," + "1" * 60 + ",",
            {"phone": [f"«{'1' * 39}…» no es un teléfono."]},
        ),
    ],
)
def test_bad_rows_are_rejected_with_the_reason(line, errors, db):
    report = _import(f"name,phone,dni\n{line}\n")

    assert report == _report(rejected=[{"row": 2, "errors": errors}])
    assert Contact.objects.count() == 0


def test_an_unverifiable_number_with_a_country_code_is_kept(db):
    report = _import("name,phone\nAna,+549351555111\nBeto,+44 1234 56789\n")

    assert report == _report(created=2)
    assert _rows() == [
        ("Beto", "+44123456789", False, "", None),
        ("Ana", "+549351555111", False, "", None),
    ]


def test_empty_cells_never_erase_stored_values(areas):
    # given a contact with a DNI and an area
    contact_create(name="Ana", phone=ANA, dni="30123456", area_id=areas["Ventas"].pk)

    # when a file names the phone with a new name and leaves the other cells empty
    report = _import("name,phone,dni,area\nAna María,3515551111,,\n")

    # then only the name changes
    assert report == _report(updated=1)
    assert _rows() == [("Ana María", ANA, True, "30123456", "Ventas")]


def test_a_row_naming_a_known_phone_needs_no_name(areas):
    contact_create(name="Ana", phone=ANA)

    report = _import("name,phone,dni,area\n,3515551111,30.123.456,Soporte\n")

    assert report == _report(updated=1)
    assert _rows() == [("Ana", ANA, True, "30123456", "Soporte")]


def test_rows_equal_to_what_is_stored_are_unchanged(areas):
    contact_create(name="Ana", phone=ANA, dni="30123456", area_id=areas["Ventas"].pk)
    before = Contact.objects.values_list("updated_at", flat=True).get()

    report = _import("name,phone,dni,area\nAna,+54 9 351 555-1111,30.123.456,ventas\n")

    assert report == _report(unchanged=1)
    assert Contact.objects.values_list("updated_at", flat=True).get() == before


def test_updates_move_updated_at(areas):
    contact = contact_create(name="Ana", phone=ANA)
    before = contact.updated_at

    _import("name,phone\nAna María,3515551111\n")

    assert Contact.objects.get().updated_at > before


def test_a_dry_run_reports_the_same_and_writes_nothing(areas):
    contact_create(name="Ana", phone=ANA)
    payload = "name,phone,dni\nAna María,3515551111,\nBeto,3515552222,\nMal,3515553333,1\n"
    before = _rows()

    dry = _import(payload, dry_run=True)

    assert dry == _report(
        created=1,
        updated=1,
        rejected=[{"row": 4, "errors": {"dni": [DNI_MESSAGE]}}],
        dry_run=True,
    )
    assert _rows() == before
    assert _import(payload) == {**dry, "dry_run": False}
    assert _rows() == [("Ana María", ANA, True, "", None), ("Beto", BETO, True, "", None)]


def test_blank_lines_are_skipped_but_counted_in_row_numbers(db):
    payload = "name,phone,dni\n\nAna,3515551111,\n,,\n\nBeto,3515552222,1\n"

    report = _import(payload)

    assert report == _report(created=1, rejected=[{"row": 6, "errors": {"dni": [DNI_MESSAGE]}}])


def test_a_cell_guarded_against_spreadsheet_formulas_is_read_back(db):
    report = _import("name,phone\n'=Ana,'+5493515551111\n'Beto,3515552222\n")

    assert report == _report(created=2)
    assert _rows() == [("=Ana", ANA, True, "", None), ("'Beto", BETO, True, "", None)]


def test_a_row_with_more_cells_than_columns_is_rejected(db):
    report = _import("name,phone\nAna,3515551111,sobra\nBeto,3515552222,\n")

    message = "Esta fila tiene más celdas que columnas la cabecera (2)."
    assert report == _report(created=1, rejected=[{"row": 2, "errors": {"row": [message]}}])


def test_without_a_header_a_fifth_cell_is_rejected(db):
    report = _import("Ana,3515551111,,,extra\n")

    message = (
        "Esta fila tiene 5 celdas; sin fila de cabecera las columnas son nombre, teléfono, DNI, "
        "área."
    )
    assert report == _report(rejected=[{"row": 1, "errors": {"row": [message]}}])


def test_json_rows_with_aliases_numbers_and_nulls(areas):
    payload = [
        {"nombre": "Ana", "telefono": "0351 15 555 1111", "documento": 30123456, "area": "Ventas"},
        {"name": "Beto", "phone": 5493515552222, "dni": None, "area_id": areas["Soporte"].pk},
        {"name": "Caro", "phone": "3515553333", "dni": 3.5, "color": "azul"},
        "not an object",
        {"name": "Dani", "phone": "3515554444", "telefono": "3515554444"},
    ]

    report = _import(payload, fmt="json")

    assert report == _report(
        created=2,
        rejected=[
            {"row": 3, "errors": {"dni": ["Tiene que ser texto o un número entero."]}},
            {
                "row": 4,
                "errors": {
                    "row": ['Cada elemento tiene que ser un objeto como {"name": …, "phone": …}.'],
                    "phone": ["Falta el teléfono: los contactos se reconocen por su teléfono."],
                },
            },
            {"row": 5, "errors": {"phone": ["«telefono» repite la columna phone."]}},
        ],
    )
    assert _rows() == [
        ("Ana", ANA, True, "30123456", "Ventas"),
        ("Beto", BETO, True, "", "Soporte"),
    ]


def test_json_as_text_is_read_too(db):
    report = _import('[{"name": "Ana", "phone": "3515551111"}]', fmt="json")

    assert report == _report(created=1)


@pytest.mark.parametrize(
    "fmt,payload,field,message",
    [
        ("xml", "<a/>", "format", "Usá «csv» o «json»."),
        ("csv", [], "payload", "Una importación CSV es el texto del archivo."),
        ("json", {"name": "Ana"}, "payload", "Una importación JSON es un arreglo de objetos."),
        ("json", "[{", "payload", None),
        ("csv", "nombre,dni\nAna,30123456\n", "payload", importing.NO_PHONE_COLUMN),
        (
            "csv",
            "phone,name,Teléfono\n",
            "payload",
            "La cabecera nombra dos veces la columna «phone» (columnas 1 y 3).",
        ),
        (
            "csv",
            'name,phone\n"' + "a" * 200_000 + '",3515551111\n',
            "payload",
            "Fila 2: field larger than field limit (131072).",
        ),
    ],
)
def test_unreadable_files_are_refused_whole(fmt, payload, field, message, db):
    with pytest.raises(InvalidInput) as refused:
        _import(payload, fmt=fmt)

    assert list(refused.value.errors) == [field]
    if message is not None:
        assert refused.value.errors[field] == [message]
    assert Contact.objects.count() == 0


def test_more_than_10000_rows_are_refused(db):
    payload = "name,phone\n" + "Ana,3515551111\n" * (importing.MAX_ROWS + 1)

    with pytest.raises(InvalidInput) as refused:
        _import(payload)

    assert refused.value.errors == {
        "payload": ["El archivo tiene más de 10000 filas: dividilo en archivos más chicos."]
    }
    assert Contact.objects.count() == 0


def test_a_file_over_5_mb_is_refused_with_413(db):
    payload = b"name,phone\n" + b"x" * importing.MAX_BYTES

    with pytest.raises(importing.PayloadTooLarge) as refused:
        _import(payload)

    assert refused.value.status == 413
    assert refused.value.detail == "El archivo pesa más de 5 MB: dividilo en archivos más chicos."


def test_bytes_that_are_not_text_are_refused(db):
    with pytest.raises(InvalidInput) as refused:
        _import(b"name,phone\n\x81\x8d\x8f\x90\n")

    assert refused.value.errors == {
        "file": ["El archivo no es texto: guardalo como CSV UTF-8 (o JSON)."]
    }


def test_the_number_of_queries_does_not_grow_with_rows(db, django_assert_num_queries):
    # given files of 10 and 100 new contacts, and files changing the DNI of 10 and 100 of them
    def csv_of(count, start, dni=""):
        lines = [f"C{i},35155{i:05d},{dni}" for i in range(start, start + count)]
        return "name,phone,dni\n" + "\n".join(lines)

    with CaptureQueriesContext(connection) as create_10:
        assert _import(csv_of(10, 0))["created"] == 10
    with CaptureQueriesContext(connection) as update_10:
        assert _import(csv_of(10, 0, dni="30123456"))["updated"] == 10

    # then 100 rows cost the same queries as 10, for creating and for updating
    with django_assert_num_queries(len(create_10.captured_queries)):
        assert _import(csv_of(100, 100))["created"] == 100
    with django_assert_num_queries(len(update_10.captured_queries)):
        assert _import(csv_of(100, 100, dni="30123456"))["updated"] == 100


# --- at the same time as others --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@needs_concurrent_writers()
def test_five_imports_of_one_new_file_at_once_give_each_contact_once():
    # given a file of three new contacts, imported five times at the same moment
    payload = "name,phone,dni\nAna,3515551111,30123456\nBeto,3515552222,\nCaro,3515553333,\n"

    results, errors = run_at_once(5, lambda index: _import(payload))

    # then no import failed, one created the three contacts, the others found them as they are
    assert errors == []
    assert sorted((r["created"], r["unchanged"]) for r in results) == [(0, 3)] * 4 + [(3, 0)]
    assert [row[:2] for row in _rows()] == [
        ("Ana", ANA),
        ("Beto", BETO),
        ("Caro", "+5493515553333"),
    ]


@pytest.mark.django_db(transaction=True)
@needs_concurrent_writers()
def test_an_import_racing_a_webhook_for_one_of_its_numbers_gives_one_contact():
    # given a customer writing for the first time while a file with their number is imported
    payload = "name,phone,dni\nAna Gómez,3515551111,30123456\nBeto,3515552222,\n"

    def work(index):
        if index == 0:
            return contact_for_inbound(phone="5493515551111", wa_user_id="", profile_name="Ana")
        return _import(payload)

    _, errors = run_at_once(2, work)

    # then one contact per phone, whichever came first, with the file's DNI
    assert errors == []
    (ana_name, *ana), beto = _rows()
    assert ana_name in ("Ana", "Ana Gómez")
    assert (ana, beto) == ([ANA, True, "30123456", None], ("Beto", BETO, True, "", None))
