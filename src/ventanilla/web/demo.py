"""The demo desk `make run` starts with on an empty database."""

from django.db import transaction

from ventanilla.accounts import services
from ventanilla.accounts.models import Area, Role, User

DEMO_PASSWORD = "demo-ventanilla-2026"


def desk_is_empty() -> bool:
    return not Area.objects.exists() and not User.objects.exclude(role=Role.ADMIN).exists()


@transaction.atomic
def load() -> None:
    soporte = services.area_create(name="Soporte", description="Consultas técnicas y reclamos")
    ventas = services.area_create(name="Ventas", description="Presupuestos y pedidos")
    for username, name, role, area in (
        ("sofia", "Sofía Soporte", Role.SUPPORT, soporte),
        ("valentin", "Valentín Ventas", Role.SALES, ventas),
    ):
        services.user_create(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            name=name,
            area_ids=[area.pk],
            default_area_id=area.pk,
        )
    services.user_create(
        username="supervisora",
        password=DEMO_PASSWORD,
        role=Role.SUPERVISOR,
        name="Susana Supervisora",
        area_ids=[soporte.pk, ventas.pk],
    )
