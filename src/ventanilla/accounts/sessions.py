"""Signed-in sessions a person sees and ends (account screen, /api/sessions), and an admin ending
all of someone's. Ending a session deletes Django's session row, so its cookie signs nobody in,
and closes the consoles (sockets) opened with it once the change commits."""

import re
from datetime import datetime, timedelta

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ventanilla.accounts.models import SignedInSession, User
from ventanilla.accounts.services import session_sockets_close, user_sockets_close
from ventanilla.core import audit
from ventanilla.core.errors import NotFound

SEEN_KEY = "ventanilla_seen"  # in the session: when its row's last_seen_at was last written
SEEN_EVERY = timedelta(seconds=60)  # a request touches the row at most this often

_BROWSERS = [
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/"),
    ("Safari", r"Safari/"),
    ("curl", r"^curl/"),
    ("Python", r"python-requests|httpx|aiohttp|Python-urllib"),
]
_SYSTEMS = [
    ("Android", r"Android"),
    ("iOS", r"iPhone|iPad|iPod"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("Linux", r"Linux|X11"),
]


def device_of(user_agent: str) -> str:
    """ "Firefox on Linux", "Chrome on Android", "curl": enough for a person to know the device."""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, user_agent)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), "")
    if browser and system:
        return _("%(browser)s en %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Dispositivo desconocido")


def session_started(*, user: User, session, user_agent: str, ip_address: str) -> None:
    """A sign-in made `session`: it is listed from now on (called when Django signs someone in)."""
    if not session.session_key:
        session.save()
    now = timezone.now()
    SignedInSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "user_agent": user_agent[:300],
            "ip_address": ip_address,
            "created_at": now,
            "last_seen_at": now,
        },
    )
    session[SEEN_KEY] = now.isoformat()


def session_seen(*, session, ip_address: str) -> None:
    """A request of this session: its row's last_seen_at and address, at most once a minute (the
    time of the last write is kept in the session, so other requests cost no query)."""
    now = timezone.now()
    try:
        seen = datetime.fromisoformat(session.get(SEEN_KEY) or "")
    except (TypeError, ValueError):
        seen = None
    if seen is not None and timezone.is_aware(seen) and now - seen < SEEN_EVERY:
        return
    SignedInSession.objects.filter(session_key=session.session_key).update(
        last_seen_at=now, ip_address=ip_address
    )
    session[SEEN_KEY] = now.isoformat()


def session_list(*, user_id: int) -> QuerySet[SignedInSession]:
    """A person's open sessions, last seen first (expired ones left out)."""
    alive = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    return SignedInSession.objects.filter(user_id=user_id, session_key__in=alive).order_by(
        "-last_seen_at", "-id"
    )


def _end(row: SignedInSession) -> None:
    Session.objects.filter(session_key=row.session_key).delete()
    row.delete()
    session_sockets_close(session_key=row.session_key)


@transaction.atomic
def session_end(*, user_id: int, session_id: int) -> None:
    """Ends one of this person's sessions; NotFound for anyone else's (or one already ended)."""
    row = SignedInSession.objects.filter(pk=session_id, user_id=user_id).first()
    if row is None:
        raise NotFound(_("Sesión inexistente."))
    audit.record(
        "session.ended",
        target_type="user",
        target_id=user_id,
        target_label=row.user.get_username(),
        changes={"device": [device_of(row.user_agent), None], "ip_address": [row.ip_address, None]},
    )
    _end(row)


@transaction.atomic
def user_sessions_end(*, user: User) -> int:
    """Ends every session of this person, listed or not (one made before sessions were listed
    is found by reading the session rows), and closes all their consoles. The number ended."""
    keys = set(SignedInSession.objects.filter(user=user).values_list("session_key", flat=True))
    for stored in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if stored.get_decoded().get(SESSION_KEY) == str(user.pk):
            keys.add(stored.session_key)
    Session.objects.filter(session_key__in=keys).delete()
    SignedInSession.objects.filter(user=user).delete()
    audit.record_object("session.ended", user, changes={"sessions": [len(keys), 0]})
    user_sockets_close(user_id=user.pk)
    return len(keys)


def sessions_forget_ended() -> int:
    """Rows whose Django session is gone (expired and purged, or deleted elsewhere)."""
    alive = Session.objects.values("session_key")
    deleted, _count = SignedInSession.objects.exclude(session_key__in=alive).delete()
    return deleted
