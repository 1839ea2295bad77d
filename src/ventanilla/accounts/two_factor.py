"""Two-factor sign-in: a TOTP app (django-otp) plus ten single-use recovery codes. A person turns
it on from their account screen; admins must when TWO_FACTOR_REQUIRED_FOR_ADMINS is set (they are
asked to at their next sign-in); an admin can take someone's off (a lost phone). Wrong codes count
as failed sign-ins of the account (accounts.services throttling, ADR 0004)."""

import secrets

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ventanilla.accounts.models import Role, User
from ventanilla.core import audit
from ventanilla.core.errors import InvalidInput

RECOVERY_CODES = 10


def enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def required(user: User) -> bool:
    """This person may not sign in without a second factor (set up then, if they have none)."""
    return settings.TWO_FACTOR_REQUIRED_FOR_ADMINS and user.role == Role.ADMIN


def setup_begin(*, user: User) -> TOTPDevice:
    """A new, unconfirmed TOTP key for the person's app (its otpauth:// URL: `config_url`)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="app", confirmed=False)


def pending_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def _code_error() -> InvalidInput:
    return InvalidInput.field("code", _("El código no es correcto."))


@transaction.atomic
def setup_confirm(*, user: User, code: str) -> list[str]:
    """The first code from the app turns the second factor on; the recovery codes, shown once."""
    device = pending_device(user)
    if device is None or not device.verify_token((code or "").strip()):
        raise _code_error()
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
    audit.record_object("two_factor.enabled", user)
    return codes


def verify(*, user: User, code: str) -> bool:
    """A code from the app, or an unused recovery code (used up by this)."""
    code = "".join((code or "").split())
    if not code or len(code) > 16:
        return False
    model = TOTPDevice if code.isascii() and code.isdigit() and len(code) == 6 else StaticDevice
    devices = model.objects.filter(user=user, confirmed=True)
    return any(device.verify_token(code) for device in devices)


@transaction.atomic
def reset(*, user: User) -> None:
    """Takes the person's second factor off (an admin's action: a lost phone)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record_object("two_factor.reset", user)
