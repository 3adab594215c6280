"""Answers of a refused submit shown again: ``flow._invalid`` passes the posted ``values`` back,
and a step template pre-checks radios with ``{% checked values name option %}`` and refills
textareas and inputs with ``{% posted values name %}`` (escaped like any variable)."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def posted(values, name) -> str:
    """The value posted for ``name`` ('' when nothing was posted)."""
    return (values or {}).get(str(name), "")


@register.simple_tag
def checked(values, name, option) -> str:
    """`` checked`` when the posted value of ``name`` is ``option``."""
    return mark_safe(" checked") if posted(values, name) == str(option) else ""
