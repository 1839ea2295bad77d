"""Reads of outgoing webhooks (admins only; the doors declare MANAGE_WEBHOOKS)."""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from ventanilla.core.errors import InvalidInput, NotFound
from ventanilla.core.fields import MAX_ID
from ventanilla.integrations.models import Delivery, DeliveryStatus, Subscription


def subscription_list() -> QuerySet[Subscription]:
    """With each one's pending and failed deliveries counted (one query for the page)."""
    return Subscription.objects.annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
    ).order_by("id")


def subscription_get(*, subscription_id: int) -> Subscription:
    subscription = (
        subscription_list().filter(pk=subscription_id).first()
        if 1 <= subscription_id <= MAX_ID
        else None
    )
    if subscription is None:
        raise NotFound(_("No existe el webhook %(id)s.") % {"id": subscription_id})
    return subscription


def delivery_list(*, subscription: Subscription, status: str = "") -> QuerySet[Delivery]:
    """Newest first; `status` one of DeliveryStatus, or "" for all."""
    if status and status not in DeliveryStatus.values:
        raise InvalidInput.field(
            "status", _("Usá %(values)s.") % {"values": ", ".join(DeliveryStatus.values)}
        )
    rows = Delivery.objects.filter(subscription=subscription)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-id")


def delivery_get(*, subscription: Subscription, delivery_id: int) -> Delivery:
    delivery = (
        Delivery.objects.filter(subscription=subscription, pk=delivery_id).first()
        if 1 <= delivery_id <= MAX_ID
        else None
    )
    if delivery is None:
        raise NotFound(_("No existe el envío %(id)s.") % {"id": delivery_id})
    return delivery
