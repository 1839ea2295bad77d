import pytest

from ventanilla.contacts.phones import canonical_phone, canonical_wa_phone, normalise_dni, wa_digits

ANA = "+5493515551111"


@pytest.mark.parametrize(
    "text",
    [
        "+54 9 351 555-1111",
        "0351 15 555 1111",
        "(0351) 15-555-1111",
        "351 15 555 1111",
        "5493515551111",
        "+5493515551111",
        "5493515551111@c.us",
        "5493515551111@s.whatsapp.net",
        "5493515551111:7@s.whatsapp.net",
        "00 54 9 351 555 1111",
        " +54 9 351 555 1111 ",
        # without the 9: the fixed-line reading, canonicalised to the mobile form
        "+54 351 555 1111",
        "+543515551111",
        "543515551111",
        "543515551111@c.us",
        "3515551111",
        "0351 555-1111",
        # the 15 typed after an international prefix
        "+54 351 15 555 1111",
    ],
)
def test_every_form_of_one_argentine_mobile_is_the_same_canonical_phone(text):
    assert canonical_phone(text) == (ANA, True)


@pytest.mark.parametrize(
    "text,expected",
    [
        # Buenos Aires: area 11, 8-digit numbers
        ("011 15 5555 1111", ("+5491155551111", True)),
        ("+54 11 5555-1111", ("+5491155551111", True)),
        ("5491155551111@c.us", ("+5491155551111", True)),
        # toll-free numbers have no mobile form and keep theirs
        ("0800 333 4444", ("+548003334444", True)),
        ("+54 800 333 4444", ("+548003334444", True)),
        # other countries
        ("+34 612 345 678", ("+34612345678", True)),
        ("0034 612 345 678", ("+34612345678", True)),
        ("34612345678", ("+34612345678", True)),
        ("+1 (202) 555-0123", ("+12025550123", True)),
        ("+598 99 123 456", ("+59899123456", True)),
        ("8613800138000@c.us", ("+8613800138000", True)),
        ("+80012345678", ("+80012345678", True)),
    ],
)
def test_valid_numbers_are_canonical_and_verified(text, expected):
    assert canonical_phone(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        # the original README's own example: one digit short, kept as typed, unverified
        ("+549351555111", "+549351555111"),
        ("+54 9 351 555 111", "+549351555111"),
        ("549351555111", "+549351555111"),
        ("549351555111@c.us", "+549351555111"),
        # Mexico's old mobile form, still seen in WhatsApp ids
        ("5215512345678@c.us", "+5215512345678"),
        ("+52 1 55 1234 5678", "+5215512345678"),
        # a known country code, too short to be valid but 8 digits
        ("+34 1234 567", "+341234567"),
        # 15 digits, the longest E.164 allows
        ("+549351555111122", "+549351555111122"),
        ("+882123456789", "+882123456789"),
    ],
)
def test_unvalidated_numbers_with_country_code_are_kept_unverified(text, expected):
    assert canonical_phone(text) == (expected, False)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "+",
        "abc",
        "Juan Pérez",
        "351-CALL-ME",
        "tel:+5493515551111",
        "+54 9 351 555 1111 ext 2",
        "1234567",  # too short for any reading
        "+5412345",
        "+5493515551111223",  # 16 digits
        "12345678901234567890",
        "0351555111",  # national, invalid, no country code to keep it by
        "+999 1234 5678",  # no such country code
        "+0 351 555 1111",
        "54+93515551111",
        "++5493515551111",
        "120363025246125@g.us",  # a group, not a person
        "123456789@lid",
        "5493515551111@c.us.evil",
        "٣٥١٥٥٥١١١١",  # Arabic-Indic digits
        "5493515551111\nBcc: x",
    ],
)
def test_what_is_not_a_phone_is_none(text):
    assert canonical_phone(text) is None


def test_the_default_region_comes_from_settings_and_can_be_overridden(settings):
    settings.PHONE_DEFAULT_REGION = "ES"

    assert canonical_phone("612 345 678") == ("+34612345678", True)
    assert canonical_phone("0351 15 555 1111", "AR") == (ANA, True)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("5493515551111", (ANA, True)),
        ("543515551111", (ANA, True)),
        ("34612345678", ("+34612345678", True)),
        ("549351555111", ("+549351555111", False)),
        ("5493515551111@c.us", (ANA, True)),
        ("+54 9 351 555 1111", (ANA, True)),
        # typed national numbers still work (the sandbox line)
        ("3515551111", (ANA, True)),
        ("0351 15 555 1111", (ANA, True)),
        ("", None),
        ("nope", None),
    ],
)
def test_provider_digits_are_read_as_international_first(text, expected):
    assert canonical_wa_phone(text) == expected


def test_wa_digits_drops_the_plus():
    assert wa_digits(ANA) == "5493515551111"


@pytest.mark.parametrize("text", ["5493515551111", "+54 9 351", "+", "", "+54a"])
def test_wa_digits_refuses_what_is_not_e164(text):
    with pytest.raises(ValueError, match=r"is not an E\.164 phone number"):
        wa_digits(text)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("30123456", "30123456"),
        ("30.123.456", "30123456"),
        ("30 123 456", "30123456"),
        ("30-123-456", "30123456"),
        (" 7.123.456 ", "7123456"),
        ("01234567", "01234567"),
    ],
)
def test_dni_keeps_its_digits(text, expected):
    assert normalise_dni(text) == expected


@pytest.mark.parametrize(
    "text", ["", "123456", "123456789", "30.123.45a", "30,123,456", "DNI 30123456", "٣٠١٢٣٤٥٦"]
)
def test_dni_of_other_lengths_or_characters_is_refused(text):
    with pytest.raises(
        ValueError, match=r"^El DNI tiene 7 u 8 dígitos \(se aceptan puntos y espacios\)\.$"
    ):
        normalise_dni(text)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+5493515550101", "+54 9 351 555-0101"),
        ("+14155550123", "+1 415-555-0123"),
        ("+34600123456", "+34 600 12 34 56"),
        ("+999123", "+999123"),  # kept as it is when the library cannot read it
    ],
)
def test_stored_phones_read_as_people_write_them(stored, shown):
    from ventanilla.contacts.phones import readable_phone

    assert readable_phone(stored) == shown
