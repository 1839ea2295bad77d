"""The Webhooks screen (ADMIN): subscriptions to the desk's events; create, edit, delete, ping,
and each one's deliveries with a resend button.

Thin like hours_views.py: parse the form, call one integrations service or selector, render."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ventanilla.core.errors import Conflict
from ventanilla.integrations import selectors, services
from ventanilla.integrations.models import DeliveryStatus
from ventanilla.integrations.permissions import MANAGE_WEBHOOKS
from ventanilla.web.access import requires
from ventanilla.web.forms import form_status, write_form
from ventanilla.web.views import _found, _keyset_page
from ventanilla.web.webhook_forms import WebhookForm

SECTION = "settings"  # reached from the Settings screen (its "Integraciones" section)


def _subscription(subscription_id: int):
    return _found(selectors.subscription_get, subscription_id=subscription_id)


@requires(MANAGE_WEBHOOKS)
@require_GET
def webhook_list(request):
    context = {"section": SECTION, "subscriptions": list(selectors.subscription_list())}
    return render(request, "web/webhooks/list.html", context)


@requires(MANAGE_WEBHOOKS)
@require_http_methods(["GET", "POST"])
def webhook_create(request):
    form = WebhookForm(request.POST if request.method == "POST" else None)
    written = write_form(form, services.subscription_create)
    if written:
        messages.success(request, _("Webhook creado. Copiá su secreto para verificar las firmas."))
        return redirect("webhook_edit", written.result.pk)
    context = {"section": SECTION, "form": form, "editing": None}
    return render(request, "web/webhooks/form.html", context, status=form_status(form))


@requires(MANAGE_WEBHOOKS)
@require_http_methods(["GET", "POST"])
def webhook_edit(request, subscription_id: int):
    subscription = _subscription(subscription_id)
    data = request.POST if request.method == "POST" else None
    form = WebhookForm.for_subscription(subscription, data=data)
    written = write_form(form, services.subscription_update, subscription=subscription)
    if written:
        messages.success(request, _("Webhook guardado."))
        return redirect("webhooks")
    context = {"section": SECTION, "form": form, "editing": subscription}
    return render(request, "web/webhooks/form.html", context, status=form_status(form))


@requires(MANAGE_WEBHOOKS)
@require_http_methods(["GET", "POST"])
def webhook_delete(request, subscription_id: int):
    """GET asks for confirmation; POST deletes."""
    subscription = _subscription(subscription_id)
    if request.method == "POST":
        services.subscription_delete(subscription=subscription)
        messages.success(request, _("Webhook borrado."))
        return redirect("webhooks")
    context = {"section": SECTION, "subscription": subscription}
    return render(request, "web/webhooks/delete.html", context)


@requires(MANAGE_WEBHOOKS)
@require_POST
def webhook_ping(request, subscription_id: int):
    ping = services.subscription_ping(subscription=_subscription(subscription_id))
    answer = ping.last_status_code or ping.last_answer
    if ping.status == DeliveryStatus.DELIVERED:
        messages.success(request, _("Ping entregado: respondió %(answer)s.") % {"answer": answer})
    else:
        messages.error(request, _("El ping falló: %(answer)s.") % {"answer": answer})
    return redirect("webhook_deliveries", subscription_id)


@requires(MANAGE_WEBHOOKS)
@require_GET
def webhook_deliveries(request, subscription_id: int):
    subscription = _subscription(subscription_id)
    status = request.GET.get("status", "")
    status = status if status in DeliveryStatus.values else ""
    rows = selectors.delivery_list(subscription=subscription, status=status)
    page, next_cursor = _keyset_page(rows, ("-id",), request.GET.get("cursor"))
    context = {
        "section": SECTION,
        "subscription": subscription,
        "deliveries": page,
        "status": status,
        "statuses": DeliveryStatus.choices,
        "next_cursor": next_cursor,
        "paged": bool(request.GET.get("cursor")),
    }
    return render(request, "web/webhooks/deliveries.html", context)


@requires(MANAGE_WEBHOOKS)
@require_POST
def webhook_resend(request, subscription_id: int, delivery_id: int):
    subscription = _subscription(subscription_id)
    delivery = _found(selectors.delivery_get, subscription=subscription, delivery_id=delivery_id)
    try:
        services.delivery_resend(delivery=delivery)
    except Conflict as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Envío %(id)s reenviado.") % {"id": delivery.pk})
    return redirect("webhook_deliveries", subscription_id)
