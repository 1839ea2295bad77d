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
from django.utils.translation import gettext as _

from ventanilla.accounts.models import Area, Availability, LoginFailure, Role, User
from ventanilla.core import audit, events
from ventanilla.core.errors import (
    InvalidInput,
    control_characters_text,
    max_length_text,
    required_text,
)
from ventanilla.core.fields import UNSET, FieldErrors, checked_text
from ventanilla.core.text import fold, has_control_characters

USERNAME_PATTERN = re.compile(r"^[a-z0-9_.\-]{2,150}$")


# --- Areas -----------------------------------------------------------------------------------


def _check_plain_text(errors: FieldErrors, field: str, value: str, *, limit: int) -> str:
    """A one-line or free text shown on the console: no control characters (line breaks and
    tabs aside), at most `limit` characters."""
    if has_control_characters(value):
        errors.add(field, control_characters_text())
    elif len(value) > limit:
        errors.add(field, max_length_text(limit))
    return value


def _check_area_name(errors: FieldErrors, name: str, *, exclude_id: int | None = None) -> str:
    name = checked_text(errors, name, 80)
    if "name" in errors.errors:
        return name
    clash = Area.objects.filter(name_key=fold(name))
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        errors.add("name", _("Ya existe un área llamada «%(name)s».") % {"name": name})
    return name


def _save_area(area: Area) -> Area:
    try:
        with transaction.atomic():
            area.save()
    except IntegrityError as error:  # a concurrent request took the name first
        raise InvalidInput.field(
            "name", _("Ya existe un área llamada «%(name)s».") % {"name": area.name}
        ) from error
    return area


# a response-time target: at most 90 days of round-the-clock minutes
TARGET_MAX_MINUTES = 90 * 24 * 60
TARGET_FIELDS = ("first_response_target_minutes", "resolution_target_minutes")


AREA_AUDITED = ("name", "description", "is_active", *TARGET_FIELDS)


def _area_values(area: Area) -> dict:
    return {field: getattr(area, field) for field in AREA_AUDITED}


def _check_target(errors: FieldErrors, field: str, minutes) -> int | None:
    """Minutes of working hours, 1 to TARGET_MAX_MINUTES, or None for no target."""
    whole = isinstance(minutes, int) and not isinstance(minutes, bool)
    if minutes is not None and (not whole or not 1 <= minutes <= TARGET_MAX_MINUTES):
        errors.add(
            field,
            _("Indicá minutos enteros entre 1 y %(max)d, o vacío para no tener meta.")
            % {"max": TARGET_MAX_MINUTES},
        )
    return minutes


@transaction.atomic
def area_create(
    *,
    name: str,
    description: str = "",
    is_active: bool = True,
    first_response_target_minutes: int | None = None,
    resolution_target_minutes: int | None = None,
) -> Area:
    errors = FieldErrors()
    name = _check_area_name(errors, name)
    description = _check_plain_text(errors, "description", description.strip(), limit=500)
    targets = {
        field: _check_target(errors, field, minutes)
        for field, minutes in zip(
            TARGET_FIELDS,
            (first_response_target_minutes, resolution_target_minutes),
            strict=True,
        )
    }
    errors.raise_if_any()
    area = _save_area(Area(name=name, description=description, is_active=is_active, **targets))
    audit.record_object("area.created", area, changes=audit.diff({}, _area_values(area)))
    return area


@transaction.atomic
def area_update(
    *,
    area: Area,
    name=UNSET,
    description=UNSET,
    is_active=UNSET,
    first_response_target_minutes=UNSET,
    resolution_target_minutes=UNSET,
) -> Area:
    """Targets changed here apply to conversations handed to the area from now on (ADR 0032)."""
    before = _area_values(area)
    errors = FieldErrors()
    if name is not UNSET:
        area.name = _check_area_name(errors, name, exclude_id=area.pk)
    if description is not UNSET:
        area.description = _check_plain_text(errors, "description", description.strip(), limit=500)
    if is_active is not UNSET:
        area.is_active = is_active
    targets = (first_response_target_minutes, resolution_target_minutes)
    for field, minutes in zip(TARGET_FIELDS, targets, strict=True):
        if minutes is not UNSET:
            setattr(area, field, _check_target(errors, field, minutes))
    errors.raise_if_any()
    _save_area(area)
    changes = audit.diff(before, _area_values(area))
    if changes:
        audit.record_object("area.updated", area, changes=changes)
    return area


# --- Users -----------------------------------------------------------------------------------


def _check_person_name(errors: FieldErrors, name: str) -> str:
    """Shown on chat cards and the lists: one line (spaces collapsed), at most 150 characters."""
    if has_control_characters(name):
        errors.add("name", control_characters_text())
        return name
    return _check_plain_text(errors, "name", " ".join(name.split()), limit=150)


def _check_username(errors: FieldErrors, username: str, *, exclude_id: int | None) -> str:
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        errors.add(
            "username",
            _("Usá de 2 a 150 caracteres: letras, dígitos, puntos, guiones o guiones bajos."),
        )
        return username
    clash = User.objects.filter(username=username)
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        errors.add("username", _("El usuario «%(username)s» ya existe.") % {"username": username})
    return username


def _check_email(errors: FieldErrors, email: str | None, *, exclude_id: int | None):
    email = (email or "").strip().lower()
    if not email:
        return None
    try:
        validate_email(email)
    except ValidationError:
        errors.add("email", _("Escribí un correo electrónico válido."))
        return email
    clash = User.objects.filter(email=email)
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        errors.add("email", _("Otro usuario tiene este correo electrónico."))
    return email


def _check_role(errors: FieldErrors, role: str) -> str:
    if role not in Role.values:
        errors.add(
            "role",
            _("Rol desconocido «%(role)s»: usá uno de %(roles)s.")
            % {"role": role, "roles": ", ".join(Role.values)},
        )
    return role


def _check_password(errors: FieldErrors, password: str | None, user: User) -> None:
    if not password:
        errors.add("password", required_text())
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
        errors.add(
            "area_ids",
            _("Áreas inexistentes (id): %(ids)s.") % {"ids": ", ".join(map(str, missing))},
        )
    return found


def _check_default_area(
    errors: FieldErrors, default_area_id: int | None, area_ids: list[int]
) -> int | None:
    if default_area_id is None:
        return None
    if default_area_id not in area_ids:
        errors.add("default_area_id", _("El área por defecto tiene que ser una de sus áreas."))
    return default_area_id


def _check_capacity(errors: FieldErrors, value: int | None) -> int | None:
    if value is not None and value < 1:
        errors.add(
            "max_open_conversations", _("Tiene que ser al menos 1, o vacío para no tener límite.")
        )
    return value


def _check_language(errors: FieldErrors, language: str | None) -> str:
    language = (language or "").strip()
    known = [code for code, _name in settings.LANGUAGES]
    if language and language not in known:
        errors.add(
            "language",
            _("Idioma desconocido «%(language)s»: usá uno de %(known)s, o vacío.")
            % {"language": language, "known": ", ".join(known)},
        )
    return language


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
    language: str = "",
) -> User:
    area_ids = list(dict.fromkeys(area_ids or []))
    errors = FieldErrors()
    user = User(
        username=_check_username(errors, username, exclude_id=None),
        name=_check_person_name(errors, name),
        email=_check_email(errors, email, exclude_id=None),
        role=_check_role(errors, role),
        is_active=is_active,
        max_open_conversations=_check_capacity(errors, max_open_conversations),
        language=_check_language(errors, language),
    )
    _check_password(errors, password, user)
    areas = _check_areas(errors, area_ids)
    user.default_area_id = _check_default_area(errors, default_area_id, area_ids)
    errors.raise_if_any()
    user.set_password(password)
    _save_user(user)
    user.areas.set(areas)
    audit.record_object("user.created", user, changes=audit.diff({}, _user_values(user, area_ids)))
    return user


USER_AUDITED = (
    "username",
    "name",
    "email",
    "role",
    "is_active",
    "max_open_conversations",
    "language",
    "default_area_id",
)


def _user_values(user: User, area_ids) -> dict:
    return {**{field: getattr(user, field) for field in USER_AUDITED}, "area_ids": area_ids}


def _audit_user_update(user: User, before: dict, area_ids, password) -> None:
    changes = audit.diff(before, _user_values(user, area_ids))
    if password is not UNSET:
        changes["password"] = [audit.REDACTED, audit.REDACTED]
    if changes:
        audit.record_object("user.updated", user, changes=changes)


def _save_user(user: User) -> None:
    """Saves; a username or e-mail taken meanwhile (the check raced) is the same field error."""
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise InvalidInput.field(
            "username", _("El usuario o el correo electrónico ya existen.")
        ) from error


@transaction.atomic
def user_update(
    *,
    user: User,
    username=UNSET,
    password=UNSET,
    role=UNSET,
    name=UNSET,
    email=UNSET,
    area_ids=UNSET,
    default_area_id=UNSET,
    is_active=UNSET,
    max_open_conversations=UNSET,
    language=UNSET,
) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    signed_in_as = (user.role, user.is_active)
    current_area_ids = list(user.areas.values_list("pk", flat=True))
    before = _user_values(user, current_area_ids)
    errors = FieldErrors()
    if username is not UNSET:
        user.username = _check_username(errors, username, exclude_id=user.pk)
    if email is not UNSET:
        user.email = _check_email(errors, email, exclude_id=user.pk)
    if name is not UNSET:
        user.name = _check_person_name(errors, name or "")
    new_role = _check_role(errors, role) if role is not UNSET else user.role
    new_active = is_active if is_active is not UNSET else user.is_active
    if _would_leave_no_admin(user, role=new_role, is_active=new_active):
        field = "role" if new_role != Role.ADMIN else "is_active"
        errors.add(field, _("Es el último administrador activo; nombrá a otro antes."))
    user.role, user.is_active = new_role, new_active
    if max_open_conversations is not UNSET:
        user.max_open_conversations = _check_capacity(errors, max_open_conversations)
    if language is not UNSET:
        user.language = _check_language(errors, language)
    new_area_ids = list(dict.fromkeys(area_ids)) if area_ids is not UNSET else current_area_ids
    areas = _check_areas(errors, new_area_ids) if area_ids is not UNSET else None
    if default_area_id is not UNSET:
        user.default_area_id = _check_default_area(errors, default_area_id, new_area_ids)
    elif user.default_area_id is not None and user.default_area_id not in new_area_ids:
        user.default_area_id = None
    if password is not UNSET:
        _check_password(errors, password, user)
    errors.raise_if_any()
    if password is not UNSET:
        user.set_password(password)
    _save_user(user)
    if areas is not None:
        user.areas.set(areas)
    _audit_user_update(user, before, new_area_ids, password)
    if password is not UNSET or (user.role, user.is_active) != signed_in_as:
        user_sockets_close(user_id=user.pk)
    else:
        events.notify_internal("scope", user_id=user.pk)  # open consoles re-read the areas
    return user


def user_sockets_close(*, user_id: int) -> None:
    """Every open console of this person is closed (4401) once the current change commits."""
    events.notify_internal("user_signed_out", user_id=user_id)


def session_sockets_close(*, session_key: str) -> None:
    """The consoles opened with this session are closed (4401) once the current change commits."""
    events.notify_internal("session_ended", session=events.session_tag(session_key))


def user_set_availability(*, user: User, availability: str) -> User:
    if availability not in Availability.values:
        raise InvalidInput.field(
            "availability", _("Usá uno de %(values)s.") % {"values": ", ".join(Availability.values)}
        )
    User.objects.filter(pk=user.pk).update(availability=availability)
    user.availability = availability
    return user


def user_set_language(*, user: User, language: str | None) -> User:
    """A person's own console language; "" (or None) follows the browser and LANGUAGE_CODE."""
    errors = FieldErrors()
    language = _check_language(errors, language)
    errors.raise_if_any()
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
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


def _throttled_name(identifier: str) -> str:
    """The bucket of a typed name: the account's username, whether its username or its e-mail was
    typed (as the sign-in backend resolves it); an unknown name as typed, lowercased."""
    typed = identifier.strip().lower()
    field = "email" if "@" in typed else "username"
    username = User.objects.filter(**{field: typed}).values_list("username", flat=True).first()
    return username or typed


def login_retry_after(*, identifier: str, ip_address: str) -> int | None:
    """Seconds to wait before another attempt, or None when one is allowed now.

    Limits failures per account (guessing one password) and, four times as many, per address
    (trying many accounts); the rows live in the database so every web process sees them.
    """
    limit = settings.LOGIN_THROTTLE_MAX_FAILURES
    since = _throttle_since()
    recent = LoginFailure.objects.filter(created_at__gte=since)
    for scope, cap in (
        (recent.filter(identifier=_throttled_name(identifier)), limit),
        (recent.filter(ip_address=ip_address), limit * 4),
    ):
        times = list(scope.order_by("-created_at").values_list("created_at", flat=True)[:cap])
        if len(times) >= cap:
            oldest_counted = times[-1]
            wait = oldest_counted - since
            return max(1, int(wait.total_seconds()) + 1)
    return None


@transaction.atomic
def login_failure_record(*, identifier: str, ip_address: str) -> None:
    name = _throttled_name(identifier)
    LoginFailure.objects.create(identifier=name, ip_address=ip_address)
    known = User.objects.filter(username=name).values_list("pk", flat=True).first()
    audit.record("signin.failed", target_type="user", target_id=known or "", target_label=name)


@transaction.atomic
def second_factor_failure_record(*, user: User, ip_address: str) -> None:
    """A wrong second-factor code: a failed sign-in of the account, throttled like a password."""
    LoginFailure.objects.create(identifier=user.username, ip_address=ip_address)
    audit.record_object("signin.second_factor_failed", user, actor=user)


def login_failures_clear(*, identifier: str) -> None:
    LoginFailure.objects.filter(identifier=_throttled_name(identifier)).delete()


@transaction.atomic
def sign_in_succeeded(*, user: User, identifier: str) -> None:
    """A sign-in went through: the account's failures are forgotten, and the trail notes it."""
    login_failures_clear(identifier=identifier)
    audit.record_object("signin.succeeded", user, actor=user)


def signed_out(*, user: User) -> None:
    audit.record_object("signout", user, actor=user)


def login_failures_purge() -> int:
    deleted, _ = LoginFailure.objects.filter(created_at__lt=_throttle_since()).delete()
    return deleted
