"""Who may drive the sandbox's simulated customer phone (ADR 0018): nobody when the installation
has no sandbox line (it does not exist: 404); beside a real line, admins alone; on a sandbox-only
demo desk, everyone signed in."""

from django.utils.translation import gettext as _

from ventanilla.accounts.permissions import is_admin
from ventanilla.core.errors import NotFound
from ventanilla.core.permissions import Permission
from ventanilla.providers.models import Line, Provider
from ventanilla.providers.services import sandbox_offered


def no_sandbox_text() -> str:
    return _("Esta instalación no tiene teléfono de prueba.")


def _beside_a_real_line() -> bool:
    return Line.objects.exclude(provider=Provider.SANDBOX).exists()


def _drives(user) -> bool:
    if not sandbox_offered():
        raise NotFound(no_sandbox_text())
    return is_admin(user) or not _beside_a_real_line()


def _refusal() -> str:
    return _("Junto a una línea real, solo un administrador usa el teléfono de prueba.")


DRIVE_SANDBOX = Permission("inbound.drive-sandbox", allows=_drives, refusal=_refusal)
