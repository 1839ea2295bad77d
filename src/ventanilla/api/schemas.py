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
READ = (401, 422)  # no session; a path or query value of the wrong type
UNSAFE = (401, 403, 413, 422)  # also the CSRF check (403) and a body over the limit (413)
WRITE = (400, *UNSAFE)  # a JSON body that cannot be read


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
