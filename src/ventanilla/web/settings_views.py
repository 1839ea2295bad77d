"""The Settings screen (ADMIN): each line's name and number, pausing its bot, and auto-close.

Thin like hours_views.py: parse the form, call one service, redirect; bad input renders the page
again with the field errors and writes nothing. Lines change through providers.sessions (the same
calls as /api/bot/metadata and /api/bot/pause, so the same `session:status` events reach the
consoles); auto-close through schedules.services.auto_close_update, read back on every run.
"""

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from ventanilla.conversations import selectors as conversation_selectors
from ventanilla.conversations import services as conversation_services
from ventanilla.conversations.permissions import MANAGE_FOLLOW_UP
from ventanilla.core.errors import BadGateway, InvalidInput
from ventanilla.providers import capabilities, sessions
from ventanilla.providers import selectors as line_selectors
from ventanilla.providers import services as line_services
from ventanilla.providers.models import Line
from ventanilla.providers.permissions import MANAGE_LINES, SYNC_TEMPLATES
from ventanilla.schedules import selectors as schedule_selectors
from ventanilla.schedules import services as schedule_services
from ventanilla.schedules.permissions import MANAGE_AUTO_CLOSE
from ventanilla.web.access import requires
from ventanilla.web.forms import write_form
from ventanilla.web.settings_forms import AutoCloseForm, FollowUpForm, LineForm, PauseForm
from ventanilla.web.views import _found

SECTION = "settings"
AUTO_CLOSE_ANCHOR = "auto-close"


def _back(anchor: str):
    return redirect(f"{reverse('settings')}#{anchor}")


def _line_name(line: Line) -> str:
    return line.display_name or line.get_provider_display()


def _page(
    request,
    *,
    line_form: LineForm | None = None,
    auto_close_form=None,
    follow_up_form=None,
    status=200,
):
    """The whole screen; a form given here (bound, with its errors) replaces the fresh one."""
    current = schedule_selectors.auto_close_get()
    follow_up = conversation_selectors.follow_up_get()
    default_minutes = schedule_selectors.auto_close_default_minutes()
    cards = []
    for line in line_selectors.line_list():
        form = line_form if line_form is not None and line_form.line.pk == line.pk else None
        cards.append(
            {
                "line": line,
                "name": _line_name(line),
                "form": form or LineForm.for_line(line),
                "templates": line_selectors.template_summary(line=line)
                if capabilities.of(line).message_templates
                else None,
            }
        )
    context = {
        "section": SECTION,
        "lines": cards,
        "auto_close": current,
        "auto_close_form": auto_close_form
        or AutoCloseForm.for_current(current, default_minutes=default_minutes),
        "auto_close_saved": current.minutes_saved or current.message_saved,
        "follow_up": follow_up,
        "follow_up_form": follow_up_form
        or FollowUpForm(initial={"reopen_hours": follow_up.reopen_hours}),
    }
    return render(request, "web/settings/page.html", context, status=status)


@requires(MANAGE_LINES)
@require_GET
def settings_page(request):
    return _page(request)


# --- Lines -------------------------------------------------------------------------------------


@requires(MANAGE_LINES)
@require_POST
def settings_line(request, line_id: int):
    line = _found(line_selectors.line_get, line_id=line_id)
    form = LineForm.for_line(line, data=request.POST)
    written = write_form(form, sessions.session_update_metadata, line=line)
    if written:
        line = written.result
        messages.success(request, _("Línea «%(name)s» guardada.") % {"name": _line_name(line)})
        return _back(f"line-{line.pk}")
    return _page(request, line_form=form, status=422)


@requires(MANAGE_LINES)
@require_POST
def settings_line_pause(request, line_id: int):
    line = _found(line_selectors.line_get, line_id=line_id)
    form = PauseForm(request.POST)
    if not form.is_valid():
        raise BadRequest("paused must be 1 or 0")
    line = sessions.session_pause(line=line, paused=form.cleaned_data["paused"])
    if line.paused:
        text = _(
            "Bot en pausa en «%(name)s»: no responde solo; los mensajes se siguen guardando "
            "y mostrando."
        )
    else:
        text = _("Bot reanudado en «%(name)s».")
    messages.success(request, text % {"name": _line_name(line)})
    return _back(f"line-{line.pk}")


@requires(SYNC_TEMPLATES)
@require_POST
def settings_line_templates(request, line_id: int):
    """Reads the line's message templates from its WhatsApp Business Account now."""
    line = _found(line_selectors.line_get, line_id=line_id)
    try:
        count = line_services.templates_sync(line=line)
    except (InvalidInput, BadGateway) as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request,
            ngettext(
                "«%(name)s»: %(count)d plantilla leída de WhatsApp.",
                "«%(name)s»: %(count)d plantillas leídas de WhatsApp.",
                count,
            )
            % {"name": _line_name(line), "count": count},
        )
    return _back(f"line-{line.pk}")


# --- Auto-close --------------------------------------------------------------------------------


@requires(MANAGE_AUTO_CLOSE)
@require_POST
def settings_auto_close(request):
    form = AutoCloseForm(
        request.POST, default_minutes=schedule_selectors.auto_close_default_minutes()
    )
    if write_form(form, schedule_services.auto_close_update, by=request.user):
        messages.success(request, _("Cierre automático guardado."))
        return _back(AUTO_CLOSE_ANCHOR)
    return _page(request, auto_close_form=form, status=422)


@requires(MANAGE_AUTO_CLOSE)
@require_POST
def settings_auto_close_reset(request):
    """Back to AUTO_CLOSE_MINUTES and AUTO_CLOSE_MESSAGE."""
    schedule_services.auto_close_update(by=request.user, minutes=None, message=None)
    messages.success(request, _("El cierre automático vuelve a los valores del entorno."))
    return _back(AUTO_CLOSE_ANCHOR)


# --- Follow-up ---------------------------------------------------------------------------------


@requires(MANAGE_FOLLOW_UP)
@require_POST
def settings_follow_up(request):
    form = FollowUpForm(request.POST)
    if write_form(form, conversation_services.follow_up_update, by=request.user):
        messages.success(request, _("Seguimiento guardado."))
        return _back("follow-up")
    return _page(request, follow_up_form=form, status=422)
