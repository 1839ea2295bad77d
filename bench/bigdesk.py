"""A big desk for the benchmarks at scale (bench/search.py, bench/reports.py): by default
1,000,000 messages in 100,000 conversations over the last 60 days, 4 areas, 20 agents, a menu
flow and 8 labels, written into a PostgreSQL database of its own with COPY.

Shape, drawn from one seed:

- conversations arrive more on weekdays and in office hours (TIME_ZONE); about 60,000 contacts,
  a third of them writing more than once;
- a quarter end with the bot (hours, a question answered), the rest go to one of the 4 areas
  (the flow's redirect nodes; some by the fallback) and to one of its 5 agents, who are not all
  equally busy; the last hours' conversations are still open (bot, queued or active), the
  others closed by their agent or the bot;
- 2 to ~60 messages each (log-normal, 10 on average), scaled so that they add up to the number
  asked for: the customer's greeting, the bot's menu, the option, the hand-off, then customer
  and agent in turn, Spanish texts from templates and a vocabulary (months, products, problems,
  invoice, order and claim numbers, amounts, names), as people write them (accents or not,
  capitals or not);
- a quarter of the handed-over conversations carry one or two labels.

The database (default `vt_bigbench_data`, name starting with `vt_` or holding `bench`) is
created when missing and migrated; with `--reuse`, a desk already generated with the same shape
is used as it is (the stamp table `bench_bigdesk` says which), else its conversations, messages,
contacts, labels and flows are emptied and written again. Indexes other than the constraints'
are dropped while writing and built again after (as a migration's `CREATE INDEX` on a filled
table), then the database is vacuumed and analysed. Times are relative to the generation: a
desk reused days later has its newest conversations that many days back (the stamp says when).
"""

import io
import itertools
import json
import math
import os
import random
import sys
import time
import zoneinfo
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import analytics  # bench/analytics.py, beside this file

RESULTS = analytics.RESULTS
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/vt_bigbench_data"
STAMP_TABLE = "bench_bigdesk"
AREAS = ("Soporte", "Ventas", "Cobranzas", "Reclamos")
AGENTS_PER_AREA = 5
LABELS = (
    ("Urgente", "red", 0.06),
    ("Facturación", "blue", 0.08),
    ("Reclamo", "orange", 0.07),
    ("Baja", "purple", 0.03),
    ("VIP", "yellow", 0.02),
    ("Técnico", "teal", 0.05),
    ("Seguimiento", "green", 0.04),
    ("Promoción", "pink", 0.02),
)  # (name, colour, share of the handed-over conversations)
HOUR_WEIGHTS = (1, 1, 0, 0, 0, 1, 2, 4, 9, 12, 13, 13, 11, 9, 10, 12, 12, 11, 9, 7, 5, 4, 3, 2)
WEEKDAY_WEIGHTS = (10, 10, 10, 10, 9, 5, 2)  # Monday first
OPEN_HOURS = 3  # conversations younger than this may still be open


@dataclass(frozen=True)
class Shape:
    conversations: int = 100_000
    messages: int = 1_000_000
    days: int = 60
    seed: int = 2026


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --- texts -----------------------------------------------------------------------------------

MONTHS = _words(
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
)
FIRST_NAMES = _words(
    "María José Juan Ana Carlos Lucía Jorge Laura Luis Sofía Diego Valentina Martín Camila "
    "Pablo Florencia Andrés Julieta Sergio Paula Gustavo Agustina Ricardo Micaela Fernando "
    "Rocío Alejandro Carolina Hernán Natalia Raúl Gabriela Walter Silvia Facundo Romina Nicolás "
    "Daniela Matías Verónica Tomás Marcela Federico Lorena Gonzalo Claudia Emilio Noelia"
)
LAST_NAMES = _words(
    "González Rodríguez Gómez Fernández López Díaz Martínez Pérez García Sánchez Romero Sosa "
    "Álvarez Torres Ruiz Ramírez Flores Acosta Benítez Medina Suárez Herrera Aguirre Pereyra "
    "Gutiérrez Giménez Molina Silva Castro Rojas Ortiz Núñez Luna Juárez Cabrera Ríos Ferreyra "
    "Godoy Morales Domínguez Moreno Peralta Vega Carrizo Quiroga Castillo Ledesma Muñoz Ojeda"
)
SLOTS = {
    "mes": MONTHS,
    "servicio": (
        "internet",
        "fibra óptica",
        "telefonía",
        "cable",
        "plan familiar",
        "plan prepago",
        "abono empresas",
        "streaming",
    ),
    "equipo": ("módem", "router", "decodificador", "celular", "control remoto", "repetidor wifi"),
    "problema": (
        "la demora en la instalación",
        "un cobro duplicado",
        "la falta de servicio",
        "el mal trato en la sucursal",
        "un cargo que no reconozco",
        "la velocidad de internet",
        "el corte de ayer",
        "la visita del técnico que nunca vino",
        "un débito automático que no autoricé",
    ),
    "cuando": ("ayer", "anoche", "el lunes", "el fin de semana", "hace tres días", "esta mañana"),
    "color": ("roja", "naranja", "verde titilando", "apagada"),
    "dia": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado"),
    "franja": ("8 y 12", "9 y 13", "14 y 18", "13 y 17"),
    "medio": (
        "tarjeta de crédito",
        "tarjeta de débito",
        "transferencia",
        "Mercado Pago",
        "Rapipago",
        "Pago Fácil",
    ),
    "sucursal": (
        "Centro",
        "Nueva Córdoba",
        "Cerro",
        "Alta Córdoba",
        "General Paz",
        "Villa Allende",
    ),
}
# (weight, template): {slot}, {monto}, {nfac} invoice, {nped} order, {nrec} claim, {dni}, {n}
CUSTOMER = (
    (10, "hola me llegó la factura de {mes} con un importe de ${monto} y no corresponde"),
    (6, "Buenas, necesito el comprobante de pago de la factura {nfac}"),
    (4, "la factura {nfac} ya la pagué con {medio} el {dia} y me sigue figurando como deuda"),
    (3, "¿Por qué aumentó tanto la factura este mes? Pasé de ${monto} a mucho más"),
    (8, "No tengo internet desde {cuando}, el {equipo} tiene la luz {color}"),
    (5, "se corta todo el tiempo el {servicio}, ya reinicié el {equipo} dos veces"),
    (6, "Quiero hacer un reclamo por {problema}"),
    (3, "ya hice el reclamo {nrec} y nadie me llamó"),
    (2, "reclamé {cuando} y sigo igual"),
    (5, "¿cuándo viene el técnico? me dieron turno el {dia} entre las {franja}"),
    (5, "Pagué con {medio} el {dia} y todavía figura como deuda"),
    (3, "Quisiera dar de baja el servicio de {servicio}"),
    (4, "¿Tienen alguna promoción para {servicio}? Me interesa cambiar de plan"),
    (6, "Mi DNI es {dni}"),
    (4, "El pedido {nped} todavía no llegó, ¿me pasan el seguimiento?"),
    (1, "no me llegó el remito del pedido {nped}"),
    (3, "¿Hasta qué hora atiende la sucursal {sucursal}?"),
    (4, "sigo esperando, ya pasaron {n} días"),
    (3, "¿Puedo pagar la factura de {mes} en cuotas?"),
    (2, "necesito cambiar el domicilio de facturación"),
    (2, "el {equipo} nuevo no enciende"),
    (8, "Gracias"),
    (5, "Perfecto, muchas gracias"),
    (4, "ok"),
    (3, "Dale, quedo atento"),
    (2, "buenísimo gracias por la ayuda"),
    (3, "¿Hay alguien ahí?"),
)
AGENT = (
    (8, "Hola {nombre}, soy {agente} de {area}. ¿En qué te puedo ayudar?"),
    (8, "Ya lo estoy revisando, dame un momento por favor"),
    (5, "¿Me confirmás tu número de DNI o de cliente?"),
    (5, "Te genero el reclamo número {nrec}, en {n} días hábiles te contactamos"),
    (4, "Te envío el comprobante de la factura {nfac} por este medio"),
    (5, "Revisé la factura de {mes} y hay un cargo de ${monto} que corresponde al cambio de plan"),
    (3, "Verifiqué la factura y efectivamente hay un error, te hacemos una nota de crédito"),
    (4, "El técnico va a pasar el {dia} entre las {franja}"),
    (4, "¿Probaste reiniciar el {equipo}? Desenchufalo 30 segundos y volvelo a enchufar"),
    (3, "Veo una falla masiva en tu zona, estimamos que se normaliza en {n} horas"),
    (3, "El pedido {nped} sale mañana, la guía de envío te llega por mail"),
    (3, "Tenemos una promoción de {servicio} con 30% de descuento por 6 meses"),
    (2, "Listo, la baja queda registrada con fecha de hoy"),
    (5, "Cualquier otra consulta nos escribís. ¡Que tengas buen día!"),
    (3, "Perfecto, quedó registrado el pago con {medio}"),
)
GREETINGS = ("Hola", "hola", "Buen día", "buenas tardes", "Hola buenas", "hola!", "Buenas noches")
BOT_MENU = (
    "¡Hola! Soy el asistente virtual. Elegí una opción: 1 Soporte técnico, 2 Ventas, "
    "3 Pagos y facturación, 4 Reclamos, 5 Horarios"
)
BOT_HAND_OFF = "Te paso con {area}. En breve te atiende una persona."
BOT_HOURS = "Atendemos de lunes a viernes de 8 a 20 h y los sábados de 9 a 13 h."
BOT_BYE = "¡Gracias por escribirnos! Si necesitás algo más, escribí Hola."


def _weighted(templates):
    weights = [weight for weight, _ in templates]
    texts = [text for _, text in templates]
    return texts, list(itertools.accumulate(weights))


_CUSTOMER, _CUSTOMER_W = _weighted(CUSTOMER)
_AGENT, _AGENT_W = _weighted(AGENT)


class Texts:
    """Message texts drawn from the templates, the slots filled from the vocabulary."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def _fill(self, template: str, **known) -> str:
        rng = self.rng
        values = dict(known)
        for slot, choices in SLOTS.items():
            if "{" + slot + "}" in template:
                values[slot] = rng.choice(choices)
        values.update(
            monto=f"{rng.randrange(3, 90) * 1000 + rng.randrange(0, 1000, 10):,}".replace(",", "."),
            nfac=f"A-{rng.randrange(1, 9):04d}-{rng.randrange(10**7, 10**8):08d}",
            nped=str(rng.randrange(100000, 999999)),
            nrec=str(rng.randrange(1_000_000, 9_999_999)),
            dni=str(rng.randrange(10_000_000, 45_000_000)),
            n=str(rng.randrange(2, 15)),
        )
        text = template.format(**values)
        if rng.random() < 0.25:  # typed in a hurry: no accents, no capital
            text = text.lower().translate(_PLAIN)
        return text

    def customer(self) -> str:
        return self._fill(self.rng.choices(_CUSTOMER, cum_weights=_CUSTOMER_W)[0])

    def agent(self, **known) -> str:
        return self._fill(self.rng.choices(_AGENT, cum_weights=_AGENT_W)[0], **known)


_PLAIN = str.maketrans("áéíóúÁÉÍÓÚ¿¡", "aeiouAEIOU  ")


# --- the database ----------------------------------------------------------------------------


def _check_name(database_url: str) -> str:
    name = urlsplit(database_url).path.lstrip("/")
    if not (name.startswith("vt_") or "bench" in name):
        raise SystemExit(f"{name!r}: a benchmark database's name starts with vt_ or holds bench")
    return name


def ensure_database(database_url: str) -> bool:
    """Create the database when missing; True if it was created."""
    import psycopg

    name = _check_name(database_url)
    server = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    return not exists


def setup_django(database_url: str) -> None:
    """Django on `database_url`, migrated (bench/analytics.py's), the test client's host allowed."""
    analytics.setup_django(database_url)
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def _stamp() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {STAMP_TABLE} (shape jsonb, made jsonb)")
        cursor.execute(f"SELECT shape, made FROM {STAMP_TABLE}")
        row = cursor.fetchone()
    if row is None:
        return None
    shape, made = (json.loads(v) if isinstance(v, str) else v for v in row)
    return {"shape": shape, "made": made}


def _write_stamp(shape: Shape, made: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STAMP_TABLE}")
        cursor.execute(
            f"INSERT INTO {STAMP_TABLE} VALUES (%s, %s)",
            [json.dumps(asdict(shape)), json.dumps(made)],
        )


def _user(username: str, role: str, areas: list, name: str):
    from ventanilla.accounts import services as accounts
    from ventanilla.accounts.models import User

    return User.objects.filter(username=username).first() or accounts.user_create(
        username=username, password="x" * 16, role=role, area_ids=[a.pk for a in areas], name=name
    )


@dataclass
class People:
    areas: list
    agents: list  # AGENTS_PER_AREA per area, area by area
    admin: object
    supervisor: object  # of the first two areas
    agent: object  # the first agent of the first area: what one agent sees


def people() -> People:
    from ventanilla.accounts import services as accounts
    from ventanilla.accounts.models import Area, Role

    areas = [Area.objects.filter(name=n).first() or accounts.area_create(name=n) for n in AREAS]
    agents = [
        _user(
            f"bench-agent-{n}",
            Role.OPERATOR,
            [areas[n // AGENTS_PER_AREA]],
            f"{FIRST_NAMES[n]} {LAST_NAMES[n]}",
        )
        for n in range(len(AREAS) * AGENTS_PER_AREA)
    ]
    admin = _user("bench-admin", Role.ADMIN, [], "Admin")
    supervisor = _user("bench-supervisor", Role.SUPERVISOR, areas[:2], "Supervisora")
    return People(areas, agents, admin, supervisor, agents[0])


def _empty() -> None:
    from django.db import connection

    from ventanilla.flows.models import Flow

    tables = (
        "conversations_message",
        "conversations_conversationevent",
        "conversations_note",
        "conversations_conversation_labels",
        "conversations_conversation",
        "conversations_label",
        "contacts_contact",
    )
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    Flow.objects.all().delete()


def _flow(areas):
    """A menu with a redirect per area and an end; (flow, menu, {exit: [nodes]})."""
    from ventanilla.flows.models import Flow, Node

    flow = Flow.objects.create(name="Bienvenida")
    menu = Node.objects.create(flow=flow, type="menu", text=BOT_MENU)
    redirects = [
        Node.objects.create(flow=flow, parent=menu, type="redirect", label=area.name, area=area)
        for area in areas
    ]
    end = Node.objects.create(flow=flow, parent=menu, type="end", label="Horarios")
    return flow, menu, redirects, end


INDEXED_TABLES = (
    "conversations_message",
    "conversations_conversation",
    "conversations_conversation_labels",
    "contacts_contact",
)


def _drop_indexes(cursor) -> list[str]:
    """Drop the indexes that back no constraint on the filled tables; their definitions."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        [list(INDEXED_TABLES)],
    )
    rows = cursor.fetchall()
    for name, _ in rows:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in rows]


def _copy(cursor, table: str, columns: tuple[str, ...], lines: io.StringIO) -> None:
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with cursor.copy(sql) as copy:
        copy.write(lines.getvalue())


def _ts(moment: datetime) -> str:
    return moment.isoformat()


def _arrivals(rng: random.Random, shape: Shape, now: datetime, tz) -> list[datetime]:
    """When each conversation starts: more on weekdays and in office hours, ascending."""
    first_day = (now.astimezone(tz) - timedelta(days=shape.days)).date()
    slots, weights = [], []
    for day in range(shape.days + 1):
        date = first_day + timedelta(days=day)
        for hour, weight in enumerate(HOUR_WEIGHTS):
            start = datetime(date.year, date.month, date.day, hour, tzinfo=tz)
            if start < now - timedelta(days=shape.days) or start >= now:
                continue
            slots.append(start)
            weights.append(weight * WEEKDAY_WEIGHTS[date.weekday()])
    chosen = rng.choices(slots, weights=weights, k=shape.conversations)
    arrivals = [(start + timedelta(seconds=rng.uniform(0, 3600))) for start in chosen]
    return sorted(min(moment, now - timedelta(seconds=1)) for moment in arrivals)


def _message_counts(rng: random.Random, shape: Shape, bot_only: list[bool]) -> list[int]:
    """Messages per conversation, log-normal, scaled to add up to shape.messages exactly."""
    raw = [
        rng.randint(2, 6) if alone else max(4, round(rng.lognormvariate(2.35, 0.55)))
        for alone in bot_only
    ]
    scale = shape.messages / sum(raw)
    counts = [max(2, round(count * scale)) for count in raw]
    difference = shape.messages - sum(counts)
    step = 1 if difference > 0 else -1
    while difference:
        index = rng.randrange(len(counts))
        if counts[index] + step >= 4 or (step > 0):
            counts[index] += step
            difference -= step
    return counts


def fill(shape: Shape, crew: People) -> dict:
    """Write the desk; what was made."""
    from django.db import connection, transaction
    from django.utils import timezone

    from ventanilla.conversations.models import Label
    from ventanilla.core.text import fold
    from ventanilla.providers.models import Line

    started = time.perf_counter()
    rng = random.Random(shape.seed)
    texts = Texts(rng)
    tz = zoneinfo.ZoneInfo(os.environ.get("TIME_ZONE", "America/Argentina/Buenos_Aires"))
    _empty()
    line = Line.objects.filter(is_default=True).first() or Line.objects.create(
        provider="sandbox", display_name="Bench", is_default=True
    )
    flow, menu, redirects, end = _flow(crew.areas)
    now = timezone.now().astimezone(UTC).replace(microsecond=0)
    labels = [
        Label.objects.create(name=name, name_key=fold(name), color=color, created_at=now)
        for name, color, _ in LABELS
    ]
    arrivals = _arrivals(rng, shape, now, tz)
    bot_only = [rng.random() < 0.25 for _ in arrivals]
    counts = _message_counts(rng, shape, bot_only)
    contact_count = max(1, round(shape.conversations * 0.6))
    # busier and quieter agents: each area's five take 30, 25, 20, 15 and 10% of its work
    agent_weights = [30, 25, 20, 15, 10]

    contacts, conversations, messages, tagged = (io.StringIO() for _ in range(4))
    made_contacts = set()
    open_contacts = set()
    message_id, statuses = 0, {}
    for number, (created, alone, count) in enumerate(zip(arrivals, bot_only, counts, strict=True)):
        conversation_id = number + 1
        contact_id = 1 + min(contact_count - 1, int(contact_count * rng.random() ** 1.6))
        age = (now - created).total_seconds()
        may_be_open = age < OPEN_HOURS * 3600
        if may_be_open and contact_id in open_contacts:
            may_be_open = False
        made_contacts.add(contact_id)
        area_index = rng.choices(range(4), weights=(40, 25, 20, 15))[0]
        area = crew.areas[area_index]
        agent = None
        exit_kind, exit_node = ("end", end.pk) if alone else ("redirect", redirects[area_index].pk)
        if not alone and rng.random() < 0.08:
            exit_kind, exit_node = "fallback", menu.pk  # a typed answer the menu did not know
        # the conversation's moments, as offsets from its start in seconds
        queued = assigned = None
        if not alone:
            queued = rng.uniform(20, 90)
            assigned = queued + rng.expovariate(1 / 240)
            agent = crew.agents[
                area_index * AGENTS_PER_AREA
                + rng.choices(range(AGENTS_PER_AREA), weights=agent_weights)[0]
            ]
        offsets = [0.0, 2.0]  # greeting, the bot's menu
        moment = 2.0
        for index in range(2, count):
            if alone or index < 4:
                moment += rng.uniform(5, 40) if index % 2 == 0 else 2.0
            else:
                moment = max(moment, assigned if index % 2 == 1 else queued) + rng.expovariate(
                    1 / 150
                )
            offsets.append(moment)
        closing = offsets[-1] + rng.expovariate(1 / 900)
        if max(offsets[-1], closing) > age - 1:  # squeeze the whole conversation into its age
            factor = (age - 1) / max(offsets[-1], closing, 1)
            offsets = [o * factor for o in offsets]
            queued = queued * factor if queued is not None else None
            assigned = assigned * factor if assigned is not None else None
            closing *= factor
        status = "closed"
        if may_be_open and rng.random() < 0.8:
            status = "bot" if alone else rng.choice(("queued", "active", "active", "active"))
            if status == "queued":
                agent, assigned = None, None
                offsets = [o for o in offsets[:4]] + [
                    offsets[3] + 20 * (k + 1) for k in range(count - 4)
                ]
                offsets = [min(o, age - 1) for o in offsets]
        at = [created + timedelta(seconds=o) for o in offsets]
        statuses[status] = statuses.get(status, 0) + 1
        first_message = message_id + 1
        assigned_at = created + timedelta(seconds=assigned) if assigned is not None else None
        first_reply = None  # the first agent message at or after assigned_at
        for index, when in enumerate(at):
            message_id += 1
            inbound = index % 2 == 0
            if index == 0:
                text = rng.choice(GREETINGS)
            elif index == 1:
                text = BOT_MENU
            elif alone:
                text = (
                    ("5" if index == 2 else texts.customer())
                    if inbound
                    else (BOT_HOURS if index == 3 else BOT_BYE)
                )
            elif index == 2:
                text = (
                    texts.customer()
                    if exit_kind == "fallback"
                    else rng.choice((str(area_index + 1), area.name.lower()))
                )
            elif index == 3:
                text = BOT_HAND_OFF.format(area=area.name)
            elif inbound or status == "queued":
                text = texts.customer()
            else:
                text = texts.agent(
                    nombre=rng.choice(FIRST_NAMES), agente=agent.name, area=area.name
                )
            if inbound or (status == "queued" and index > 3):
                direction, sender, user, state = "in", "contact", r"\N", "received"
            elif alone or index < 4:
                direction, sender, user, state = "out", "bot", r"\N", "read"
            else:
                direction, sender, user, state = "out", "agent", str(agent.pk), "read"
                if first_reply is None and assigned_at is not None and when >= assigned_at:
                    first_reply = when
            messages.write(
                f"{message_id}\t{conversation_id}\t{line.pk}\t{direction}\t{sender}\t{user}\t"
                f"text\t{text}\t{{}}\t\t\t\t\t\t{state}\t[]\t\t\t0\t{_ts(when)}\n"
            )
        last_inbound = max(
            (when for index, when in enumerate(at) if index % 2 == 0),
            default=created,
        )
        is_open = status != "closed"
        if is_open:
            open_contacts.add(contact_id)
        closed_at = created + timedelta(seconds=closing) if not is_open else None
        waiting = status == "active" and len(at) % 2 == 1  # the customer wrote last
        row = (
            conversation_id,
            line.pk,
            contact_id,
            status,
            f"{line.pk}:{contact_id}" if is_open else r"\N",
            "t" if status == "bot" else "f",
            (1 + rng.randrange(3)) if waiting else 0,
            _ts(max(at[-1], closed_at or at[-1])),
            _ts(last_inbound),
            _ts(created),
            _ts(created + timedelta(seconds=queued)) if queued is not None else r"\N",
            _ts(assigned_at) if assigned_at is not None else r"\N",
            _ts(first_reply) if first_reply is not None else r"\N",
            _ts(closed_at) if closed_at else r"\N",
            "" if is_open else ("autoclose" if alone else ""),
            area.pk if not alone else r"\N",
            agent.pk if agent is not None else r"\N",
            agent.pk if (agent is not None and not is_open) else r"\N",
            first_message + len(at) - 1,
            flow.pk,
            exit_kind if status != "bot" else "",
            exit_node if status != "bot" else r"\N",
            _ts(at[-1]) if waiting else r"\N",
            "nobody_available" if status == "queued" else "",
            0,
        )
        conversations.write("\t".join(map(str, row)) + "\n")
        if not alone:
            for label_index, (_, _, share) in enumerate(LABELS):
                if rng.random() < share * 1.5:
                    tagged.write(f"{conversation_id}\t{labels[label_index].pk}\n")
    for contact_id in sorted(made_contacts):
        name = (
            f"{FIRST_NAMES[contact_id % len(FIRST_NAMES)]} "
            f"{LAST_NAMES[(contact_id * 7) % len(LAST_NAMES)]}"
        )
        dni = str(20_000_000 + contact_id * 13) if contact_id % 2 else ""
        contacts.write(
            f"{contact_id}\t{_ts(now)}\t{_ts(now)}\t{name}\t+549351{contact_id:07d}\tt\t{dni}\tf\n"
        )
    generated = time.perf_counter() - started
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute("SET LOCAL session_replication_role = replica")  # no FK checks: made whole
        definitions = _drop_indexes(raw)
        _copy(
            raw,
            "contacts_contact",
            ("id", "created_at", "updated_at", "name", "phone", "phone_verified", "dni", "sandbox"),
            contacts,
        )
        _copy(
            raw,
            "conversations_conversation",
            (
                "id",
                "line_id",
                "contact_id",
                "status",
                "open_key",
                "bot_active",
                "unread_count",
                "last_activity_at",
                "last_inbound_at",
                "created_at",
                "queued_at",
                "assigned_at",
                "first_reply_since_assigned_at",
                "closed_at",
                "closed_reason",
                "area_id",
                "assigned_to_id",
                "closed_by_id",
                "last_message_id",
                "bot_flow_id",
                "bot_exit",
                "bot_exit_node_id",
                "waiting_since",
                "queue_reason",
                "bot_misses",
            ),
            conversations,
        )
        _copy(raw, "conversations_message", MESSAGE_COLUMNS, messages)
        _copy(raw, "conversations_conversation_labels", ("conversation_id", "label_id"), tagged)
        copied = time.perf_counter() - started
        raw.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for definition in definitions:
            raw.execute(definition)
        for table in (*INDEXED_TABLES, "conversations_label"):
            raw.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
    indexed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    made = {
        "made_at": now.isoformat(),
        "contacts": len(made_contacts),
        "conversations": shape.conversations,
        "messages": message_id,
        "statuses": statuses,
        "generate_seconds": round(generated, 1),
        "copy_seconds": round(copied - generated, 1),
        "index_seconds": round(indexed - copied, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    _write_stamp(shape, made)
    return made


# the columns of the message lines `fill` writes, in their order
MESSAGE_COLUMNS = (
    "id",
    "conversation_id",
    "line_id",
    "direction",
    "sender_type",
    "sender_user_id",
    "type",
    "text",
    "payload",
    "media_file",
    "media_provider_id",
    "media_mime_type",
    "media_filename",
    "reply_to_provider_id",
    "status",
    "status_history",
    "error_code",
    "error",
    "attempts",
    "created_at",
)


@dataclass
class Desk:
    people: People
    made: dict
    reused: bool


def add_arguments(parser) -> None:
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--reuse", action="store_true", help="use the desk already there if of the same shape"
    )
    parser.add_argument("--conversations", type=int, default=Shape.conversations)
    parser.add_argument("--messages", type=int, default=Shape.messages)
    parser.add_argument("--days", type=int, default=Shape.days)


def open_desk(args) -> Desk:
    """The desk of `args` (add_arguments), generated unless --reuse finds it."""
    ensure_database(args.database_url)
    setup_django(args.database_url)
    shape = Shape(conversations=args.conversations, messages=args.messages, days=args.days)
    crew = people()
    stamp = _stamp()
    if args.reuse and stamp is not None and stamp["shape"] == asdict(shape):
        print(f"reusing the desk made at {stamp['made']['made_at']}", flush=True)
        return Desk(crew, stamp["made"], reused=True)
    made = fill(shape, crew)
    print(f"desk made: {json.dumps(made)}", flush=True)
    return Desk(crew, made, reused=False)


def load() -> list[float]:
    """The 1-, 5- and 15-minute load averages (the machine is shared)."""
    return [round(value, 2) for value in os.getloadavg()]


def quantile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank quantile of ascending values."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]
