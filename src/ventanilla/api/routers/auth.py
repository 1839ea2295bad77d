from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import model_validator

from ventanilla.accounts import selectors, services
from ventanilla.api.schemas import UserOut
from ventanilla.api.security import require_csrf
from ventanilla.core.errors import TooManyRequests
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
            raise ValueError("Give a username or an email.")
        return self

    @property
    def who(self) -> str:
        return (self.identifier or self.username or self.email or "").strip()


class UserEnvelope(Schema):
    user: UserOut


class AvailabilityIn(Schema):
    availability: str


@router.get("/csrf", auth=None, response=CsrfOut)
def csrf(request):
    return {"csrf_token": get_token(request)}


@router.post("/login", auth=None, response={200: UserEnvelope})
def sign_in(request, payload: LoginIn):
    require_csrf(request)
    address = request.META.get("REMOTE_ADDR", "")
    wait = services.login_retry_after(identifier=payload.who, ip_address=address)
    if wait is not None:
        raise TooManyRequests(f"Too many failed sign-ins; try again in {wait} s.", retry_after=wait)
    user = authenticate(request, username=payload.who, password=payload.password)
    if user is None:
        services.login_failure_record(identifier=payload.who, ip_address=address)
        raise HttpError(401, "Wrong username/email or password.")
    services.login_failures_clear(identifier=payload.who)
    login(request, user)
    return {"user": selectors.user_get(user_id=user.pk)}


@router.post("/logout", response={204: None})
def sign_out(request):
    logout(request)
    return Status(204, None)


@router.get("/me", response=UserEnvelope)
def me(request):
    return {"user": selectors.user_get(user_id=request.auth.pk)}


@router.post("/availability", response=UserEnvelope)
def availability(request, payload: AvailabilityIn):
    agent_set_availability(user=request.auth, availability=payload.availability)
    return {"user": selectors.user_get(user_id=request.auth.pk)}
