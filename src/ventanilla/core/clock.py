"""The one source of "now", so tests can move time instead of sleeping."""

from django.utils import timezone


def now():
    return timezone.now()
