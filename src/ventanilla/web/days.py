"""How the console names a day: "Hoy", "Ayer", else the date."""

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _


def day_label(date: datetime.date, today: datetime.date) -> str:
    if date == today:
        return _("Hoy")
    if date == today - datetime.timedelta(days=1):
        return _("Ayer")
    return date_format(date, "DATE_FORMAT")
