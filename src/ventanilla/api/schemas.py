"""Output shapes shared by several routers."""

from ninja import Schema

from ventanilla.core.errors import InvalidInput, null_text


class AreaRef(Schema):
    id: int
    name: str


class UserOut(Schema):
    id: int
    username: str
    name: str
    email: str | None
    role: str
    areas: list[AreaRef]
    default_area_id: int | None
    is_active: bool
    availability: str
    max_open_conversations: int | None
    language: str  # "" follows the browser, then LANGUAGE_CODE

    @staticmethod
    def resolve_areas(user) -> list[dict]:
        return [{"id": area.pk, "name": area.name} for area in user.areas.all()]


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]]


# The error statuses whole kinds of routes share (docs/api.md, "Errors"):
READ = (401, 422)  # no session; a path value of the wrong type
LIST = (400, *READ)  # a query string: one with too many fields cannot be read
WRITE = (400, 401, 403, 413, 422)  # a body or form that cannot be read, CSRF, a body too large


def answers(ok: dict, *errors: int) -> dict:
    """A route's `response=`: its success answers, then every error status it may give, each in
    the one error shape, so /api/openapi.json documents what a client can get back."""
    return {**ok, **dict.fromkeys(sorted(set(errors)), ErrorOut)}


def reject_nulls(changes: dict, fields: tuple[str, ...]) -> dict:
    """A PATCH may omit these fields but may not set them to null."""
    for field in fields:
        if field in changes and changes[field] is None:
            raise InvalidInput.field(field, null_text())
    return changes
