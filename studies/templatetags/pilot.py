"""``{% pilot_steps participant as targets %}``: the steps a pilot session may jump to."""

from __future__ import annotations

from django import template

from ..pilots import jump_targets

register = template.Library()


@register.simple_tag
def pilot_steps(participant):
    return jump_targets(participant)
