"""The one place the flow reads the time (tests move it forward instead of sleeping)."""

from django.utils import timezone


def now():
    return timezone.now()
