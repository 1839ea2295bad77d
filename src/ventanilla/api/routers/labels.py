from ninja import Schema, Status

from ventanilla.api.schemas import LIST, WRITE, answers, reject_nulls
from ventanilla.api.security import Router, requires
from ventanilla.conversations import labels, selectors
from ventanilla.conversations.permissions import MANAGE_LABELS
from ventanilla.conversations.serializers import label_item
from ventanilla.core.permissions import SIGNED_IN

router = Router(tags=["labels"])


class LabelOut(Schema):
    id: int
    name: str
    color: str


class LabelList(Schema):
    items: list[LabelOut]


class LabelIn(Schema):
    name: str
    color: str = "gray"  # gray, red, orange, yellow, green, teal, blue, purple, pink


class LabelPatch(Schema):
    name: str | None = None
    color: str | None = None


@router.get("", response=answers({200: LabelList}, *LIST))
@requires(SIGNED_IN)
def list_labels(request):
    """Every label, by name: anyone who may see a conversation puts them on it."""
    return {"items": [label_item(label) for label in selectors.label_list()]}


@router.post("", response=answers({201: LabelOut}, *WRITE))
@requires(MANAGE_LABELS)
def create_label(request, payload: LabelIn):
    label = labels.label_create(by=request.auth, name=payload.name, color=payload.color)
    return Status(201, label_item(label))


@router.patch("/{label_id}", response=answers({200: LabelOut}, *WRITE, 404))
@requires(MANAGE_LABELS)
def update_label(request, label_id: int, payload: LabelPatch):
    changes = reject_nulls(payload.dict(exclude_unset=True), ("name", "color"))
    label = selectors.label_get(label_id=label_id)
    return label_item(labels.label_update(by=request.auth, label=label, **changes))


@router.delete("/{label_id}", response=answers({204: None}, *WRITE, 404))
@requires(MANAGE_LABELS)
def delete_label(request, label_id: int):
    """Deletes the label and takes it off every conversation."""
    labels.label_delete(by=request.auth, label=selectors.label_get(label_id=label_id))
    return Status(204, None)
