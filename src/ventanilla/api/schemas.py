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


def reject_nulls(changes: dict, fields: tuple[str, ...]) -> dict:
    """A PATCH may omit these fields but may not set them to null."""
    for field in fields:
        if field in changes and changes[field] is None:
            raise InvalidInput.field(field, null_text())
    return changes
