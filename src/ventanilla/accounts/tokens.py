"""Personal API tokens: made (the secret shown once), revoked, and checked on each call with its
rate limit. Only a SHA-256 digest of a secret is stored: tokens are long random strings, so a
fast hash is enough and a lookup by digest costs one indexed query."""

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ventanilla.accounts.models import ApiToken, TokenScope, User
from ventanilla.core import audit
from ventanilla.core.errors import (
    NotFound,
    TooManyRequests,
)
from ventanilla.core.fields import FieldErrors, checked_text

SECRET_PREFIX = "vnt_"
MAX_EXPIRY_DAYS = 3650


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once; never stored


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _check_expiry(errors: FieldErrors, days: int | None):
    if days is None:
        return None
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        errors.add(
            "expires_in_days",
            _("Tiene que estar entre 1 y %(max)d días, o vacío para no vencer.")
            % {"max": MAX_EXPIRY_DAYS},
        )
        return None
    return timezone.now() + timedelta(days=days)


def token_create(
    *, user: User, name: str, scope: str = TokenScope.READ, expires_in_days: int | None = 90
) -> NewToken:
    errors = FieldErrors()
    name = checked_text(errors, name, 80)
    if scope not in TokenScope.values:
        errors.add("scope", _("Usá uno de %(values)s.") % {"values": ", ".join(TokenScope.values)})
    expires_at = _check_expiry(errors, expires_in_days)
    errors.raise_if_any()
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = _token_save(user, name, scope, secret, expires_at)
    return NewToken(token=token, secret=secret)


def _token_save(user: User, name: str, scope: str, secret: str, expires_at) -> ApiToken:
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        digest=digest_of(secret),
        prefix=secret[:12],
        expires_at=expires_at,
    )
    audit.record_object(
        "token.created",
        token,
        changes={"user_id": [None, user.pk], "scope": [None, scope]},
    )
    return token


def token_revoke(*, user_id: int, token_id: int) -> ApiToken:
    """Revokes one of this user's tokens (again: nothing changes); NotFound for anyone else's."""
    token = ApiToken.objects.filter(pk=token_id, user_id=user_id).first()
    if token is None:
        raise NotFound(_("Token inexistente."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        with transaction.atomic():
            ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.revoked_at)
            audit.record_object("token.revoked", token, changes={"user_id": [user_id, user_id]})
    return token


def token_authenticate(*, secret: str) -> ApiToken | None:
    """The usable token this secret is (its user active), or None: unknown, revoked, expired."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=digest_of(secret)).first()
    if token is None or not token.is_usable(timezone.now()) or not token.user.is_active:
        return None
    return token


def token_count_call(*, token: ApiToken) -> None:
    """Counts a call in the token's fixed window (API_TOKEN_RATE_LIMIT calls per
    API_TOKEN_RATE_WINDOW_SECONDS) and notes when it was last used; TooManyRequests past the limit.
    One conditional UPDATE on the token's row, so every web process shares the count."""
    now = timezone.now()
    window = settings.API_TOKEN_RATE_WINDOW_SECONDS
    since = now - timedelta(seconds=window)
    rows = ApiToken.objects.filter(pk=token.pk)
    counted = rows.filter(
        window_started_at__gt=since, window_count__lt=settings.API_TOKEN_RATE_LIMIT
    ).update(window_count=F("window_count") + 1, last_used_at=now)
    if not counted:
        counted = rows.filter(Q(window_started_at__lte=since) | Q(window_started_at=None)).update(
            window_started_at=now, window_count=1, last_used_at=now
        )
    if counted:
        return
    started = rows.values_list("window_started_at", flat=True).first() or now
    wait = max(1, math.ceil((started - since).total_seconds()))
    raise TooManyRequests(
        _("Demasiados pedidos con este token; volvé a intentar en %(seconds)d s.")
        % {"seconds": wait},
        retry_after=wait,
    )
