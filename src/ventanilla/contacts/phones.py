"""Phone numbers and DNIs as people type them and as WhatsApp sends them, in one canonical form.

A phone is stored in E.164 ("+5493515551111"). `canonical_phone` answers the canonical form and
whether the phone library validated it; a number it cannot validate but that has a known country
code and 8 to 15 digits is kept as "+" and its digits, unverified, never rejected
(docs/product.md#contacts); anything else is not a phone (None).

Argentine mobiles and the "9": from abroad, and in WhatsApp ids, an Argentine mobile is
54 9 <area> <number> ("5493515551111"); people also type it without the 9 ("+54 351 555 1111"),
or nationally with the trunk 0 and the mobile 15 ("0351 15 555 1111"). The phone library reads
the 9 and the 15 forms as the MOBILE number +5493515551111, and the form without the 9 as a
FIXED_LINE number +543515551111: both are valid, since Argentine landlines and mobiles share the
numbering plan and the number alone does not tell them apart. Decision: when a number of country
code 54 is valid as a fixed line (or fixed-or-mobile) and the same digits with the 9 inserted are
a valid MOBILE number, the 9 form is the canonical one. A WhatsApp desk's customers write from
mobiles and WhatsApp itself names them 549..., so typed and received forms meet in one contact.
The cost: a real landline typed by staff is stored in its mobile form and would be messaged as
such (a landline has no WhatsApp unless it is a WhatsApp Business account, which is rare for a
customer). Numbers the library cannot validate are never rewritten this way: "+549351555111"
stays as typed, and a WhatsApp id with the same digits reaches it.

Bare digit strings ("5493515551111") are read as the default region reads them first (so a
national "3515551111" is Argentine), then as international digits; WhatsApp ids
("5493515551111@c.us") and provider digits (`canonical_wa_phone`) the other way round.
"""

import re

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

MIN_DIGITS = 8
MAX_DIGITS = 15

# What a typed phone may contain: an optional leading "+", digits and the usual separators.
_TYPED = re.compile(r"\+?[0-9\s().\-/]+")
# "5493515551111@c.us", "5493515551111@s.whatsapp.net", "5493515551111:12@s.whatsapp.net"
_WHATSAPP_ID = re.compile(r"([0-9]+)(?::[0-9]+)?@(?:c\.us|s\.whatsapp\.net)")
_DIGITS = re.compile(r"[0-9]+")
_DNI_SEPARATORS = re.compile(r"[\s.\-]")

_FIXED = (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _argentine_mobile(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber:
    """The 9 (mobile) form of a valid Argentine fixed-line number when that form is valid too."""
    national = str(number.national_number)
    if number.country_code != 54 or national.startswith("9"):
        return number
    if phonenumbers.number_type(number) not in _FIXED:
        return number
    mobile = phonenumbers.parse(f"+549{national}")
    if (
        phonenumbers.is_valid_number(mobile)
        and phonenumbers.number_type(mobile) == PhoneNumberType.MOBILE
    ):
        return mobile
    return number


def _valid(text: str, region: str | None) -> str | None:
    """E.164 of `text` when the phone library validates it, else None."""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return _e164(_argentine_mobile(number))


def _unverified(digits: str) -> str | None:
    """ "+digits" for international digits with a known country code and 8 to 15 digits."""
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS or digits.startswith("0"):
        return None
    try:
        number = phonenumbers.parse(f"+{digits}")
    except NumberParseException:  # no country code starts these digits
        return None
    if phonenumbers.region_code_for_country_code(number.country_code) == "ZZ":
        return None
    return f"+{digits}"


def _international(digits: str) -> tuple[str, bool] | None:
    if not digits or digits.startswith("0") or len(digits) > MAX_DIGITS:
        return None
    valid = _valid(f"+{digits}", None)
    if valid is not None:
        return valid, True
    unverified = _unverified(digits)
    return (unverified, False) if unverified is not None else None


def canonical_phone(text: str, region: str | None = None) -> tuple[str, bool] | None:
    """(E.164, verified) of a typed phone or a WhatsApp id, or None when it is not a phone.

    `region` (default settings.PHONE_DEFAULT_REGION) reads numbers typed without country code.
    """
    text = (text or "").strip()
    whatsapp = _WHATSAPP_ID.fullmatch(text)
    if whatsapp:
        return _international(whatsapp.group(1))
    if not _TYPED.fullmatch(text):
        return None
    digits = re.sub(r"[^0-9]", "", text)
    if not digits or len(digits) > MAX_DIGITS + 4:  # room for "00", trunk 0 and mobile 15
        return None
    valid = _valid(text, region or settings.PHONE_DEFAULT_REGION)
    if valid is not None:
        return valid, True
    if text.startswith("+"):
        return _international(digits)
    if digits.startswith("00"):  # international call prefix typed instead of "+"
        return _international(digits[2:])
    return _international(digits)


def canonical_wa_phone(text: str) -> tuple[str, bool] | None:
    """Like `canonical_phone` for what a provider sends: bare digits are international first.

    WhatsApp hands over the sender as international digits without "+" ("5493515551111"); only
    when those digits are not a phone that way are they read as typed in the default region
    (the sandbox line lets people type national numbers).
    """
    text = (text or "").strip()
    if _DIGITS.fullmatch(text) and not text.startswith("0"):
        international = _international(text)
        if international is not None and international[1]:
            return international
        typed = canonical_phone(text)
        if typed is not None and typed[1]:
            return typed
        return international or typed
    return canonical_phone(text)


def wa_digits(e164: str) -> str:
    """The digits WhatsApp wants as the recipient: E.164 without the "+"."""
    digits = e164.removeprefix("+")
    if not e164.startswith("+") or not _DIGITS.fullmatch(digits):
        raise ValueError(f'"{e164}" is not an E.164 phone number.')
    return digits


def readable_phone(e164: str) -> str:
    """A stored phone as people write it (+54 9 351 555-0101); unchanged when it cannot be read."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_dni(text: str) -> str:
    """A DNI as its 7 or 8 digits; dots, spaces and dashes are accepted and stripped."""
    digits = _DNI_SEPARATORS.sub("", text or "")
    if not _DIGITS.fullmatch(digits) or not 7 <= len(digits) <= 8:
        raise ValueError(_("El DNI tiene 7 u 8 dígitos (se aceptan puntos y espacios)."))
    return digits
