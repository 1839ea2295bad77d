"""The audit trail screen (ADMIN): newest first, filtered by action, person, kind and dates."""

from datetime import datetime, time, timedelta

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ventanilla.accounts import selectors
from ventanilla.accounts.permissions import SEE_AUDIT
from ventanilla.core import audit
from ventanilla.core.errors import InvalidInput
from ventanilla.core.pagination import PageQuery, keyset_page
from ventanilla.web.access import requires
from ventanilla.web.forms import ConsoleForm

PAGE_SIZE = 50


class AuditFilterForm(ConsoleForm):
    action = forms.ChoiceField(label=gettext_lazy("Acción"), required=False)
    actor_id = forms.TypedChoiceField(
        label=gettext_lazy("Quién"), required=False, coerce=int, empty_value=None
    )
    since = forms.DateField(
        label=gettext_lazy("Desde"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("Hasta"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Todas")), *audit.ACTIONS.items()]
        self.fields["actor_id"].choices = [("", _("Cualquiera"))] + [
            (person.pk, person.username) for person in people
        ]

    def filters(self) -> dict:
        values = self.cleaned_data if self.is_valid() else {}
        since, until = values.get("since"), values.get("until")
        return {
            "action": values.get("action") or "",
            "actor_id": values.get("actor_id"),
            "since": _day_start(since) if since else None,
            "until": _day_start(until + timedelta(days=1)) if until else None,
        }


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@requires(SEE_AUDIT)
@require_GET
def audit_list(request):
    form = AuditFilterForm(request.GET or None, people=selectors.user_list().prefetch_related(None))
    filters = form.filters() if form.is_bound else {}
    try:
        entries, next_cursor = keyset_page(
            audit.entries(**filters),
            ordering=("-created_at", "-id"),
            page=PageQuery(PAGE_SIZE, request.GET.get("cursor")),
        )
    except InvalidInput as error:
        raise Http404(_("Página inexistente.")) from error
    for entry in entries:
        entry.label = audit.ACTIONS.get(entry.action, entry.action)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "section": "users",
        "form": form,
        "entries": entries,
        "next_cursor": next_cursor,
        "paged": bool(request.GET.get("cursor")),
        "filter_query": query.urlencode(),
    }
    return render(request, "web/audit/list.html", context)
