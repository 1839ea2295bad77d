"""Why routing did what it did: the explanation stored in the `assigned` and `queued` events
(docs/routing.md#why) and the sentences supervisors read in the thread and the list.

Pure functions over users already loaded and the event's `data`: no queries.
"""

from datetime import UTC, datetime
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ventanilla.accounts.models import Availability, User

_NEVER = datetime.min.replace(tzinfo=UTC)


class Presence(StrEnum):
    AVAILABLE = "available"  # "available" and a console open right now
    AWAY = "away"  # set to away
    OFFLINE = "offline"  # available, but no console open


class Rule(StrEnum):
    """The step of the pick that decided (assigned), or why the conversation waits (queued)."""

    ONLY_CANDIDATE = "only_candidate"
    LEAST_LOADED = "least_loaded"
    LONGEST_WAITING = "longest_waiting"  # equal loads: longest since the last assignment
    LOWEST_ID = "lowest_id"  # equal loads and times
    AFTER_HOURS = "after_hours"
    BEHIND_QUEUE = "behind_queue"
    NOBODY_AVAILABLE = "nobody_available"
    AT_CAPACITY = "at_capacity"  # someone is available, everyone available is at their cap


def presence(user: User, now: datetime) -> str:
    if user.availability != Availability.AVAILABLE:
        return Presence.AWAY
    if user.console_seen_until is None or user.console_seen_until <= now:
        return Presence.OFFLINE
    return Presence.AVAILABLE


def pick_order(user: User) -> tuple:
    # fewest open conversations, then longest since the last assignment (never first), then id
    waited_since = user.last_assigned_at
    return (user.load, waited_since is not None, waited_since or _NEVER, user.pk)


def deciding_rule(ranked: list[User]) -> str:
    """Which step of the pick separated the first from the second."""
    if len(ranked) == 1:
        return Rule.ONLY_CANDIDATE
    first, second = pick_order(ranked[0]), pick_order(ranked[1])
    if first[0] != second[0]:
        return Rule.LEAST_LOADED
    if first[1:3] != second[1:3]:
        return Rule.LONGEST_WAITING
    return Rule.LOWEST_ID


def explain(*, ranked: list[User], members: list[User], loads: dict[int, int], now) -> dict:
    """`candidates`: the eligible agents in pick order; `others`: the area's other members and
    why they were left out (away, offline, at_capacity); `reason`: the deciding rule, or why
    nobody was picked."""
    picked = {user.pk for user in ranked}
    candidates = [
        {
            "user_id": user.pk,
            "presence": Presence.AVAILABLE.value,
            "load": user.load,
            "capacity": user.max_open_conversations,
        }
        for user in ranked
    ]
    others = []
    for member in members:
        if member.pk in picked:
            continue
        state = presence(member, now)
        others.append(
            {
                "user_id": member.pk,
                "presence": str(state),
                "load": loads.get(member.pk, 0),
                "capacity": member.max_open_conversations,
                "excluded": "at_capacity" if state == Presence.AVAILABLE else str(state),
            }
        )
    if ranked:
        reason = deciding_rule(ranked)
    elif any(other["excluded"] == "at_capacity" for other in others):
        reason = Rule.AT_CAPACITY
    else:
        reason = Rule.NOBODY_AVAILABLE
    return {"candidates": candidates, "others": others, "reason": str(reason)}


# --- the sentences -----------------------------------------------------------------------------


def _open_count(load: int) -> str:
    return ngettext("%(count)d abierta", "%(count)d abiertas", load) % {"count": load}


def assignment_text(data: dict, name: str) -> str:
    """ "Asignada a Sofía: 2 abiertas, la menor carga entre 3 disponibles"; "" when `data` holds
    no routing explanation (an assignment by hand, or one recorded before it existed)."""
    candidates = data.get("candidates")
    reason = data.get("reason")
    if not isinstance(candidates, list) or not candidates or not isinstance(candidates[0], dict):
        return ""
    load = candidates[0].get("load")
    if not isinstance(load, int):
        return ""
    count = len(candidates)
    why = {
        Rule.ONLY_CANDIDATE: _("la única persona disponible"),
        Rule.LEAST_LOADED: ngettext(
            "la menor carga entre %(count)d disponible",
            "la menor carga entre %(count)d disponibles",
            count,
        ),
        Rule.LONGEST_WAITING: ngettext(
            "empate en carga entre %(count)d disponible; la que más esperaba desde su última"
            " asignación",
            "empate en carga entre %(count)d disponibles; la que más esperaba desde su última"
            " asignación",
            count,
        ),
        Rule.LOWEST_ID: ngettext(
            "empate en carga y espera entre %(count)d disponible; la de menor número de usuario",
            "empate en carga y espera entre %(count)d disponibles; la de menor número de usuario",
            count,
        ),
    }.get(reason)
    if why is None:
        return ""
    text = _("Asignada a %(user)s: %(open)s, %(why)s") % {
        "user": name,
        "open": _open_count(load),
        "why": why % {"count": count},
    }
    if data.get("via") == "queue":
        text = _("%(text)s (desde la cola)") % {"text": text}
    return text


def queue_reason_text(reason: str) -> str:
    """Why a conversation waits, for its note and its row; "" for an unknown reason."""
    texts = {
        Rule.AFTER_HOURS: _("área fuera de horario"),
        Rule.BEHIND_QUEUE: _("hay clientes esperando antes"),
        Rule.NOBODY_AVAILABLE: _("nadie disponible"),
        Rule.AT_CAPACITY: _("todos al límite de conversaciones"),
    }
    return str(texts.get(reason, ""))


def left_out_text(data: dict) -> str:
    """The members left out and why: "1 ausente, 2 sin consola abierta, 1 al límite"; "" when
    nobody was."""
    others = data.get("others")
    if not isinstance(others, list):
        return ""
    counts: dict[str, int] = {}
    for other in others:
        if isinstance(other, dict):
            counts[str(other.get("excluded"))] = counts.get(str(other.get("excluded")), 0) + 1
    forms = {
        Presence.AWAY: lambda n: ngettext("%(count)d ausente", "%(count)d ausentes", n),
        Presence.OFFLINE: lambda n: ngettext(
            "%(count)d sin consola abierta", "%(count)d sin consola abierta", n
        ),
        "at_capacity": lambda n: ngettext("%(count)d al límite", "%(count)d al límite", n),
    }
    parts = [
        forms[key](counts[key]) % {"count": counts[key]}
        for key in (Presence.AWAY, Presence.OFFLINE, "at_capacity")
        if counts.get(key)
    ]
    return ", ".join(parts)


def explanation(kind: str, data: dict, *, user: str, area: str) -> str:
    """Routing's reason as a note: "Asignada a Sofía: 2 abiertas, la menor carga entre 3
    disponibles · 1 ausente", "En cola en Soporte: nadie disponible"; "" for other events, or an
    assignment routing did not decide."""
    if kind == "assigned":
        text = assignment_text(data, user)
    elif kind == "queued":
        why = queue_reason_text(str(data.get("reason") or ""))
        text = _("En cola en %(area)s: %(why)s") % {"area": area, "why": why} if why else ""
    else:
        return ""
    left_out = left_out_text(data) if text else ""
    return f"{text} · {left_out}" if left_out else text
