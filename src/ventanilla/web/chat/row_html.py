"""A chat list row as HTML, built in Python: the list renders up to 50 rows per request and the
template engine spent about half of a search's CPU resolving their ~30 values each
(docs/performance.md, message search). Every value is escaped here as the template escaped it."""

import html

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ventanilla.web.chat.rows import Row


def _escaped(value) -> str:
    """Django's `conditional_escape` without its lazy-argument wrapper (a tenth of a row's cost):
    `html.escape` is what Django's `escape` runs."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _optional(condition, markup: str) -> str:
    return markup if condition else ""


def _tags(row: Row, e) -> str:
    """The row's tags: status, target, why it waits, who has it, area, labels, DNI."""
    due_at, dni = row["due_at"], row["dni"]
    due_state = _optional(row["due_state"], f" tag--{e(row['due_state'])}")
    due = _optional(
        due_at,
        f'<span class="tag tag--due{due_state}" data-due-kind="{e(row["due_kind"])}" '
        f'title="{e(row["due_title"])}"><time class="chat-item__due" datetime="{e(due_at)}">'
        f"{e(row['due'])}</time></span>",
    )
    labels = "".join(
        f'<span class="tag tag--label tag--label-{e(label["color"])}">{e(label["name"])}</span>'
        for label in row["labels"]
    )
    dni_label = e(_("DNI"))
    return (
        f'<span class="tag tag--{e(row["status"])}">{e(row["status_label"])}</span>\n      '
        f"{due}\n      "
        + _optional(
            row["waits_for"],
            f'<span class="tag tag--why" title="{e(row["waits_for"])}">'
            f"{e(row['waits_for'])}</span>",
        )
        + "\n      "
        + _optional(row["who"], f'<span class="tag tag--who">{e(row["who"])}</span>')
        + "\n      "
        + _optional(row["area"], f'<span class="tag tag--area">{e(row["area"])}</span>')
        + f"\n      {labels}\n      "
        + _optional(
            dni,
            f'<span class="chat-item__more"><span class="tag tag--dni">{dni_label} '
            f"{e(dni)}</span></span>",
        )
    )


def row_html(row: Row) -> SafeString:
    """The `<a class="chat-item">` of `row`, equal to what its former template rendered."""
    e = _escaped
    unread, waiting_since = row["unread"], row["waiting_since"]
    # texts to translate stay outside the f-strings, where makemessages finds them
    waiting_title, waiting_label = _("El cliente espera una respuesta"), _("Esperando")
    found_title = _("Mensaje encontrado")
    waiting = _optional(
        waiting_since,
        f'<span class="tag tag--waiting" title="{e(waiting_title)}">'
        f'{e(waiting_label)} <time class="chat-item__waited" datetime="{e(waiting_since)}">'
        f"{e(row['waiting'])}</time></span>",
    )
    unread_badge = _optional(
        unread,
        f'<span class="chat-item__unread"><span aria-hidden="true">{e(unread)}</span>'
        f'<span class="visually-hidden">{e(row["unread_label"])}</span></span>',
    )
    match = _optional(
        row["match"],
        f'<span class="chat-item__match" title="{e(found_title)}">{e(row["match"])}</span>',
    )
    prefix = _optional(row["prefix"], f'<span class="chat-item__prefix">{e(row["prefix"])}</span>')
    href = e(row["href"])
    waiting_attribute = _optional(waiting_since, f' data-waiting-since="{e(waiting_since)}"')
    return mark_safe(  # noqa: S308 - every value above went through _escaped
        f'<a class="chat-item{_optional(unread, " chat-item--unread")}" id="conv-{e(row["id"])}"\n'
        f'   href="{href}" hx-get="{href}" hx-target="#chat-pane" hx-push-url="true"\n'
        f'   data-id="{e(row["id"])}" data-activity="{e(row["activity"])}" '
        f'data-status="{e(row["status"])}" data-assigned="{e(row["assigned"])}" '
        f'data-unread="{e(unread)}" data-name="{e(row["name"])}"{waiting_attribute}>\n'
        f'  <span class="avatar chat-item__avatar" aria-hidden="true">{e(row["initial"])}</span>\n'
        f'  <span class="chat-item__body">\n'
        f'    <span class="chat-item__line">\n'
        f'      <span class="chat-item__name">{e(row["name"])}</span>\n'
        f'      <time class="chat-item__time" datetime="{e(row["activity"])}" '
        f'title="{e(row["activity_title"])}">{e(row["when"])}</time>\n'
        f"    </span>\n"
        f'    <span class="chat-item__line">\n'
        f'      <span class="chat-item__preview">{prefix}{e(row["preview"] or "—")}</span>\n'
        f"      {waiting}\n"
        f"      {unread_badge}\n"
        f"    </span>\n"
        f"    {match}\n"
        f'    <span class="chat-item__tags">\n'
        f"      {_tags(row, e)}\n"
        f"    </span>\n"
        f"  </span>\n"
        f"</a>\n"
    )
