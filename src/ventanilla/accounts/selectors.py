"""Reads for people and areas."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.db.models import Prefetch, QuerySet
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from ventanilla.accounts.models import ApiToken, Area, User
from ventanilla.core.errors import NotFound


def area_list(*, include_inactive: bool = True) -> QuerySet[Area]:
    areas = Area.objects.all()
    if not include_inactive:
        areas = areas.filter(is_active=True)
    return areas.order_by("name_key", "pk")


def area_get(*, area_id: int) -> Area:
    area = Area.objects.filter(pk=area_id).first()
    if area is None:
        raise NotFound(_("Área inexistente."))
    return area


def _users_with_areas() -> QuerySet[User]:
    return User.objects.select_related("default_area").prefetch_related(
        Prefetch("areas", queryset=Area.objects.order_by("name"))
    )


def user_list() -> QuerySet[User]:
    return _users_with_areas().order_by("username", "pk")


def user_get(*, user_id: int) -> User:
    user = _users_with_areas().filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("Usuario inexistente."))
    return user


def session_user_id(*, session_key: str | None) -> int | None:
    """The active person this session signs in, or None once it was signed out, expired, or made
    before their password changed: what Django's `get_user` accepts, without its writes."""
    if not session_key:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user_id, session_hash = session.get(SESSION_KEY), session.get(HASH_SESSION_KEY)
    if user_id is None or not session_hash:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return user.pk if any(constant_time_compare(session_hash, each) for each in hashes) else None


def display_names(user_ids) -> dict[int, str]:
    """{id: the name people see} of these users, in one query (none when there are none)."""
    if not user_ids:
        return {}
    return {user.pk: user.display_name for user in User.objects.filter(pk__in=user_ids)}


def area_names(area_ids) -> dict[int, str]:
    if not area_ids:
        return {}
    return dict(Area.objects.filter(pk__in=area_ids).values_list("pk", "name"))


def token_list(*, user_id: int) -> QuerySet[ApiToken]:
    """A person's tokens, newest first (revoked and expired ones too, marked as such)."""
    return ApiToken.objects.filter(user_id=user_id).order_by("-created_at", "-id")
