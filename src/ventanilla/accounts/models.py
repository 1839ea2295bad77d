from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ventanilla.core.models import TimeStamped
from ventanilla.core.text import fold


class Role(models.TextChoices):
    ADMIN = "ADMIN", _("Administrador")
    SUPERVISOR = "SUPERVISOR", _("Supervisor")
    OPERATOR = "OPERATOR", _("Operador")
    SUPPORT = "SUPPORT", _("Soporte")
    SALES = "SALES", _("Ventas")


AGENT_ROLES = frozenset({Role.OPERATOR, Role.SUPPORT, Role.SALES})


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Disponible")
    AWAY = "away", _("Ausente")


class Area(TimeStamped):
    name = models.CharField(max_length=80)
    name_key = models.CharField(max_length=80, unique=True, editable=False)
    description = models.CharField(max_length=500, blank=True, default="")
    is_active = models.BooleanField(default=True)
    # response-time targets, in minutes of the area's working hours; null: no target (ADR 0032)
    first_response_target_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_target_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def save(self, *args, **kwargs):
        self.name_key = fold(self.name)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username, password=None, **fields):
        user = self.model(username=username.strip().lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username, password=None, **fields):
        fields.setdefault("role", Role.ADMIN)
        fields["is_superuser"] = True
        return self.create_user(username, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(username=username.strip().lower())


class User(AbstractBaseUser, PermissionsMixin):
    username = models.CharField(max_length=150, unique=True)
    name = models.CharField(max_length=150, blank=True, default="")
    email = models.EmailField(max_length=254, unique=True, null=True, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.OPERATOR)
    areas = models.ManyToManyField(Area, related_name="members", blank=True)
    default_area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    availability = models.CharField(
        max_length=16, choices=Availability.choices, default=Availability.AVAILABLE
    )
    max_open_conversations = models.PositiveIntegerField(null=True, blank=True)
    # the console's language for this person; blank follows the browser, then LANGUAGE_CODE
    language = models.CharField(max_length=8, blank=True, default="", choices=settings.LANGUAGES)
    # a console socket is open until then (kept fresh while one is); see realtime.consumers
    console_seen_until = models.DateTimeField(null=True, blank=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def is_staff(self) -> bool:
        """Django's admin site is for superusers only; the console is for everyone else."""
        return self.is_superuser

    @property
    def display_name(self) -> str:
        return self.name or self.username

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class LoginFailure(models.Model):
    """One failed sign-in; recent rows per identifier and per address throttle new attempts."""

    identifier = models.CharField(max_length=254, db_index=True)
    ip_address = models.CharField(max_length=45, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.identifier} from {self.ip_address} at {self.created_at:%Y-%m-%d %H:%M}"


class TokenScope(models.TextChoices):
    READ = "read", _("Solo lectura")
    WRITE = "write", _("Lectura y escritura")


class ApiToken(models.Model):
    """A personal API token: it acts as its user (role, areas, the visibility rule), within its
    scope. Only a SHA-256 digest of the secret is kept; the secret is shown once, when made."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    scope = models.CharField(max_length=8, choices=TokenScope.choices, default=TokenScope.READ)
    digest = models.CharField(max_length=64, unique=True)  # sha256 of the whole secret, hex
    prefix = models.CharField(max_length=16)  # the secret's first characters, to recognise it
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)  # none: until revoked
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # the rate limit's fixed window: calls counted since window_started_at
    window_started_at = models.DateTimeField(null=True, blank=True)
    window_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class SignedInSession(models.Model):
    """A signed-in console or API session, as its person sees it on the account screen: the
    device it signed in from, its address and when it was last seen. Django's session row holds
    the sign-in itself; this one is deleted with it (sign-out, ended, expired)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    ip_address = models.CharField(max_length=45, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.ip_address} {self.last_seen_at:%Y-%m-%d %H:%M}"
