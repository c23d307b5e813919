"""Tags for the panels the event pages include (a fixed number of queries each)."""

from __future__ import annotations

from django import template

from groupwork import materials, selectors

register = template.Library()


@register.simple_tag
def my_group(event, user):
    """The person's own group once the organizer locked the plan; None otherwise."""
    return selectors.my_group(event, user)


@register.simple_tag
def group_plan(event):
    return selectors.plan_for(event)


@register.simple_tag
def visible_materials(event, user):
    return materials.visible_to(event, user)


@register.simple_tag
def can_add_materials(event, user):
    return materials.can_add(user, event)
