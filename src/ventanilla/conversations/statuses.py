"""Delivery statuses moved forward by one statement per round (ADR 0036).

Where the database updates and returns in one statement (PostgreSQL, SQLite 3.35+), a batch of
statuses is one `UPDATE … FROM (VALUES …) … RETURNING` per round, a round holding at most one
status of each message (the order of one message's statuses is kept across rounds). The UPDATE
moves a status only forward, by the very rule of `status_advanced` below (turned into the
statuses each one may follow), appends the step to `status_history` in SQL, and returns what the
`message:status` event needs: the message, its sender's name and its conversation's audience.

Which statuses of the round named a known message is returned too, so a repeated status costs
nothing more: on PostgreSQL the UPDATE is a data-modifying CTE and the same statement reads which
messages exist; SQLite, which has no such CTE, reads that only for the statuses that moved nothing.
"""

import json
from functools import cache, lru_cache

from django.db import connection

from ventanilla.accounts.models import User
from ventanilla.conversations.models import STATUS_RANK, Conversation, DeliveryStatus, Message
from ventanilla.conversations.visibility import AUDIENCE_FIELDS, audience_of_row
from ventanilla.core import clock
from ventanilla.providers.base import StatusUpdate
from ventanilla.providers.models import Line

# what `serializers.message_item` reads of a message (the sender's name comes apart)
RETURNED_FIELDS = frozenset(
    {
        "id",
        "conversation",
        "line",
        "direction",
        "sender_type",
        "sender_user",
        "type",
        "text",
        "payload",
        "media_file",
        "media_provider_id",
        "media_mime_type",
        "media_filename",
        "media_size",
        "provider_id",
        "reply_to_provider_id",
        "status",
        "error_code",
        "error",
        "created_at",
    }
)


def supported() -> bool:
    if connection.vendor == "postgresql":
        return True
    # UPDATE … FROM came with SQLite 3.33, RETURNING with 3.35 (Django's flag for the latter)
    return connection.vendor == "sqlite" and connection.features.can_return_columns_from_insert


@cache
def may_follow(status: str) -> tuple[str, ...]:
    """The statuses a message may be in for `status` to move it: asked of the one rule."""
    if status not in STATUS_RANK:
        return ()
    return tuple(
        current
        for current in DeliveryStatus.values
        if status_advanced(Message(status=current, status_history=[]), status)
    )


Update = tuple[Line, StatusUpdate]


def rounds(updates: list[Update]) -> list[list[Update]]:
    """The updates in rounds, each with at most one status per message, in their order."""
    result: list[list[Update]] = []
    seen: dict[tuple[int, str], int] = {}
    for line, update in updates:
        key = (line.pk, update.provider_message_id)
        number = seen.get(key, -1) + 1
        seen[key] = number
        if number == len(result):
            result.append([])
        result[number].append((line, update))
    return result


def forward(updates: list[Update]) -> tuple[list[tuple[Message, dict]], list[Update]]:
    """The statuses moved forward where the rule allows, a statement per round. Returns each
    message moved (as it is now, once) with its conversation's audience, and the updates whose
    message is not known."""
    postgres = connection.vendor == "postgresql"
    moved: dict[int, tuple[Message, dict]] = {}
    known: set[tuple[int, str]] = set()
    for round_ in rounds(updates):
        sql, params = _statement(round_, postgres=postgres)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if postgres:  # each known message's (line id, provider id), then its moved row or NULLs
            known.update((row[0], row[1]) for row in rows)
            returned = [_message_of(row[2:]) for row in rows if row[2] is not None]
        else:
            returned = [_message_of(row) for row in rows]
            known.update((message.line_id, message.provider_id) for message, _ in returned)
        moved.update((message.pk, (message, audience)) for message, audience in returned)
    unknown = [(line, u) for line, u in updates if (line.pk, u.provider_message_id) not in known]
    if unknown and not postgres:  # SQLite returned only what moved: the rest may be repeats
        known |= _known_among(unknown)
        unknown = [
            (line, u) for line, u in unknown if (line.pk, u.provider_message_id) not in known
        ]
    return list(moved.values()), unknown


def _known_among(updates: list[Update]) -> set[tuple[int, str]]:
    by_line: dict[int, set[str]] = {}
    for line, update in updates:
        by_line.setdefault(line.pk, set()).add(update.provider_message_id)
    quote, meta = connection.ops.quote_name, Message._meta
    line, provider_id = (
        quote(meta.get_field("line").column),
        quote(meta.get_field("provider_id").column),
    )
    which, params = [], []
    for line_id, provider_ids in by_line.items():
        marks = ", ".join(["%s"] * len(provider_ids))
        which.append(f"({line} = %s AND {provider_id} IN ({marks}))")
        params += [line_id, *provider_ids]
    sql = f"SELECT {line}, {provider_id} FROM {quote(meta.db_table)} WHERE {' OR '.join(which)}"  # noqa: S608 (names from the model)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(row[0], row[1]) for row in cursor.fetchall()}


@cache
def _fields():
    return [f for f in Message._meta.concrete_fields if f.name in RETURNED_FIELDS]


def _statement(round_: list[Update], *, postgres: bool) -> tuple[str, list]:
    params: list = []
    for line, update in round_:
        entry = status_entry(update.status, update.timestamp, update.error_code, update.error_title)
        params += [
            line.pk,
            update.provider_message_id,
            update.status,
            json.dumps([entry] if postgres else entry),
            update.error_code[:20],
            update.error_title[:500],
        ]
    moving = tuple(dict.fromkeys(update.status for _, update in round_))
    sql = _statement_sql(postgres, len(round_), moving)
    return sql, params + [param for status in moving for param in _condition_params(status)]


def _condition_params(status: str) -> list[str]:
    followed = may_follow(status)
    return [status, *followed] if followed else []


@lru_cache(maxsize=256)
def _statement_sql(postgres: bool, size: int, moving: tuple[str, ...]) -> str:
    """The statement for `size` statuses whose new statuses are `moving` (its text is the same
    for every round of that shape: built once)."""
    quote = connection.ops.quote_name
    meta = Message._meta
    m = quote(meta.db_table)  # not an alias: SQLite's RETURNING knows the table by its name

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    if postgres:
        values_row = "(CAST(%s AS bigint), %s, %s, CAST(%s AS jsonb), %s, %s)"
        history = f"{m}.{column('status_history')} || v.entry"
    else:
        values_row = "(%s, %s, %s, %s, %s, %s)"
        history = f"json_insert({m}.{column('status_history')}, '$[#]', json(v.entry))"
    conditions = []
    for status in moving:
        followed = may_follow(status)
        if followed:
            marks = ", ".join(["%s"] * len(followed))
            conditions.append(f"(v.status = %s AND {m}.{column('status')} IN ({marks}))")
    moves = " OR ".join(conditions) or "1 = 0"
    failed = DeliveryStatus.FAILED.value
    conversation_id, sender_id = f"{m}.{column('conversation')}", f"{m}.{column('sender_user')}"
    sender = [_scalar(User, name, sender_id) for name in ("name", "username")]
    audience = [_scalar(Conversation, name, conversation_id) for name in AUDIENCE_FIELDS[1:]]
    returned = ", ".join([*(f"{m}.{quote(f.column)}" for f in _fields()), *sender, *audience])
    values = ", ".join([values_row] * size)
    update = (
        f"UPDATE {m} SET {column('status')} = v.status, "  # noqa: S608 (names from the models)
        f"{column('status_history')} = {history}, "
        f"{column('error_code')} = CASE WHEN v.status = '{failed}' THEN v.error_code "
        f"ELSE {m}.{column('error_code')} END, "
        f"{column('error')} = CASE WHEN v.status = '{failed}' THEN v.error "
        f"ELSE {m}.{column('error')} END "
        f"FROM v WHERE {m}.{column('line')} = v.line_id "
        f"AND {m}.{column('provider_id')} = v.provider_id AND ({moves}) RETURNING {returned}"
    )
    head = f"WITH v (line_id, provider_id, status, entry, error_code, error) AS (VALUES {values})"
    if not postgres:
        return f"{head} {update}"
    pk = column("id")
    return (
        f"{head}, moved AS ({update}) "  # noqa: S608 (names from the models)
        f"SELECT k.{column('line')}, k.{column('provider_id')}, moved.* FROM v "
        f"JOIN {m} k ON k.{column('line')} = v.line_id "
        f"AND k.{column('provider_id')} = v.provider_id LEFT JOIN moved ON moved.{pk} = k.{pk}"
    )


def _scalar(model, name: str, key: str) -> str:
    """`model`'s field `name` of the row whose primary key is the SQL `key`, as a subquery."""
    quote, meta = connection.ops.quote_name, model._meta
    column, table, pk = (
        quote(meta.get_field(name).column),
        quote(meta.db_table),
        quote(meta.pk.column),
    )
    return f"(SELECT t.{column} FROM {table} t WHERE t.{pk} = {key}) AS {meta.model_name}_{name}"  # noqa: S608 (names from the models)


@cache
def _converters(vendor: str) -> list[tuple]:
    """Each returned field with the converters Django applies to its column as read."""
    result = []
    for model_field in _fields():
        col = model_field.get_col(Message._meta.db_table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        result.append((col, converters))
    return result


def _message_of(row) -> tuple[Message, dict]:
    fields = _fields()
    values = list(row[: len(fields)])
    for index, (col, converters) in enumerate(_converters(connection.vendor)):
        for converter in converters:
            values[index] = converter(values[index], col, connection)
    message = Message.from_db(connection.alias, [f.attname for f in fields], values)
    name, username, *audience = row[len(fields) :]
    if message.sender_user_id is not None:
        message.sender_user = User(pk=message.sender_user_id, name=name, username=username)
    return message, audience_of_row([message.conversation_id, *audience])


def status_advance(message: Message, status: str, *, at=None, error_code="", error="") -> bool:
    """Moves a message's status forward (never back) and saves it; returns whether it changed."""
    fields = status_advanced(message, status, at=at, error_code=error_code, error=error)
    if fields:
        message.save(update_fields=fields)
    return bool(fields)


def status_advanced(
    message: Message, status: str, *, at=None, error_code="", error=""
) -> list[str]:
    """`status_advance` in memory only: the fields it changed (none when it would go back)."""
    if status not in STATUS_RANK:
        return []
    current = message.status
    if current == status:
        return []
    if current == DeliveryStatus.READ:
        return []
    if status != DeliveryStatus.FAILED and STATUS_RANK[status] < STATUS_RANK.get(current, 0):
        return []
    message.status = status
    message.status_history = [*message.status_history, status_entry(status, at, error_code, error)]
    fields = ["status", "status_history"]
    if status == DeliveryStatus.FAILED:
        message.error_code, message.error = error_code[:20], error[:500]
        fields += ["error_code", "error"]
    return fields


def status_entry(status: str, at=None, error_code: str = "", error: str = "") -> dict:
    """A step of a message's `status_history`."""
    entry = {"status": status, "at": (at or clock.now()).isoformat()}
    if error_code or error:
        entry.update(error_code=error_code, error=error)
    return entry
