import uuid

from ninja import Field, Query, Schema, Status

from ventanilla.api.schemas import LIST, WRITE, answers
from ventanilla.api.security import Router, requires
from ventanilla.inbound import sandbox
from ventanilla.inbound.permissions import DRIVE_SANDBOX

router = Router(tags=["sandbox"])


class CustomerWrites(Schema):
    from_phone: str = Field(..., alias="from", min_length=1, max_length=40)
    name: str = Field("", max_length=150)
    text: str = Field(..., min_length=1, max_length=4096)


class Written(Schema):
    message_id: int
    conversation_id: int


class Received(Schema):
    id: int
    type: str
    text: str
    payload: dict
    status: str
    created_at: str


class ReceivedList(Schema):
    items: list[Received]


class PhoneQuery(Schema):
    phone: str


@router.post("/messages", response=answers({201: Written}, *WRITE, 404))
@requires(DRIVE_SANDBOX)
def customer_writes(request, payload: CustomerWrites):
    """A customer writes to the sandbox line, through the same pipeline as real webhooks.
    Beside a real line, admins only; 404 when the installation has no sandbox line."""
    message = sandbox.customer_writes(
        phone=payload.from_phone, name=payload.name, text=payload.text, message_id=uuid.uuid4().hex
    )
    return Status(201, {"message_id": message.pk, "conversation_id": message.conversation_id})


@router.get("/messages", response=answers({200: ReceivedList}, *LIST, 403, 404))
@requires(DRIVE_SANDBOX)
def customer_received(request, query: Query[PhoneQuery]):
    """What the sandbox customer with this phone has received, oldest first (reading it reports
    nothing to the desk). Beside a real line, admins only."""
    return {"items": sandbox.customer_received(phone=query.phone)}
