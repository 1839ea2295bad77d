from ninja import Query, Schema, Status

from ventanilla.accounts import selectors, services
from ventanilla.accounts.permissions import MANAGE_USERS
from ventanilla.api.pagination import PageQuery, keyset_page
from ventanilla.api.schemas import LIST, READ, WRITE, UserOut, answers, reject_nulls
from ventanilla.api.security import Router, requires

router = Router(tags=["users"])


class UserPage(Schema):
    items: list[UserOut]
    next: str | None


class UserIn(Schema):
    username: str
    password: str | None = None
    role: str
    name: str = ""
    email: str | None = None
    area_ids: list[int] = []
    default_area_id: int | None = None
    is_active: bool = True
    max_open_conversations: int | None = None
    language: str | None = None  # "" follows the browser; PUT without it keeps the current one


class UserPatch(Schema):
    username: str | None = None
    password: str | None = None
    role: str | None = None
    name: str | None = None
    email: str | None = None
    area_ids: list[int] | None = None
    default_area_id: int | None = None
    is_active: bool | None = None
    max_open_conversations: int | None = None
    language: str | None = None


NOT_NULL_ON_PATCH = ("username", "password", "role", "area_ids", "is_active")


@router.get("", response=answers({200: UserPage}, *LIST, 403))
@requires(MANAGE_USERS)
def list_users(request, page: Query[PageQuery]):
    items, next_cursor = keyset_page(selectors.user_list(), ordering=("username", "id"), page=page)
    return {"items": items, "next": next_cursor}


@router.post("", response=answers({201: UserOut}, *WRITE))
@requires(MANAGE_USERS)
def create_user(request, payload: UserIn):
    values = payload.dict()
    values["language"] = values["language"] or ""
    user = services.user_create(**values)
    return Status(201, selectors.user_get(user_id=user.pk))


@router.get("/{user_id}", response=answers({200: UserOut}, *READ, 403, 404))
@requires(MANAGE_USERS)
def get_user(request, user_id: int):
    return selectors.user_get(user_id=user_id)


@router.put("/{user_id}", response=answers({200: UserOut}, *WRITE, 404))
@requires(MANAGE_USERS)
def replace_user(request, user_id: int, payload: UserIn):
    changes = payload.dict()
    for field in ("password", "language"):  # PUT keeps these unless new ones are given
        if changes[field] is None:
            del changes[field]
    services.user_update(user=selectors.user_get(user_id=user_id), **changes)
    return selectors.user_get(user_id=user_id)


@router.patch("/{user_id}", response=answers({200: UserOut}, *WRITE, 404))
@requires(MANAGE_USERS)
def update_user(request, user_id: int, payload: UserPatch):
    changes = reject_nulls(payload.dict(exclude_unset=True), NOT_NULL_ON_PATCH)
    services.user_update(user=selectors.user_get(user_id=user_id), **changes)
    return selectors.user_get(user_id=user_id)
