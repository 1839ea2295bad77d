"""Reads for people and areas."""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from ventanilla.accounts.models import Area, User
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
