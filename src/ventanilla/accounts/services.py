"""Writes for people and areas. Every function validates all fields before writing anything."""

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from ventanilla.accounts.models import Area, Availability, LoginFailure, Role, User
from ventanilla.core import events
from ventanilla.core.errors import InvalidInput
from ventanilla.core.text import fold

USERNAME_PATTERN = re.compile(r"^[a-z0-9_.\-]{2,150}$")

_UNSET = object()


class FieldErrors:
    """Collects field messages so one answer names every problem at once."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            first_field, messages = next(iter(self.errors.items()))
            raise InvalidInput(f"{first_field}: {messages[0]}", self.errors)


# --- Areas -----------------------------------------------------------------------------------


def _check_area_name(errors: FieldErrors, name: str, *, exclude_id: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        errors.add("name", "This field may not be blank.")
        return name
    if len(name) > 80:
        errors.add("name", "Ensure this field has no more than 80 characters.")
    clash = Area.objects.filter(name_key=fold(name))
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        errors.add("name", f'An area named "{name}" already exists.')
    return name


def _save_area(area: Area) -> Area:
    try:
        with transaction.atomic():
            area.save()
    except IntegrityError as error:  # a concurrent request took the name first
        raise InvalidInput.field("name", f'An area named "{area.name}" already exists.') from error
    return area


def area_create(*, name: str, description: str = "", is_active: bool = True) -> Area:
    errors = FieldErrors()
    name = _check_area_name(errors, name)
    if len(description) > 500:
        errors.add("description", "Ensure this field has no more than 500 characters.")
    errors.raise_if_any()
    return _save_area(Area(name=name, description=description.strip(), is_active=is_active))


def area_update(*, area: Area, name=_UNSET, description=_UNSET, is_active=_UNSET) -> Area:
    errors = FieldErrors()
    if name is not _UNSET:
        area.name = _check_area_name(errors, name, exclude_id=area.pk)
    if description is not _UNSET:
        if len(description) > 500:
            errors.add("description", "Ensure this field has no more than 500 characters.")
        area.description = description.strip()
    if is_active is not _UNSET:
        area.is_active = is_active
    errors.raise_if_any()
    return _save_area(area)


# --- Users -----------------------------------------------------------------------------------


def _check_username(errors: FieldErrors, username: str, *, exclude_id: int | None) -> str:
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        errors.add(
            "username",
            "Use 2 to 150 characters: letters, digits, dots, dashes or underscores.",
        )
        return username
    clash = User.objects.filter(username=username)
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        errors.add("username", f'The username "{username}" is taken.')
    return username


def _check_email(errors: FieldErrors, email: str | None, *, exclude_id: int | None):
    email = (email or "").strip().lower()
    if not email:
        return None
    try:
        validate_email(email)
    except ValidationError:
        errors.add("email", "Enter a valid email address.")
        return email
    clash = User.objects.filter(email=email)
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        errors.add("email", "Another user has this email address.")
    return email


def _check_role(errors: FieldErrors, role: str) -> str:
    if role not in Role.values:
        errors.add("role", f'Unknown role "{role}": use one of {", ".join(Role.values)}.')
    return role


def _check_password(errors: FieldErrors, password: str | None, user: User) -> None:
    if not password:
        errors.add("password", "This field is required.")
        return
    try:
        validate_password(password, user)
    except ValidationError as error:
        for message in error.messages:
            errors.add("password", message)


def _check_areas(errors: FieldErrors, area_ids: list[int]) -> list[Area]:
    wanted = set(area_ids)
    found = list(Area.objects.filter(pk__in=wanted))
    missing = sorted(wanted - {area.pk for area in found})
    if missing:
        errors.add("area_ids", f"Unknown area id(s): {', '.join(map(str, missing))}.")
    return found


def _check_default_area(
    errors: FieldErrors, default_area_id: int | None, area_ids: list[int]
) -> int | None:
    if default_area_id is None:
        return None
    if default_area_id not in area_ids:
        errors.add("default_area_id", "The default area must be one of the user's areas.")
    return default_area_id


def _check_capacity(errors: FieldErrors, value: int | None) -> int | None:
    if value is not None and value < 1:
        errors.add("max_open_conversations", "Must be at least 1, or empty for no limit.")
    return value


def _would_leave_no_admin(user: User, *, role: str, is_active: bool) -> bool:
    if user.pk is None or user.role != Role.ADMIN or not user.is_active:
        return False
    if role == Role.ADMIN and is_active:
        return False
    other_admins = User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk)
    return not other_admins.exists()


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: str,
    name: str = "",
    email: str | None = None,
    area_ids: list[int] | None = None,
    default_area_id: int | None = None,
    is_active: bool = True,
    max_open_conversations: int | None = None,
) -> User:
    area_ids = list(dict.fromkeys(area_ids or []))
    errors = FieldErrors()
    user = User(
        username=_check_username(errors, username, exclude_id=None),
        name=name.strip(),
        email=_check_email(errors, email, exclude_id=None),
        role=_check_role(errors, role),
        is_active=is_active,
        max_open_conversations=_check_capacity(errors, max_open_conversations),
    )
    _check_password(errors, password, user)
    areas = _check_areas(errors, area_ids)
    user.default_area_id = _check_default_area(errors, default_area_id, area_ids)
    errors.raise_if_any()
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise InvalidInput.field("username", "The username or email is taken.") from error
    user.areas.set(areas)
    return user


@transaction.atomic
def user_update(
    *,
    user: User,
    username=_UNSET,
    password=_UNSET,
    role=_UNSET,
    name=_UNSET,
    email=_UNSET,
    area_ids=_UNSET,
    default_area_id=_UNSET,
    is_active=_UNSET,
    max_open_conversations=_UNSET,
) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    errors = FieldErrors()
    if username is not _UNSET:
        user.username = _check_username(errors, username, exclude_id=user.pk)
    if email is not _UNSET:
        user.email = _check_email(errors, email, exclude_id=user.pk)
    if name is not _UNSET:
        user.name = (name or "").strip()
    new_role = _check_role(errors, role) if role is not _UNSET else user.role
    new_active = is_active if is_active is not _UNSET else user.is_active
    if _would_leave_no_admin(user, role=new_role, is_active=new_active):
        field = "role" if new_role != Role.ADMIN else "is_active"
        errors.add(field, "This is the last active administrator; appoint another one first.")
    user.role, user.is_active = new_role, new_active
    if max_open_conversations is not _UNSET:
        user.max_open_conversations = _check_capacity(errors, max_open_conversations)
    current_area_ids = list(user.areas.values_list("pk", flat=True))
    new_area_ids = list(dict.fromkeys(area_ids)) if area_ids is not _UNSET else current_area_ids
    areas = _check_areas(errors, new_area_ids) if area_ids is not _UNSET else None
    if default_area_id is not _UNSET:
        user.default_area_id = _check_default_area(errors, default_area_id, new_area_ids)
    elif user.default_area_id is not None and user.default_area_id not in new_area_ids:
        user.default_area_id = None
    if password is not _UNSET:
        _check_password(errors, password, user)
    errors.raise_if_any()
    if password is not _UNSET:
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise InvalidInput.field("username", "The username or email is taken.") from error
    if areas is not None:
        user.areas.set(areas)
    events.notify_internal("scope", user_id=user.pk)  # open consoles re-read role and areas
    return user


def user_set_availability(*, user: User, availability: str) -> User:
    if availability not in Availability.values:
        raise InvalidInput.field("availability", f"Use one of {', '.join(Availability.values)}.")
    User.objects.filter(pk=user.pk).update(availability=availability)
    user.availability = availability
    return user


def ensure_first_admin(*, username: str, password: str | None) -> tuple[User, str | None]:
    """Creates the first administrator when there is none; returns it and a generated password."""
    existing = User.objects.filter(role=Role.ADMIN).order_by("pk").first()
    if existing is not None:
        return existing, None
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12)
    user = User.objects.create_superuser(username, password, name="Administrador")
    return user, generated


# --- Sign-in throttling ----------------------------------------------------------------------


def _throttle_since():
    return timezone.now() - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def login_retry_after(*, identifier: str, ip_address: str) -> int | None:
    """Seconds to wait before another attempt, or None when one is allowed now.

    Limits failures per identifier (guessing one account) and, four times as many, per address
    (trying many accounts); the rows live in the database so every web process sees them.
    """
    limit = settings.LOGIN_THROTTLE_MAX_FAILURES
    since = _throttle_since()
    recent = LoginFailure.objects.filter(created_at__gte=since)
    for scope, cap in (
        (recent.filter(identifier=identifier.strip().lower()), limit),
        (recent.filter(ip_address=ip_address), limit * 4),
    ):
        times = list(scope.order_by("-created_at").values_list("created_at", flat=True)[:cap])
        if len(times) >= cap:
            oldest_counted = times[-1]
            wait = oldest_counted - since
            return max(1, int(wait.total_seconds()) + 1)
    return None


def login_failure_record(*, identifier: str, ip_address: str) -> None:
    LoginFailure.objects.create(identifier=identifier.strip().lower(), ip_address=ip_address)


def login_failures_clear(*, identifier: str) -> None:
    LoginFailure.objects.filter(identifier=identifier.strip().lower()).delete()


def login_failures_purge() -> int:
    deleted, _ = LoginFailure.objects.filter(created_at__lt=_throttle_since()).delete()
    return deleted
