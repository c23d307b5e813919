"""Tags for the panels the event pages include (a fixed number of queries each)."""

from __future__ import annotations

from django import template

from groupwork import selectors

register = template.Library()


@register.simple_tag
def my_group(event, user):
    """The person's own group once the organizer locked the plan; None otherwise."""
    return selectors.my_group(event, user)


@register.simple_tag
def group_plan(event):
    return selectors.plan_for(event)
