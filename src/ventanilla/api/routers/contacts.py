from datetime import datetime

from ninja import Query, Router, Schema, Status

from ventanilla.accounts.models import Role
from ventanilla.api.pagination import PageQuery, keyset_page
from ventanilla.api.schemas import AreaRef, reject_nulls
from ventanilla.api.security import require_role
from ventanilla.contacts import services
from ventanilla.conversations import contact_selectors
from ventanilla.core.errors import Forbidden

router = Router(tags=["contacts"])

STAFF = (Role.ADMIN, Role.SUPERVISOR)
AGENT_EDITABLE = frozenset({"name", "dni"})


class ContactOut(Schema):
    id: int
    name: str
    phone: str | None
    phone_verified: bool
    wa_user_id: str | None
    dni: str
    area: AreaRef | None
    created_at: datetime
    updated_at: datetime


class ContactPage(Schema):
    items: list[ContactOut]
    next: str | None


class ContactQuery(PageQuery):
    q: str = ""


class ContactIn(Schema):
    name: str
    phone: str | None = None
    dni: str | None = ""
    area_id: int | None = None
    wa_user_id: str | None = None


class ContactPatch(Schema):
    name: str | None = None
    phone: str | None = None
    dni: str | None = None
    area_id: int | None = None
    wa_user_id: str | None = None


@router.get("", response=ContactPage)
def list_contacts(request, query: Query[ContactQuery]):
    contacts = contact_selectors.contact_search(viewer_user=request.auth, q=query.q)
    items, next_cursor = keyset_page(contacts, ordering=("name", "id"), page=query)
    return {"items": items, "next": next_cursor}


@router.post("", response={201: ContactOut})
def create_contact(request, payload: ContactIn):
    require_role(request.auth, *STAFF)
    contact = services.contact_create(**payload.dict())
    return Status(
        201, contact_selectors.contact_get_for(viewer_user=request.auth, contact_id=contact.pk)
    )


@router.get("/{contact_id}", response=ContactOut)
def get_contact(request, contact_id: int):
    return contact_selectors.contact_get_for(viewer_user=request.auth, contact_id=contact_id)


@router.patch("/{contact_id}", response=ContactOut)
def update_contact(request, contact_id: int, payload: ContactPatch):
    contact = contact_selectors.contact_get_for(viewer_user=request.auth, contact_id=contact_id)
    changes = payload.dict(exclude_unset=True)
    if request.auth.role not in STAFF:
        refused = sorted(set(changes) - AGENT_EDITABLE)
        if refused:
            message = "Your role may change only the name and DNI of a contact."
            raise Forbidden(message, {field: [message] for field in refused})
    reject_nulls(changes, ("name",))
    services.contact_update(contact=contact, **changes)
    return contact_selectors.contact_get_for(viewer_user=request.auth, contact_id=contact_id)


@router.delete("/{contact_id}", response={204: None})
def delete_contact(request, contact_id: int):
    require_role(request.auth, *STAFF)
    contact = contact_selectors.contact_get_for(viewer_user=request.auth, contact_id=contact_id)
    services.contact_delete(contact=contact)
    return Status(204, None)
