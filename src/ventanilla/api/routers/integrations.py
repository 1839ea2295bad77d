"""Outgoing webhooks under /api/webhooks (admins): subscriptions, their deliveries' log, resend
and ping. docs/integrations.md#outgoing-webhooks."""

from datetime import datetime

from ninja import Query, Schema, Status

from ventanilla.api.pagination import PageQuery, keyset_page
from ventanilla.api.schemas import LIST, READ, WRITE, answers, reject_nulls
from ventanilla.api.security import Router, requires
from ventanilla.integrations import selectors, services
from ventanilla.integrations.permissions import MANAGE_WEBHOOKS

router = Router(tags=["webhooks"])


class SubscriptionOut(Schema):
    """A subscription; its secret is shown once, in the answer that created it."""

    id: int
    url: str
    description: str
    events: list[str]
    is_active: bool
    pending: int  # deliveries waiting to be sent (or retried)
    failed: int  # deliveries given up on
    created_at: datetime
    updated_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str


class SubscriptionPage(Schema):
    items: list[SubscriptionOut]
    next: str | None


class SubscriptionIn(Schema):
    url: str
    events: list[str]
    secret: str = ""  # empty: one is made
    description: str = ""
    is_active: bool = True


class SubscriptionPatch(Schema):
    url: str | None = None
    events: list[str] | None = None
    secret: str | None = None
    description: str | None = None
    is_active: bool | None = None


class DeliveryOut(Schema):
    id: int
    event: str
    sequence_key: str
    status: str
    attempts: int
    last_status_code: int | None
    last_answer: str
    next_attempt_at: datetime | None
    created_at: datetime
    attempted_at: datetime | None
    delivered_at: datetime | None
    give_up_at: datetime
    payload: dict


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next: str | None


class DeliveryQuery(PageQuery):
    status: str = ""


def _annotated(subscription_id: int):
    return selectors.subscription_get(subscription_id=subscription_id)


@router.get("", response=answers({200: SubscriptionPage}, *LIST, 403))
@requires(MANAGE_WEBHOOKS)
def list_webhooks(request, page: Query[PageQuery]):
    items, next_cursor = keyset_page(selectors.subscription_list(), ordering=("id",), page=page)
    return {"items": items, "next": next_cursor}


@router.post("", response=answers({201: SubscriptionCreated}, *WRITE))
@requires(MANAGE_WEBHOOKS)
def create_webhook(request, payload: SubscriptionIn):
    subscription = services.subscription_create(**payload.dict())
    created = _annotated(subscription.pk)
    created.secret = subscription.secret
    return Status(201, created)


@router.get("/{subscription_id}", response=answers({200: SubscriptionOut}, *READ, 403, 404))
@requires(MANAGE_WEBHOOKS)
def get_webhook(request, subscription_id: int):
    return _annotated(subscription_id)


@router.patch("/{subscription_id}", response=answers({200: SubscriptionOut}, *WRITE, 404))
@requires(MANAGE_WEBHOOKS)
def update_webhook(request, subscription_id: int, payload: SubscriptionPatch):
    changes = payload.dict(exclude_unset=True)
    changes = reject_nulls(changes, tuple(changes))
    subscription = services.subscription_update(
        subscription=selectors.subscription_get(subscription_id=subscription_id), **changes
    )
    return _annotated(subscription.pk)


@router.delete("/{subscription_id}", response=answers({204: None}, *WRITE, 404))
@requires(MANAGE_WEBHOOKS)
def delete_webhook(request, subscription_id: int):
    services.subscription_delete(
        subscription=selectors.subscription_get(subscription_id=subscription_id)
    )
    return Status(204, None)


@router.post("/{subscription_id}/ping", response=answers({200: DeliveryOut}, *WRITE, 404))
@requires(MANAGE_WEBHOOKS)
def ping_webhook(request, subscription_id: int):
    """Sends a `ping` now and answers with its delivery: what the receiver answered."""
    subscription = selectors.subscription_get(subscription_id=subscription_id)
    return services.subscription_ping(subscription=subscription)


@router.get("/{subscription_id}/deliveries", response=answers({200: DeliveryPage}, *LIST, 403, 404))
@requires(MANAGE_WEBHOOKS)
def list_deliveries(request, subscription_id: int, query: Query[DeliveryQuery]):
    subscription = selectors.subscription_get(subscription_id=subscription_id)
    rows = selectors.delivery_list(subscription=subscription, status=query.status)
    items, next_cursor = keyset_page(rows, ordering=("-id",), page=query)
    return {"items": items, "next": next_cursor}


@router.get(
    "/{subscription_id}/deliveries/{delivery_id}",
    response=answers({200: DeliveryOut}, *READ, 403, 404),
)
@requires(MANAGE_WEBHOOKS)
def get_delivery(request, subscription_id: int, delivery_id: int):
    subscription = selectors.subscription_get(subscription_id=subscription_id)
    return selectors.delivery_get(subscription=subscription, delivery_id=delivery_id)


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/resend",
    response=answers({202: DeliveryOut}, *WRITE, 404, 409),
)
@requires(MANAGE_WEBHOOKS)
def resend_delivery(request, subscription_id: int, delivery_id: int):
    """Queues the delivery again (a new signature, retried for another day)."""
    subscription = selectors.subscription_get(subscription_id=subscription_id)
    delivery = selectors.delivery_get(subscription=subscription, delivery_id=delivery_id)
    return Status(202, services.delivery_resend(delivery=delivery))
