from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from django.utils.translation import gettext as _
from ninja import Schema, Status
from ninja.errors import HttpError
from pydantic import model_validator

from ventanilla.accounts import selectors, services, two_factor
from ventanilla.api.schemas import WRITE, UserOut, answers
from ventanilla.api.security import Router, require_csrf, requires
from ventanilla.core.addresses import client_address
from ventanilla.core.errors import Forbidden, TooManyRequests, Unauthorized
from ventanilla.core.permissions import PUBLIC, SIGNED_IN
from ventanilla.routing.services import agent_set_availability

router = Router(tags=["auth"])


class CsrfOut(Schema):
    csrf_token: str


class LoginIn(Schema):
    username: str | None = None
    email: str | None = None
    identifier: str | None = None
    password: str
    code: str | None = None  # the second factor's: the app's 6 digits or a recovery code

    @model_validator(mode="after")
    def one_identifier(self):
        if not (self.identifier or self.username or self.email):
            raise ValueError(_("Indicá un usuario o un correo electrónico."))
        return self

    @property
    def who(self) -> str:
        return (self.identifier or self.username or self.email or "").strip()


class UserEnvelope(Schema):
    user: UserOut


class AvailabilityIn(Schema):
    availability: str


class LanguageIn(Schema):
    language: str | None  # "" or null: follow the browser, then LANGUAGE_CODE


@router.get("/csrf", response=CsrfOut)
@requires(PUBLIC)
def csrf(request):
    return {"csrf_token": get_token(request)}


@router.post("/login", auth=None, response=answers({200: UserEnvelope}, *WRITE, 429))
@requires(PUBLIC)
def sign_in(request, payload: LoginIn):
    require_csrf(request)
    address = client_address(request)
    wait = services.login_retry_after(identifier=payload.who, ip_address=address)
    if wait is not None:
        raise TooManyRequests(
            _("Demasiados intentos fallidos; volvé a intentar en %(seconds)d s.")
            % {"seconds": wait},
            retry_after=wait,
        )
    user = authenticate(request, username=payload.who, password=payload.password)
    if user is None:
        services.login_failure_record(identifier=payload.who, ip_address=address)
        raise HttpError(401, _("Usuario, correo o contraseña incorrectos."))
    _second_factor(user, payload.code, address)
    services.sign_in_succeeded(user=user, identifier=payload.who)
    login(request, user)
    return {"user": selectors.user_get(user_id=user.pk)}


def _second_factor(user, code: str | None, address: str) -> None:
    """The account's second factor, when it has one (or must: set it up on the console)."""
    if two_factor.enabled(user):
        if not code:
            raise Unauthorized(
                _("Falta el código del segundo factor."),
                {"code": [_("Este campo es obligatorio.")]},
            )
        if not two_factor.verify(user=user, code=code):
            services.second_factor_failure_record(user=user, ip_address=address)
            raise Unauthorized(
                _("El código no es correcto."), {"code": [_("El código no es correcto.")]}
            )
    elif two_factor.required(user):
        raise Forbidden(
            _("Tu cuenta necesita un segundo factor: configuralo al iniciar sesión en la consola.")
        )


@router.post("/logout", response=answers({204: None}, *WRITE))
@requires(SIGNED_IN)
def sign_out(request):
    services.signed_out(user=request.auth)
    logout(request)
    return Status(204, None)


@router.get("/me", response=answers({200: UserEnvelope}, 401))
@requires(SIGNED_IN)
def me(request):
    return {"user": selectors.user_get(user_id=request.auth.pk)}


@router.post("/availability", response=answers({200: UserEnvelope}, *WRITE))
@requires(SIGNED_IN)
def availability(request, payload: AvailabilityIn):
    agent_set_availability(user=request.auth, availability=payload.availability)
    return {"user": selectors.user_get(user_id=request.auth.pk)}


@router.post("/language", response=answers({200: UserEnvelope}, *WRITE))
@requires(SIGNED_IN)
def language(request, payload: LanguageIn):
    """The signed-in person's own console and API language, from the next request on."""
    services.user_set_language(user=request.auth, language=payload.language)
    return {"user": selectors.user_get(user_id=request.auth.pk)}
