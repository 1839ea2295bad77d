from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from django.utils.translation import gettext as _
from ninja import Schema, Status
from ninja.errors import HttpError
from pydantic import model_validator

from ventanilla.accounts import selectors, services
from ventanilla.api.schemas import WRITE, UserOut, answers
from ventanilla.api.security import Router, require_csrf, requires
from ventanilla.core.addresses import client_address
from ventanilla.core.errors import TooManyRequests
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
    services.sign_in_succeeded(user=user, identifier=payload.who)
    login(request, user)
    return {"user": selectors.user_get(user_id=user.pk)}


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
