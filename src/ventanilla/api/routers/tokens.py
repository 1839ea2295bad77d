"""Personal API tokens: one's own (`/api/tokens`) and, for admins, anyone's
(`/api/users/{user_id}/tokens`). Managed from a signed-in session only, never with a token."""

from datetime import datetime

from ninja import Schema, Status

from ventanilla.accounts import selectors, tokens
from ventanilla.accounts.models import TokenScope
from ventanilla.accounts.permissions import MANAGE_OWN_TOKENS, MANAGE_USERS_TOKENS
from ventanilla.api.schemas import LIST, READ, WRITE, answers
from ventanilla.api.security import Router, requires

router = Router(tags=["tokens"])
users_router = Router(tags=["tokens"])


class TokenOut(Schema):
    id: int
    user_id: int
    name: str
    scope: str
    prefix: str  # the secret's first characters, to tell tokens apart
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewTokenOut(TokenOut):
    token: str  # the secret: shown this once, never again


class TokenIn(Schema):
    name: str
    scope: TokenScope = TokenScope.READ
    expires_in_days: int | None = 90  # null: until revoked


class TokenList(Schema):
    items: list[TokenOut]


def _created(new: tokens.NewToken):
    return Status(201, {**TokenOut.from_orm(new.token).dict(), "token": new.secret})


@router.get("", response=answers({200: TokenList}, *LIST, 403))
@requires(MANAGE_OWN_TOKENS)
def list_own_tokens(request):
    return {"items": list(selectors.token_list(user_id=request.auth.pk))}


@router.post("", response=answers({201: NewTokenOut}, *WRITE))
@requires(MANAGE_OWN_TOKENS)
def create_own_token(request, payload: TokenIn):
    return _created(tokens.token_create(user=request.auth, **payload.dict()))


@router.delete("/{token_id}", response=answers({204: None}, *WRITE, 404))
@requires(MANAGE_OWN_TOKENS)
def revoke_own_token(request, token_id: int):
    tokens.token_revoke(user_id=request.auth.pk, token_id=token_id)
    return Status(204, None)


@users_router.get("/{user_id}/tokens", response=answers({200: TokenList}, *READ, 403, 404))
@requires(MANAGE_USERS_TOKENS)
def list_user_tokens(request, user_id: int):
    user = selectors.user_get(user_id=user_id)
    return {"items": list(selectors.token_list(user_id=user.pk))}


@users_router.post("/{user_id}/tokens", response=answers({201: NewTokenOut}, *WRITE, 404))
@requires(MANAGE_USERS_TOKENS)
def create_user_token(request, user_id: int, payload: TokenIn):
    user = selectors.user_get(user_id=user_id)
    return _created(tokens.token_create(user=user, **payload.dict()))


@users_router.delete("/{user_id}/tokens/{token_id}", response=answers({204: None}, *WRITE, 404))
@requires(MANAGE_USERS_TOKENS)
def revoke_user_token(request, user_id: int, token_id: int):
    tokens.token_revoke(user_id=selectors.user_get(user_id=user_id).pk, token_id=token_id)
    return Status(204, None)
