"""The demo desk `make run` starts with on an empty database."""

from django.db import transaction

from ventanilla.accounts import services
from ventanilla.accounts.models import Area, Role, User
from ventanilla.flows.services import flow_create
from ventanilla.schedules.services import working_hour_create

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
    for area in (soporte, ventas):
        working_hour_create(
            area_id=area.pk, days=[1, 2, 3, 4, 5], start_time="08:00", end_time="18:00"
        )
    working_hour_create(
        area_id=ventas.pk,
        days=[6],
        start_time="09:00",
        end_time="13:00",
        message="Los sábados atendemos de 9 a 13 hs. Te respondemos el lunes a primera hora.",
    )
    flow_create(data=_demo_flow(soporte, ventas))
    services.user_create(
        username="supervisora",
        password=DEMO_PASSWORD,
        role=Role.SUPERVISOR,
        name="Susana Supervisora",
        area_ids=[soporte.pk, ventas.pk],
    )


def _demo_flow(soporte, ventas) -> dict:
    """A menu flow that uses every node type. Over 60 lines: one literal tree, read whole."""
    return {
        "name": "Menú principal",
        "is_default": True,
        "is_active": True,
        "triggers": ["hola", "menu", "menú", "inicio"],
        "invalid_option_text": "No entendí tu respuesta. Respondé con el número de una opción.",
        "fallback_area_id": soporte.pk,
        "root": {
            "type": "message",
            "text": "¡Hola! 👋 Bienvenido a la mesa de ayuda.",
            "children": [
                {
                    "type": "question",
                    "field": "dni",
                    "text": "Para empezar, ¿cuál es tu DNI?",
                    "children": [
                        {
                            "type": "menu",
                            "text": "Gracias. ¿En qué te podemos ayudar?",
                            "children": [
                                {
                                    "type": "redirect",
                                    "label": "Soporte técnico",
                                    "trigger": "soporte, ayuda, problema",
                                    "area_id": soporte.pk,
                                    "text": "Te comunicamos con Soporte. En breve te atienden.",
                                },
                                {
                                    "type": "redirect",
                                    "label": "Ventas",
                                    "trigger": "ventas, comprar, precio",
                                    "area_id": ventas.pk,
                                    "text": "Te comunicamos con Ventas. En breve te atienden.",
                                },
                                {
                                    "type": "message",
                                    "label": "Horarios",
                                    "trigger": "horario, horarios",
                                    "text": "Atendemos de lunes a viernes de 8 a 18 hs.",
                                    "children": [
                                        {
                                            "type": "end",
                                            "text": "Escribí «menú» cuando quieras volver.",
                                            "close": True,
                                        }
                                    ],
                                },
                                {
                                    "type": "end",
                                    "label": "Nada más",
                                    "trigger": "nada, chau, gracias",
                                    "text": "¡Gracias por escribirnos! Que tengas un buen día.",
                                    "close": True,
                                },
                            ],
                        }
                    ],
                }
            ],
        },
    }
