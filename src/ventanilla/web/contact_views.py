"""The Contacts screen (ADMIN and SUPERVISOR): search, create, edit, delete, import, export.

Thin like views.py: parse the form, call one service or selector, render. The import runs twice:
first as a dry run whose report is the preview, then, when confirmed, for real with the same text
(carried back in a hidden textarea, never stored on the server).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ventanilla.accounts import selectors as account_selectors
from ventanilla.contacts import importing, services
from ventanilla.contacts.permissions import MANAGE_CONTACTS
from ventanilla.conversations import contact_selectors
from ventanilla.conversations import selectors as conversation_selectors
from ventanilla.core.errors import Conflict, DomainError
from ventanilla.web.access import requires
from ventanilla.web.contact_forms import ContactForm, ContactImportForm
from ventanilla.web.forms import add_service_errors, form_status, write_form
from ventanilla.web.views import _found, _keyset_page

SECTION = "contacts"


def _contact(request, contact_id: int):
    return _found(
        contact_selectors.contact_get_for, viewer_user=request.user, contact_id=contact_id
    )


def _areas() -> list:
    return list(account_selectors.area_list())


# --- List ------------------------------------------------------------------------------------


@requires(MANAGE_CONTACTS)
@require_GET
def contact_list(request):
    q = request.GET.get("q", "").strip()
    contacts = contact_selectors.contact_search(viewer_user=request.user, q=q)
    rows, next_cursor = _keyset_page(contacts, ("name", "id"), request.GET.get("cursor"))
    context = {
        "section": SECTION,
        "contacts": rows,
        "q": q,
        "next_cursor": next_cursor,
        "paged": bool(request.GET.get("cursor")),
    }
    if request.htmx and request.htmx.target == "contact-results":
        return render(request, "web/contacts/_results.html", context)
    return render(request, "web/contacts/list.html", context)


# --- Create, edit, delete ----------------------------------------------------------------------


@requires(MANAGE_CONTACTS)
@require_http_methods(["GET", "POST"])
def contact_create(request):
    form = ContactForm(request.POST if request.method == "POST" else None, areas=_areas())
    written = write_form(form, services.contact_create)
    if written:
        contact = written.result
        messages.success(request, _("Contacto «%(name)s» creado.") % {"name": contact.name})
        return redirect("contacts")
    status = form_status(form)
    context = {"section": SECTION, "form": form, "editing": None}
    return render(request, "web/contacts/form.html", context, status=status)


@requires(MANAGE_CONTACTS)
@require_http_methods(["GET", "POST"])
def contact_edit(request, contact_id: int):
    contact = _contact(request, contact_id)
    data = request.POST if request.method == "POST" else None
    form = ContactForm.for_contact(contact, areas=_areas(), data=data)
    written = write_form(form, services.contact_update, contact=contact)
    if written:
        messages.success(request, _("Contacto «%(name)s» guardado.") % {"name": contact.name})
        return redirect("contacts")
    status = form_status(form)
    context = {
        "section": SECTION,
        "form": form,
        "editing": contact,
        "conversations": conversation_selectors.contact_conversations_latest(
            user=request.user, contact_id=contact.pk
        ),
    }
    return render(request, "web/contacts/form.html", context, status=status)


@requires(MANAGE_CONTACTS)
@require_http_methods(["GET", "POST"])
def contact_delete(request, contact_id: int):
    """GET asks for confirmation; POST deletes, unless the contact has conversations."""
    contact = _contact(request, contact_id)
    refusal = ""
    if request.method == "POST":
        try:
            services.contact_delete(contact=contact)
        except Conflict:
            refusal = _(
                "«%(name)s» tiene conversaciones, así que no se puede borrar: su historial se "
                "conserva. Si es el mismo cliente que otro contacto, unilos en lugar de borrarlo."
            ) % {"name": contact.name}
        else:
            messages.success(request, _("Contacto «%(name)s» borrado.") % {"name": contact.name})
            return redirect("contacts")
    context = {"section": SECTION, "contact": contact, "refusal": refusal}
    return render(request, "web/contacts/delete.html", context, status=409 if refusal else 200)


# --- Import ----------------------------------------------------------------------------------


def _import_page(request, form, *, report=None, fmt=None, text="", status=200):
    context = {
        "section": SECTION,
        "form": form,
        "report": report,
        "fmt": fmt or "",
        "text": text,
        "max_mb": importing.MAX_BYTES // (1024 * 1024),
    }
    return render(request, "web/contacts/import.html", context, status=status)


@requires(MANAGE_CONTACTS)
@require_GET
def contact_import(request):
    return _import_page(request, ContactImportForm())


@requires(MANAGE_CONTACTS)
@require_POST
def contact_import_run(request):
    """A dry run (the preview) or, with `confirm`, the import itself; both show the report."""
    form = ContactImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form, status=422)
    dry_run = not form.cleaned_data["confirm"]
    try:
        fmt, text = form.content()
        report = importing.contacts_import_payload(fmt=fmt, payload=text, dry_run=dry_run)
    except DomainError as error:
        add_service_errors(form, error)
        return _import_page(request, form, status=error.status)
    if not dry_run:
        messages.success(request, _("Importación terminada."))
        form = ContactImportForm()
    return _import_page(request, form, report=report, fmt=fmt, text=text)
