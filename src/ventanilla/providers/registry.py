"""The client of a line: one per line and process, its connections kept open between uses.

A client is built the first time a line needs it and reused (thread-safe) while the line's
credentials stay the same. Other credentials (a token, a phone number id, a server's URL, a
secret key...) build a new client on the next use, and the old one is closed as soon as nobody is
using it; so is the client of a line that is deleted. Every client is closed at process exit and
when the serve, web and worker commands stop (`close_all`).
"""

import atexit
import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings

from ventanilla.providers.base import SendError, WhatsAppClient
from ventanilla.providers.models import Line, Provider
from ventanilla.providers.sandbox import SandboxClient


class UnavailableClient:
    def __init__(self, reason: str):
        self.reason = reason

    def send(self, message):
        raise SendError(self.reason, retryable=False)

    def mark_read(self, provider_message_id):
        return None

    def fetch_media(self, media):
        raise SendError(self.reason, retryable=False)

    def upload_media(self, media):
        raise SendError(self.reason, retryable=False)

    def close(self) -> None:
        return None


def _cloud_credentials(line: Line) -> tuple:
    return (
        line.cloud_api_url or settings.WHATSAPP_CLOUD_API_URL,
        line.cloud_phone_number_id or "",
        line.cloud_access_token,
    )


def _cloud_client(line: Line) -> WhatsAppClient:
    from ventanilla.providers.cloud_api.client import CloudApiClient

    base_url, phone_number_id, access_token = _cloud_credentials(line)
    return CloudApiClient(
        base_url=base_url, phone_number_id=phone_number_id, access_token=access_token
    )


def _wppconnect_credentials(line: Line) -> tuple:
    # not the bearer token: the client trades the secret key for a new one itself and keeps it
    return (line.wpp_url, line.wpp_session, line.wpp_secret_key)


def _wppconnect_client(line: Line) -> WhatsAppClient:
    from ventanilla.providers.wppconnect.client import WppConnectClient

    def keep_token(token: str, line_id=line.pk) -> None:
        Line.objects.filter(pk=line_id).update(wpp_token=token)

    base_url, session, secret_key = _wppconnect_credentials(line)
    return WppConnectClient(
        base_url=base_url,
        session=session,
        secret_key=secret_key,
        token=line.wpp_token,
        on_token=keep_token,
    )


@dataclass(frozen=True)
class _Kind:
    credentials: Callable[[Line], tuple]  # everything `build` reads that an admin may change
    build: Callable[[Line], WhatsAppClient]


_KINDS = {
    Provider.SANDBOX: _Kind(lambda line: (), lambda line: SandboxClient()),
    Provider.CLOUD: _Kind(_cloud_credentials, _cloud_client),
    Provider.WPPCONNECT: _Kind(_wppconnect_credentials, _wppconnect_client),
}


def _unavailable(line: Line) -> WhatsAppClient:
    return UnavailableClient(f"The {line.get_provider_display()} provider is not available yet.")


def _fingerprint(line: Line) -> str:
    kind = _KINDS.get(line.provider)
    values = (line.provider, *(kind.credentials(line) if kind else ()))
    return hashlib.sha256("\0".join(map(str, values)).encode()).hexdigest()


@dataclass(eq=False)
class _Entry:
    fingerprint: str
    client: WhatsAppClient
    users: int = 0
    retired: bool = False


_lock = threading.Lock()
_entries: dict[int, _Entry] = {}


def _retire(entry: _Entry) -> bool:
    """Under the lock: no new user gets it; whether it can be closed now (nobody is using it)."""
    entry.retired = True
    return entry.users == 0


@contextmanager
def client_for(line: Line) -> Iterator[WhatsAppClient]:
    """The line's client, for the duration of the `with`: it is not closed meanwhile, even when
    the line's credentials change."""
    fingerprint = _fingerprint(line)
    stale = None
    with _lock:
        entry = _entries.get(line.pk)
        if entry is None or entry.fingerprint != fingerprint:
            kind = _KINDS.get(line.provider)
            fresh = _Entry(fingerprint, kind.build(line) if kind else _unavailable(line))
            if entry is not None and _retire(entry):
                stale = entry
            entry = _entries[line.pk] = fresh
        entry.users += 1
    if stale is not None:
        stale.client.close()
    try:
        yield entry.client
    finally:
        with _lock:
            entry.users -= 1
            close = entry.retired and entry.users == 0
        if close:
            entry.client.close()


def _drop(condition: Callable[[int, _Entry], bool]) -> None:
    with _lock:
        dropped = [(line_id, e) for line_id, e in _entries.items() if condition(line_id, e)]
        closable = []
        for line_id, entry in dropped:
            del _entries[line_id]
            if _retire(entry):
                closable.append(entry)
    for entry in closable:
        entry.client.close()


def line_changed(line: Line) -> None:
    """A line was saved: its client goes when its credentials are no longer the line's."""
    fingerprint = _fingerprint(line)
    _drop(lambda line_id, entry: line_id == line.pk and entry.fingerprint != fingerprint)


def line_deleted(line_id: int) -> None:
    _drop(lambda other, entry: other == line_id)


def close_all() -> None:
    """Every client of the process: closed now, or when its last user is done with it."""
    _drop(lambda line_id, entry: True)


def _forget_after_fork() -> None:
    # the parent's connections are the parent's: a child that used them would corrupt both
    global _lock
    _lock = threading.Lock()
    _entries.clear()


atexit.register(close_all)
os.register_at_fork(after_in_child=_forget_after_fork)
