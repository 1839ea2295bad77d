"""Contact export: the exact CSV, streamed in pieces, and importable back unchanged."""

import csv
import io

from ventanilla.contacts import exporting
from ventanilla.contacts.importing import contacts_import_payload
from ventanilla.contacts.models import Contact
from ventanilla.contacts.services import contact_create


def _export() -> bytes:
    return b"".join(exporting.export_csv())


def _snapshot():
    return list(
        Contact.objects.order_by("pk").values_list(
            "pk", "name", "phone", "phone_verified", "wa_user_id", "dni", "area_id", "updated_at"
        )
    )


def test_the_file_is_utf8_with_bom_crlf_and_a_header(make_area):
    # given contacts with and without DNI and area, and one known only by WhatsApp user id
    ventas = make_area("Atención Ventas")
    contact_create(name="Beto", phone="3515552222")
    contact_create(name="Ana Gómez", phone="3515551111", dni="30123456", area_id=ventas.pk)
    contact_create(name="Solo Id", wa_user_id="AR.1")

    # when exported
    data = _export()

    # then the exact file, in name order, without the contact that has no phone
    assert (
        data
        == (
            "\ufeffname,phone,dni,area\r\n"
            "Ana Gómez,+5493515551111,30123456,Atención Ventas\r\n"
            "Beto,+5493515552222,,\r\n"
        ).encode()
    )


def test_cells_a_spreadsheet_would_run_are_guarded_and_commas_quoted(db):
    contact_create(name="=HYPERLINK(1)", phone="3515551111")
    contact_create(name="Perez, Juan", phone="3515552222")
    contact_create(name='Diaz "la Negra"', phone="3515553333")
    contact_create(name="'Quoted", phone="3515554444")

    header, *rows = csv.reader(io.StringIO(_export().decode("utf-8-sig"), newline=""))

    # (sorted by phone here: how punctuation sorts depends on the database's collation)
    assert header == ["name", "phone", "dni", "area"]
    assert sorted(rows, key=lambda row: row[1]) == [
        ["'=HYPERLINK(1)", "+5493515551111", "", ""],
        ["Perez, Juan", "+5493515552222", "", ""],
        ['Diaz "la Negra"', "+5493515553333", "", ""],
        ["''Quoted", "+5493515554444", "", ""],
    ]


def test_the_file_comes_in_pieces_not_in_one_block(db, monkeypatch):
    monkeypatch.setattr(exporting, "LINES_PER_PIECE", 2)
    for index in range(5):
        contact_create(name=f"C{index}", phone=f"351555000{index}")

    pieces = list(exporting.export_csv())

    assert len(pieces) == 3
    assert pieces[0].startswith("\ufeffname,phone,dni,area\r\nC0,".encode())
    assert b"".join(pieces).count(b"\r\n") == 6


def test_an_export_imports_back_unchanged(make_area):
    # given awkward contacts: accents, commas, quotes, formula-like names, unverified phones,
    # an area with accents, missing DNI and area, and a contact made by an inbound message
    ventas, soporte = make_area("Área Ventas"), make_area("soporte técnico")
    contact_create(name="Ana Gómez", phone="3515551111", dni="30123456", area_id=ventas.pk)
    contact_create(name="Perez, Juan", phone="+549351555111", area_id=soporte.pk)
    contact_create(name='Diaz "la Negra"', phone="+44 20 7946 0958", dni="1234567")
    contact_create(name="=1+1", phone="3515553333")
    contact_create(name="-Guion", phone="3515554444")
    contact_create(name="'Apostrofo", phone="3515556666")
    contact_create(name="Desconocido", phone="5493515555555@c.us")
    contact_create(name="Solo Id", wa_user_id="AR.1")
    before = _snapshot()

    # when the export is imported back, as a dry run and for real
    data = _export()
    dry = contacts_import_payload(fmt="csv", payload=data, dry_run=True).as_dict()
    real = contacts_import_payload(fmt="csv", payload=data).as_dict()

    # then every row is unchanged and nothing was written
    expected = {"created": 0, "updated": 0, "unchanged": 7, "rejected": [], "dry_run": False}
    assert real == expected
    assert dry == {**expected, "dry_run": True}
    assert _snapshot() == before


def test_an_empty_catalog_exports_the_header_only(db):
    assert _export() == "\ufeffname,phone,dni,area\r\n".encode()
